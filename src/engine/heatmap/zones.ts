import type { ZoneSide } from '../../domain/glass-event.ts';

/**
 * A bucket series around the mark, as zone detection reads it. Values in m$ (see buckets.ts);
 * `long`/`short` and their counts are totals, the optional `…Est` columns the part of them filed
 * from an assumed leverage (absent: none).
 */
export interface BucketWindow {
  readonly from: number;
  readonly width: number;
  readonly markKey: number;
  readonly long: Float64Array;
  readonly short: Float64Array;
  readonly longN: Int32Array;
  readonly shortN: Int32Array;
  readonly longEst?: Float64Array;
  readonly shortEst?: Float64Array;
  readonly longEstN?: Int32Array;
  readonly shortEstN?: Int32Array;
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
  /**
   * Weight of estimated notional (positions filed at an assumed leverage, no account seen) in
   * detection and ranking: a guess counts for a quarter of what an account's exact figure does,
   * so it cannot make a zone on its own beside exact ones, nor outrank them at equal size.
   */
  readonly estimateWeight: number;
}

export const DEFAULT_ZONE_PARAMS: ZoneParams = {
  backgroundBuckets: 25,
  prominence: 3,
  overMean: 2,
  mergeGap: 2,
  minShare: 0.005,
  maxPerSide: 12,
  estimateWeight: 0.25,
};

export interface DetectedZone {
  readonly side: ZoneSide;
  /** Bucket keys, inclusive. */
  readonly loKey: number;
  readonly hiKey: number;
  readonly peakKey: number;
  /** Notional (m$) and positions in the zone, estimated ones included … */
  readonly units: number;
  readonly positions: number;
  /** … of which filed from an assumed leverage. */
  readonly estimatedUnits: number;
  readonly estimatedPositions: number;
  /** What the zone is ranked by: exact notional plus estimated at `estimateWeight`. */
  readonly weightedUnits: number;
}

/**
 * Density peaks with prominence (docs/heatmap.md, "Zones"): smooth the side's series lightly, keep local
 * maxima that stand well above the local background (the mean of a wide window around the peak,
 * the peak's core left out) and the side's mean, grow each to where the
 * density falls back, merge neighbours. Long liquidations are read below the mark, shorts above.
 */
export function detectZones(w: BucketWindow, p: ZoneParams = DEFAULT_ZONE_PARAMS): DetectedZone[] {
  const n = w.long.length;
  const markIdx = Math.max(-1, Math.min(n, w.markKey - w.from));
  const long: Side = { v: w.long, n: w.longN, est: w.longEst ?? null, estN: w.longEstN ?? null };
  const short: Side = { v: w.short, n: w.shortN, est: w.shortEst ?? null, estN: w.shortEstN ?? null };
  const longs = sideZones(long, 0, Math.min(n - 1, markIdx), w.from, 'LONG_LIQ', p);
  const shorts = sideZones(short, Math.max(0, markIdx), n - 1, w.from, 'SHORT_LIQ', p);
  return [...longs, ...shorts];
}

interface Side {
  readonly v: Float64Array;
  readonly n: Int32Array;
  readonly est: Float64Array | null;
  readonly estN: Int32Array | null;
}

/**
 * Scratch series for sideZones, grown as needed and reused from call to call (detection runs on
 * every mark that moves and every change in the map; fresh arrays per call were most of its garbage).
 * Every element a call reads it writes first; nothing returned points into them.
 */
let scratch = { v: new Float64Array(0), s: new Float64Array(0), prefix: new Float64Array(0) };

function scratchFor(len: number): typeof scratch {
  if (scratch.s.length < len + 1) {
    const cap = Math.max(len + 1, 2 * scratch.s.length, 1024);
    scratch = { v: new Float64Array(cap), s: new Float64Array(cap), prefix: new Float64Array(cap) };
  }
  return scratch;
}

