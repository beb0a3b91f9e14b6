import type { ChainStep, ZoneSide } from '../../domain/glass-event.ts';
import type { BookLevel } from '../../domain/market-event.ts';

/**
 * The cost to reach a liquidation zone, and the forced-flow chain after it, read from one l2Book
 * (docs/events.md, "Cost to reach a zone"). Pure: no clock, no state.
 *
 * - A LONG_LIQ zone sits below the mark: reaching it takes market sells that eat every bid above
 *   the zone's near edge (`hi`); its cost is their notional, Σ px·sz over bids with px > hi.
 *   A SHORT_LIQ zone mirrors it: buys eating every ask below `lo`.
 * - The mark at or past the near edge: cost 0. The visible book ending before the near edge: the
 *   cost is unknown (null), never a guess.
 * - The chain: once a zone is reached, its liquidations (its whole notional: a zone is a few
 *   buckets wide) execute as one market order into what is left of the book; the price they leave
 *   (`pxAfter`, the last level they trade at) reaches the next zone on that side when every level
 *   before that zone's near edge is gone; then its notional joins the flow, and so on. The chain
 *   stops at the first zone the flow does not reach, or where the visible book ends.
 */
export interface ZoneLike {
  readonly side: ZoneSide;
  readonly lo: number;
  readonly hi: number;
  readonly notionalUsd: number;
}

export interface ZoneCost {
  /** Market-order notional from the mark to the zone's near edge (USD); null: not computable. */
  readonly costToReachUsd: number | null;
  readonly chain: ChainStep[];
  /** No l2Book for the coin within the max age: nothing here was computed from depth. */
  readonly depthStale: boolean;
}

export interface DepthSnapshot {
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

/** What a zone shows when there is no fresh book: stale, and said so. */
export const STALE_COST: ZoneCost = { costToReachUsd: null, chain: [], depthStale: true };

/** One side of the book, best level first, as the flow toward a zone on `side` eats it. */
function sideLevels(book: DepthSnapshot, side: ZoneSide): BookLevel[] {
  const levels = (side === 'LONG_LIQ' ? book.bids : book.asks).filter((l) => l.sz > 0 && l.px > 0);
  // Best first: bids falling, asks rising (the venue sends them so; sorted again, not trusted).
  return side === 'LONG_LIQ' ? levels.toSorted((a, b) => b.px - a.px) : levels.toSorted((a, b) => a.px - b.px);
}

/** The zone's near edge: where price first touches it from the mark. */
function nearEdge(z: ZoneLike): number {
  return z.side === 'LONG_LIQ' ? z.hi : z.lo;
}

/** Whether a level lies before the edge (still between the price and the zone). */
function before(side: ZoneSide, px: number, edge: number): boolean {
  return side === 'LONG_LIQ' ? px > edge : px < edge;
}

/** A book side being eaten: the level index and what is left of it. */
class Cursor {
  private i = 0;
  private left: number;
  lastPx = Number.NaN;
  private readonly levels: readonly BookLevel[];

  constructor(levels: readonly BookLevel[]) {
    this.levels = levels;
    this.left = levels[0]?.sz ?? 0;
  }

  get exhausted(): boolean {
    return this.i >= this.levels.length;
  }

  /** Notional of every level before `edge` still in the book (USD). */
  notionalBefore(side: ZoneSide, edge: number): number {
    let usd = 0;
    for (let j = this.i; j < this.levels.length; j++) {
      const l = this.levels[j] as BookLevel;
      if (!before(side, l.px, edge)) break;
      usd += l.px * (j === this.i ? this.left : l.sz);
    }
    return usd;
  }

  /** Whether any level before `edge` is still in the book. */
  anyBefore(side: ZoneSide, edge: number): boolean {
    const l = this.levels[this.i];
    return l !== undefined && before(side, l.px, edge);
  }

