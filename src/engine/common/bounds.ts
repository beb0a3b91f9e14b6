/** Binary searches over an ascending array, from index `from` (a kept window's head) to its end. */

/** First index ≥ `from` whose value is ≥ x (a.length: none). */
export function lowerBound(a: readonly number[], from: number, x: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index ≥ `from` whose value is > x (a.length: none). */
export function upperBound(a: readonly number[], from: number, x: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
