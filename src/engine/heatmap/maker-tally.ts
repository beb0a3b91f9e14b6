import { grow } from '../common/growable.ts';
import type { PositionChange } from '../position-book/change.ts';

/**
 * Fills a wallet must have shown before the heatmap calls it a market maker, and the taker share
 * below which it is one: the whale policy's rule (src/engine/whales/policy.ts), except that a
 * wallet with fewer fills is not presumed a maker. The policy presumes one (it must not make a
 * whale of a wallet it knows nothing of); the map would instead drop an ordinary trader's first
 * resting order from view, where an estimate marked as such is what it has.
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

  /** At least MAKER_MIN_FILLS fills, under MAKER_MAX_TAKER_SHARE of them taking liquidity. */
  isMarketMaker(w: number): boolean {
    if (w >= this.fills.length) return false;
    const n = this.fills[w] as number;
    return n >= MAKER_MIN_FILLS && (this.takers[w] as number) < MAKER_MAX_TAKER_SHARE * n;
  }
}
