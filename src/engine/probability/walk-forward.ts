import { wilson } from '../ledger/stats.ts';
import type { LabelledAssessment } from './assessments.ts';
import { type CascadeCoefficients, fitCascadeRows, logit } from './model.ts';

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
  /**
   * The latest `maxLabels` labels as the fit reads them, oldest first, in slots `from` to `to` of
   * growable typed arrays (the slots before `from` are spent; compacted now and then): per label its
   * design row (logit p₀, flow, syndicates: the logit taken once, not once per refit) in `rows`, 3
   * numbers a label, and its outcome (1: hit) in `outcomes`.
   */
  private rows = new Float64Array(3 * 64);
  private outcomes = new Uint8Array(64);
  private from = 0;
  private to = 0;
  private hits = 0;
  private sinceFit = 0;
  private coef: CascadeCoefficients;
  /** Labels the coefficients were fitted on (0: the prior given). */
  fittedOn = 0;
  /** The latest labelled candidates, oldest first, in a ring: their figure and outcome. */
  private readonly cand: CandidateRing;
  /**
   * Per threshold τ (in `opts.thresholds`' order), the candidates in `cand` whose figure is at or above
   * it, oldest first: their baselines in a ring, their count and hits. Each is a subsequence of `cand`,
   * so the oldest candidate, when it leaves the window, is the oldest of every tier it is in.
   */
  private readonly tiers: Tier[];
  private judged: ValidatedThreshold | null = null;

  constructor(prior: CascadeCoefficients, opts: Partial<WalkForwardOptions> & Pick<WalkForwardOptions, 'candidateBelow'>) {
    this.opts = { ...DEFAULT_WALK_FORWARD, ...opts };
    this.coef = prior;
    this.cand = new CandidateRing();
    this.tiers = this.opts.thresholds.map((tau) => new Tier(tau));
  }

  get coefficients(): CascadeCoefficients {
    return this.coef;
  }

  /** Labels seen. */
  get labelled(): number {
    return this.to - this.from;
  }

  add(l: LabelledAssessment): void {
    this.pushLabel(l);
    if (l.hit) this.hits++;
    if (this.labelled > this.opts.maxLabels) this.dropOldestLabel();
    if (l.features.baseline < this.opts.candidateBelow) {
      this.addCandidate(l.score, l.features.baseline, l.hit);
      this.judged = null;
    }
    this.sinceFit++;
    const n = this.labelled;
    const due = this.fittedOn === 0 ? n >= this.opts.minLabels : this.sinceFit >= this.opts.refitEvery;
    if (!due || this.hits === 0 || this.hits === n) return;
    this.coef = fitCascadeRows(this.rows.subarray(3 * this.from, 3 * this.to), this.outcomes.subarray(this.from, this.to));
    this.fittedOn = n;
    this.sinceFit = 0;
  }

  /**
   * A label's row and outcome after the latest. With no slot left, the live ones move to the front
   * if the spent slots are at least half the arrays, else the arrays double: amortized O(1), where
   * shift() on 20,000 labels copies them all.
   */
  private pushLabel(l: LabelledAssessment): void {
    const cap = this.outcomes.length;
    if (this.to === cap) {
      if (2 * this.from >= cap) {
        this.rows.copyWithin(0, 3 * this.from, 3 * this.to);
        this.outcomes.copyWithin(0, this.from, this.to);
      } else {
        const rows = new Float64Array(6 * cap);
        rows.set(this.rows.subarray(3 * this.from, 3 * this.to));
        this.rows = rows;
        const outcomes = new Uint8Array(2 * cap);
        outcomes.set(this.outcomes.subarray(this.from, this.to));
        this.outcomes = outcomes;
      }
      this.to -= this.from;
      this.from = 0;
    }
    const i = this.to++;
    this.rows[3 * i] = logit(l.features.baseline);
    this.rows[3 * i + 1] = l.features.flow;
    this.rows[3 * i + 2] = l.features.syndicates;
    this.outcomes[i] = l.hit ? 1 : 0;
  }

  /** The oldest label leaves the fit's window: its slot is spent. */
  private dropOldestLabel(): void {
    if (this.outcomes[this.from++] === 1) this.hits--;
  }

  private addCandidate(score: number, p0: number, hit: boolean): void {
    const h = hit ? 1 : 0;
    for (const t of this.tiers) if (!(score < t.tau)) t.push(p0, h);
    this.cand.push(score, h);
    if (this.cand.length > this.opts.window) {
      const i = this.cand.head;
      const old = this.cand.score[i] as number;
      const oldHit = this.cand.hit[i] as number;
      this.cand.shift();
      for (const t of this.tiers) if (!(old < t.tau)) t.shift(oldHit);
    }
  }

  /** The highest threshold the labelled candidates so far validate. */
  threshold(): ValidatedThreshold {
    if (this.judged !== null) return this.judged;
    const o = this.opts;
    // Judged from the last threshold back: the last one validated (in the given order) is the answer,
    // and those before it need not be summed. With none validated the reason names the last one that
    // failed on its Wilson bound, else the first one with too few candidates (as a forward scan would).
    let best: ValidatedThreshold | null = null;
    let failed = '';
    let few = '';
    for (let k = this.tiers.length - 1; k >= 0; k--) {
      const t = this.tiers[k] as Tier;
      const tau = t.tau;
      const n = t.length;
      const hits = t.hits;
      if (n < o.minAlerts) {
        few = `${n} past candidates at or above ${tau} (${o.minAlerts} needed)`;
        continue;
      }
      const w = wilson(hits, n);
      const mean = t.sum() / n;
      const validated = w !== null && w.lo >= mean;
      if (!validated && failed !== '') continue;
      const what = `${hits} of ${n} past candidates at or above ${tau} reached their zone (${pct(hits / n)}, Wilson 95 % ${pct(w?.lo ?? 0)}–${pct(w?.hi ?? 0)}) against their mean baseline ${pct(mean)}`;
      if (validated) {
        best = { value: tau, reason: `threshold ${tau} validated walk-forward: ${what}` };
        break;
      }
      failed = what;
    }
    const nearest = failed || few;
    this.judged = best ?? {
      value: null,
      reason: `no threshold validated walk-forward over ${this.cand.length} labelled candidates${nearest === '' ? '' : `: ${nearest}`}`,
    };
    return this.judged;
  }
}

