import type { Direction, Side } from '../../domain/market-event.ts';

/**
 * Sizes are decimal strings parsed to doubles; "the fill closes exactly the position" must not
 * turn into a flip because 4623.5 − 142.7 is 4480.799999… . One part in 1e9 is far below the
 * venue's smallest size step (szDecimals ≤ 8 on notional ≥ 1e-8).
 */
export function sizeTolerance(a: number, b: number): number {
  return 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

/**
 * The venue's direction label from the position before the fill, the side and the size:
 * a buy from flat or long opens long; a buy against a short closes it, or flips it when larger.
 */
export function deriveDirection(startPosition: number, side: Side, sz: number): Direction {
  const tol = sizeTolerance(startPosition, sz);
  if (side === 'B') {
    if (startPosition >= -tol) return 'Open Long';
    return sz <= -startPosition + tol ? 'Close Short' : 'Short > Long';
  }
  if (startPosition <= tol) return 'Open Short';
  return sz <= startPosition + tol ? 'Close Long' : 'Long > Short';
}

export function signOf(side: Side): 1 | -1 {
  return side === 'B' ? 1 : -1;
}
