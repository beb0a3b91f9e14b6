import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { median, medianCI } from '../../bench/stats.ts';

/** P(the j-th through k-th smallest of n draws hold the median), by the binomial count below it. */
function coverage(n: number, lo: number, hi: number): number {
  let p = 0;
  let c = 1;
  for (let i = 0; i <= n; i++) {
    if (i >= lo && i < hi) p += c / 2 ** n;
    c = (c * (n - i)) / (i + 1);
  }
  return p;
}

test('the median’s 95 % interval: the textbook ranks (n 6, 9, 15, 21), none under 6 repeats', () => {
  const ranks = (n: number) => {
    const ci = medianCI(Array.from({ length: n }, (_, i) => i + 1));
    return ci === null ? null : [ci[0], ci[1]];
  };
  assert.equal(ranks(5), null);
  assert.deepEqual(ranks(6), [1, 6]);
  assert.deepEqual(ranks(9), [2, 8]);
  assert.deepEqual(ranks(15), [4, 12]);
  assert.deepEqual(ranks(21), [6, 16]);
});

test('property: the interval holds the median, covers it with probability ≥ 95 %, and is the narrowest such pair of ranks', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 6, maxLength: 60, comparator: (a, b) => a === b }),
      (xs) => {
        const ci = medianCI(xs);
        assert.ok(ci !== null);
        const s = xs.toSorted((a, b) => a - b);
        const n = s.length;
        assert.ok(ci[0] <= median(xs) && median(xs) <= ci[1]);
        // The ranks it chose: the first index holding its lower end, mirrored.
        const j = s.indexOf(ci[0]);
        assert.ok(coverage(n, j + 1, n - j) >= 0.95 - 1e-12, `n ${n}, rank ${j}`);
        if (j + 1 < n - 1 - (j + 1)) assert.ok(coverage(n, j + 2, n - j - 1) < 0.95, `n ${n}: a narrower pair would do`);
      },
    ),
    { seed: 30, numRuns: 200 },
  );
});
