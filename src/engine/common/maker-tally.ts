import type { PositionChange } from '../position-book/change.ts';
import { grow } from './growable.ts';

/**
 * Who is a market maker, learnt from the stream: a wallet on the passive side of almost all its
 * fills has shown no direction. Fills the taker share is judged over, and the share below which a
 * wallet is one (docs/syndicates.md, "Whale policy").
 */
export const MAKER_MIN_FILLS = 8;
export const MAKER_MAX_TAKER_SHARE = 0.1;

/** Per wallet: fills seen and how many took liquidity. */
export class MakerTally {
  private fills: Int32Array = new Int32Array(1024);
  private takers: Int32Array = new Int32Array(1024);

  observe(c: PositionChange): void {
    if (c.resolved) return; // the same fill again, now with its direction
    const w = c.walletId;
    if (w >= this.fills.length) {
      this.fills = grow(this.fills, w + 1);
      this.takers = grow(this.takers, w + 1);
    }
    this.fills[w] = (this.fills[w] as number) + 1;
    if (c.taker) this.takers[w] = (this.takers[w] as number) + 1;
  }

  /**
   * Shown to be one: at least MAKER_MIN_FILLS fills, under MAKER_MAX_TAKER_SHARE of them taking
   * liquidity. The heatmap asks this: it would rather mark an ordinary trader's first resting
   * orders as an estimate than drop them from view.
   */
  isMarketMaker(w: number): boolean {
    const n = this.count(w);
    return n >= MAKER_MIN_FILLS && this.takerCount(w) < MAKER_MAX_TAKER_SHARE * n;
  }

  /**
   * Not shown otherwise: until MAKER_MIN_FILLS fills are in, the same test against that many, so a
   * wallet that has only ever been the passive side is presumed one (a market maker's first
   * minutes in a replay) and one taker fill clears it. The whale policy asks this: it must not
   * make a whale of a wallet it knows nothing of.
   */
  mayBeMarketMaker(w: number): boolean {
    return this.takerCount(w) < MAKER_MAX_TAKER_SHARE * Math.max(this.count(w), MAKER_MIN_FILLS);
  }

  private count(w: number): number {
    return w < this.fills.length ? (this.fills[w] as number) : 0;
  }

  private takerCount(w: number): number {
    return w < this.takers.length ? (this.takers[w] as number) : 0;
  }
}
