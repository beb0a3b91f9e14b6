import { grow } from '../common/growable.ts';
import { KeyIndex } from './key-index.ts';

/**
 * Notional is kept in integer milli-dollars: adding and later removing a position's contribution
 * then returns a bucket to exactly what it was, so the incremental map equals one built from
 * scratch bit for bit (doubles hold integers exactly up to 2^53 m$ ≈ $9 trillion).
 */
export const UNIT = 1e3;

export function toUnits(usd: number): number {
  return Math.round(usd * UNIT);
}

/**
 * One coin's liquidation map: price buckets of fixed width holding the notional that liquidates
 * there, longs and shorts apart, with each position's exact contribution kept so a change
 * touches only its own bucket and re-bucketing at a new width is exact. Each bucket also keeps
 * apart the part filed from an assumed leverage (no account seen): the totals include it, the
 * estimated columns say how much of them is a guess.
 */
export class CoinBuckets {
  private bucketWidth: number;
  private readonly index = new KeyIndex();
  private keys: Float64Array = new Float64Array(256);
  private longUnits: Float64Array = new Float64Array(256);
  private shortUnits: Float64Array = new Float64Array(256);
  private longCount: Int32Array = new Int32Array(256);
  private shortCount: Int32Array = new Int32Array(256);
  /** The estimated part of the columns above. */
  private longEstUnits: Float64Array = new Float64Array(256);
  private shortEstUnits: Float64Array = new Float64Array(256);
  private longEstCount: Int32Array = new Int32Array(256);
  private shortEstCount: Int32Array = new Int32Array(256);
  private n = 0;
  /** Rows by ascending key, valid for the first `ordered` rows (rows are only ever appended, until a reset). */
  private order: Int32Array = new Int32Array(256);
  private ordered = 0;
  totalLongUnits = 0;
  totalShortUnits = 0;
  positions = 0;
  /** Bumped on every change: lets readers skip work when nothing moved. */
  version = 0;
  /** What `columns` last answered, at `version` … */
  private lastColumns: Float64Array<ArrayBuffer> | null = null;
  private lastColumnsVersion = -1;

  /** 10^(decimals of the width): edges are snapped to it, so 31.65 reads 31.65, not 31.650000000000002. */
  private scale = 1;

  constructor(width: number) {
    this.bucketWidth = width;
    this.scale = decimalScale(width);
  }

  get width(): number {
    return this.bucketWidth;
  }

  /** A new width: its edges' scale with it, and a change (what `columns` kept is stale). */
  set width(width: number) {
    this.bucketWidth = width;
    this.scale = decimalScale(width);
    this.version++;
  }

  bucketOf(px: number): number {
    return Math.floor(px / this.width);
  }

  /** The price at `key` buckets (fractional keys too: a bucket's middle), as a short decimal. */
  edge(key: number): number {
    return Math.round(key * this.width * this.scale * 2) / (this.scale * 2);
  }

  private row(key: number): number {
    let r = this.index.get(key);
    if (r < 0) {
      r = this.n++;
      if (r >= this.keys.length) {
        const need = r + 1;
        this.keys = grow(this.keys, need);
        this.longUnits = grow(this.longUnits, need);
        this.shortUnits = grow(this.shortUnits, need);
        this.longCount = grow(this.longCount, need);
        this.shortCount = grow(this.shortCount, need);
        this.longEstUnits = grow(this.longEstUnits, need);
        this.shortEstUnits = grow(this.shortEstUnits, need);
        this.longEstCount = grow(this.longEstCount, need);
        this.shortEstCount = grow(this.shortEstCount, need);
      }
      this.keys[r] = key;
      this.index.set(key, r);
    }
    return r;
  }

  /**
   * Adds (sign +1) or removes (−1) one position's contribution; `estimated`: from an assumed
   * leverage; `distinct` false: a part of a spread estimate beside its median's (the position is
   * counted in each bucket it has notional in, and once in the coin's total).
   */
  apply(px: number, units: number, long: boolean, sign: 1 | -1, estimated = false, distinct = true): void {
    const r = this.row(this.bucketOf(px));
    const n = sign;
    if (long) {
      this.longUnits[r] = (this.longUnits[r] as number) + sign * units;
      this.longCount[r] = (this.longCount[r] as number) + n;
      this.totalLongUnits += sign * units;
      if (estimated) {
        this.longEstUnits[r] = (this.longEstUnits[r] as number) + sign * units;
        this.longEstCount[r] = (this.longEstCount[r] as number) + n;
      }
    } else {
      this.shortUnits[r] = (this.shortUnits[r] as number) + sign * units;
      this.shortCount[r] = (this.shortCount[r] as number) + n;
      this.totalShortUnits += sign * units;
      if (estimated) {
        this.shortEstUnits[r] = (this.shortEstUnits[r] as number) + sign * units;
        this.shortEstCount[r] = (this.shortEstCount[r] as number) + n;
      }
    }
    if (distinct) this.positions += sign;
    this.version++;
  }

