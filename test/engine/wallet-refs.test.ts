import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MarketEvent, TradeEvent, WalletRef } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import type { DriftReport, PositionChange } from '../../src/engine/position-book/change.ts';
import { Pipeline, type PipelineSummary } from '../../src/pipeline/pipeline.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { recordLine } from '../../src/recording/format.ts';
import { parseRecordLine, scanRecordLine } from '../../src/recording/reader.ts';

/**
 * The Pipeline's normalizer hands the book its own number for each wallet it scanned (WalletRef)
 * and the book finds its id through it. That path must give exactly what the general path gives
 * (every line `JSON.parse`d and decoded by the field guards, no numbers): the same market events
 * (but for the numbers), the same position changes (ids, slots, resolutions), drifts and summary.
 */

const COINS = ['BTC', 'ETH', 'SOL'] as const;
const T0 = 1_790_000_000_000;

function address(i: number): string {
  return `0x${((i * 2654435761 + 0x1234567) % 0xffffffffff).toString(16).padStart(10, '0').repeat(4)}`;
}

/** A pool of known wallets; indexes past it are wallets never seen before (new at each use). */
const POOL = 6;

type Op =
  | { kind: 'trades'; coin: number; trades: { side: 'B' | 'A'; sz: number; tid: number; buyer: number; seller: number; upper: boolean }[] }
  | { kind: 'redeliver'; back: number }
  | { kind: 'subscribe'; coin: number }
  | { kind: 'disconnect' }
  | { kind: 'fill'; wallet: number; coin: number; side: 'B' | 'A'; sz: number; start: number; tid: number }
  | { kind: 'snapshot'; wallet: number; coin: number; szi: number };

const side = fc.constantFrom<'B' | 'A'>('B', 'A');
const wallet = fc.integer({ min: 0, max: POOL + 2 }); // POOL and above: a new wallet
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('trades' as const),
      coin: fc.integer({ min: 0, max: 2 }),
      trades: fc.array(
        fc.record({
          side,
          sz: fc.integer({ min: 1, max: 50 }),
          // Few tids: the same trade id comes back (a duplicate side) now and then.
          tid: fc.integer({ min: 1, max: 60 }),
          buyer: wallet,
          seller: wallet,
          upper: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), back: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), coin: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      wallet,
      coin: fc.integer({ min: 0, max: 2 }),
      side,
      sz: fc.integer({ min: 1, max: 50 }),
      start: fc.integer({ min: -80, max: 80 }),
      tid: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      wallet,
      coin: fc.integer({ min: 0, max: 2 }),
      szi: fc.integer({ min: -80, max: 80 }),
    }),
  },
);

