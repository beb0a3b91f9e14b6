import type { ZoneSide } from '../../domain/glass-event.ts';

/** A bucket series around the mark, as zone detection reads it. Values in m$ (see buckets.ts). */
export interface BucketWindow {
  readonly from: number;
  readonly width: number;
  readonly markKey: number;
  readonly long: Float64Array;
  readonly short: Float64Array;
  readonly longN: Int32Array;
  readonly shortN: Int32Array;
}

export interface ZoneParams {
  /** Half-width of the background window, in buckets. */
  readonly backgroundBuckets: number;
  /** A peak must stand this many times above the local background (see `background`). */
  readonly prominence: number;
  /** ... and above this multiple of the side's mean bucket. */
  readonly overMean: number;
  /** Zones closer than this many buckets merge. */
  readonly mergeGap: number;
  /** A zone must hold at least this share of its side's notional in the window. */
  readonly minShare: number;
  readonly maxPerSide: number;
}

export const DEFAULT_ZONE_PARAMS: ZoneParams = {
  backgroundBuckets: 25,
  prominence: 3,
  overMean: 2,
  mergeGap: 2,
  minShare: 0.005,
  maxPerSide: 12,
};

export interface DetectedZone {
  readonly side: ZoneSide;
  /** Bucket keys, inclusive. */
  readonly loKey: number;
  readonly hiKey: number;
  readonly peakKey: number;
  readonly units: number;
  readonly positions: number;
}

/**
 * Density peaks with prominence (DOMAIN.md, "Zones"): smooth the side's series lightly, keep local
 * maxima that stand well above the local background (the mean of a wide window around the peak,
 * the peak's core left out) and the side's mean, grow each to where the
 * density falls back, merge neighbours. Long liquidations are read below the mark, shorts above.
 */
export function detectZones(w: BucketWindow, p: ZoneParams = DEFAULT_ZONE_PARAMS): DetectedZone[] {
  const n = w.long.length;
  const markIdx = Math.max(-1, Math.min(n, w.markKey - w.from));
  const longs = sideZones(w.long, w.longN, 0, Math.min(n - 1, markIdx), w.from, 'LONG_LIQ', p);
  const shorts = sideZones(w.short, w.shortN, Math.max(0, markIdx), n - 1, w.from, 'SHORT_LIQ', p);
  return [...longs, ...shorts];
}

function sideZones(v: Float64Array, counts: Int32Array, a: number, b: number, from: number, side: ZoneSide, p: ZoneParams): DetectedZone[] {
  if (b < a) return [];
  const len = b - a + 1;
  const s = new Float64Array(len);
  let total = 0;
  for (let i = 0; i < len; i++) {
    const x = v[a + i] as number;
    total += x;
    s[i] = (2 * x + (i > 0 ? (v[a + i - 1] as number) : 0) + (i < len - 1 ? (v[a + i + 1] as number) : 0)) / 4;
  }
  if (total <= 0) return [];
  const mean = total / len;
  // The background is read from values clipped at a few means, so one huge zone does not hide
  // a smaller one beside it.
  const clip = p.overMean * mean;
  const prefix = new Float64Array(len + 1);
  for (let i = 0; i < len; i++) prefix[i + 1] = (prefix[i] as number) + Math.min(clip, s[i] as number);
  const ranges: [number, number][] = [];
  for (let i = 0; i < len; i++) {
    const x = s[i] as number;
    if (x <= 0) continue;
    if (i > 0 && (s[i - 1] as number) > x) continue;
    if (i < len - 1 && (s[i + 1] as number) >= x) continue;
    const bg = background(prefix, i, p.backgroundBuckets);
    if (x < p.prominence * bg || x < p.overMean * mean) continue;
    const floor = Math.max(0.15 * x, 1.5 * bg);
    let lo = i;
    let hi = i;
    while (lo > 0 && (s[lo - 1] as number) > floor) lo--;
    while (hi < len - 1 && (s[hi + 1] as number) > floor) hi++;
    ranges.push([lo, hi]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] - last[1] <= p.mergeGap) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const zones: DetectedZone[] = [];
  for (const [lo, hi] of merged) {
    let units = 0;
    let positions = 0;
    let peak = lo;
    for (let i = lo; i <= hi; i++) {
      units += v[a + i] as number;
      positions += counts[a + i] as number;
      if ((v[a + i] as number) > (v[a + peak] as number)) peak = i;
    }
    if (units < p.minShare * total) continue;
    zones.push({ side, loKey: from + a + lo, hiKey: from + a + hi, peakKey: from + a + peak, units, positions });
  }
  zones.sort((x, y) => y.units - x.units);
  return zones.slice(0, p.maxPerSide);
}

/**
 * The local background around bucket i: the mean of a wide window with the peak's own core
 * (±2 buckets) left out, from prefix sums so each candidate costs O(1). A rolling median was the
 * first choice and cost 80 % of a replay's time.
 */
function background(prefix: Float64Array, i: number, half: number): number {
  const n = prefix.length - 1;
  const lo = Math.max(0, i - half);
  const hi = Math.min(n - 1, i + half);
  const clo = Math.max(lo, i - 2);
  const chi = Math.min(hi, i + 2);
  const outer = (prefix[hi + 1] as number) - (prefix[lo] as number);
  const core = (prefix[chi + 1] as number) - (prefix[clo] as number);
  const count = hi - lo + 1 - (chi - clo + 1);
  return count > 0 ? (outer - core) / count : 0;
}
