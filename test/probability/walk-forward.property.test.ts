import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { coin } from '../../src/domain/ids.ts';
import { wilson } from '../../src/engine/ledger/stats.ts';
import type { LabelledAssessment } from '../../src/engine/probability/assessments.ts';
import { BASELINE_ONLY, type CascadeCoefficients, fitCascade } from '../../src/engine/probability/model.ts';
import {
  DEFAULT_WALK_FORWARD,
  type ValidatedThreshold,
  WalkForwardCascade,
  type WalkForwardOptions,
} from '../../src/engine/probability/walk-forward.ts';
import { rng } from '../helpers/rng.ts';

const BTC = coin('BTC');

const pct = (x: number) => `${Math.round(100 * x)} %`;

/**
 * WalkForwardCascade as it was before its candidates went into per-threshold rings and its labels
 * into typed design rows: every threshold() a scan of every candidate object per threshold, shift()
 * on the arrays, every refit fitCascade on the label objects (itself checked against the version on
 * nested arrays in model.property.test.ts). The reference the ring version must match bit for bit
 * (same sums in the same order, same strings, same coefficients).
 */
class Reference {
  private readonly opts: WalkForwardOptions;
  private readonly labels: LabelledAssessment[] = [];
  private hits = 0;
  private sinceFit = 0;
  coefficients: CascadeCoefficients;
  fittedOn = 0;
  private readonly candidates: { score: number; p0: number; hit: boolean }[] = [];
  private judged: ValidatedThreshold | null = null;

  constructor(prior: CascadeCoefficients, opts: Partial<WalkForwardOptions> & Pick<WalkForwardOptions, 'candidateBelow'>) {
    this.opts = { ...DEFAULT_WALK_FORWARD, ...opts };
    this.coefficients = prior;
  }

  get labelled(): number {
    return this.labels.length;
  }

  add(l: LabelledAssessment): void {
    this.labels.push(l);
    if (l.hit) this.hits++;
    if (this.labels.length > this.opts.maxLabels && this.labels.shift()?.hit === true) this.hits--;
    if (l.features.baseline < this.opts.candidateBelow) {
      this.candidates.push({ score: l.score, p0: l.features.baseline, hit: l.hit });
      if (this.candidates.length > this.opts.window) this.candidates.shift();
      this.judged = null;
    }
    this.sinceFit++;
    const n = this.labels.length;
    const due = this.fittedOn === 0 ? n >= this.opts.minLabels : this.sinceFit >= this.opts.refitEvery;
    if (!due || this.hits === 0 || this.hits === n) return;
    this.coefficients = fitCascade(this.labels.map((x) => ({ f: x.features, hit: x.hit })));
    this.fittedOn = n;
    this.sinceFit = 0;
  }

  /** Per threshold, Σ p₀ of the candidates at or above it, oldest to newest: the sum behind `mean`. */
  sums(): number[] {
    return this.opts.thresholds.map((tau) => {
      let base = 0;
      for (const c of this.candidates) if (!(c.score < tau)) base += c.p0;
      return base;
    });
  }

  threshold(): ValidatedThreshold {
    if (this.judged !== null) return this.judged;
    const o = this.opts;
    let best: ValidatedThreshold | null = null;
    let nearest = '';
    for (const tau of o.thresholds) {
      let n = 0;
      let hits = 0;
      let base = 0;
      for (const c of this.candidates) {
        if (c.score < tau) continue;
        n++;
        if (c.hit) hits++;
        base += c.p0;
      }
      if (n < o.minAlerts) {
        nearest ||= `${n} past candidates at or above ${tau} (${o.minAlerts} needed)`;
        continue;
      }
      const w = wilson(hits, n);
      const mean = base / n;
      const what = `${hits} of ${n} past candidates at or above ${tau} reached their zone (${pct(hits / n)}, Wilson 95 % ${pct(w?.lo ?? 0)}–${pct(w?.hi ?? 0)}) against their mean baseline ${pct(mean)}`;
      if (w !== null && w.lo >= mean) best = { value: tau, reason: `threshold ${tau} validated walk-forward: ${what}` };
      else nearest = what;
    }
    this.judged = best ?? {
      value: null,
      reason: `no threshold validated walk-forward over ${this.candidates.length} labelled candidates${nearest === '' ? '' : `: ${nearest}`}`,
    };
    return this.judged;
  }
}

type Opts = Partial<WalkForwardOptions> & Pick<WalkForwardOptions, 'candidateBelow'>;

/** What a comparison met along the way: the thresholds' outcomes, refits, and the label rows' compactions. */
type Seen = { validated: number; failed: number; few: number; refits: number; slid: number; compacted: number };

/**
 * Feeds both the same labels; threshold(), the count of labels and the coefficients compared after
 * every one (also when no candidate came), the sums at the end.
 */
