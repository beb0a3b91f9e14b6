import { colourOf, type Scale } from './colors.ts';

/**
 * The price × time grid behind the heatmap: one column per time slot (a minute, as the engine
 * samples), one row per price bucket. Values live in a Float32Array; their colours in an
 * off-screen canvas one pixel per cell, so a live update paints one new column (append) and a
 * pan or zoom is one scaled blit of that canvas — the world is never recomputed per event.
 * A slot with no row of its own carries the previous one forward: the map as Glass knew it then.
 */

export const SLOT_MS = 60_000;

/** Columns kept; past it the oldest half is dropped (a day at one a minute, twice). */
export const DEFAULT_CAP = 2880;

export interface Column {
  readonly time: number;
  readonly markPx: number;
  /** Notional (USD) per bucket index (price = index · bucketWidth). */
  readonly cells: ReadonlyMap<number, number> | { readonly fromIdx: number; readonly values: ArrayLike<number> };
}

export class Grid {
  readonly bucketWidth: number;
  /** Bucket index of row 0 (the lowest price). */
  readonly lowIdx: number;
  readonly rows: number;
  readonly cap: number;
  /** Slot start of column 0. */
  t0: number;
  /** Columns filled. */
  cols = 0;
  /** Column-major notional: cell (c, r) at c · rows + r. */
  values: Float32Array;
  marks: Float64Array;
  /** Time of the row each column was drawn from (carried-forward columns keep their source's). */
  times: Float64Array;
  /** One pixel per cell, row 0 at the bottom (the highest price at y = 0). */
  readonly image: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly colPixels: ImageData;
  /** The largest cell loaded. */
  max = 0;
  scale: Scale = { relative: false, max: 0 };
  /** Inside appendAll: values only, the pixels painted once at the end. */
  private batch = false;

  constructor(bucketWidth: number, lowIdx: number, rows: number, t0: number, cap = DEFAULT_CAP) {
    this.bucketWidth = bucketWidth;
    this.lowIdx = lowIdx;
    this.rows = rows;
    this.cap = cap;
    this.t0 = Math.floor(t0 / SLOT_MS) * SLOT_MS;
    this.values = new Float32Array(cap * rows);
    this.marks = new Float64Array(cap).fill(Number.NaN);
    this.times = new Float64Array(cap).fill(Number.NaN);
    this.image = document.createElement('canvas');
    this.image.width = cap;
    this.image.height = rows;
    const ctx = this.image.getContext('2d', { willReadFrequently: false });
    if (ctx === null) throw new Error('no 2d canvas');
    this.ctx = ctx;
    this.colPixels = ctx.createImageData(1, rows);
  }

  /** Lowest price the grid covers. */
  get loPx(): number {
    return this.lowIdx * this.bucketWidth;
  }

  /** Highest price the grid covers. */
  get hiPx(): number {
    return (this.lowIdx + this.rows) * this.bucketWidth;
  }

  /** Time the filled columns end. */
  get endTime(): number {
    return this.t0 + this.cols * SLOT_MS;
  }

  /** The column a time falls in (may be outside 0…cols). */
  colOf(time: number): number {
    return Math.floor((time - this.t0) / SLOT_MS);
  }

  /** The row a price falls in (may be outside 0…rows). */
  rowOf(px: number): number {
    return Math.floor(px / this.bucketWidth) - this.lowIdx;
  }

  /** Notional of the cell at (time, price); NaN outside the grid. */
  valueAt(time: number, px: number): number {
    const c = this.colOf(time);
    const r = this.rowOf(px);
    if (c < 0 || c >= this.cols || r < 0 || r >= this.rows) return Number.NaN;
    return this.values[c * this.rows + r] as number;
  }

  /**
   * Adds a row of the map. A later slot appends (gaps carry the previous column forward); the
   * current slot is repainted; an older one is ignored. Returns whether anything changed.
   */
  append(col: Column): boolean {
    const c = this.colOf(col.time);
    if (c < 0 || c < this.cols - 1) return false;
    if (c >= this.cap) this.drop(c - this.cap + 1 + (this.cap >> 1));
    const at = this.colOf(col.time);
    for (let k = this.cols; k < at; k++) this.copyColumn(k - 1, k);
    const base = at * this.rows;
    this.values.fill(0, base, base + this.rows);
    if (col.cells instanceof Map) {
      for (const [idx, v] of col.cells) this.put(base, idx, v);
    } else {
      const { fromIdx, values } = col.cells as { fromIdx: number; values: ArrayLike<number> };
      for (let i = 0; i < values.length; i++) this.put(base, fromIdx + i, values[i] as number);
    }
    this.marks[at] = col.markPx;
    this.times[at] = col.time;
    this.cols = Math.max(this.cols, at + 1);
    if (this.batch) return true;
    if (this.scale.relative && this.max > this.scale.max) {
      this.scale = { relative: true, max: this.max };
      this.repaint();
    } else this.paint(at);
    return true;
  }

