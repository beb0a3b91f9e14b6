import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Coin, coin, type Wallet, wallet } from '../../src/domain/ids.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { CoinBuckets, UNIT } from '../../src/engine/heatmap/buckets.ts';
import { bookWithHeatmap } from '../helpers/heatmap.ts';

/** What `HeatmapEngine.view` makes of `nonEmpty()`, six numbers a bucket: what `columns()` must give. */
function viewColumns(b: CoinBuckets): number[] {
  return b
    .nonEmpty()
    .flatMap((x) => [
      b.edge(x.key),
      b.edge(x.key + 1),
      x.longUnits / UNIT,
      x.shortUnits / UNIT,
      x.longEstUnits / UNIT,
      x.shortEstUnits / UNIT,
    ]);
}

/** Equal value for value, as stored (-0 and 0 apart, NaN equal to NaN). */
function sameNumbers(got: ArrayLike<number>, want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${what}: [${i}] ${got[i]} ≠ ${want[i]}`);
}

type BucketOp =
  | { kind: 'apply'; px: number; units: number; long: boolean; sign: 1 | -1; estimated: boolean; distinct: boolean }
  | { kind: 'adjust'; px: number; units: number; long: boolean; estimated: boolean }
  | { kind: 'read' }
  | { kind: 'reset'; width: number };

const width = fc.constantFrom(0.05, 0.1, 1, 2, 2.5, 250, 0.0000001);
const bucketOp: fc.Arbitrary<BucketOp> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('apply' as const),
      // Prices anywhere, and often near each other (rows in between rows already there).
      px: fc.oneof(fc.double({ min: 0.000001, max: 2e6, noNaN: true }), fc.integer({ min: 90, max: 110 })),
      units: fc.integer({ min: 0, max: 5e9 }),
      long: fc.boolean(),
      sign: fc.constantFrom(1 as const, -1 as const),
      estimated: fc.boolean(),
      distinct: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('adjust' as const),
      px: fc.integer({ min: 90, max: 110 }),
      units: fc.integer({ min: -1e6, max: 1e6 }),
      long: fc.boolean(),
      estimated: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'read' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), width }) },
);

test('a coin map’s columns equal its non-empty buckets as the view writes them, read between any changes (rows added, emptied, reset)', () => {
  fc.assert(
    fc.property(width, fc.array(bucketOp, { maxLength: 300 }), (w, ops) => {
      const b = new CoinBuckets(w);
      for (const o of ops) {
        if (o.kind === 'apply') b.apply(o.px, o.units, o.long, o.sign, o.estimated, o.distinct);
        else if (o.kind === 'adjust') b.adjust(o.px, o.units, o.long, o.estimated);
        else if (o.kind === 'reset') b.reset(o.width);
        else {
          const cols = b.columns();
          sameNumbers(cols, viewColumns(b), 'between changes');
          // Nothing changed since: the same answer, not computed again.
          assert.equal(b.columns(), cols);
        }
      }
      sameNumbers(b.columns(), viewColumns(b), 'at the end');
    }),
    { numRuns: 300 },
  );
});

test('a width set on a coin map changes what its columns say (the edges at the new width, not the answer kept)', () => {
  const b = new CoinBuckets(10);
  b.apply(105, 1000 * UNIT, true, 1);
  const before = b.columns();
  assert.deepEqual([before[0], before[1]], [100, 110]);
  b.width = 2.5;
  const after = b.columns();
  assert.notEqual(after, before);
  sameNumbers(after, viewColumns(b), 'after the width');
  assert.deepEqual([after[0], after[1]], [25, 27.5]);
});

test('a map filled from high prices down (every new row goes first) reads in price order', () => {
  const b = new CoinBuckets(1);
  for (let px = 500; px > 0; px -= 3) {
    b.apply(px, 1000, px % 2 === 0, 1);
    if (px % 7 === 0) b.columns();
  }
  sameNumbers(b.columns(), viewColumns(b), 'descending fill');
  const lo = Array.from(b.columns()).filter((_, i) => i % 6 === 0);
  assert.deepEqual(
    lo,
    [...lo].sort((x, y) => x - y),
  );
});

const W = [1, 2, 3, 4].map((i) => wallet(`0x${String(i).repeat(40)}`));
const COINS = ['BTC', 'ETH'].map((c) => coin(c));
const BASE = [100_000, 3_000];

type Step = { trade: boolean; coin: number; buyer: number; seller: number; sz: number; move: number };
const step: fc.Arbitrary<Step> = fc.record({
  trade: fc.boolean(),
  coin: fc.nat(COINS.length - 1),
  buyer: fc.nat(W.length - 1),
  seller: fc.nat(W.length - 1),
  sz: fc.integer({ min: 1, max: 400 }).map((n) => n / 100),
  move: fc.integer({ min: -400, max: 400 }).map((bp) => 1 + bp / 10_000),
});

test('the engine’s packed view is its view: the same head (zones, largest, estimates) and the buckets as columns, after any trades and marks', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const { book, heat } = bookWithHeatmap();
      const px = [...BASE];
      steps.forEach((s, i) => {
        px[s.coin] = (px[s.coin] as number) * s.move;
        const time = 1_700_000_000_000 + i * 1000;
        const c = COINS[s.coin] as Coin;
        const p = px[s.coin] as number;
        const e: MarketEvent = s.trade
          ? {
              venue: 'hyperliquid',
              time,
              localTs: time,
              type: 'trade',
              coin: c,
              px: p,
              sz: s.sz,
              side: 'B',
              buyer: W[s.buyer] as Wallet,
              seller: W[s.seller] as Wallet,
              tid: 10_000 + i,
              isSnapshot: false,
            }
          : { venue: 'hyperliquid', time, localTs: time, type: 'mark', coin: c, px: p, kind: 'mark' };
        book.apply(e);
        heat.onMarket(e);
        for (const k of heat.coinList()) {
          const packed = heat.packedView(k);
          const view = heat.view(k);
          assert.ok(packed !== null && view !== null);
          assert.deepEqual(Object.keys(packed.view), Object.keys(view), 'the view’s keys in its order');
          assert.deepEqual({ ...packed.view }, { ...view, buckets: null });
          sameNumbers(
            packed.cols,
            view.buckets.flatMap((b) => [b.lo, b.hi, b.longLiqUsd, b.shortLiqUsd, b.longEstimatedUsd, b.shortEstimatedUsd]),
            `${k} buckets`,
          );
        }
      });
    }),
    { numRuns: 150 },
  );
});
