import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { EvidenceMerge, PHASE_ABANDON, PHASE_MATURED, PHASE_TRIPS, R, RECORD, RecordLog } from '../../src/engine/score/merge.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { fill, mids, W } from './stream.ts';

/**
 * Wallet-hash partitions of the score engine (src/engine/score/merge.ts): n partitions, each
 * scoring its wallets and handing on its evidence updates, and a merge applying them, answer every
 * score the single engine answers, after every call (every publication on the market and change
 * buses, where other engines read scores), and record the same versions.
 */

const T0 = 1_700_000_000_000;
const COINS = ['BTC', 'ETH'] as const;
const names = W.slice(0, 12).map(String);

/** One instant: a mark (or none) and some wallets' fills, all at the same millisecond. */
const stepArb = fc.record({
  dt: fc.constantFrom(0, 1, 1000, 60_000, 300_000, 1_500_000, 3_600_000),
  mark: fc.boolean(),
  move: fc.integer({ min: -40, max: 40 }),
  acts: fc.array(
    fc.record({
      w: fc.nat(names.length - 1),
      coin: fc.nat(COINS.length - 1),
      op: fc.constantFrom('open', 'add', 'reduce', 'close', 'flip', 'close', 'close'),
      long: fc.boolean(),
      sz: fc.integer({ min: 1, max: 5 }),
      /** A fill whose start position the book does not expect: the round trip is abandoned. */
      wrong: fc.integer({ min: 0, max: 29 }),
      liq: fc.integer({ min: 0, max: 19 }),
    }),
    { maxLength: 5 },
  ),
});
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

/** The steps as venue messages (the book's position before each fill is the one the stream said). */
function stream(steps: readonly Step[]): { time: number; msg: unknown }[] {
  const out: { time: number; msg: unknown }[] = [];
  const pos = new Map<string, number>();
  const px = [1000, 50];
  let t = T0;
  for (const s of steps) {
    t += s.dt;
    px[0] = Math.round((px[0] as number) * (1 + s.move / 2000) * 100) / 100;
    px[1] = Math.round((px[1] as number) * (1 - s.move / 3000) * 100) / 100;
    if (s.mark) out.push(mids(t, { BTC: px[0] as number, ETH: px[1] as number }));
    for (const a of s.acts) {
      const coin = COINS[a.coin] as string;
      const key = `${a.w}:${coin}`;
      const p = pos.get(key) ?? 0;
      let next: number;
      if (p === 0) next = a.long ? a.sz : -a.sz;
      else if (a.op === 'add') next = p + Math.sign(p) * a.sz;
      else if (a.op === 'reduce') next = Math.abs(p) > 1 ? p - Math.sign(p) : 0;
      else if (a.op === 'flip') next = -Math.sign(p) * a.sz;
      else next = 0;
      const sz = Math.abs(next - p);
      if (sz === 0) continue;
      const start = a.wrong === 0 ? p + 7 : p;
      const price = (px[a.coin] as number) * (1 + (a.w % 3) / 1000);
      out.push(fill(names[a.w] as string, coin, next > p ? 'B' : 'A', sz, Math.round(price * 100) / 100, start, t, a.liq === 0));
      pos.set(key, next);
    }
  }
  return out;
}

/** After every call of the engine: its version and every wallet's scoreNow. */
function probe(p: Pipeline, s: ScoreEngine, into: string[]): void {
  const look = () => {
    const n = p.book.wallets.size;
    const v: (number | null)[] = [s.version];
    for (let w = 0; w < n; w++) v.push(s.scoreNow(w));
    into.push(JSON.stringify(v));
  };
  p.market.subscribe(look);
  p.changes.subscribe(look);
}

interface Run {
  readonly seen: string[];
  readonly peeks: string;
}

function runSingle(msgs: readonly { time: number; msg: unknown }[], refreshEvery: number): Run {
  const p = new Pipeline();
  const s = new ScoreEngine(p.book, { refreshEvery });
  p.attach(s);
  const seen: string[] = [];
  probe(p, s, seen);
  let line = 0;
  for (const m of msgs) p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
  return { seen, peeks: peeks(p, s) };
}

/** Every wallet's peekInto (what the store's recorder writes). */
function peeks(p: Pipeline, s: ScoreEngine): string {
  const out = new Float64Array(7);
  const rows: number[][] = [];
  for (let w = 0; w < p.book.wallets.size; w++) rows.push(s.peekInto(w, out) ? [...out] : []);
  return JSON.stringify(rows);
}

