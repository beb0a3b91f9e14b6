/** `x` rounded to `decimals` places, for figures reported to people (never for state). */
export function roundTo(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

export function round3(x: number): number {
  return roundTo(x, 3);
}

export function round4(x: number): number {
  return roundTo(x, 4);
}
