import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SyndicateEvent, WalletEvidence } from '../../src/domain/glass-event.ts';
import { BaselineRecorder } from '../../src/engine/syndicates/baseline.ts';
import type { EntityCluster } from '../../src/engine/syndicates/entities.ts';
import { EntityGraph } from '../../src/engine/syndicates/entities.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { glass } from '../helpers/cli.ts';

/**
 * Funding links from both sources — the ledger file beside a recording and the recording's own
 * ledger updates — reach every view of the entity graph alike: the real pass and the shifted runs
 * of `glass syndicates --baseline`, and `glass entities`.
 */
const dir = mkdtempSync(join(tmpdir(), 'glass-basefund-'));
const T0 = 1_751_364_000_000;
const wallet = (c: string) => `0x${c.repeat(40)}`;
const [A, B, C, D, E, X, Y] = ['a', 'b', 'c', 'd', 'e', '1', '2'].map(wallet) as [string, string, string, string, string, string, string];
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const ACCOUNT = { accountValue: '5000000.0', totalNtlPos: '0.0', totalRawUsd: '5000000.0', totalMarginUsed: '0.0' };
// Small wallets: every wallet counts (--all-wallets); every episode of two entities is reported.
const LOOSE = ['--all-wallets', '--min-surprise', '0', '--reactions', '--include-passive'];

/** A transfer `from` → `to` as the venue's ledger update carries it (WebSocket channel). */
function transferFrame(from: string, to: string, time: number, n: number): unknown {
  return {
    channel: 'userNonFundingLedgerUpdates',
    data: {
      user: from,
      nonFundingLedgerUpdates: [
        { time, hash: hash(n), delta: { type: 'internalTransfer', usdc: '5000.0', user: from, destination: to, fee: '1.0' } },
      ],
    },
  };
}

/** The same transfer as an /info answer in a ledger file beside the recording. */
function transferAnswer(from: string, to: string, time: number, n: number): unknown {
  return {
    request: { type: 'userNonFundingLedgerUpdates', user: from },
    response: [{ time, hash: hash(n), delta: { type: 'internalTransfer', usdc: '5000.0', user: from, destination: to, fee: '1.0' } }],
  };
}

/**
 * A recording on ETH: the venue's meta, the wallets' empty accounts, `transfers` as ledger updates
 * in the stream (before any trade), then `buys`: [time, buyer, seller] taker buys at a quiet price.
 */
function record(file: string, transfers: readonly [string, string][], buys: readonly [number, string, string][]): void {
  const w = new RecordingWriter(file);
  for (const [ts, msg] of messages(transfers, buys)) w.write(ts, 'hyperliquid', msg);
  w.close();
}

/** The recording's lines ([receive time, message]); `frames` go in after the transfers, before the trades. */
function messages(
  transfers: readonly [string, string][],
  buys: readonly [number, string, string][],
  frames: readonly [number, unknown][] = [],
): [number, unknown][] {
  const out: [number, unknown][] = [];
  const w = { write: (ts: number, _venue: 'hyperliquid', msg: unknown) => out.push([ts, msg]) };
  w.write(T0 - 10_000, 'hyperliquid', {
    request: { type: 'meta' },
    response: { universe: [{ szDecimals: 4, name: 'ETH', maxLeverage: 25 }] },
  });
  for (const u of [A, B, C, D, E, X, Y]) {
    w.write(T0 - 9_000, 'hyperliquid', {
      request: { type: 'clearinghouseState', user: u },
      response: {
        marginSummary: ACCOUNT,
        crossMarginSummary: ACCOUNT,
        crossMaintenanceMarginUsed: '0.0',
        withdrawable: ACCOUNT.accountValue,
        assetPositions: [],
        time: T0 - 9_000,
      },
    });
  }
  transfers.forEach(([from, to], i) => {
    w.write(T0 - 5_000 + i, 'hyperliquid', transferFrame(from, to, T0 - 5_000 + i, 900_000 + i));
  });
  for (const [ts, msg] of frames) w.write(ts, 'hyperliquid', msg);
  buys.forEach(([time, buyer, seller], i) => {
    const px = (2000 + Math.sin(i / 7) * 2).toFixed(1);
    w.write(time, 'hyperliquid', {
      channel: 'trades',
      data: [{ coin: 'ETH', side: 'B', px, sz: '1.0', time, hash: hash(i + 1), tid: i + 1, users: [buyer, seller] }],
    });
  });
  return out;
}

