/**
 * The chance model of a syndicate episode (docs/syndicates.md, "Significance"): how many distinct
 * entities would enter one lane (coin × direction) within the window by chance, given how often
 * the lane's entities enter on their own and how busy the coin is at that moment. Pure arithmetic
 * and bounded running state; no I/O.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0] as number;
  const t = z + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * log10 of P(N ≥ k) for N ~ Poisson(μ): the tail summed in log space from k up when μ < k (a
 * small probability stays exact far below 1e-300), else 1 − P(N < k).
 */
export function log10PoissonTail(k: number, mu: number): number {
  if (k <= 0) return 0;
  if (!(mu > 0)) return Number.NEGATIVE_INFINITY;
  if (mu < k) {
    // P(N ≥ k) = pmf(k) · Σ_{j ≥ k} μ^{j−k} k!/j!
    let term = 1;
    let sum = 1;
    for (let j = k + 1; j < k + 100_000; j++) {
      term *= mu / j;
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    const lnPmf = -mu + k * Math.log(mu) - lnGamma(k + 1);
    return Math.min(0, (lnPmf + Math.log(sum)) / Math.LN10);
  }
  let term = Math.exp(-mu);
  let below = 0;
  for (let j = 0; j < k; j++) {
    below += term;
    term *= mu / (j + 1);
  }
  const p = 1 - below;
  return p > 0 ? Math.log10(p) : Math.log10(Number.MIN_VALUE);
}

/** Exponentially weighted count of events per ms, with a prior that stands in until data arrives. */
export class DecayedRate {
  private count = 0;
  private last = Number.NaN;
  private first = Number.NaN;
  private readonly tauMs: number;

  constructor(tauMs: number) {
    this.tauMs = tauMs;
  }

  add(time: number, n = 1): void {
    if (!(this.first === this.first)) {
      this.first = time;
      this.last = time;
    }
    if (time > this.last) {
      this.count *= Math.exp(-(time - this.last) / this.tauMs);
      this.last = time;
    }
    this.count += n;
  }

  /** Starts the exposure clock without an event (the stream began here). */
  start(time: number): void {
    if (!(this.first === this.first)) {
      this.first = time;
      this.last = time;
    }
  }

  /**
   * Events per ms at `time`: the decayed count over the decayed exposure since the first event,
   * shrunk towards `priorPerMs` as if `priorMs` of it had been seen.
   */
  rate(time: number, priorPerMs: number, priorMs: number): number {
    if (!(this.first === this.first)) return priorPerMs;
    const age = Math.max(0, time - this.last);
    const c = this.count * Math.exp(-age / this.tauMs);
    const exposure = this.tauMs * (1 - Math.exp(-Math.max(0, time - this.first) / this.tauMs));
    return (c + priorPerMs * priorMs) / (exposure + priorMs);
  }

  /** Stream time observed so far (ms). */
  observedMs(time: number): number {
    return this.first === this.first ? Math.max(0, time - this.first) : 0;
  }
}

/** What the chance model says of one episode now. */
export interface Significance {
  /** −log10 of the p-value. */
  readonly surprise: number;
  readonly pValue: number;
  /** Distinct entities expected in the lane over the episode's span by chance. */
  readonly expected: number;
  /** How much busier than usual the coin was (≥ 1): the expectation is scaled by it. */
  readonly activity: number;
}

/**
 * The p-value of `k` distinct entities entering within `spanMs` when entities enter the lane
 * ("fresh": not having entered it within the window before) at `laneRatePerMs` on an ordinary
 * day and the coin is `activity` times as busy as usual right now.
 */
export function significance(k: number, spanMs: number, laneRatePerMs: number, activity: number): Significance {
  const expected = laneRatePerMs * spanMs * Math.max(1, activity);
  const log10p = log10PoissonTail(k, expected);
  const surprise = Math.max(0, -log10p);
  return { surprise, pValue: 10 ** -surprise, expected, activity: Math.max(1, activity) };
}
