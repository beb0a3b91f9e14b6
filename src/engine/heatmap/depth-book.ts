import type { BookEvent } from '../../domain/market-event.ts';
import type { DepthSnapshot } from './cost-to-reach.ts';

/**
 * How old a coin's newest l2Book may be (venue time, against the coin's newest mark) before its
 * depth is called stale and no cost to reach is computed from it. The venue pushes l2Book on
 * every change, several times a second on a traded coin; a minute without one means the
 * subscription is gone or the coin is not subscribed.
 */
export const DEFAULT_DEPTH_MAX_AGE_MS = 60_000;

/** The newest l2Book per coin, fed by the `book` market events. */
export class DepthBook {
  private readonly latest = new Map<string, BookEvent>();
  readonly maxAgeMs: number;

  constructor(maxAgeMs = DEFAULT_DEPTH_MAX_AGE_MS) {
    this.maxAgeMs = maxAgeMs;
  }

  onBook(e: BookEvent): void {
    const prev = this.latest.get(e.coin);
    if (prev === undefined || e.time >= prev.time) this.latest.set(e.coin, e);
  }

  /** The coin's book if one arrived within the max age of `now` (venue time); null: stale or none. */
  fresh(coin: string, now: number): (DepthSnapshot & { readonly time: number }) | null {
    const b = this.latest.get(coin);
    if (b === undefined || now - b.time > this.maxAgeMs) return null;
    return b;
  }
}
