import { fmtUsd } from './format.ts';

/**
 * The heatmap's colour scale. Absolute by default: a cell's colour depends only on its own USD
 * notional (log scale from ABS_MIN to ABS_MAX), so a $300M level never looks cold because a
 * bigger one is on screen. Relative (the toggle) scales to the largest cell loaded instead.
 * The ramp (inferno-like) rises monotonically in luminance, so "brighter" always means "more".
 */

/** Notional (USD) at the bottom of the absolute scale: below it a cell is not drawn. */
export const ABS_MIN = 1e4;
/** Notional at the top of the absolute scale: above it the colour saturates. */
export const ABS_MAX = 1e9;
/** Decades the relative scale spans below its maximum. */
const REL_DECADES = 4;

/** Control points of the ramp: position 0…1 → RGB. */
const STOPS: readonly (readonly [number, number, number, number])[] = [
  [0, 20, 11, 52],
  [0.15, 66, 10, 104],
  [0.3, 106, 23, 110],
  [0.45, 147, 38, 103],
  [0.6, 188, 55, 84],
  [0.72, 221, 81, 58],
  [0.84, 243, 120, 25],
  [0.93, 250, 174, 18],
  [1, 252, 255, 164],
];

/** 256 colours, packed as little-endian RGBA uint32 (ImageData's byte order on every browser we ship to). */
export const LUT: Uint32Array = (() => {
  const out = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 1;
    while (k < STOPS.length - 1 && (STOPS[k] as readonly number[])[0]! < t) k++;
    const a = STOPS[k - 1]!;
    const b = STOPS[k]!;
    const f = (t - a[0]) / (b[0] - a[0]);
    const r = Math.round(a[1] + f * (b[1] - a[1]));
    const g = Math.round(a[2] + f * (b[2] - a[2]));
    const bl = Math.round(a[3] + f * (b[3] - a[3]));
    out[i] = (255 << 24) | (bl << 16) | (g << 8) | r;
  }
  return out;
})();

export interface Scale {
  readonly relative: boolean;
  /** The largest cell loaded (used by the relative scale). */
  readonly max: number;
}

/** Position 0…1 on the ramp of a notional, or -1: not drawn. */
export function level(v: number, s: Scale): number {
  if (!(v > 0)) return -1;
  if (s.relative) {
    if (!(s.max > 0)) return -1;
    const t = 1 + Math.log10(v / s.max) / REL_DECADES;
    return t < 0 ? -1 : Math.min(1, t);
  }
  if (v < ABS_MIN) return -1;
  return Math.min(1, Math.log10(v / ABS_MIN) / Math.log10(ABS_MAX / ABS_MIN));
}

/** Packed RGBA of a notional (0: transparent). */
export function colourOf(v: number, s: Scale): number {
  const t = level(v, s);
  return t < 0 ? 0 : (LUT[Math.round(t * 255)] as number);
}

/** `rgb(…)` of a ramp position, for legends and labels. */
export function cssOf(t: number): string {
  const c = LUT[Math.max(0, Math.min(255, Math.round(t * 255)))] as number;
  return `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
}

/** The legend's ticks: position on the ramp and its label. */
export function legendTicks(s: Scale): { t: number; label: string }[] {
  if (s.relative) {
    const out: { t: number; label: string }[] = [];
    for (let d = REL_DECADES; d >= 0; d--) out.push({ t: 1 - d / REL_DECADES, label: s.max > 0 ? fmtUsd(s.max / 10 ** d) : '—' });
    return out;
  }
  const out: { t: number; label: string }[] = [];
  for (let v = ABS_MIN; v <= ABS_MAX * 1.0001; v *= 10) out.push({ t: level(v, s), label: fmtUsd(v) });
  return out;
}
