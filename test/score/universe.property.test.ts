import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMPONENTS, percentileOf, Universe } from '../../src/engine/score/universe.ts';

const K = COMPONENTS.length;

/** Raw values from a small pool (ties, ±0, no evidence) or anywhere (±Infinity included). */
const rawArb = fc.oneof(
  fc.constantFrom(Number.NaN, 0, -0, 1, -1, 0.5, 2.25),
  fc.double({ noNaN: false }),
  fc.integer({ min: -3, max: 3 }).map((x) => x / 4),
);
/** Evidence counts: none (the mean), fractional (decayed), whole. */
const countArb = fc.oneof(fc.constantFrom(0, 1, 10, 0.3), fc.double({ min: 0, max: 100, noNaN: true }));
const rowsArb = fc.array(fc.tuple(fc.array(rawArb, { minLength: K, maxLength: K }), fc.array(countArb, { minLength: K, maxLength: K })), {
  maxLength: 60,
});

test('Universe.percentile (rank table) equals the two-binary-search definition bit for bit', () => {
  fc.assert(
    fc.property(rowsArb, fc.array(fc.double({ noNaN: false }), { maxLength: 20 }), (rows, extra) => {
      const raw = new Float64Array(rows.length * K);
      const counts = new Float64Array(rows.length * K);
      rows.forEach(([r, n], i) => {
        raw.set(r, i * K);
        counts.set(n, i * K);
      });
      const u = new Universe(raw, counts, rows.length);
      for (let c = 0; c < K; c++) {
        // The oracle's sorted values, built as the universe builds its own.
        const sorted = new Float64Array(rows.length);
        for (let r = 0; r < rows.length; r++) sorted[r] = u.shrunk(c, raw[r * K + c] as number, counts[r * K + c] as number);
        sorted.sort();
        // Every member, its neighbours, the mean, the pool and arbitrary values.
        const probes = [...sorted, ...extra, u.mean[c] as number, Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
        for (const x of sorted) if (Number.isFinite(x)) probes.push(x + Math.abs(x) * 1e-12 + 1e-300, x - Math.abs(x) * 1e-12 - 1e-300);
        for (const v of probes) {
          const got = u.percentile(c, v);
          const want = percentileOf(sorted, v);
          assert.ok(Object.is(got, want), `component ${c}, value ${v}: ${got} ≠ ${want}`);
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('Universe.percentile: the mid-rank of ties, 50 in an empty universe', () => {
  const empty = new Universe(new Float64Array(0), new Float64Array(0), 0);
  assert.equal(empty.percentile(0, 1), 50);
  // Four wallets, component 0: values 1, 2, 2, 3 with ample evidence (shrinkage moves them only slightly).
  const raw = new Float64Array(4 * K).fill(Number.NaN);
  const counts = new Float64Array(4 * K);
  [1, 2, 2, 3].forEach((v, r) => {
    raw[r * K] = v;
    counts[r * K] = 1e12;
  });
  const u = new Universe(raw, counts, 4);
  const two = u.shrunk(0, 2, 1e12);
  assert.equal(u.percentile(0, two), 50);
  assert.equal(u.percentile(0, -1), 0);
  assert.equal(u.percentile(0, 10), 100);
});
