import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PositionChange } from '../../src/engine/position-book/change.ts';
import { TidWindow } from '../../src/engine/position-book/tid-window.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { parseRecordLine, readRecordingBatches } from '../../src/recording/reader.ts';
import { WalletTable } from '../../src/venues/hyperliquid/wallet-table.ts';

/**
 * The book keeps each paired wallet's slots beside its number in the scanner's table
 * (WalletTable.slot, PositionBook.slotOfRef) and files a new slot without reading its own rows
 * when the table says the wallet has fewer than `places`; the scanner looks a trade's two users
 * up together (WalletTable.findTwo). Both must give exactly what the general path gives, also
 * when a wallet's first slots came from messages the scanner declined (parsed whole, no numbers)
 * or from account snapshots, and when a wallet trades more coins than a row keeps.
 */

const COINS = ['BTC', 'ETH', 'SOL', 'DOGE', 'XRP', 'AVAX', 'LINK', 'WIF', 'ENA', 'SUI', 'HYPE', 'ARB', 'OP', 'TIA'];

function address(i: number): string {
  return `0x${i.toString(16).padStart(8, '0')}${'ab'.repeat(16)}`;
}

type Step =
  | { kind: 'trade'; coin: number; buyer: number; seller: number; sz: number; spaced: boolean }
  | { kind: 'snapshot'; wallet: number; coins: number[] };

function line(step: Step, i: number): string {
  const ts = 1_790_000_000_000 + i * 100;
  if (step.kind === 'trade') {
    const t = `{"coin":"${COINS[step.coin]}","side":"${i % 2 === 0 ? 'B' : 'A'}","px":"${100 + (i % 7)}.5","sz":"${step.sz}.25","time":${ts},"hash":"0x${'0'.repeat(64)}","tid":${1000 + i},"users":["${address(step.buyer)}","${address(step.seller)}"]}`;
    // A frame with a space after its first key is declined by the scanner: the general path reads it.
    const msg = step.spaced ? `{"channel": "trades","data":[${t}]}` : `{"channel":"trades","data":[${t}]}`;
    return `{"ts":${ts},"venue":"hyperliquid","msg":${msg}}`;
  }
  const positions = step.coins.map(
    (c, k) =>
      `{"type":"oneWay","position":{"coin":"${COINS[c]}","szi":"${k % 2 === 0 ? '' : '-'}${k + 1}.5","leverage":{"type":"cross","value":10},"entryPx":"100.0","positionValue":"150.0","unrealizedPnl":"0.0","returnOnEquity":"0.0","liquidationPx":null,"marginUsed":"15.0","maxLeverage":50}}`,
  );
  const account = '{"accountValue":"1000.0","totalNtlPos":"0.0","totalRawUsd":"0.0","totalMarginUsed":"0.0"}';
  const msg = `{"request":{"type":"clearinghouseState","user":"${address(step.wallet)}"},"response":{"marginSummary":${account},"crossMarginSummary":${account},"crossMaintenanceMarginUsed":"1.0","withdrawable":"0.0","assetPositions":[${positions.join(',')}],"time":${ts}}}`;
  return `{"ts":${ts},"venue":"hyperliquid","msg":${msg}}`;
}

const WALLETS = 7;
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        coin: fc.nat(COINS.length - 1),
        buyer: fc.nat(WALLETS - 1),
        seller: fc.nat(WALLETS - 1),
        sz: fc.integer({ min: 1, max: 9 }),
        spaced: fc.boolean(),
      })
      .map((t) => ({ kind: 'trade' as const, ...t })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ wallet: fc.nat(WALLETS - 1), coins: fc.uniqueArray(fc.nat(COINS.length - 1), { maxLength: 10 }) })
      .map((s) => ({ kind: 'snapshot' as const, ...s })),
  },
);

function bookState(p: Pipeline): unknown {
  const b = p.book;
  const slots: unknown[] = [];
  for (let s = 0; s < b.slotCount; s++) slots.push([b.walletOf(s), b.coinOf(s), b.sziAt(s), b.entryAt(s), b.knownAt(s), b.leverageAt(s)]);
  const perWallet: number[][] = [];
  for (let w = 0; w < b.wallets.size; w++) {
    const list: number[] = [];
    for (let i = 0; i < b.slotCountOf(w); i++) list.push(b.walletSlot(w, i));
    perWallet.push(list);
  }
  return { names: [...b.wallets.names], slots, perWallet, positions: b.positions(), summary: p.summary() };
}

