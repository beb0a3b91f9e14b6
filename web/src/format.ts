import { fmtPx, fmtDistance as fmtSignedPct, fmtUsd } from '../../src/domain/format.ts';

/**
 * Numbers as the dashboard writes them: the CLI's own rules (src/domain/format.ts) for USD and
 * prices, so a zone reads the same here as in `glass heatmap` ($31.2M, 96,200).
 */
export { fmtPx, fmtUsd };

/** Signed percent from a value already in percent (`-1.03` → `−1.0 %`): the CLI's form, to one decimal. */
export function fmtDistance(pct: number | null): string {
  return fmtSignedPct(pct, 1);
}

/** A probability (0…1) as a whole percent; below 1 % shows `<1 %`. */
export function fmtProb(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  if (p > 0 && p < 0.01) return '<1 %';
  return `${Math.round(100 * p)} %`;
}

/** A price range `94,800–95,100`. */
export function fmtRange(lo: number, hi: number): string {
  return `${fmtPx(lo)}–${fmtPx(hi)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Venue time in UTC: `03:14` (with the date when `withDate`: `2026-01-01 03:14`). */
export function fmtTime(ms: number, withDate = false): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return withDate ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm;
}

/** Venue time with seconds, UTC: `03:14:07`. */
export function fmtClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `0xe766…a4a1` */
export function shortWallet(w: string): string {
  return w.length > 12 ? `${w.slice(0, 6)}…${w.slice(-4)}` : w;
}

/** A Nexus Score (0–100) to one decimal; null: unscored. */
export function fmtScore(s: number | null | undefined): string {
  return s === null || s === undefined || !Number.isFinite(s) ? '—' : s.toFixed(1);
}

/** A size in coin units, grouped, up to 4 decimals (`-79.8737`, `49,973.9`). */
export function fmtSize(sz: number): string {
  if (!Number.isFinite(sz)) return '—';
  return sz.toLocaleString('en-US', { maximumFractionDigits: Math.abs(sz) >= 1000 ? 1 : 4 });
}