function compare(opts: Opts, labels: readonly LabelledAssessment[], seen: Seen) {
  const ref = new Reference(BASELINE_ONLY, opts);
  const cut = new WalkForwardCascade(BASELINE_ONLY, opts);
  const rows = cut as unknown as { from: number };
  labels.forEach((l, i) => {
    const from = rows.from;
    ref.add(l);
    cut.add(l);
    const want = ref.threshold();
    assert.deepEqual(cut.threshold(), want, `threshold after label ${i + 1}`);
    assert.equal(cut.labelled, ref.labelled, `labelled after label ${i + 1}`);
    assert.deepEqual(cut.coefficients, ref.coefficients, `coefficients after label ${i + 1}`);
    assert.equal(cut.fittedOn, ref.fittedOn, `fittedOn after label ${i + 1}`);
    if ((ref as unknown as { sinceFit: number }).sinceFit === 0) {
      seen.refits++;
      // A refit on a window that has dropped its oldest labels.
      if (rows.from > 0) seen.slid++;
    }
    if (rows.from < from) seen.compacted++;
    if (want.value !== null) seen.validated++;
    else if (want.reason.includes('reached their zone')) seen.failed++;
    else if (want.reason.includes('needed')) seen.few++;
  });
  // The sums behind the means, bit for bit (the strings show them rounded to a percent). Read at the
  // end only: reading them along the way would sum afresh where the class itself would not.
  const tiers = (cut as unknown as { tiers: { sum(): number }[] }).tiers;
  assert.deepEqual(
    tiers.map((t) => t.sum()),
    ref.sums(),
    'Σ p₀ per threshold',
  );
  assert.deepEqual(cut.coefficients, ref.coefficients, 'coefficients');
  assert.equal(cut.fittedOn, ref.fittedOn, 'fittedOn');
}

const TAUS = [0.1, 0.15, 0.2, 0.3, 0.45, 0.6];
/** Baselines of all magnitudes (rounding differs with the order summed), and the plain ones. */
const baseline = fc.oneof(fc.double({ min: 0, max: 0.7, noNaN: true }), fc.constantFrom(0, 0.01, 0.1, 0.2, 0.3, 0.6));
/** Figures exactly at thresholds too (at or above counts), NaN now and then (never under any threshold). */
const score = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 3, arbitrary: fc.constantFrom(...TAUS) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
const label = fc.record({ baseline, score, hit: fc.boolean(), flow: fc.double({ min: -2, max: 2, noNaN: true }), syn: fc.nat(3) });

test('the ring version gives the reference’s threshold after every label and its fit, on small windows that roll over', () => {
  const seen = { validated: 0, failed: 0, few: 0, refits: 0, slid: 0, compacted: 0 };
  let rolled = 0;
  fc.assert(
    fc.property(
      fc.array(label, { minLength: 1, maxLength: 300, size: 'max' }),
      fc.record({
        window: fc.integer({ min: 0, max: 40 }),
        minAlerts: fc.integer({ min: 0, max: 12 }),
        // Any order (documented ascending: the answer is the last validated either way), repeats allowed.
        thresholds: fc.array(fc.constantFrom(...TAUS), { maxLength: 6 }),
        maxLabels: fc.integer({ min: 0, max: 60 }),
        minLabels: fc.integer({ min: 0, max: 40 }),
        refitEvery: fc.integer({ min: 1, max: 30 }),
        candidateBelow: fc.constantFrom(0.3, 0.5, 1),
      }),
      fc.boolean(),
      (ls, opts, ascending) => {
        const o = { ...opts, thresholds: ascending ? opts.thresholds.toSorted((a, b) => a - b) : opts.thresholds };
        const labels = ls.map((x, i) => ({
          time: i,
          coin: BTC,
          features: { baseline: x.baseline, flow: x.flow, syndicates: x.syn },
          score: x.score,
          hit: x.hit,
        }));
        compare(o, labels, seen);
        if (labels.filter((l) => l.features.baseline < o.candidateBelow).length > o.window) rolled++;
      },
    ),
    { numRuns: 300, endOnFailure: true },
  );
  // Every outcome was met many times, in runs whose window rolled over; many refits, many of them
  // on label rows from past the start of their arrays, which were compacted many times.
  assert.ok(seen.validated > 1000 && seen.failed > 1000 && seen.few > 1000, JSON.stringify(seen));
  assert.ok(rolled > 100, `runs whose window rolled over (${rolled})`);
  assert.ok(seen.refits > 1000 && seen.slid > 1000 && seen.compacted > 100, JSON.stringify(seen));
});

test('the ring version gives the reference’s threshold after every label and its fit, on the defaults over a long run', () => {
  const seen = { validated: 0, failed: 0, few: 0, refits: 0, slid: 0, compacted: 0 };
  const r = rng(1);
  // Regimes of 6000 labels: the figures tell, or nothing does (against higher baselines); a third of
  // the labels are no candidates (baseline over the monitor's threshold). The window (5000
  // candidates) and the fit's labels (20,000) both roll over.
  const labels: LabelledAssessment[] = [];
  for (let i = 0; i < 22_000; i++) {
    const telling = Math.floor(i / 6000) % 2 === 0;
    const p0 = r() < 0.3 ? 0.5 + 0.4 * r() : telling ? 0.2 * r() : 0.1 + 0.35 * r();
    const s = 0.8 * r();
    const hit = r() < (telling ? s : 0.1);
    labels.push({ time: i, coin: BTC, features: { baseline: p0, flow: 0, syndicates: r() < 0.2 ? 1 : 0 }, score: s, hit });
  }
  compare({ candidateBelow: 0.5 }, labels, seen);
  assert.ok(seen.validated > 1000 && seen.failed > 1000, JSON.stringify(seen));
  // A refit every 500 labels from the 500th: 44, the last 4 on the latest 20,000.
  assert.deepEqual([seen.refits, seen.slid], [44, 4], JSON.stringify(seen));
});
