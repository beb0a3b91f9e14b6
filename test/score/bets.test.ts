import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BET_GAP_MS, BET_MAX_SPAN_MS } from '../../src/engine/score/bets.ts';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { fill, mids, W } from './stream.ts';

type Msg = { time: number; msg: unknown };
const T0 = 1_700_000_000_000;
const MIN = 60_000;

function run(msgs: Msg[]): ScoreEngine {
  const p = new Pipeline({ strict: true });
  const s = new ScoreEngine(p.book);
  p.attach(s);
  let line = 0;
  for (const m of msgs.toSorted((a, b) => a.time - b.time)) p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
  return s;
}

/** One round trip of `w`: long 1 at `px` at `open`, closed at `px2` at `close`. */
function trip(w: string, coin: string, open: number, close: number, px: number, px2: number): Msg[] {
  return [fill(w, coin, 'B', 1, px, 0, open), fill(w, coin, 'A', 1, px2, 1, close)];
}

test('round trips that follow within the gap are one bet; spaced ones are independent; confidence counts bets', () => {
  const [scalper, spaced] = [W[0]!, W[1]!];
  const msgs: Msg[] = [];
  // 20 two-second scalps, 10 s apart: one bet. The same 20 round trips an hour apart: 20 bets.
  for (let k = 0; k < 20; k++) msgs.push(...trip(scalper, 'BTC', T0 + k * 10_000, T0 + k * 10_000 + 2_000, 100, 99.9));
  for (let k = 0; k < 20; k++) msgs.push(...trip(spaced, 'BTC', T0 + k * 60 * MIN + 5_000, T0 + k * 60 * MIN + 7_000, 100, 99.9));
  const s = run(msgs);
  const a = s.explain(scalper)!;
  const b = s.explain(spaced)!;
  assert.deepEqual([a.trades, a.bets, b.trades, b.bets], [20, 1, 20, 20]);
  const rows = new Map(s.table(1).map((r) => [r.wallet as string, r]));
  assert.ok(rows.get(scalper)!.confidence < 0.1, `scalper confidence ${rows.get(scalper)!.confidence}`);
  assert.ok(rows.get(spaced)!.confidence > 0.6, `spaced confidence ${rows.get(spaced)!.confidence}`);
  // Both lost on every round trip: the bet's PnL is the sum of its round trips'.
  assert.ok(Math.abs(a.pnlUsd - 20 * -0.1) < 1e-9 && a.betWinRate === 0);
});

test('a bet groups overlapping positions on other coins, ends after the gap, and takes no round trip once it is too old', () => {
  const w = W[2]!;
  const msgs: Msg[] = [
    // ETH held 30 min; a BTC round trip inside it and one 5 min after it closes: one bet.
    ...trip(w, 'ETH', T0, T0 + 30 * MIN, 10, 10.1),
    ...trip(w, 'BTC', T0 + 10 * MIN, T0 + 12 * MIN, 100, 101),
    ...trip(w, 'BTC', T0 + 35 * MIN, T0 + 36 * MIN, 100, 101),
    // After more than the gap: a new bet.
    ...trip(w, 'BTC', T0 + 36 * MIN + BET_GAP_MS + 1, T0 + 60 * MIN, 100, 99),
    // A position held far longer than the longest bet: later round trips do not join it.
    ...trip(w, 'SOL', T0 + 120 * MIN, T0 + 120 * MIN + 3 * BET_MAX_SPAN_MS, 20, 21),
    ...trip(w, 'BTC', T0 + 120 * MIN + BET_MAX_SPAN_MS + MIN, T0 + 120 * MIN + BET_MAX_SPAN_MS + 2 * MIN, 100, 99),
    ...trip(w, 'BTC', T0 + 120 * MIN + 2 * BET_MAX_SPAN_MS + MIN, T0 + 120 * MIN + 2 * BET_MAX_SPAN_MS + 2 * MIN, 100, 99),
  ];
  const ex = run(msgs).explain(w)!;
  assert.equal(ex.trades, 7);
  assert.equal(ex.bets, 5);
});

/** Round trips of several wallets at ticks of a random path, fills only. */
const planArb = fc.array(
  fc.array(
    fc.record({ at: fc.nat(400), hold: fc.integer({ min: 1, max: 90 }), long: fc.boolean(), gap: fc.integer({ min: 0, max: 30 }) }),
    {
      minLength: 1,
      maxLength: 15,
    },
  ),
  { minLength: 3, maxLength: 8 },
);

test('property: marks that repeat the trades’ own prices, at any density, change no score by more than 2 points', () => {
  fc.assert(
    fc.property(
      planArb,
      fc.array(fc.integer({ min: -80, max: 80 }), { minLength: 600, maxLength: 600 }),
      fc.integer({ min: 1, max: 7 }),
      (plans, path, every) => {
        const px: number[] = [];
        let p = 1000;
        for (const d of path) {
          p *= 1 + d / 10_000;
          px.push(Math.round(p * 100) / 100);
        }
        const fills: { tick: number; m: Msg; px: number }[] = [];
        plans.forEach((plan, w) => {
          let t = 0;
          const name = W[w] as string;
          for (const r of plan) {
            const open = Math.max(t, r.at);
            const close = Math.min(599, open + r.hold);
            if (close <= open) break;
            const [o, c] = [px[open] as number, px[close] as number];
            fills.push({ tick: open, px: o, m: fill(name, 'BTC', r.long ? 'B' : 'A', 1, o, 0, T0 + open * MIN + w) });
            fills.push({ tick: close, px: c, m: fill(name, 'BTC', r.long ? 'A' : 'B', 1, c, r.long ? 1 : -1, T0 + close * MIN + w) });
            t = close + 1 + r.gap;
          }
        });
        fills.sort((a, b) => a.m.time - b.m.time);
        // A mark every `every` ticks carrying the last traded price before it (none before the first
        // trade, none after the last: a mark past the stream's end would tell time passing, which the
        // fills alone cannot — horizons after the last trade are unresolved without marks).
        const marks: Msg[] = [];
        let k = 0;
        let last = Number.NaN;
        const end = fills.length === 0 ? 0 : (fills[fills.length - 1] as (typeof fills)[0]).m.time;
        for (let tick = 0; tick < 600; tick += every) {
          const time = T0 + tick * MIN - 1;
          if (time > end) break;
          while (k < fills.length && (fills[k] as (typeof fills)[0]).m.time < time) last = (fills[k++] as (typeof fills)[0]).px;
          if (last === last) marks.push(mids(time, { BTC: last }));
        }
        const without = new Map(
          run(fills.map((f) => f.m))
            .table(1)
            .map((r) => [r.wallet, r]),
        );
        const withMarks = run([...fills.map((f) => f.m), ...marks]).table(1);
        assert.equal(withMarks.length, without.size);
        for (const r of withMarks) {
          const o = without.get(r.wallet)!;
          assert.equal(o.trades, r.trades);
          assert.ok(Math.abs(o.score - r.score) <= 2, `${r.wallet}: ${o.score} without marks, ${r.score} with a mark every ${every} min`);
        }
      },
    ),
    { numRuns: 100 },
  );
});
