import type { MarketEvent } from '../../domain/market-event.ts';
import type { PositionChange } from '../position-book/change.ts';
import { SyndicateDetector, type SyndicateOptions } from './detector.ts';
import { FundingStream } from './funding.ts';

/** A traded price of the real pass (the market the shifted entries are replayed against). */
interface Tick {
  readonly coinId: number;
  readonly time: number;
  readonly px: number;
  readonly taker: boolean;
}

/** A funding link the recording's own ledger updates made, at the stream time it was made. */
interface Link {
  readonly link: true;
  readonly time: number;
  readonly from: string;
  readonly to: string;
  readonly linkTime: number;
}

/**
 * The chance baseline (docs/syndicates.md, "Baseline"): the same detector on the same recording
 * with each wallet's series of entries shifted in time by its own offset (hours, wrapping around
 * the recording's span), prices and the coin's activity left where they were. Whatever
 * coordination there was is broken; what the detector still finds is its rate of chance finds.
 *
 * Funding links are not shifted: a link is between two wallets (who paid whom), not an entry, so
 * moving each wallet's entries does not change it. The shifted runs see the real run's links at
 * the same stream times: the caller's graph (`opts.entities`, with the ledger file's links) gets the
 * links the recording's own ledger updates make (`onMarket`, the same FundingStream rule the real
 * graph runs) where they came in the real pass — so real and shifted runs count by the same
 * funding links, and differ only in who entered when.
 *
 * Offline: it keeps the recording's changes (a command over a file, not the live path).
 */
export class BaselineRecorder {
  /** Every change in stream order: the market the shifted entries are replayed against. */
  private readonly market: (Tick | Link)[] = [];
  /** The recording's ledger updates as the real graph reads them; the links it makes are kept in `market`. */
  private readonly funding = new FundingStream({
    funding: (from, to, linkTime) => this.market.push({ link: true, time: this.now, from, to, linkTime }),
  });
  /** The venue time of the market event being read (a link made meanwhile takes effect then). */
  private now = Number.NEGATIVE_INFINITY;
  /** The changes that passed the caller's wallet filters (policy, score) when they happened. */
  private readonly entries: PositionChange[] = [];
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;

  /** A change of the real pass, and whether the caller's filters let its wallet count then. */
  add(c: PositionChange, eligible: boolean): void {
    if (c.history || c.resolved) return;
    this.market.push({ coinId: c.coinId, time: c.time, px: c.px, taker: c.taker });
    this.first = Math.min(this.first, c.time);
    this.last = Math.max(this.last, c.time);
    if (eligible && c.dir !== null) this.entries.push(c);
  }

  /**
   * A market event of the real pass, after the changes it caused (as the real graph, attached to
   * the pipeline, reads it): its ledger updates, and the clock that settles matched withdrawals.
   */
  onMarket(e: MarketEvent): void {
    this.now = e.time;
    this.funding.onMarket(e);
  }

  /** Funding links from the recording's ledger updates kept for the shifted runs. */
  get links(): number {
    let n = 0;
    for (const m of this.market) if ('link' in m) n++;
    return n;
  }

  get span(): number {
    return this.last > this.first ? this.last - this.first : 0;
  }

  /**
   * Episodes the detector reports with every wallet's entries shifted by seed `seed`: each wallet
   * by its own offset, uniform in [1 h, span − 1 h] (a third to two thirds of a span under 3 h).
   */
  replay(seed: number, opts: Partial<SyndicateOptions>): number {
    const span = this.span;
    if (span === 0) return 0;
    const lo = span > 3 * 3600_000 ? 3600_000 : span / 3;
    const hi = span > 3 * 3600_000 ? span - 3600_000 : (2 * span) / 3;
    const offsets = new Map<number, number>();
    const shifted = this.entries.map((c) => {
      let off = offsets.get(c.walletId);
      if (off === undefined) {
        off = lo + unit(seed, c.walletId) * (hi - lo);
        offsets.set(c.walletId, off);
      }
      const time = this.first + ((c.time - this.first + off) % (span + 1));
      return { ...c, time };
    });
    // Stable: one wallet's fills of one millisecond stay in order (an order's fills add up).
    shifted.sort((a, b) => a.time - b.time);
    const d = new SyndicateDetector(
      () => {},
      () => null,
      { ...opts, tracked: null, minScore: null },
      { ownMarket: false },
    );
    const g = opts.entities ?? null;
    let j = 0;
    for (const m of this.market) {
      while (j < shifted.length && (shifted[j] as PositionChange).time < m.time) d.onEntry(shifted[j++] as PositionChange);
      if ('link' in m) {
        g?.funding(m.from, m.to, m.linkTime);
        continue;
      }
      d.onPrice(m.coinId, m.time, m.px);
      if (m.taker) d.onActivity(m.coinId, m.time);
    }
    while (j < shifted.length) d.onEntry(shifted[j++] as PositionChange);
    return d.detected;
  }
}

/** A uniform number in [0, 1) from a seed and a wallet id (splitmix32). */
function unit(seed: number, id: number): number {
  let x = (Math.imul(seed + 1, 0x9e3779b9) ^ Math.imul(id + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97) >>> 0;
  return ((x ^ (x >>> 15)) >>> 0) / 4294967296;
}
