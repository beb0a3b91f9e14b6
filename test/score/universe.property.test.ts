import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { COMPONENTS, percentileOf, sortPairs, Universe } from '../../src/engine/score/universe.ts';

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

/** A hint per component: none, a shuffle of the rows, or not a permutation at all (ignored). */
const hintArb = (rows: number) =>
  fc.oneof(
    fc.constant(undefined),
    fc.array(fc.shuffledSubarray([...Array(rows).keys()], { minLength: rows, maxLength: rows }), { minLength: K, maxLength: K }),
    fc.array(fc.array(fc.integer({ min: -1, max: rows }), { minLength: rows, maxLength: rows }), { minLength: K, maxLength: K }),
  );

test("Universe.rowPercentile is percentile of the row's own shrunk value, whatever the sort's hint", () => {
  fc.assert(
    fc.property(
      rowsArb.chain((rows) => fc.tuple(fc.constant(rows), hintArb(rows.length))),
      ([rows, hint]) => {
        const raw = new Float64Array(rows.length * K);
        const counts = new Float64Array(rows.length * K);
        rows.forEach(([r, n], i) => {
          raw.set(r, i * K);
          counts.set(n, i * K);
        });
        const u = new Universe(
          raw,
          counts,
          rows.length,
          hint?.map((h) => Int32Array.from(h)),
        );
        const plain = new Universe(raw, counts, rows.length);
        for (let c = 0; c < K; c++) {
          const order = u.sortedRows(c);
          assert.deepEqual(
            [...order].sort((a, b) => a - b),
            [...Array(rows.length).keys()],
            'sortedRows: each row once',
          );
          for (let r = 0; r < rows.length; r++) {
            const v = u.shrunk(c, raw[r * K + c] as number, counts[r * K + c] as number);
            const want = plain.percentile(c, v);
            assert.ok(Object.is(u.rowPercentile(c, r), want), `component ${c}, row ${r}: ${u.rowPercentile(c, r)} ≠ ${want}`);
            assert.ok(Object.is(u.percentile(c, v), want), `component ${c}, row ${r}: hinted percentile`);
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('sortPairs sorts as TypedArray#sort does (±0 one tie, NaN last), the rows alongside', () => {
  fc.assert(
    fc.property(fc.array(rawArb, { maxLength: 200 }), fc.boolean(), (xs, nearly) => {
      const values = Float64Array.from(xs);
      const order = Int32Array.from(xs.keys());
      sortPairs(values, order, xs.length, nearly);
      const want = Float64Array.from(xs).sort();
      for (let i = 0; i < xs.length; i++) {
        const v = values[i] as number;
        assert.ok(v === want[i] || (v !== v && want[i] !== want[i]), `place ${i}: ${v} ≠ ${want[i]}`);
        assert.ok(Object.is(xs[order[i] as number], v), `place ${i}: row ${order[i]} holds ${xs[order[i] as number]}, not ${v}`);
      }
    }),
    { numRuns: 500 },
  );
});
