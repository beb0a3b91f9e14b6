/** Median of repeated measurements: on a 2-core machine single runs vary by ±10 %. */
export function median(xs: readonly number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

export { round3 } from '../src/engine/common/round.ts';