function sideZones(side: Side, a: number, b: number, from: number, sideName: ZoneSide, p: ZoneParams): DetectedZone[] {
  if (b < a) return [];
  const { v: face, n: counts, est, estN } = side;
  const len = b - a + 1;
  const buf = scratchFor(len);
  // The series detection reads: exact notional plus the estimated part at its weight.
  const v = est === null ? face.subarray(a, b + 1) : buf.v;
  if (est !== null) {
    const cut = 1 - p.estimateWeight;
    for (let i = 0; i < len; i++) v[i] = (face[a + i] as number) - cut * (est[a + i] as number);
  }
  const s = buf.s;
  let total = 0;
  for (let i = 0; i < len; i++) {
    const x = v[i] as number;
    total += x;
    s[i] = (2 * x + (i > 0 ? (v[i - 1] as number) : 0) + (i < len - 1 ? (v[i + 1] as number) : 0)) / 4;
  }
  if (total <= 0) return [];
  const mean = total / len;
  // The background is read from values clipped at a few means, so one huge zone does not hide
  // a smaller one beside it.
  const clip = p.overMean * mean;
  const prefix = buf.prefix;
  prefix[0] = 0;
  for (let i = 0; i < len; i++) prefix[i + 1] = (prefix[i] as number) + Math.min(clip, s[i] as number);
  const ranges: [number, number][] = [];
  for (let i = 0; i < len; i++) {
    const x = s[i] as number;
    if (x <= 0) continue;
    if (i > 0 && (s[i - 1] as number) > x) continue;
    if (i < len - 1 && (s[i + 1] as number) >= x) continue;
    const bg = background(prefix, len, i, p.backgroundBuckets);
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
    let estimatedUnits = 0;
    let estimatedPositions = 0;
    let weightedUnits = 0;
    let peak = lo;
    for (let i = lo; i <= hi; i++) {
      units += face[a + i] as number;
      positions += counts[a + i] as number;
      weightedUnits += v[i] as number;
      if (est !== null) estimatedUnits += est[a + i] as number;
      if (estN !== null) estimatedPositions += estN[a + i] as number;
      if ((v[i] as number) > (v[peak] as number)) peak = i;
    }
    if (weightedUnits < p.minShare * total) continue;
    const loKey = from + a + lo;
    zones.push({
      side: sideName,
      loKey,
      hiKey: from + a + hi,
      peakKey: from + a + peak,
      units,
      positions,
      estimatedUnits,
      estimatedPositions,
      weightedUnits,
    });
  }
  zones.sort((x, y) => y.weightedUnits - x.weightedUnits);
  return zones.slice(0, p.maxPerSide);
}

/**
 * The local background around bucket i: the mean of a wide window with the peak's own core
 * (±2 buckets) left out, from prefix sums so each candidate costs O(1). A rolling median was the
 * first choice and cost 80 % of a replay's time. `n`: the series' length (`prefix` holds n + 1 sums, maybe more).
 */
function background(prefix: Float64Array, n: number, i: number, half: number): number {
  const lo = Math.max(0, i - half);
  const hi = Math.min(n - 1, i + half);
  const clo = Math.max(lo, i - 2);
  const chi = Math.min(hi, i + 2);
  const outer = (prefix[hi + 1] as number) - (prefix[lo] as number);
  const core = (prefix[chi + 1] as number) - (prefix[clo] as number);
  const count = hi - lo + 1 - (chi - clo + 1);
  return count > 0 ? (outer - core) / count : 0;
}

/**
 * The largest bucket within reach of the mark and what became of it: in a zone (found, or kept for
 * being the largest), or the reason it cannot be in one.
 */
export interface LargestBucket {
  readonly key: number;
  readonly side: ZoneSide;
  /** Its notional (m$) on that side. */
  readonly units: number;
  /** 'prominent': detection found it; 'largest': it was not prominent, and is kept as the largest; null: in no zone. */
  readonly zoned: 'prominent' | 'largest' | null;
  /** Why it is in no zone (null when it is in one). */
  readonly reason: string | null;
}

