import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CoinBuckets } from '../../src/engine/heatmap/buckets.ts';
import { KeyIndex } from '../../src/engine/heatmap/key-index.ts';

test('bucket edges read as the decimals a person would write, at any width', () => {
  const cases: [number, number, number][] = [
    [0.05, 633, 31.65],
    [0.05, 632.5, 31.625],
    [0.1, 1798, 179.8],
    [0.0000001, 123, 0.0000123],
    [250, 3, 750],
    [2.5, 7.5, 18.75],
  ];
  for (const [width, key, px] of cases) {
    const b = new CoinBuckets(width);
    assert.equal(b.edge(key), px, `${key} × ${width}`);
    b.reset(width * 10);
    assert.equal(b.edge(key), Number((px * 10).toPrecision(12)), `${key} × ${width * 10} after reset`);
  }
});

test('the bucket key index answers like a Map, for keys near each other and keys far out, through widening and clearing', () => {
  const key = fc.oneof(
    fc.integer({ min: -3000, max: 3000 }),
    fc.integer({ min: -2e9, max: 2e9 }),
    fc.integer({ min: 200_000, max: 400_000 }),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(key, fc.boolean()), { maxLength: 400 }), (ops) => {
      const index = new KeyIndex();
      const want = new Map<number, number>();
      let row = 0;
      for (const [k, clear] of ops) {
        if (clear && row % 17 === 0) {
          index.clear();
          want.clear();
        }
        if (!want.has(k)) {
          want.set(k, row);
          index.set(k, row);
          row++;
        }
        for (const [q, r] of want) assert.equal(index.get(q), r);
        assert.equal(index.get(k + 1), want.get(k + 1) ?? -1);
      }
    }),
    { numRuns: 200 },
  );
});