/** Each partition's records per message (message m's at [m]). */
function runPartitions(
  msgs: readonly { time: number; msg: unknown }[],
  refreshEvery: number,
  n: number,
  partitionOf: (name: string) => number,
): Float64Array[][] {
  return Array.from({ length: n }, (_, k) => {
    const p = new Pipeline();
    const log = new RecordLog();
    const owns = (w: number) => partitionOf(p.book.wallets.name(w)) === k;
    p.attach(new ScoreEngine(p.book, { refreshEvery, partition: { owns, evidence: (r) => log.push(r) } }));
    let line = 0;
    return msgs.map((m) => {
      p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
      return log.take();
    });
  });
}

/** The merge, each partition's records handed over in chunks cut at `cuts[k]` (message indices), just before they are needed. */
function runMerged(
  msgs: readonly { time: number; msg: unknown }[],
  refreshEvery: number,
  parts: Float64Array[][],
  cuts: readonly (readonly number[])[],
): Run & { applied: number } {
  const merge = new EvidenceMerge(parts.length);
  const p = new Pipeline();
  const s = new ScoreEngine(p.book, { refreshEvery, merge });
  p.attach(s);
  const seen: string[] = [];
  probe(p, s, seen);
  const given = parts.map(() => 0);
  let line = 0;
  msgs.forEach((m, i) => {
    parts.forEach((recs, k) => {
      if ((given[k] as number) > i) return;
      const to = Math.max(i + 1, ...(cuts[k] ?? []).filter((c) => c > i).slice(0, 1), i + 1);
      for (let j = i; j < to && j < recs.length; j++) merge.add(k, recs[j] as Float64Array);
      given[k] = to;
    });
    p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
  });
  assert.equal(merge.pending, 0, 'every record was applied');
  return { seen, peeks: peeks(p, s), applied: merge.applied };
}

function phases(parts: Float64Array[][]): number[] {
  const c = [0, 0, 0];
  for (const recs of parts)
    for (const r of recs)
      for (let o = 0; o < r.length; o += RECORD) {
        const k = r[o + R.phase] as number;
        c[k] = (c[k] as number) + 1;
      }
  return c;
}

test('n wallet partitions and their merge give the single engine’s scoreNow after every call, its versions and records', (t) => {
  let multi = 0;
  const seenPhases = [0, 0, 0];
  fc.assert(
    fc.property(
      fc.array(stepArb, { minLength: 20, maxLength: 140 }),
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.nat(3), { minLength: names.length, maxLength: names.length }),
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.array(fc.nat(150), { maxLength: 6 }), { minLength: 4, maxLength: 4 }),
      (steps, n, split, refreshEvery, cuts) => {
        const msgs = stream(steps);
        const single = runSingle(msgs, refreshEvery);
        const partitionOf = (name: string) => (split[names.indexOf(name)] as number) % n;
        const parts = runPartitions(msgs, refreshEvery, n, partitionOf);
        const merged = runMerged(
          msgs,
          refreshEvery,
          parts,
          cuts.map((c) => c.toSorted((a, b) => a - b)),
        );
        assert.equal(merged.seen.length, single.seen.length, 'as many calls');
        for (let i = 0; i < single.seen.length; i++) assert.equal(merged.seen[i], single.seen[i], `call ${i + 1}`);
        assert.equal(merged.peeks, single.peeks, 'every wallet’s record');
        const ph = phases(parts);
        for (let k = 0; k < 3; k++) seenPhases[k] = (seenPhases[k] as number) + (ph[k] as number);
        if (n > 1 && merged.applied > 0) multi++;
      },
    ),
    { numRuns: 150, endOnFailure: true },
  );
  assert.ok(multi > 30, `runs with several partitions and evidence (${multi})`);
  // Every phase of a call made updates in some run: the order between them was exercised.
  assert.ok((seenPhases[PHASE_TRIPS] as number) > 0, 'updates from pending fills');
  // An abandoned trip needs a position the book stops knowing (a connection gap): the simulation test has them, if any.
  t.diagnostic(
    `updates by phase: pending fills ${seenPhases[PHASE_TRIPS]}, abandoned ${seenPhases[PHASE_ABANDON]}, matured ${seenPhases[PHASE_MATURED]}`,
  );
  assert.ok((seenPhases[PHASE_MATURED] as number) > 0, 'updates from matured entries');
});

test('EvidenceMerge: a record for a call the merge has passed is an error naming both', () => {
  const m = new EvidenceMerge(2);
  const r = new Float64Array(RECORD);
  r[R.call] = 3;
  m.add(1, r);
  assert.throws(() => m.at(4, () => {}), /partition 1: an evidence record for call 3, which the merge has passed \(it is at 4\)/);
  assert.throws(() => m.add(0, new Float64Array(RECORD + 1)), /records: expected a multiple of 21 numbers/);
  assert.throws(() => new EvidenceMerge(0), /partitions: expected an integer ≥ 1/);
});