  private put(base: number, idx: number, v: number): void {
    const r = idx - this.lowIdx;
    if (r < 0 || r >= this.rows || !(v > 0)) return;
    this.values[base + r] = v;
    if (v > this.max) this.max = v;
  }

  private copyColumn(from: number, to: number): void {
    if (from < 0) return;
    this.values.copyWithin(to * this.rows, from * this.rows, (from + 1) * this.rows);
    this.marks[to] = this.marks[from] as number;
    this.times[to] = this.times[from] as number;
    if (!this.batch) this.ctx.drawImage(this.image, from, 0, 1, this.rows, to, 0, 1, this.rows);
  }

  /** Drops the oldest `n` columns (the cap is reached): one shift, one repaint. */
  private drop(n: number): void {
    n = Math.min(n, this.cols);
    this.values.copyWithin(0, n * this.rows, this.cols * this.rows);
    this.values.fill(0, (this.cols - n) * this.rows);
    this.marks.copyWithin(0, n, this.cols).fill(Number.NaN, this.cols - n);
    this.times.copyWithin(0, n, this.cols).fill(Number.NaN, this.cols - n);
    this.cols -= n;
    this.t0 += n * SLOT_MS;
    if (!this.batch) this.repaint();
  }

  /**
   * Appends many rows at once (the history, on load): the values column by column, then the
   * pixels in one putImageData — not a drawImage and a putImageData per column, which on a busy
   * machine took seconds for a few hundred columns before the first frame.
   */
  appendAll(cols: Iterable<Column>): void {
    this.batch = true;
    try {
      for (const c of cols) this.append(c);
    } finally {
      this.batch = false;
    }
    if (this.scale.relative) this.scale = { relative: true, max: this.max };
    this.repaint();
  }

  /** Paints one column's pixels. */
  paint(c: number): void {
    const px = new Uint32Array(this.colPixels.data.buffer);
    const base = c * this.rows;
    for (let r = 0; r < this.rows; r++) px[this.rows - 1 - r] = colourOf(this.values[base + r] as number, this.scale);
    this.ctx.putImageData(this.colPixels, c, 0);
  }

  /** Repaints every column (the scale changed). */
  repaint(): void {
    if (this.cols === 0) {
      this.ctx.clearRect(0, 0, this.cap, this.rows);
      return;
    }
    const img = this.ctx.createImageData(this.cols, this.rows);
    const px = new Uint32Array(img.data.buffer);
    for (let c = 0; c < this.cols; c++) {
      const base = c * this.rows;
      for (let r = 0; r < this.rows; r++) px[(this.rows - 1 - r) * this.cols + c] = colourOf(this.values[base + r] as number, this.scale);
    }
    this.ctx.clearRect(0, 0, this.cap, this.rows);
    this.ctx.putImageData(img, 0, 0);
  }

  setRelative(relative: boolean): void {
    this.scale = { relative, max: this.max };
    this.repaint();
  }
}

/** The price range a grid should cover: the history rows' span and the mark ± 25 %, in whole buckets. */
export function gridRange(
  bucketWidth: number,
  markPx: number,
  rows: readonly { fromPx: number; bucketWidth: number; longLiqUsd: readonly number[] }[],
): { lowIdx: number; rows: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    if (r.bucketWidth !== bucketWidth) continue;
    lo = Math.min(lo, r.fromPx);
    hi = Math.max(hi, r.fromPx + r.longLiqUsd.length * bucketWidth);
  }
  // At least the mark ± 25 %, so a pan away from the mark still finds cells as they arrive.
  if (Number.isFinite(markPx) && markPx > 0) {
    lo = Math.min(lo, markPx * 0.75);
    hi = Math.max(hi, markPx * 1.25);
  }
  const lowIdx = Math.floor(lo / bucketWidth + 1e-9);
  const n = Math.max(1, Math.min(4000, Math.ceil(hi / bucketWidth - 1e-9) - lowIdx));
  return { lowIdx, rows: n };
}
