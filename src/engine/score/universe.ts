export const COMPONENTS = ['accuracy', 'riskAdjusted', 'sizing', 'behaviour'] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * Weights of the components in the score. Accuracy (entries ahead of moves) and risk-adjusted
 * realised results measure skill; realised results weigh a third so that a wallet whose bets lose
 * cannot ride its entries' timing into the top half (on Hyperliquid's 2023 export the clustered
 * scalper and the $2,808 loser land in the bottom half; docs/score.md, "On real data"). Sizing and
 * behaviour measure discipline, which protects capital but is not skill (ρ ≈ 0 with skill on the
 * simulator): enough to separate two equally skilled wallets, too little to lift a lucky one.
 */
export const WEIGHTS: Readonly<Record<Component, number>> = { accuracy: 0.62, riskAdjusted: 0.33, sizing: 0.025, behaviour: 0.025 };
/** WEIGHTS in COMPONENTS order, for the per-trade path. */
export const WEIGHT_ARRAY: readonly number[] = COMPONENTS.map((c) => WEIGHTS[c]);

/** Prior strength in independent bets: with k bets a component is half its own evidence, half the population's. */
export const PRIOR_TRADES = 10;

/**
 * The current universe of scored wallets, per component: the population mean every wallet is
 * shrunk toward, and the sorted shrunk values its percentile is read from (docs/score.md:
 * percentiles against the current universe, raw values kept). Rows are wallets, four columns in
 * COMPONENTS order: raw values (NaN: no evidence) and their evidence counts.
 */
export class Universe {
  readonly mean = new Float64Array(COMPONENTS.length);
  private readonly sorted: Float64Array[];
  /** Per component, the sorted values' rank table (see `rankTable`), rebuilt with the universe. */
  private readonly ranks: RankTable[];

  constructor(raw: Float64Array, counts: Float64Array, rows: number) {
    const k = COMPONENTS.length;
    for (let c = 0; c < k; c++) {
      let s = 0;
      let m = 0;
      for (let r = 0; r < rows; r++) {
        const v = raw[r * k + c] as number;
        if (v === v) {
          s += v;
          m++;
        }
      }
      this.mean[c] = m > 0 ? Math.round((s / m) * 1e9) / 1e9 : 0;
    }
    this.sorted = COMPONENTS.map((_, c) => {
      const a = new Float64Array(rows);
      for (let r = 0; r < rows; r++) a[r] = this.shrunk(c, raw[r * k + c] as number, counts[r * k + c] as number);
      return a.sort();
    });
    this.ranks = this.sorted.map(rankTable);
  }

  get size(): number {
    return (this.sorted[0] as Float64Array).length;
  }

  /** n / (n + k) of the wallet's own value, the rest the population mean (no evidence: the mean). */
  shrunk(c: number, raw: number, n: number): number {
    const mean = this.mean[c] as number;
    if (!(raw === raw) || !(n > 0)) return mean;
    // Rounded like the raw values (Evidence.rawInto), so equal evidence stays a tie whatever n is.
    return Math.round(((n * raw + PRIOR_TRADES * mean) / (n + PRIOR_TRADES)) * 1e9) / 1e9;
  }

  /**
   * Mid-rank percentile (0–100) of a value among the universe's shrunk values of component c:
   * 100 · (count below v + count at most v) / (2 · size). One binary search over the distinct
   * values; the answer at and just below each is precomputed (the same expression, so the same
   * bits as `percentileOf` over the sorted values, the test's oracle).
   */
  percentile(c: number, v: number): number {
    const t = this.ranks[c] as RankTable;
    const d = t.distinct;
    let lo = 0;
    let hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((d[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo < d.length && d[lo] === v ? (t.at[lo] as number) : (t.below[lo] as number);
  }
}

/**
 * A sorted array's distinct values and, per distinct value i, the mid-rank percentile of a value
 * equal to it (`at[i]`) and of one between it and the one before (`below[i]`; `below[length]`:
 * above them all). NaN (sorted last) and ±0 (one tie) keep the comparisons' meaning.
 */
interface RankTable {
  readonly distinct: Float64Array;
  readonly at: Float64Array;
  readonly below: Float64Array;
}

function rankTable(a: Float64Array): RankTable {
  const n = a.length;
  const distinct: number[] = [];
  const at: number[] = [];
  const below: number[] = [];
  let i = 0;
  while (i < n) {
    const v = a[i] as number;
    let j = i + 1;
    while (j < n && a[j] === v) j++;
    distinct.push(v);
    at.push(midRank(i, j, n));
    below.push(midRank(i, i, n));
    i = j;
  }
  below.push(midRank(n, n, n));
  return { distinct: Float64Array.from(distinct), at: Float64Array.from(at), below: Float64Array.from(below) };
}

/** 50 with an empty universe, else 100 · (below + atMost) / (2 · n). */
function midRank(below: number, atMost: number, n: number): number {
  return n === 0 ? 50 : (100 * (below + atMost)) / (2 * n);
}

/**
 * The mid-rank percentile by two binary searches over the sorted values (count below v, count at
 * most v): the definition `Universe.percentile` answers from its rank table, kept as its oracle.
 */
export function percentileOf(sorted: Float64Array, v: number): number {
  if (sorted.length === 0) return 50;
  return (100 * (bound(sorted, v, false) + bound(sorted, v, true))) / (2 * sorted.length);
}

/** Count of values below v (or, with `orEqual`, at most v). */
function bound(a: Float64Array, v: number, orEqual: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = a[mid] as number;
    if (x < v || (orEqual && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