test('a paired Pipeline (slots kept in the scanner table) gives the general path’s every change, ids and slots', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-paired-slots-'));
  try {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 160, size: 'max' }), async (steps) => {
        const lines = steps.map(line);
        const file = join(dir, `r${run++}.ndjson`);
        writeFileSync(file, `${lines.join('\n')}\n`);
        const paired = new Pipeline();
        const got: PositionChange[] = [];
        paired.changes.subscribe((c) => got.push(c));
        let scanned = 0;
        for await (const batch of readRecordingBatches(file)) {
          for (const item of batch) {
            if ('bytes' in item) scanned++;
            paired.ingest(item);
          }
        }
        const general = new Pipeline();
        const want: PositionChange[] = [];
        general.changes.subscribe((c) => want.push(c));
        for (const [i, l] of lines.entries()) {
          const item = parseRecordLine(l, i + 1);
          assert.ok(item !== null && !('reason' in item));
          general.ingest(item);
        }
        assert.equal(paired.rejects + general.rejects, 0);
        assert.ok(scanned > 0 || steps.every((s) => s.kind === 'trade' && s.spaced));
        assert.deepStrictEqual(got, want);
        assert.deepStrictEqual(bookState(paired), bookState(general));
      }),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WalletTable.findTwo gives what find gives for each of the two addresses', () => {
  // Addresses sharing their first eight hex digits land on the same index place (the same first word).
  const pool = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `0x0000abcd${i.toString(16).padStart(32, 'e')}` : address(i * 7919)));
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.nat(pool.length - 1), { maxLength: 30, size: 'max' }),
      fc.array(fc.tuple(fc.nat(pool.length - 1), fc.nat(pool.length - 1), fc.nat(3)), { minLength: 1, maxLength: 20, size: 'max' }),
      (filed, asks) => {
        const t = new WalletTable();
        for (const i of filed) t.add(pool[i] as never);
        for (const [a, b, pad] of asks) {
          // `"A","B"` at an offset, as a trade's users are written.
          const text = `${' '.repeat(pad)}"${pool[a]}","${pool[b]}"]`;
          const bytes = Buffer.from(text, 'latin1');
          const first = t.findTwo(bytes, pad + 1, pad + 46);
          assert.equal(first, t.find(bytes, pad + 1));
          assert.equal(t.second, t.find(bytes, pad + 46));
          assert.equal(t.firstName, first >= 0 ? t.name(first) : null);
          assert.equal(t.secondName, t.second >= 0 ? t.name(t.second) : null);
          assert.equal(first, filed.indexOf(a)); // numbers are dense, in filing order
        }
      },
    ),
  );
});

test('WalletTable keeps a number’s first `places` slots in order, and says how many when a coin is not among them', () => {
  const t = new WalletTable();
  const ref = t.add(address(5) as never);
  assert.equal(t.slot(ref, 3), -1);
  for (let c = 0; c < t.places + 3; c++) t.setSlot(ref, c * 2, 100 + c);
  for (let c = 0; c < t.places; c++) assert.equal(t.slot(ref, c * 2), 100 + c);
  // Not kept: beyond the row, or never set; either way −1 − (number kept).
  assert.equal(t.slot(ref, 2 * t.places), -1 - t.places);
  assert.equal(t.slot(ref, 1), -1 - t.places);
  const other = t.add(address(6) as never);
  t.setSlot(other, 0, 7);
  assert.equal(t.slot(other, 0), 7);
  assert.equal(t.slot(other, 4), -2);
  // A coin number too large to keep: not kept, and the row says nothing more for that number.
  const third = t.add(address(7) as never);
  t.setSlot(third, 3, 30);
  t.setSlot(third, 0xffff, 31);
  t.setSlot(third, 4, 32);
  assert.equal(t.slot(third, 3), 30);
  assert.equal(t.slot(third, 0xffff), -1 - t.places);
  assert.equal(t.slot(third, 4), -1 - t.places);
  // Kept across the table's growth.
  for (let i = 0; i < 3000; i++) t.add(address(1000 + i) as never);
  assert.equal(t.slot(ref, 0), 100);
  assert.equal(t.slot(other, 0), 7);
  assert.equal(t.slot(t.size - 1, 0), -1);
});

test('TidWindow.addTrade answers as add of the buyer’s then the seller’s key, across turns and odd tids', () => {
  const tid = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 51 - 1 }) },
    { weight: 3, arbitrary: fc.nat(40) }, // re-deliveries
    { weight: 1, arbitrary: fc.constantFrom(-3, 2.5, 7.5, 2 ** 51, 2 ** 52 + 2, Number.NaN, -0) },
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(tid, fc.nat(5)), { minLength: 100, maxLength: 1500, size: 'max' }), (ops) => {
      const fused = new TidWindow(4); // 16 keys per table: a turn every few trades, also between two sides
      const plain = new TidWindow(4);
      for (const [t, k] of ops) {
        if (k === 0) {
          // A single fill's side in between.
          const key = TidWindow.key(t, t % 2 === 0 ? 'A' : 'B');
          assert.equal(fused.add(key), plain.add(key));
          continue;
        }
        const b = plain.add(TidWindow.key(t, 'B'));
        const a = plain.add(TidWindow.key(t, 'A'));
        assert.equal(fused.addTrade(t), (b ? 1 : 0) | (a ? 2 : 0), `tid ${t}`);
      }
    }),
    { numRuns: 200 },
  );
});
