/** Small statistics the ledger reports: Wilson intervals, medians, reliability bins. */

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; see
 * https://en.wikipedia.org/wiki/Binomial_proportion_confidence_interval#Wilson_score_interval).
 * Unlike the normal approximation it stays inside [0, 1] and is honest at 0 or n hits of a few.
 * Null for n = 0 (no interval of nothing).
 */
export function wilson(hits: number, n: number, z = Z95): { lo: number; hi: number } | null {
  if (!(n > 0)) return null;
  const p = hits / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const den = 1 + z2 / n;
  // At 0 or n hits the bound is exactly 0 or 1 (the formula leaves rounding dust).
  return { lo: hits === 0 ? 0 : Math.max(0, (centre - half) / den), hi: hits === n ? 1 : Math.min(1, (centre + half) / den) };
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.toSorted((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export const RELIABILITY_BINS = 10;

/** One forecast's reliability table, filled one sample at a time: per decile n, Σ forecast, hits. */
export class ReliabilityBins {
  readonly n = new Float64Array(RELIABILITY_BINS);
  readonly forecast = new Float64Array(RELIABILITY_BINS);
  readonly hits = new Float64Array(RELIABILITY_BINS);
  /** Σ (p − outcome)², for the Brier score. */
  squaredError = 0;
  count = 0;

  add(p: number, hit: boolean): void {
    const b = Math.min(RELIABILITY_BINS - 1, Math.max(0, Math.floor(p * RELIABILITY_BINS)));
    this.n[b] = (this.n[b] as number) + 1;
    this.forecast[b] = (this.forecast[b] as number) + p;
    if (hit) this.hits[b] = (this.hits[b] as number) + 1;
    this.squaredError += (p - (hit ? 1 : 0)) ** 2;
    this.count++;
  }

  brier(): number | null {
    return this.count === 0 ? null : this.squaredError / this.count;
  }

  /** Non-empty deciles: the mean forecast against the observed rate. */
  table(): { lo: number; hi: number; n: number; forecast: number; observed: number }[] {
    const out: { lo: number; hi: number; n: number; forecast: number; observed: number }[] = [];
    for (let b = 0; b < RELIABILITY_BINS; b++) {
      const n = this.n[b] as number;
      if (n === 0) continue;
      out.push({
        lo: b / RELIABILITY_BINS,
        hi: (b + 1) / RELIABILITY_BINS,
        n,
        forecast: (this.forecast[b] as number) / n,
        observed: (this.hits[b] as number) / n,
      });
    }
    return out;
  }
}