  /** Executes `usd` of market flow; returns what the book could not absorb. */
  eat(usd: number): number {
    while (usd > 0 && this.i < this.levels.length) {
      const l = this.levels[this.i] as BookLevel;
      const want = usd / l.px;
      this.lastPx = l.px;
      if (want < this.left) {
        // The flow ends inside this level.
        this.left -= want;
        return 0;
      }
      usd -= this.left * l.px;
      this.i++;
      this.left = this.levels[this.i]?.sz ?? 0;
    }
    return usd;
  }

  /** Eats every level before `edge`. */
  eatBefore(side: ZoneSide, edge: number): void {
    while (this.anyBefore(side, edge)) {
      const l = this.levels[this.i] as BookLevel;
      this.lastPx = l.px;
      this.i++;
      this.left = this.levels[this.i]?.sz ?? 0;
    }
  }
}

/**
 * Every zone's cost and chain, in the zones' order. `markPx` is the price the cost is measured
 * from; a zone the mark is already at or past (a LONG_LIQ zone at or above it) costs 0.
 */
export function costsToReach(book: DepthSnapshot, markPx: number, zones: readonly ZoneLike[]): ZoneCost[] {
  return bookCosts(book, zones).map((c, i) => atMark(c, zones[i] as ZoneLike, markPx));
}

/** A book-only cost (bookCosts) at a mark: 0 once the mark is at or past the zone's near edge. */
export function atMark(c: ZoneCost, z: ZoneLike, markPx: number): ZoneCost {
  return c.depthStale || before(z.side, markPx, nearEdge(z)) ? c : { ...c, costToReachUsd: 0 };
}

/**
 * The costs and chains the book alone decides (the mark enters only through atMark): what a
 * caller may keep while the book and the zones stand, however the mark moves.
 */
export function bookCosts(book: DepthSnapshot, zones: readonly ZoneLike[]): ZoneCost[] {
  const out: ZoneCost[] = new Array(zones.length);
  for (const side of ['LONG_LIQ', 'SHORT_LIQ'] as const) {
    const levels = sideLevels(book, side);
    // This side's zones, nearest the book's top first (by near edge).
    const idx = zones
      .flatMap((z, i) => (z.side === side ? [i] : []))
      .sort((a, b) => {
        const ea = nearEdge(zones[a] as ZoneLike);
        const eb = nearEdge(zones[b] as ZoneLike);
        return side === 'LONG_LIQ' ? eb - ea : ea - eb;
      });
    const ordered = idx.map((i) => zones[i] as ZoneLike);
    for (let k = 0; k < idx.length; k++) out[idx[k] as number] = costOne(levels, side, ordered, k);
  }
  return out;
}

function costOne(levels: readonly BookLevel[], side: ZoneSide, ordered: readonly ZoneLike[], k: number): ZoneCost {
  const z = ordered[k] as ZoneLike;
  const edge = nearEdge(z);
  // The visible book must reach past the edge for the figure to be a cost, not a lower bound.
  const deepest = levels[levels.length - 1];
  if (deepest === undefined || before(side, deepest.px, edge)) return { costToReachUsd: null, chain: [], depthStale: false };
  const cursor = new Cursor(levels);
  const cost = cursor.notionalBefore(side, edge);
  cursor.eatBefore(side, edge);
  const chain: ChainStep[] = [];
  let flow = 0;
  for (let j = k; j < ordered.length; j++) {
    const zj = ordered[j] as ZoneLike;
    // Reached when nothing is left between the price and its near edge (the first zone: by the push).
    if (j > k && cursor.anyBefore(side, nearEdge(zj))) break;
    flow += zj.notionalUsd;
    const unabsorbed = cursor.eat(flow);
    flow = 0;
    chain.push({
      zoneLo: zj.lo,
      zoneHi: zj.hi,
      liquidatedUsd: zj.notionalUsd,
      pxAfter: cursor.lastPx === cursor.lastPx ? cursor.lastPx : edge,
    });
    // The visible book is gone: what the flow does beyond it is not known.
    if (unabsorbed > 0 || cursor.exhausted) break;
  }
  return { costToReachUsd: cost, chain, depthStale: false };
}
