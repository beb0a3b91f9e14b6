import type { PositionBook } from '../position-book/book.ts';
import type { WhalePolicy } from '../whales/policy.ts';

/**
 * Whales' lean: score-weighted net notional of the large positions in the coin now (a position of
 * at least the policy's size, or an account of at least its value). Market makers are never
 * whales (docs/syndicates.md, "Whale policy"): their inventory is the other side of everyone's trades, not a view.
 */
export function whaleLean(
  book: PositionBook,
  coin: string,
  mark: number,
  policy: WhalePolicy,
  scoreOf: (walletId: number) => number | null,
): number {
  const coinId = book.coins.peek(coin);
  const { minPositionUsd, minAccountUsd } = policy.opts;
  let bias = 0;
  for (let slot = 0; slot < book.slotCount; slot++) {
    if (book.coinOf(slot) !== coinId) continue;
    const ntl = book.sziAt(slot) * mark;
    if (ntl === 0) continue;
    const w = book.walletOf(slot);
    if (Math.abs(ntl) < minPositionUsd && !(book.accountValueAt(w) >= minAccountUsd)) continue;
    if (policy.isMarketMaker(w)) continue;
    bias += (ntl * (scoreOf(w) ?? 50)) / 50;
  }
  return bias;
}
