import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScoreEngine, type WalletScore } from '../../src/engine/score/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { fill, mids, W } from './stream.ts';

/** One wallet's plan: a sequence of round trips (side, size, entry tick, hold ticks). */
const tripArb = fc.record({
  long: fc.boolean(),
  sz: fc.integer({ min: 1, max: 50 }),
  at: fc.nat(200),
  hold: fc.integer({ min: 1, max: 40 }),
});
const walletsArb = fc.array(fc.array(tripArb, { minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 10 });
const pathArb = fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 260, maxLength: 260 });

const T0 = 1_700_000_000_000;
const TICK = 60_000;

interface Ev {
  readonly tick: number;
  readonly wallet: number;
  readonly msg: { time: number; msg: unknown };
}

/** Fills (one per open and close, at the tick's price) and a mark every tick; `scale` multiplies every price. */
function stream(plans: { long: boolean; sz: number; at: number; hold: number }[][], path: number[], scale: number, names: string[]): Ev[] {
  const px: number[] = [];
  let p = 1000;
  for (const d of path) {
    p *= 1 + d / 10_000;
    px.push(p);
  }
  const price = (t: number) => Math.round((px[t] as number) * 100) / 100;
  const evs: Ev[] = px.map((_, t) => ({ tick: t, wallet: -1, msg: mids(T0 + t * TICK, { BTC: price(t) * scale }) }));
  plans.forEach((plan, w) => {
    let t = 0;
    for (const trip of plan) {
      const open = Math.max(t, trip.at % 200);
      const close = Math.min(259, open + trip.hold);
      if (close <= open) break;
      const sz = trip.sz / 10;
      const name = names[w] as string;
      evs.push({ tick: open, wallet: w, msg: fill(name, 'BTC', trip.long ? 'B' : 'A', sz, price(open) * scale, 0, T0 + open * TICK) });
      evs.push({
        tick: close,
        wallet: w,
        msg: fill(name, 'BTC', trip.long ? 'A' : 'B', sz, price(close) * scale, trip.long ? sz : -sz, T0 + close * TICK),
      });
      t = close + 1;
    }
  });
  // Within a tick: the mark first, then the fills in `order` of wallets.
  return evs.sort((a, b) => a.tick - b.tick || a.wallet - b.wallet);
}

function scores(evs: Ev[]): Map<string, WalletScore> {
  const p = new Pipeline({ strict: true });
  const s = new ScoreEngine(p.book);
  p.attach(s);
  let line = 0;
  for (const e of evs) p.ingest({ line: ++line, ts: e.msg.time, venue: 'hyperliquid', msg: e.msg.msg });
  return new Map(s.table().map((r) => [r.wallet, r]));
}

const names = W.map(String);

test('renaming wallets changes no score', () => {
  let spread = 0;
  fc.assert(
    fc.property(walletsArb, pathArb, fc.integer({ min: 1, max: 29 }), (plans, path, shift) => {
      const renamed = names.map((_, i) => names[(i + shift) % names.length] as string);
      const a = scores(stream(plans, path, 1, names));
      const b = scores(stream(plans, path, 1, renamed));
      assert.equal(a.size, b.size);
      if ([...a.values()].some((r) => r.score !== 50)) spread++;
      plans.forEach((_, w) => {
        const x = a.get(names[w] as string);
        const y = b.get(renamed[w] as string);
        assert.deepEqual(y === undefined ? undefined : { ...y, wallet: x?.wallet }, x);
      });
    }),
    { numRuns: 60 },
  );
  assert.ok(spread >= 30, `scores differed between wallets in only ${spread} of 60 runs`);
});

test('reordering independent wallets’ fills (any order within a millisecond) changes no score', () => {
  fc.assert(
    fc.property(walletsArb, pathArb, fc.integer({ min: 1, max: 1000 }), (plans, path, seed) => {
      const evs = stream(plans, path, 1, names);
      // A permutation of the wallets applied to the order of fills inside every tick.
      const rank = plans.map((_, w) => (w * 7919 + seed) % 1009);
      const shuffled = evs.toSorted(
        (a, b) => a.tick - b.tick || (a.wallet < 0 ? -1 : b.wallet < 0 ? 1 : (rank[a.wallet] as number) - (rank[b.wallet] as number)),
      );
      assert.deepEqual(scores(shuffled), scores(evs));
    }),
    { numRuns: 60 },
  );
});

test('scaling every price by a constant changes no score', () => {
  fc.assert(
    fc.property(walletsArb, pathArb, fc.constantFrom(0.001, 0.37, 8, 250), (plans, path, k) => {
      const a = scores(stream(plans, path, 1, names));
      const b = scores(stream(plans, path, k, names));
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), 'same wallets scored');
      for (const [w, x] of a) {
        const y = b.get(w)!;
        assert.ok(Math.abs(x.score - y.score) <= 0.011, `${w}: ${x.score} vs ${y.score}`);
        assert.equal(x.trades, y.trades);
      }
    }),
    { numRuns: 60 },
  );
});