/** The recording lines of a stream of ops (new wallets numbered as they come). */
function linesOf(ops: readonly Op[], salt = 0): string[] {
  const lines: string[] = [];
  let fresh = 100;
  let time = T0;
  const who = (i: number): string => address(salt + (i < POOL ? i : fresh++));
  for (const o of ops) {
    time += 50;
    const ts = time + 120;
    if (o.kind === 'trades') {
      const coin = COINS[o.coin] as string;
      const data = o.trades.map((t) => {
        const b = who(t.buyer);
        let s = who(t.seller);
        if (s === b) s = address(salt + POOL + 1000 + t.tid);
        return {
          coin,
          side: t.side,
          px: `${100 + t.sz}.5`,
          sz: `${t.sz / 10}`,
          time,
          hash: `0x${'ab'.repeat(32)}`,
          tid: t.tid,
          users: [t.upper ? b.toUpperCase().replace('0X', '0x') : b, s],
        };
      });
      lines.push(recordLine(ts, 'hyperliquid', { channel: 'trades', data }).trimEnd());
    } else if (o.kind === 'redeliver') {
      const trades = lines.filter((l) => l.includes('"channel":"trades"'));
      const again = trades[trades.length - o.back];
      if (again !== undefined) lines.push(again);
    } else if (o.kind === 'subscribe') {
      const msg = { channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: { type: 'trades', coin: COINS[o.coin] } } };
      lines.push(recordLine(ts, 'hyperliquid', msg).trimEnd());
    } else if (o.kind === 'disconnect') {
      lines.push(recordLine(ts, 'hyperliquid', { channel: 'glass:connection', data: { state: 'closed', reason: 'test' } }).trimEnd());
    } else if (o.kind === 'fill') {
      const fill = {
        coin: COINS[o.coin],
        px: '101.5',
        sz: `${o.sz / 10}`,
        side: o.side,
        time,
        startPosition: `${o.start / 10}`,
        dir: 'Open Long',
        closedPnl: '0.0',
        hash: `0x${'cd'.repeat(32)}`,
        oid: 7,
        crossed: true,
        fee: '0.01',
        tid: 1000 + o.tid,
        feeToken: 'USDC',
      };
      const msg = { channel: 'userFills', data: { user: who(o.wallet), fills: [fill] } };
      lines.push(recordLine(ts, 'hyperliquid', msg).trimEnd());
    } else {
      const szi = o.szi / 10;
      const positions =
        szi === 0
          ? []
          : [
              {
                type: 'oneWay',
                position: {
                  coin: COINS[o.coin],
                  szi: `${szi}`,
                  leverage: { type: 'cross', value: 10 },
                  entryPx: '100.0',
                  positionValue: `${Math.abs(szi) * 100}`,
                  liquidationPx: null,
                  marginUsed: `${Math.abs(szi) * 10}`,
                  maxLeverage: 40,
                },
              },
            ];
      const summary = { accountValue: '10000.0', totalNtlPos: '0.0', totalRawUsd: '0.0', totalMarginUsed: '0.0' };
      const response = {
        marginSummary: summary,
        crossMarginSummary: summary,
        crossMaintenanceMarginUsed: '0.0',
        withdrawable: '0.0',
        assetPositions: positions,
        time,
      };
      lines.push(recordLine(ts, 'hyperliquid', { request: { type: 'clearinghouseState', user: who(o.wallet) }, response }).trimEnd());
    }
  }
  return lines;
}

interface Run {
  market: MarketEvent[];
  changes: PositionChange[];
  drifts: DriftReport[];
  summary: PipelineSummary;
}

/** A Pipeline fed every line as bytes (the scanned path, with wallet numbers) or parsed whole (the general path). */
function run(lines: readonly string[], scan: boolean): Run {
  const p = new Pipeline();
  const out: Run = { market: [], changes: [], drifts: [], summary: p.summary() };
  p.market.subscribe((e) => out.market.push(e));
  p.changes.subscribe((c) => out.changes.push({ ...c }));
  p.drifts.subscribe((d) => out.drifts.push(d));
  lines.forEach((line, i) => {
    if (scan) {
      // In place inside a longer chunk, as the reader hands it over.
      const head = '{"ts":1,"venue":"hyperliquid","msg":{"channel":"pong"}}\n';
      const bytes = Buffer.from(`${head}${line}\n`, 'utf8');
      const from = Buffer.byteLength(head);
      const item = scanRecordLine(bytes, from, from + Buffer.byteLength(line), i + 1);
      if (item !== null) {
        p.ingest(item);
        return;
      }
    }
    const item = parseRecordLine(line, i + 1);
    assert.ok(item !== null && !(item instanceof RecordError), `line ${i + 1} is a record`);
    p.ingest(item);
  });
  out.summary = p.summary();
  return out;
}

/** The event without the normalizer's wallet numbers. */
function bare(e: MarketEvent): MarketEvent {
  if (e.type === 'trade') {
    const { buyerRef: _b, sellerRef: _s, ...rest } = e;
    return rest;
  }
  if (e.type === 'fill') {
    const { walletRef: _w, ...rest } = e;
    return rest;
  }
  return e;
}

