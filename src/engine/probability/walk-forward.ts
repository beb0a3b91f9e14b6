import { wilson } from '../ledger/stats.ts';
import type { LabelledAssessment } from './assessments.ts';
import { type CascadeCoefficients, fitCascade } from './model.ts';

export interface WalkForwardOptions {
  /** No refit of the model before this many labelled assessments (with both outcomes among them). */
  readonly minLabels: number;
  /** Refit after this many new labels. */
  readonly refitEvery: number;
  /** The model is fitted on the latest this many labels only. */
  readonly maxLabels: number;
  /** Candidate alert thresholds on the alert's figure, ascending. */
  readonly thresholds: readonly number[];
  /** A threshold is judged on the latest this many labelled candidates… */
  readonly window: number;
  /** … and only once at least this many of them are at or above it. */
  readonly minAlerts: number;
  /** Candidates: assessments whose volatility baseline alone was under this (the monitor's threshold). */
  readonly candidateBelow: number;
}

export const DEFAULT_WALK_FORWARD: Omit<WalkForwardOptions, 'candidateBelow'> = {
  minLabels: 500,
  refitEvery: 500,
  maxLabels: 20_000,
  thresholds: [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7],
  window: 5000,
  minAlerts: 100,
};

/** The alert threshold the labels so far validate (null: none), and why. */
export interface ValidatedThreshold {
  readonly value: number | null;
  readonly reason: string;
}

const pct = (x: number) => `${Math.round(100 * x)} %`;

/**
 * The cascade model and CASCADE_RISK's threshold, walking forward on the monitor's own zone
 * assessments as their horizons end (AssessmentTape): every assessment, not only the few that
 * became events, so there is data enough to fit on.
 *
 * - The model (logit p = β₀ + β₁·logit p₀ + β₂·flow + β₃·syndicates) is refitted on the labels so
 *   far; before the first fit it is the coefficients given.
 * - A threshold τ is **validated** when, over the latest labelled candidates (assessments whose
 *   baseline alone was under the monitor's threshold) whose alert figure — as it stood when the
 *   assessment was made, out of sample — was at or above τ, the zone was reached more often than
 *   their volatility baseline said: the Wilson 95 % lower bound of that hit rate is at least their
 *   mean p₀, over at least `minAlerts` of them. The highest validated τ is the alert's threshold:
 *   an alert fired above it has been right more often than its baseline on the past alone.
 */
export class WalkForwardCascade {
  private readonly opts: WalkForwardOptions;
  private readonly labels: LabelledAssessment[] = [];
  private hits = 0;
  private sinceFit = 0;
  private coef: CascadeCoefficients;
  /** Labels the coefficients were fitted on (0: the prior given). */
  fittedOn = 0;
  /** The latest labelled candidates: their figure, baseline and outcome. */
  private readonly candidates: { score: number; p0: number; hit: boolean }[] = [];
  private judged: ValidatedThreshold | null = null;

  constructor(prior: CascadeCoefficients, opts: Partial<WalkForwardOptions> & Pick<WalkForwardOptions, 'candidateBelow'>) {
    this.opts = { ...DEFAULT_WALK_FORWARD, ...opts };
    this.coef = prior;
  }

  get coefficients(): CascadeCoefficients {
    return this.coef;
  }

  /** Labels seen. */
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
    this.coef = fitCascade(this.labels.map((x) => ({ f: x.features, hit: x.hit })));
    this.fittedOn = n;
    this.sinceFit = 0;
  }

  /** The highest threshold the labelled candidates so far validate. */
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
