import { MakerTally } from '../common/maker-tally.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';

export interface WhalePolicyOptions {
  /** A wallet is a whale when its account value is at least this (USD) … */
  readonly minAccountUsd: number;
  /** … or the position the change leaves (or closes) is at least this notional (USD). */
  readonly minPositionUsd: number;
  /** Optional: and its Nexus Score is at least this. */
  readonly minScore: number | null;
  /** Market makers (almost always the passive side) are never whales: they have no direction. */
  readonly excludeMarketMakers: boolean;
}

export const DEFAULT_WHALE_POLICY: WhalePolicyOptions = {
  minAccountUsd: 1_000_000,
  minPositionUsd: 250_000,
  minScore: null,
  excludeMarketMakers: true,
};

/**
 * Which wallets are whales. Every wallet is still seen by the book and scored; the policy only
 * decides whose moves become whale events and syndicate members. It learns who is a market maker
 * from the stream itself (share of fills on the passive side), so it must see every change
 * (`observe`) before it is asked (`tracked`).
 */
export class WhalePolicy {
  readonly opts: WhalePolicyOptions;
  private readonly book: PositionBook;
  private readonly score: (walletId: number) => number | null;
  private readonly makers = new MakerTally();

  constructor(book: PositionBook, score: (walletId: number) => number | null = () => null, opts: Partial<WhalePolicyOptions> = {}) {
    this.book = book;
    this.score = score;
    this.opts = { ...DEFAULT_WHALE_POLICY, ...opts };
  }

  observe(c: PositionChange): void {
    this.makers.observe(c);
  }

  /** Presumed until shown otherwise (see MakerTally.mayBeMarketMaker). */
  isMarketMaker(w: number): boolean {
    return this.makers.mayBeMarketMaker(w);
  }

  tracked(c: PositionChange): boolean {
    const o = this.opts;
    if (o.excludeMarketMakers && this.isMarketMaker(c.walletId)) return false;
    const size = Math.max(Math.abs(c.after), Math.abs(c.before));
    const big = this.book.accountValueAt(c.walletId) >= o.minAccountUsd || size * c.px >= o.minPositionUsd;
    if (!big) return false;
    return o.minScore === null || (this.score(c.walletId) ?? Number.NEGATIVE_INFINITY) >= o.minScore;
  }
}