function ledgerFile(file: string, transfers: readonly [string, string][]): void {
  const w = new RecordingWriter(file);
  transfers.forEach(([from, to], i) => {
    w.write(T0 - 20_000 + i, 'hyperliquid', transferAnswer(from, to, T0 - 20_000 + i, 800_000 + i));
  });
  w.close();
}

function ndjson(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `glass syndicates F --json --baseline`: the real count and each shifted run's. */
function baseline(file: string, ...args: string[]): { real: number; shifted: number[] } {
  const r = glass('syndicates', file, '--json', '--baseline', '--seeds', '4', '--min-wallets', '2', ...LOOSE, ...args);
  assert.equal(r.code, 0, r.stderr);
  const last = ndjson(r.stdout).at(-1) as { baseline?: { real: number; shifted: number[] } };
  assert.ok(last.baseline !== undefined, r.stdout.slice(-400));
  return { real: last.baseline.real, shifted: last.baseline.shifted };
}

test('syndicates --baseline: the shifted runs count wallets linked only by the stream’s own transfers as one entity, as the real run does', () => {
  // A and B buy every 30 s for 6 h, B 2 s after A: shifted by any offsets they still meet within
  // every minute, so whether they count once or twice decides every run's count.
  const buys: [number, string, string][] = [];
  for (let k = 0; k < 720; k++) buys.push([T0 + k * 30_000, A, X], [T0 + k * 30_000 + 2_000, B, Y]);
  const streamed = join(dir, 'streamed.ndjson');
  record(streamed, [[A, B]], buys);
  // Control: as two entities they make a syndicate in the real run and in every shifted run.
  const apart = baseline(streamed, '--wallets-as-entities');
  assert.ok(apart.real >= 1, JSON.stringify(apart));
  for (const s of apart.shifted) assert.ok(s >= 1, JSON.stringify(apart));
  // A paid B (a transfer in the recording itself, no ledger file): one entity, never a syndicate of
  // two — in the real run and in each shifted one (before: the shifted runs saw the ledger file's
  // links only, and counted A and B twice: 0 real against 1 in every shifted run).
  assert.deepEqual(baseline(streamed), { real: 0, shifted: [0, 0, 0, 0] });
  // The same link from a ledger file beside the recording instead: the same counts.
  const filed = join(dir, 'filed.ndjson');
  record(filed, [], buys);
  ledgerFile(join(dir, 'filed.ledger.ndjson'), [[A, B]]);
  assert.deepEqual(baseline(filed), { real: 0, shifted: [0, 0, 0, 0] });
  assert.deepEqual(baseline(filed, '--ledger', 'none'), apart);
});

test('glass entities and glass syndicates agree on entities when links come from both a ledger file and the stream', () => {
  // A paid B in the ledger file; C paid D in the recording's own ledger updates; E alone. All five
  // buy within 20 s, twice an hour apart.
  const file = join(dir, 'both.ndjson');
  const buys: [number, string, string][] = [];
  for (const start of [T0, T0 + 3_600_000]) {
    for (const [i, w] of [A, B, C, D, E].entries()) buys.push([start + i * 5_000, w, i % 2 === 0 ? X : Y]);
  }
  record(file, [[C, D]], buys);
  ledgerFile(join(dir, 'both.ledger.ndjson'), [[A, B]]);

  const ent = glass('entities', file, '--json', '--all-wallets');
  assert.equal(ent.code, 0, ent.stderr);
  const clusters = ndjson(ent.stdout) as unknown as EntityCluster[];
  const byEntity = (xs: readonly { entity: string; wallets: readonly string[] }[]) =>
    Object.fromEntries(xs.map((c) => [c.entity, [...c.wallets].sort()]));
  assert.deepEqual(byEntity(clusters), { [`ENT:${A}`]: [A, B], [`ENT:${C}`]: [C, D] });
  for (const c of clusters) assert.ok(c.links.every((l) => l.kind === 'funding'));

  const syn = glass('syndicates', file, '--json', ...LOOSE);
  assert.equal(syn.code, 0, syn.stderr);
  const detected = (ndjson(syn.stdout) as unknown as SyndicateEvent[]).filter((e) => e.type === 'SYNDICATE_DETECTED');
  assert.equal(detected.length, 2, syn.stdout);
  for (const e of detected) {
    if (e.type !== 'SYNDICATE_DETECTED') continue;
    // Five wallets, three entities: the same two clusters `glass entities` lists, and E alone.
    assert.equal(e.memberCount, 5);
    assert.equal(e.entities, 3);
    const grouped = new Map<string, string[]>();
    for (const m of e.members as readonly WalletEvidence[]) {
      if (m.entity !== undefined) grouped.set(m.entity, [...(grouped.get(m.entity) ?? []), m.wallet]);
      else assert.equal(m.wallet, E);
    }
    assert.deepEqual(byEntity([...grouped].map(([entity, wallets]) => ({ entity, wallets }))), byEntity(clusters));
  }
  // The baseline's real pass is the same detector: the same count.
  assert.equal(baseline(file, '--min-wallets', '3').real, 2);
});

test('BaselineRecorder: a withdrawal matched to a deposit in the stream links the shifted runs’ graphs as it links the real one', () => {
  // A withdraws an odd amount, B receives it a minute later (the recording's own ledger updates);
  // E trades alone for two hours, long enough for the match to settle (2 × 30 min after it came);
  // no two wallets enter one lane, so the only links are funding links.
  const flow = (user: string, type: 'withdraw' | 'deposit', time: number, n: number): [number, unknown] => [
    time,
    {
      channel: 'userNonFundingLedgerUpdates',
      data: {
        user,
        nonFundingLedgerUpdates: [
          { time, hash: hash(n), delta: { type, usdc: '1234.56', ...(type === 'withdraw' ? { nonce: n, fee: '1.0' } : {}) } },
        ],
      },
    },
  ];
  const buys: [number, string, string][] = [];
  for (let k = 0; k < 240; k++) buys.push([T0 + k * 30_000, E, X]);
  const p = new Pipeline({ strict: true });
  const real = new EntityGraph();
  const recorder = new BaselineRecorder();
  p.attach(real);
  p.market.subscribe((e) => recorder.onMarket(e));
  p.changes.subscribe((c) => recorder.add(c, true));
  let line = 0;
  for (const [ts, msg] of messages([[C, D]], buys, [flow(A, 'withdraw', T0 - 3_000, 700_001), flow(B, 'deposit', T0 + 57_000, 700_002)])) {
    p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg });
  }
  assert.deepEqual(real.stream.counts, { transfers: 1, flows: 2, matched: 1, duplicates: 0, dropped: 0 });
  assert.equal(recorder.links, 2);
  const funding = (g: EntityGraph) =>
    g
      .clusters()
      .flatMap((c) => c.links)
      .filter((l) => l.kind === 'funding')
      .map((l) => `${l.a}>${l.b}@${l.time}`)
      .sort();
  assert.deepEqual(funding(real), [`${A}>${B}@${T0 + 57_000}`, `${C}>${D}@${T0 - 5_000}`]);
  for (const seed of [1, 2, 3]) {
    const shifted = new EntityGraph();
    recorder.replay(seed, { minWallets: 2, minSurprise: 0, reactions: true, countPassive: true, entities: shifted });
    assert.deepEqual(funding(shifted), funding(real), `seed ${seed}`);
  }
});
