import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoinBuckets } from '../../src/engine/heatmap/buckets.ts';

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
