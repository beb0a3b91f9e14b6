import type { Coin, Wallet } from '../../domain/ids.ts';
import type { Direction, MarketEvent, PositionSnapshotEvent, Side } from '../../domain/market-event.ts';

/**
 * What the position book says about one wallet's side of one execution: the fill with its
 * derived direction. Downstream engines (score, syndicates, whale events) read only these.
 */
export interface PositionChange {
  readonly type: 'position';
  readonly wallet: Wallet;
  readonly walletId: number;
  readonly coin: Coin;
  readonly coinId: number;
  /** The book's id for this wallet × coin position (dense, stable). */
  readonly slot: number;
  readonly time: number;
  readonly localTs: number;
  readonly px: number;
  readonly sz: number;
  readonly side: Side;
  /** Signed position before and after; NaN while the wallet's position is not known. */
  readonly before: number;
  readonly after: number;
  /** Null while uncertain: a trade by a wallet whose position the book does not know yet. */
  readonly dir: Direction | null;
  /**
   * Realised PnL of the closed part (the venue's figure when it gave one); 0 when nothing closed,
   * NaN when a close's entry price was never known to the book.
   */
  readonly closedPnl: number;
  /** Average entry price after the fill (NaN when flat or unknown). */
  readonly entryPx: number;
  readonly liquidation: boolean;
  /** The wallet took liquidity (the venue's `crossed`; in a trade, the side that matches its taker side). */
  readonly taker: boolean;
  readonly tid: number | null;
  readonly source: 'fill' | 'trade';
  /** From a subscription snapshot: updates state, never news. */
  readonly history: boolean;
  /** A late resolution of an earlier uncertain change (same tid, now with its direction). */
  readonly resolved: boolean;
}

/** The venue's figure disagreed with the book's: fills were missed, or a gap was bridged. */
export interface DriftReport {
  readonly type: 'drift';
  readonly wallet: Wallet;
  readonly coin: Coin;
  readonly time: number;
  readonly bookSzi: number;
  readonly venueSzi: number;
  readonly cause: 'snapshot' | 'fill';
}

export interface BookSink {
  change(c: PositionChange): void;
  /**
   * Optional: false while nothing reads the changes (a plain `glass replay`). The book then calls
   * `skipped` where it would have built and passed a change: one object less per wallet-side fill.
   */
  listening?(): boolean;
  skipped?(): void;
  drift(d: DriftReport): void;
  /**
   * A wallet's account snapshot was applied (margin inputs for liquidation prices changed).
   * `slots[i]` is the book slot of `e.positions[i]`; the array is reused, valid during the call.
   */
  account(walletId: number, e: PositionSnapshotEvent, slots: readonly number[]): void;
}

/** An account snapshot as the book applied it: its wallet id and the slot of each listed position. */
export interface AccountApplied {
  readonly walletId: number;
  readonly snapshot: PositionSnapshotEvent;
  readonly slots: readonly number[];
}

/** What an engine above the book may listen to; the pipeline wires whichever it has. */
export interface BookConsumer {
  /** A raw message starts (before its market events): the accuracy ledger's verdicts move only here. */
  onMessage?(): void;
  onMarket?(e: MarketEvent): void;
  onChange?(c: PositionChange): void;
  onAccount?(a: AccountApplied): void;
}

export const NO_SINK: BookSink = { change() {}, drift() {}, account() {} };