test('wallet numbers from the scanner give the general path’s events, changes, drifts and summary', () => {
  let withRefs = 0;
  const seen = { duplicates: 0, historyTrades: 0, resolvedFills: 0, drifts: 0, rejects: 0, newWallets: 0 };
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
      const lines = linesOf(ops);
      const fast = run(lines, true);
      const general = run(lines, false);
      assert.deepStrictEqual(fast.market.map(bare), general.market);
      assert.deepStrictEqual(fast.changes, general.changes);
      assert.deepStrictEqual(fast.drifts, general.drifts);
      assert.deepStrictEqual(fast.summary, general.summary);
      seen.duplicates += fast.summary.duplicates;
      seen.historyTrades += fast.summary.historyTrades;
      seen.resolvedFills += fast.summary.resolvedFills;
      seen.drifts += fast.summary.drifts;
      seen.rejects += fast.summary.rejects;
      seen.newWallets += Math.max(0, fast.summary.wallets - POOL);
      // Each number names one wallet throughout.
      const named = new Map<number, string>();
      const check = (ref: WalletRef | undefined, w: string) => {
        if (ref === undefined) return;
        withRefs++;
        const was = named.get(ref);
        if (was === undefined) named.set(ref, w);
        else assert.equal(was, w, `number ${ref}`);
      };
      for (const e of fast.market) {
        if (e.type === 'trade') {
          check(e.buyerRef, e.buyer);
          check(e.sellerRef, e.seller);
        } else if (e.type === 'fill') check(e.walletRef, e.wallet);
      }
      assert.ok(general.market.every((e) => !('buyerRef' in e) && !('walletRef' in e)));
    }),
    { numRuns: 300 },
  );
  // The fast path was taken, not only the general one.
  assert.ok(withRefs > 1000, `${withRefs} wallet numbers seen`);
  // The streams hold what the test is about: duplicates and re-deliveries, history batches,
  // late resolutions, drifts, wallets never seen before; and no line was refused.
  for (const k of ['duplicates', 'historyTrades', 'resolvedFills', 'drifts', 'newWallets'] as const)
    assert.ok(seen[k] > 0, `${k}: ${seen[k]}`);
  assert.equal(seen.rejects, 0);
});

test('a book given numbers from another normalizer’s table still moves the right wallets', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.array(op, { minLength: 1, maxLength: 40 }), (a, b) => {
      // Two pipelines number their wallets each from 0; one book then gets both streams' events.
      const ea = run(linesOf(a), true).market;
      const eb = run(linesOf(b, 1_000_000), true).market;
      const mixed: MarketEvent[] = [];
      for (let i = 0; i < Math.max(ea.length, eb.length); i++) {
        if (i < ea.length) mixed.push(ea[i] as MarketEvent);
        if (i < eb.length) mixed.push(eb[i] as MarketEvent);
      }
      const book = (events: readonly MarketEvent[]): PositionChange[] => {
        const out: PositionChange[] = [];
        const pb = new PositionBook({ change: (c) => out.push({ ...c }), drift: () => {}, account: () => {} });
        for (const e of events) pb.apply(e);
        return out;
      };
      assert.deepStrictEqual(book(mixed), book(mixed.map(bare)));
    }),
    { numRuns: 150 },
  );
});

test('a trade frame scanned by the Pipeline carries numbers that name its wallets', () => {
  const lines = linesOf([
    {
      kind: 'trades',
      coin: 0,
      trades: [
        { side: 'B', sz: 3, tid: 1, buyer: 0, seller: 1, upper: false },
        { side: 'A', sz: 2, tid: 2, buyer: 1, seller: 0, upper: false },
      ],
    },
  ]);
  const trades = run(lines, true).market.filter((e): e is TradeEvent => e.type === 'trade');
  assert.equal(trades.length, 2);
  const [t1, t2] = trades as [TradeEvent, TradeEvent];
  assert.equal(t1.buyerRef, t2.sellerRef);
  assert.equal(t1.sellerRef, t2.buyerRef);
  assert.notEqual(t1.buyerRef, t1.sellerRef);
});