/**
 * Makes sure the largest bucket within `reachKeys` buckets of the mark (long or short, whichever
 * side holds more there) is in a zone: when detection left it out (not prominent over a heavy
 * background, cut by the per-side limit, or a guess weighted down), a zone is grown around it the
 * way detection grows one. A bucket that cannot be a zone says why: long liquidations above the
 * mark (or shorts below) are positions the venue would have liquidated already, and a bucket
 * outside the window was not searched.
 */
export function coverLargest(
  w: BucketWindow,
  zones: DetectedZone[],
  reachKeys: number,
  p: ZoneParams = DEFAULT_ZONE_PARAMS,
): { zones: DetectedZone[]; largest: LargestBucket | null } {
  const n = w.long.length;
  const lo = Math.max(0, w.markKey - reachKeys - w.from);
  const hi = Math.min(n - 1, w.markKey + reachKeys - w.from);
  let best = -1;
  let bestUnits = 0;
  let bestLong = true;
  for (let i = lo; i <= hi; i++) {
    const l = w.long[i] as number;
    const s = w.short[i] as number;
    if (l > bestUnits) {
      best = i;
      bestUnits = l;
      bestLong = true;
    }
    if (s > bestUnits) {
      best = i;
      bestUnits = s;
      bestLong = false;
    }
  }
  if (best < 0) return { zones, largest: null };
  const key = w.from + best;
  const side: ZoneSide = bestLong ? 'LONG_LIQ' : 'SHORT_LIQ';
  const at = (zoned: LargestBucket['zoned'], reason: string | null): LargestBucket => ({ key, side, units: bestUnits, zoned, reason });
  if (zones.some((z) => z.side === side && z.loKey <= key && key <= z.hiKey)) return { zones, largest: at('prominent', null) };
  const markIdx = w.markKey - w.from;
  if (bestLong ? best > markIdx : best < markIdx) {
    const what = bestLong ? 'long liquidations above the mark' : 'short liquidations below the mark';
    return {
      zones,
      largest: at(null, `${what}: positions the venue would have liquidated already (an estimate, or a close not seen yet)`),
    };
  }
  const v = bestLong ? w.long : w.short;
  const floor = 0.15 * bestUnits;
  // Grown on its own side of the mark only, as detection reads each side.
  const a = bestLong ? 0 : Math.max(0, markIdx);
  const b = bestLong ? Math.min(n - 1, markIdx) : n - 1;
  let zlo = best;
  let zhi = best;
  while (zlo > a && (v[zlo - 1] as number) > floor && best - zlo < p.backgroundBuckets) zlo--;
  while (zhi < b && (v[zhi + 1] as number) > floor && zhi - best < p.backgroundBuckets) zhi++;
  // A zone the grown one overlaps on its side joins it: zones' keys must not overlap.
  const overlapped = zones.filter((z) => z.side === side && z.loKey <= w.from + zhi && w.from + zlo <= z.hiKey);
  for (const z of overlapped) {
    zlo = Math.min(zlo, z.loKey - w.from);
    zhi = Math.max(zhi, z.hiKey - w.from);
  }
  const est = bestLong ? (w.longEst ?? null) : (w.shortEst ?? null);
  const estN = bestLong ? (w.longEstN ?? null) : (w.shortEstN ?? null);
  const counts = bestLong ? w.longN : w.shortN;
  let units = 0;
  let positions = 0;
  let estimatedUnits = 0;
  let estimatedPositions = 0;
  for (let i = zlo; i <= zhi; i++) {
    units += v[i] as number;
    positions += counts[i] as number;
    if (est !== null) estimatedUnits += est[i] as number;
    if (estN !== null) estimatedPositions += estN[i] as number;
  }
  const kept: DetectedZone = {
    side,
    loKey: w.from + zlo,
    hiKey: w.from + zhi,
    peakKey: key,
    units,
    positions,
    estimatedUnits,
    estimatedPositions,
    weightedUnits: units - (1 - p.estimateWeight) * estimatedUnits,
  };
  return { zones: [...zones.filter((z) => !overlapped.includes(z)), kept], largest: at('largest', null) };
}