/** A growable ring of candidates' figures and outcomes (typed arrays: no objects, no shift()). */
class CandidateRing {
  score = new Float64Array(64);
  hit = new Uint8Array(64);
  head = 0;
  length = 0;

  push(score: number, hit: number): void {
    if (this.length === this.score.length) {
      const cap = 2 * this.score.length;
      this.score = unroll(this.score, new Float64Array(cap), this.head);
      this.hit = unroll(this.hit, new Uint8Array(cap), this.head);
      this.head = 0;
    }
    const i = (this.head + this.length) % this.score.length;
    this.score[i] = score;
    this.hit[i] = hit;
    this.length++;
  }

  shift(): void {
    this.head = (this.head + 1) % this.score.length;
    this.length--;
  }
}

/**
 * One threshold's candidates (figure at or above τ), oldest first: their baselines in a ring, their
 * count and hits (integers: exact under add and remove), and the sum of their baselines. The sum is
 * the one a forward scan from 0 would make: a new baseline extends it exactly (same additions, same
 * order), but when the oldest leaves it is summed afresh on demand — subtracting would round
 * differently.
 */
class Tier {
  readonly tau: number;
  private p0 = new Float64Array(64);
  private head = 0;
  length = 0;
  hits = 0;
  private total = 0;
  private summed = true;

  constructor(tau: number) {
    this.tau = tau;
  }

  push(p0: number, hit: number): void {
    if (this.length === this.p0.length) {
      this.p0 = unroll(this.p0, new Float64Array(2 * this.p0.length), this.head);
      this.head = 0;
    }
    this.p0[(this.head + this.length) % this.p0.length] = p0;
    this.length++;
    this.hits += hit;
    if (this.summed) this.total += p0;
  }

  shift(hit: number): void {
    this.head = (this.head + 1) % this.p0.length;
    this.length--;
    this.hits -= hit;
    this.summed = false;
  }

  /** Σ p₀ over the tier, oldest to newest from 0. */
  sum(): number {
    if (!this.summed) {
      let s = 0;
      const cap = this.p0.length;
      for (let j = 0, i = this.head; j < this.length; j++, i = i + 1 === cap ? 0 : i + 1) s += this.p0[i] as number;
      this.total = s;
      this.summed = true;
    }
    return this.total;
  }
}

/** A full ring's contents, oldest first, copied to the start of a larger array. */
function unroll<A extends Float64Array | Uint8Array>(from: A, to: A, head: number): A {
  to.set(from.subarray(head));
  to.set(from.subarray(0, head), from.length - head);
  return to;
}