  /** A position staying in the bucket of `px` on the same side, as exact or estimated as it was: its notional moves by `deltaUnits`. */
  adjust(px: number, deltaUnits: number, long: boolean, estimated = false): void {
    const r = this.row(this.bucketOf(px));
    if (long) {
      this.longUnits[r] = (this.longUnits[r] as number) + deltaUnits;
      this.totalLongUnits += deltaUnits;
      if (estimated) this.longEstUnits[r] = (this.longEstUnits[r] as number) + deltaUnits;
    } else {
      this.shortUnits[r] = (this.shortUnits[r] as number) + deltaUnits;
      this.totalShortUnits += deltaUnits;
      if (estimated) this.shortEstUnits[r] = (this.shortEstUnits[r] as number) + deltaUnits;
    }
    this.version++;
  }

  /** Notional (m$) and position counts of bucket `key`. */
  at(key: number): { longUnits: number; shortUnits: number; longCount: number; shortCount: number } {
    const r = this.index.get(key);
    if (r < 0) return { longUnits: 0, shortUnits: 0, longCount: 0, shortCount: 0 };
    return {
      longUnits: this.longUnits[r] as number,
      shortUnits: this.shortUnits[r] as number,
      longCount: this.longCount[r] as number,
      shortCount: this.shortCount[r] as number,
    };
  }

  /**
   * Copies buckets [from, from + w.long.length) into `w` (m$ and counts, the estimated parts too).
   * A sparse map (fewer rows than the window is wide) is placed row by row into a zeroed window.
   */
  window(from: number, w: WindowColumns): void {
    const len = w.long.length;
    if (this.n < len) {
      w.long.fill(0);
      w.short.fill(0);
      w.longN.fill(0);
      w.shortN.fill(0);
      w.longEst.fill(0);
      w.shortEst.fill(0);
      w.longEstN.fill(0);
      w.shortEstN.fill(0);
      for (let r = 0; r < this.n; r++) {
        const i = (this.keys[r] as number) - from;
        if (i >= 0 && i < len) this.copyRow(r, i, w);
      }
      return;
    }
    for (let i = 0; i < len; i++) {
      const r = this.index.get(from + i);
      if (r >= 0) this.copyRow(r, i, w);
      else {
        w.long[i] = 0;
        w.short[i] = 0;
        w.longN[i] = 0;
        w.shortN[i] = 0;
        w.longEst[i] = 0;
        w.shortEst[i] = 0;
        w.longEstN[i] = 0;
        w.shortEstN[i] = 0;
      }
    }
  }

  private copyRow(r: number, i: number, w: WindowColumns): void {
    w.long[i] = this.longUnits[r] as number;
    w.short[i] = this.shortUnits[r] as number;
    w.longN[i] = this.longCount[r] as number;
    w.shortN[i] = this.shortCount[r] as number;
    w.longEst[i] = this.longEstUnits[r] as number;
    w.shortEst[i] = this.shortEstUnits[r] as number;
    w.longEstN[i] = this.longEstCount[r] as number;
    w.shortEstN[i] = this.shortEstCount[r] as number;
  }

  /** Every non-empty bucket, ascending by price (the estimated part of each column with it). */
  nonEmpty(): {
    key: number;
    longUnits: number;
    shortUnits: number;
    longCount: number;
    shortCount: number;
    longEstUnits: number;
    shortEstUnits: number;
    longEstCount: number;
    shortEstCount: number;
  }[] {
    const out = [];
    for (let r = 0; r < this.n; r++) {
      // A bucket can hold a spread estimate's part with no position counted in it: read its notional too.
      if (this.empty(r)) continue;
      out.push({
        key: this.keys[r] as number,
        longUnits: this.longUnits[r] as number,
        shortUnits: this.shortUnits[r] as number,
        longCount: this.longCount[r] as number,
        shortCount: this.shortCount[r] as number,
        longEstUnits: this.longEstUnits[r] as number,
        shortEstUnits: this.shortEstUnits[r] as number,
        longEstCount: this.longEstCount[r] as number,
        shortEstCount: this.shortEstCount[r] as number,
      });
    }
    return out.sort((a, b) => a.key - b.key);
  }

