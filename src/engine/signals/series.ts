import { lowerBound, upperBound } from '../common/bounds.ts';

/**
 * A time-bounded sample of numbers in event time: the rolling distributions the signal detectors
 * compare the present with. Samples older than `spanMs` before the newest are dropped; mean and
 * standard deviation are exact over what is kept (recomputed on demand), and the median and the
 * median absolute deviation give a robust centre and spread.
 */
export class TimedSample {
  private t: number[] = [];
  private x: number[] = [];
  private head = 0;
  /** The robust figures of what is kept, until the next add (a fast feed asks more often than it adds). */
  private cached: { median: number; spread: number } | null = null;
  /** What is kept, in ascending order (kept in step with every add and drop). */
  private sorted: number[] = [];
  readonly spanMs: number;

  constructor(spanMs: number) {
    this.spanMs = spanMs;
  }

  add(time: number, x: number): void {
    if (!Number.isFinite(x)) return;
    this.cached = null;
    this.t.push(time);
    this.x.push(x);
    this.sorted.splice(lowerBound(this.sorted, 0, x), 0, x);
    const from = time - this.spanMs;
    while (this.head < this.t.length && (this.t[this.head] as number) < from) {
      this.sorted.splice(lowerBound(this.sorted, 0, this.x[this.head] as number), 1);
      this.head++;
    }
    if (this.head > 512 && this.head * 2 > this.t.length) {
      this.t = this.t.slice(this.head);
      this.x = this.x.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.t.length - this.head;
  }

  /** Time covered: newest minus oldest kept sample (0 when fewer than two). */
  get coveredMs(): number {
    return this.size < 2 ? 0 : (this.t[this.t.length - 1] as number) - (this.t[this.head] as number);
  }

  values(): number[] {
    return this.x.slice(this.head);
  }

  /** The value as of `time`: the last sample at or before it (NaN: none kept). */
  asOf(time: number): number {
    const i = upperBound(this.t, this.head, time) - 1;
    return i >= this.head ? (this.x[i] as number) : Number.NaN;
  }

  /** Time of the sample `asOf(time)` reads (NaN: none). */
  timeAsOf(time: number): number {
    const i = upperBound(this.t, this.head, time) - 1;
    return i >= this.head ? (this.t[i] as number) : Number.NaN;
  }

  meanSd(): { mean: number; sd: number } {
    return meanSd(this.values());
  }

  /** Median and MAD scaled to a standard deviation (×1.4826) of what is kept. */
  /** Median of what is kept (NaN: nothing). */
  median(): number {
    return quantileSorted(this.sorted, 0.5);
  }

  robust(): { median: number; spread: number } {
    if (this.cached !== null) return this.cached;
    const v = this.sorted;
    const med = quantileSorted(v, 0.5);
    const dev = v.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
    this.cached = { median: med, spread: 1.4826 * quantileSorted(dev, 0.5) };
    return this.cached;
  }
}

export function meanSd(v: readonly number[]): { mean: number; sd: number } {
  const n = v.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN };
  // Indexed loops: the same sums in the same order. (for…of here allocated an iterator result a
  // value, megamorphic as it is over arrays of every kind: the CVD detector's history on the
  // 2023 export, some 60 GB a replay for the collector.)
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] as number;
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    q += (x - mean) * (x - mean);
  }
  return { mean, sd: n > 1 ? Math.sqrt(q / (n - 1)) : Number.NaN };
}

/** Linear interpolation between order statistics; NaN for an empty array. */
export function quantileSorted(v: readonly number[], q: number): number {
  if (v.length === 0) return Number.NaN;
  const pos = (v.length - 1) * q;
  const i = Math.floor(pos);
  const f = pos - i;
  const a = v[i] as number;
  return f === 0 ? a : a + f * ((v[i + 1] as number) - a);
}

/** `x` clipped at ± k robust standard deviations (1.4826 × median |x|) of its own. */
export function winsorize(x: readonly number[], k: number): number[] {
  const abs = x.map(Math.abs).sort((a, b) => a - b);
  const limit = k * 1.4826 * quantileSorted(abs, 0.5);
  if (!(limit > 0)) return [...x];
  return x.map((v) => Math.max(-limit, Math.min(limit, v)));
}

/** Pearson correlation of two equal-length series (NaN when either is constant or too short). */
export function correlation(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 3) return Number.NaN;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i] as number;
    sy += y[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let cxy = 0;
  let cxx = 0;
  let cyy = 0;
  for (let i = 0; i < n; i++) {
    const a = (x[i] as number) - mx;
    const b = (y[i] as number) - my;
    cxy += a * b;
    cxx += a * a;
    cyy += b * b;
  }
  return cxx > 0 && cyy > 0 ? cxy / Math.sqrt(cxx * cyy) : Number.NaN;
}
