import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lnGamma, log10PoissonTail, significance } from '../../src/engine/syndicates/significance.ts';

/** P(N ≥ k) for N ~ Poisson(μ), summed directly (moderate k and μ only). */
function direct(k: number, mu: number): number {
  let pmf = Math.exp(-mu);
  let below = 0;
  for (let j = 0; j < k; j++) {
    below += pmf;
    pmf *= mu / (j + 1);
  }
  return 1 - below;
}

test('lnGamma matches log factorials', () => {
  let lf = 0;
  for (let n = 1; n <= 170; n++) {
    lf += Math.log(n);
    assert.ok(Math.abs(lnGamma(n + 1) - lf) <= 1e-9 * Math.max(1, lf), `ln ${n}!`);
  }
});

test('the Poisson tail agrees with the direct sum where that is exact, and stays finite far below it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.01, max: 40, noNaN: true }), (k, mu) => {
      const d = direct(k, mu);
      if (d < 1e-12) return; // the direct sum's cancellation, not the tail, is wrong there
      const got = 10 ** log10PoissonTail(k, mu);
      assert.ok(Math.abs(got - d) <= 1e-9 + 1e-7 * d, `k ${k} μ ${mu}: ${got} vs ${d}`);
    }),
  );
  // 1,000 wallets in a window expected to hold 2: far below any double, still a number.
  const tiny = log10PoissonTail(1000, 2);
  assert.ok(Number.isFinite(tiny) && tiny < -2000);
  assert.equal(log10PoissonTail(0, 5), 0);
});

test('more entities, a quieter lane or a calmer coin: more surprise; a busy coin raises the expectation', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 30 }),
      fc.double({ min: 1e-9, max: 1e-4, noNaN: true }),
      fc.double({ min: 1, max: 20, noNaN: true }),
      (k, rate, busy) => {
        const s = significance(k, 60_000, rate, 1);
        assert.ok(significance(k + 1, 60_000, rate, 1).surprise >= s.surprise);
        assert.ok(significance(k, 60_000, rate / 2, 1).surprise >= s.surprise);
        const b = significance(k, 60_000, rate, busy);
        // Within rounding: busy can be 1 + 2^-52, whose surprise differs from 1's in the last bits
        // only (fast-check found 2.8e-16 higher at k 6, rate 1e-4).
        assert.ok(b.surprise <= s.surprise + 1e-12 * (1 + s.surprise), `busy ${busy}: ${b.surprise} > ${s.surprise}`);
        assert.ok(Math.abs(b.expected - s.expected * busy) <= 1e-9 * b.expected);
        assert.ok(Math.abs(s.pValue - 10 ** -s.surprise) <= 1e-15);
      },
    ),
  );
});