  /**
   * `nonEmpty()` as the stored map's columns, without an object a bucket: six numbers a bucket in
   * ascending price order, lo and hi (`edge`), then the long, short, long estimated and short
   * estimated notional in USD (units / UNIT), the values `HeatmapEngine.view` gives its buckets.
   * The rows' price order is kept between calls and extended by the rows added since. Nothing
   * changed since the last call (`version`): the same array again (a coin's map is stored every few
   * minutes while its positions rarely move: on the 2023 export most snapshots), so it is the
   * callers' to read, never to write.
   */
  columns(): Float64Array<ArrayBuffer> {
    if (this.lastColumns !== null && this.lastColumnsVersion === this.version) return this.lastColumns;
    const n = this.n;
    if (this.ordered < n) {
      // The rows added since the last call, each put in its place (a few a call; keys are distinct).
      if (this.order.length < n) this.order = grow(this.order, n);
      const order = this.order;
      const keys = this.keys;
      for (let r = this.ordered; r < n; r++) {
        const key = keys[r] as number;
        let lo = 0;
        let hi = r;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((keys[order[mid] as number] as number) < key) lo = mid + 1;
          else hi = mid;
        }
        order.copyWithin(lo + 1, lo, r);
        order[lo] = r;
      }
      this.ordered = n;
    }
    const order = this.order;
    const keys = this.keys;
    const long = this.longUnits;
    const short = this.shortUnits;
    const longN = this.longCount;
    const shortN = this.shortCount;
    const longEst = this.longEstUnits;
    const shortEst = this.shortEstUnits;
    let k = 0;
    for (let r = 0; r < n; r++) if (longN[r] !== 0 || shortN[r] !== 0 || long[r] !== 0 || short[r] !== 0) k++;
    const out = new Float64Array(6 * k);
    // edge(), inlined (the same operations in the same order: the same doubles).
    const w = this.width;
    const sc = this.scale;
    let x = 0;
    for (let i = 0; i < n; i++) {
      const r = order[i] as number;
      // nonEmpty's test (empty()).
      if (longN[r] === 0 && shortN[r] === 0 && long[r] === 0 && short[r] === 0) continue;
      const key = keys[r] as number;
      out[x] = Math.round(key * w * sc * 2) / (sc * 2);
      out[x + 1] = Math.round((key + 1) * w * sc * 2) / (sc * 2);
      out[x + 2] = (long[r] as number) / UNIT;
      out[x + 3] = (short[r] as number) / UNIT;
      out[x + 4] = (longEst[r] as number) / UNIT;
      out[x + 5] = (shortEst[r] as number) / UNIT;
      x += 6;
    }
    this.lastColumns = out;
    this.lastColumnsVersion = this.version;
    return out;
  }

  /** No position counted and no notional in row `r` (nonEmpty's test). */
  private empty(r: number): boolean {
    return this.longCount[r] === 0 && this.shortCount[r] === 0 && this.longUnits[r] === 0 && this.shortUnits[r] === 0;
  }

  /** Empties the map for a rebuild at another width. */
  reset(width: number): void {
    this.width = width;
    this.index.clear();
    for (const a of [this.longUnits, this.shortUnits, this.longCount, this.shortCount]) a.fill(0, 0, this.n);
    for (const a of [this.longEstUnits, this.shortEstUnits, this.longEstCount, this.shortEstCount]) a.fill(0, 0, this.n);
    this.n = 0;
    this.ordered = 0;
    this.totalLongUnits = 0;
    this.totalShortUnits = 0;
    this.positions = 0;
    this.version++;
  }
}

/** Window columns `CoinBuckets.window` fills: every array the same length. */
export interface WindowColumns {
  readonly long: Float64Array;
  readonly short: Float64Array;
  readonly longN: Int32Array;
  readonly shortN: Int32Array;
  readonly longEst: Float64Array;
  readonly shortEst: Float64Array;
  readonly longEstN: Int32Array;
  readonly shortEstN: Int32Array;
}

function decimalScale(width: number): number {
  let scale = 1;
  while (scale < 1e12 && Math.abs(width * scale - Math.round(width * scale)) > 1e-9 * width * scale) scale *= 10;
  return scale;
}

/** A round bucket width near `ideal`: 1, 2, 2.5 or 5 × 10^k (a tick-aligned step a person can read). */
export function niceWidth(ideal: number): number {
  const exp = Math.floor(Math.log10(ideal));
  const base = 10 ** exp;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= ideal * 0.75) return m * base;
  return 10 * base;
}
