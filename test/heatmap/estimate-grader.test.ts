import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EstimateGrader } from '../../src/engine/heatmap/estimate-grader.ts';

/** The summary computed from scratch over the pairs (the definition the grader's cached answer must equal). */
function fresh(pairs: readonly (readonly [number, number])[]): ReturnType<EstimateGrader['summary']> {
  const g = new EstimateGrader();
  for (const [e, x] of pairs) g.add(e, x);
  return g.summary();
}

const price = fc.oneof(fc.constant(Number.NaN), fc.double({ min: 0.01, max: 1e5, noNaN: true }));

test('summary, asked between any adds, equals the summary recomputed over the pairs so far', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.tuple(price, price), fc.boolean()), { maxLength: 60 }), (steps) => {
      const g = new EstimateGrader();
      const seen: (readonly [number, number])[] = [];
      for (const [[e, x], ask] of steps) {
        g.add(e, x);
        seen.push([e, x]);
        if (ask) {
          assert.deepEqual(g.summary(), fresh(seen));
          // Asked again with nothing added: the same answer.
          assert.deepEqual(g.summary(), fresh(seen));
        }
      }
      assert.deepEqual(g.summary(), fresh(seen));
    }),
    { seed: 20261130, numRuns: 300 },
  );
});

test('a pair added after a summary shows in the next one; the answer handed out cannot be altered', () => {
  const g = new EstimateGrader();
  g.add(101, 100);
  const first = g.summary();
  assert.equal(first.priced, 1);
  assert.equal(first.medianRelErr, 0.01);
  assert.throws(() => {
    (first as { priced: number }).priced = 7;
  }, TypeError);
  g.add(90, 100);
  g.add(Number.NaN, 100);
  const second = g.summary();
  assert.equal(second.priced, 2);
  assert.equal(second.missed, 1);
  assert.equal(second.n, 3);
  assert.equal(first.priced, 1);
});
