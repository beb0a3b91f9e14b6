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
  private readonly rows: number;
  /** Per component, the sorted values' rank table (see `rankTable`), rebuilt with the universe. */
  private readonly ranks: RankTable[] = [];
  /** Row r's percentile of component c at r · K + c: what `percentile` answers for the row's own shrunk value. */
  private readonly rowPct: Float64Array;
  /** Per component, the rows in order of their shrunk values. */
  private readonly orders: Int32Array[] = [];

  /**
   * `hint`: per component, the rows in an order close to the sorted one (the last universe's, say),
   * which the sort starts from; any order gives the same universe, only the work differs.
   */
  constructor(raw: Float64Array, counts: Float64Array, rows: number, hint?: readonly Int32Array[]) {
    const k = COMPONENTS.length;
    this.rows = rows;
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
    this.rowPct = new Float64Array(rows * k);
    const shrunk = new Float64Array(rows);
    const values = new Float64Array(rows);
    for (let c = 0; c < k; c++) {
      const mean = this.mean[c] as number;
      for (let r = 0; r < rows; r++) shrunk[r] = shrink(mean, raw[r * k + c] as number, counts[r * k + c] as number);
      const h = hint?.[c];
      const order = new Int32Array(rows);
      const hinted = h !== undefined && isPermutation(h, rows);
      if (hinted) order.set(h.subarray(0, rows));
      else for (let r = 0; r < rows; r++) order[r] = r;
      for (let r = 0; r < rows; r++) values[r] = shrunk[order[r] as number] as number;
      // Sorted with the rows alongside, so each member's percentile is known without a search (a
      // score tick reads every member; TypedArray#sort cannot carry the rows, and measured slower).
      // From a hint's order (the last tick's) an insertion sort moves a value some 10–20 places on
      // a 2,000-wallet recording: a small part of what quicksort costs from scratch.
      sortPairs(values, order, rows, hinted);
      this.ranks.push(rankTable(values, order, this.rowPct, c));
      this.orders.push(order);
    }
  }

  get size(): number {
    return this.rows;
  }

  /** n / (n + k) of the wallet's own value, the rest the population mean (no evidence: the mean). */
  shrunk(c: number, raw: number, n: number): number {
    return shrink(this.mean[c] as number, raw, n);
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

  /** The rows in order of their shrunk values of component c (ties in any order): a hint for the next universe. */
  sortedRows(c: number): Int32Array {
    return this.orders[c] as Int32Array;
  }

  /** `percentile(c, shrunk(c, raw, n))` for the raw value and count the universe was built with at `row`, without the search. */
  rowPercentile(c: number, row: number): number {
    return this.rowPct[row * COMPONENTS.length + c] as number;
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

/**
 * The rank table of the sorted values `a`, and each row's percentile (`order[p]`: the row at
 * sorted place p) into `rowPct` at row · K + c: `at` of its value, or for NaN (never equal to a
 * distinct value) `below[0]`, as `percentile` answers.
 */
function rankTable(a: Float64Array, order: Int32Array, rowPct: Float64Array, c: number): RankTable {
  const n = a.length;
  const k = COMPONENTS.length;
  const distinct = new Float64Array(n);
  const at = new Float64Array(n);
  const below = new Float64Array(n + 1);
  let m = 0;
  let i = 0;
  while (i < n) {
    const v = a[i] as number;
    let j = i + 1;
    while (j < n && a[j] === v) j++;
    distinct[m] = v;
    const p = midRank(i, j, n);
    at[m] = p;
    below[m] = midRank(i, i, n);
    m++;
    const own = v === v ? p : midRank(0, 0, n);
    for (let q = i; q < j; q++) rowPct[(order[q] as number) * k + c] = own;
    i = j;
  }
  below[m] = midRank(n, n, n);
  return { distinct: distinct.subarray(0, m), at: at.subarray(0, m), below: below.subarray(0, m + 1) };
}

/** `Universe.shrunk` with the component's mean given. */
function shrink(mean: number, raw: number, n: number): number {
  if (!(raw === raw) || !(n > 0)) return mean;
  // Rounded like the raw values (Evidence.rawInto), so equal evidence stays a tie whatever n is.
  return Math.round(((n * raw + PRIOR_TRADES * mean) / (n + PRIOR_TRADES)) * 1e9) / 1e9;
}

/** h[0, n) holds each of 0 … n − 1 once. */
function isPermutation(h: Int32Array, n: number): boolean {
  if (h.length < n) return false;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = h[i] as number;
    if (!(r >= 0 && r < n) || seen[r] === 1) return false;
    seen[r] = 1;
  }
  return true;
}

/** 50 with an empty universe, else 100 · (below + atMost) / (2 · n). */
function midRank(below: number, atMost: number, n: number): number {
  return n === 0 ? 50 : (100 * (below + atMost)) / (2 * n);
}

/**
 * Sorts `values[0, n)` ascending, NaN last, moving `order` alongside: the order TypedArray#sort
 * gives but for ±0, which compare equal (one tie in `rankTable`, the same in every comparison).
 */
export function sortPairs(values: Float64Array, order: Int32Array, n: number, nearlySorted = false): void {
  let end = n;
  for (let i = 0; i < end; ) {
    const v = values[i] as number;
    if (v === v) i++;
    else swap(values, order, i, --end);
  }
  // Nearly sorted: insertion sort, given up for quicksort once it has moved values too often.
  if (nearlySorted && insertionSort(values, order, 0, end - 1, 24 * end + 64)) return;
  quicksort(values, order, 0, end - 1);
}

/** Insertion sort of [lo, hi] unless it takes more than `budget` moves (false: stopped there, still a permutation). */
function insertionSort(a: Float64Array, o: Int32Array, lo: number, hi: number, budget: number): boolean {
  let moves = 0;
  for (let i = lo + 1; i <= hi; i++) {
    const v = a[i] as number;
    if (!(v < (a[i - 1] as number))) continue;
    const r = o[i] as number;
    let j = i - 1;
    while (j >= lo && v < (a[j] as number)) {
      a[j + 1] = a[j] as number;
      o[j + 1] = o[j] as number;
      j--;
    }
    a[j + 1] = v;
    o[j + 1] = r;
    moves += i - 1 - j;
    if (moves > budget) return false;
  }
  return true;
}

function quicksort(a: Float64Array, o: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    // Median of three as the pivot; Hoare's partition stops on equal values, so ties split evenly.
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < (a[lo] as number)) swap(a, o, mid, lo);
    if ((a[hi] as number) < (a[lo] as number)) swap(a, o, hi, lo);
    if ((a[hi] as number) < (a[mid] as number)) swap(a, o, hi, mid);
    const pivot = a[mid] as number;
    let i = lo - 1;
    let j = hi + 1;
    for (;;) {
      do i++;
      while ((a[i] as number) < pivot);
      do j--;
      while (pivot < (a[j] as number));
      if (i >= j) break;
      swap(a, o, i, j);
    }
    // Recurse into the smaller half, loop on the larger: the stack stays O(log n).
    if (j - lo < hi - j) {
      quicksort(a, o, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, o, j + 1, hi);
      hi = j;
    }
  }
  insertionSort(a, o, lo, hi, Number.POSITIVE_INFINITY);
}

function swap(a: Float64Array, o: Int32Array, i: number, j: number): void {
  const v = a[i] as number;
  a[i] = a[j] as number;
  a[j] = v;
  const r = o[i] as number;
  o[i] = o[j] as number;
  o[j] = r;
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
