/**
 * Venue-style decimal strings. Hyperliquid quotes perp prices with at most 5 significant figures
 * and sizes to the coin's `szDecimals`; the simulator rounds first and trades at the rounded
 * values, so what the book reads back is exactly what the simulator did.
 */
export function roundPx(px: number): number {
  if (!(px > 0)) return px;
  const digits = Math.floor(Math.log10(px)) + 1;
  const decimals = Math.min(6, Math.max(0, 5 - digits));
  const f = 10 ** decimals;
  const sigRounded = Number(px.toPrecision(5));
  return Math.round(sigRounded * f) / f;
}

export function roundSz(sz: number, szDecimals: number): number {
  const f = 10 ** szDecimals;
  return Math.round(sz * f) / f;
}

/** A number as the venue writes it: plain decimal, no exponent. */
export function dec(x: number, maxDecimals = 8): string {
  if (Number.isInteger(x)) return `${x}.0`;
  const s = x.toFixed(maxDecimals);
  return s.replace(/0+$/, '').replace(/\.$/, '.0');
}

export function usd(x: number): string {
  return dec(Math.round(x * 1e6) / 1e6, 6);
}

/** A deterministic transaction hash from a counter. */
export function hashOf(n: number): string {
  return `0x${n.toString(16).padStart(64, '0')}`;
}
