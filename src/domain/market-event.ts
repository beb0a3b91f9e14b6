import type { Brand, Coin, Wallet } from './ids.ts';

/**
 * Normalized market events: what every venue adapter (live socket, recording, simulator) turns
 * raw messages into. Numbers are JS doubles parsed once from the venue's decimal strings
 * (see docs/recording.md, "Number types"); times are milliseconds since the epoch.
 *
 * Every event carries two times: `time` is the venue's own timestamp, `localTs` when we received
 * the message (the recording's `ts`). Engines only ever read these, never a clock.
 */
export type Venue = 'hyperliquid';

/**
 * A normalizer's own number for a wallet it decoded (dense, in the order it first filed each
 * address): a hint that lets the position book find its id for the wallet without hashing the
 * address again. Only a normalizer asked for them sets these (the Pipeline's); the book checks a
 * hint against the address, so an event from elsewhere never moves the wrong wallet.
 */
export type WalletRef = Brand<number, 'WalletRef'>;

/** Buyer ('B') or seller ('A', the venue's "ask" side). */
export type Side = 'B' | 'A';

/** Hyperliquid's `dir` for perpetuals. */
export type Direction = 'Open Long' | 'Open Short' | 'Close Long' | 'Close Short' | 'Long > Short' | 'Short > Long';

export const DIRECTIONS: readonly Direction[] = ['Open Long', 'Open Short', 'Close Long', 'Close Short', 'Long > Short', 'Short > Long'];

interface EventBase {
  readonly venue: Venue;
  /** Venue time (ms). */
  readonly time: number;
  /** Receive time (ms), stamped once at the socket or taken from the recording. */
  readonly localTs: number;
}

/** One wallet's side of an execution, as the venue reports it to that wallet (userFills, node fills). */
export interface FillEvent extends EventBase {
  readonly type: 'fill';
  readonly wallet: Wallet;
  /** See WalletRef: set by the Pipeline's normalizer on the fills it scanned. */
  readonly walletRef?: WalletRef;
  readonly coin: Coin;
  readonly px: number;
  /** Absolute size in coin units. */
  readonly sz: number;
  readonly side: Side;
  /** Signed position before this fill; the venue's own figure. */
  readonly startPosition: number;
  /** The venue's direction label, when it gave one we recognise. */
  readonly dir: Direction | null;
  readonly closedPnl: number;
  readonly fee: number;
  /** Trade id (absent in older responses). */
  readonly tid: number | null;
  readonly hash: string;
  readonly oid: number | null;
  /** Taker (removed liquidity). */
  readonly crossed: boolean;
  /** Set when this fill was a liquidation of `wallet`. */
  readonly liquidation: { readonly markPx: number; readonly method: string } | null;
  /** Part of a subscription's initial snapshot: history, never news. */
  readonly isSnapshot: boolean;
}

/** A public trade: both counterparties, but not whether either opened or closed. */
export interface TradeEvent extends EventBase {
  readonly type: 'trade';
  readonly coin: Coin;
  readonly px: number;
  readonly sz: number;
  /** Taker side: 'B' means the buyer crossed the spread. */
  readonly side: Side;
  readonly buyer: Wallet;
  readonly seller: Wallet;
  /** See WalletRef: set by the Pipeline's normalizer on the trades it scanned. */
  readonly buyerRef?: WalletRef;
  readonly sellerRef?: WalletRef;
  /**
   * The venue's id of the trade (dedupe key). Its transaction `hash` is checked at the boundary
   * but not carried: no engine reads it, and on the scanned path it would be a slice holding the
   * whole read chunk alive.
   */
  readonly tid: number;
  /** Delivered as the first batch after (re)subscribing: history, never news. */
  readonly isSnapshot: boolean;
}

export interface MarkPriceEvent extends EventBase {
  readonly type: 'mark';
  readonly coin: Coin;
  readonly px: number;
  /** `mark` is the venue's mark (liquidations trigger on it); `mid` is the allMids proxy. */
  readonly kind: 'mark' | 'mid';
}

export interface PositionState {
  readonly coin: Coin;
  /** Signed size: positive long, negative short. */
  readonly szi: number;
  readonly entryPx: number;
  readonly positionValue: number;
  readonly marginMode: 'cross' | 'isolated';
  readonly leverage: number;
  /** Isolated only: the venue's `leverage.rawUsd` (margin less the position's value for longs). */
  readonly rawUsd: number | null;
  readonly marginUsed: number;
  readonly maxLeverage: number | null;
  /** The venue's own liquidation price (null: none, or not reported). */
  readonly liquidationPx: number | null;
}

/** A wallet's whole perp account at `time`: clearinghouseState / webData2. */
export interface PositionSnapshotEvent extends EventBase {
  readonly type: 'snapshot';
  /** Null when the recording does not say whose account it is (a bare response file). */
  readonly wallet: Wallet | null;
  readonly accountValue: number;
  readonly crossAccountValue: number;
  readonly crossMaintenanceMarginUsed: number | null;
  readonly positions: readonly PositionState[];
}

/** A liquidation the venue reported (a fill carrying `liquidation`). */
export interface LiquidationEvent extends EventBase {
  readonly type: 'liquidation';
  readonly wallet: Wallet;
  readonly coin: Coin;
  readonly px: number;
  readonly sz: number;
  /** Side of the liquidated position before the liquidation. */
  readonly positionSide: 'long' | 'short';
  readonly markPx: number;
  readonly method: string;
}

export interface FundingEvent extends EventBase {
  readonly type: 'funding';
  readonly coin: Coin;
  /** Hourly funding rate. */
  readonly rate: number;
  readonly openInterest: number | null;
}

export interface BookLevel {
  readonly px: number;
  readonly sz: number;
}

export interface BookEvent extends EventBase {
  readonly type: 'book';
  readonly coin: Coin;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

export interface MarginTier {
  /** Position notional (USD) from which this tier applies. */
  readonly lowerBound: number;
  readonly maxLeverage: number;
}

export interface AssetMeta {
  readonly coin: Coin;
  readonly szDecimals: number;
  readonly maxLeverage: number;
  /** Ascending by lowerBound; one tier for untiered coins. */
  readonly marginTiers: readonly MarginTier[];
  readonly isDelisted: boolean;
}

/** The venue's perp universe (meta / metaAndAssetCtxs). */
export interface MetaEvent extends EventBase {
  readonly type: 'meta';
  readonly assets: readonly AssetMeta[];
}

/**
 * Money moving on the venue's ledger (Hyperliquid: a non-funding ledger update): between two
 * wallets (`from` and `to` both set: a send, an internal, sub-account or spot transfer), into a
 * wallet from off the venue (`from` null: a deposit) or out of it (`to` null: a withdrawal).
 * Other ledger updates (vault, staking, liquidation …) are not transfers and emit nothing.
 */
export interface TransferEvent extends EventBase {
  readonly type: 'transfer';
  /** Whose ledger reported it (the subscription's or request's user). */
  readonly wallet: Wallet;
  readonly from: Wallet | null;
  readonly to: Wallet | null;
  /** The amount in USD (USDC, or a token transfer's `usdcValue`), positive. */
  readonly usd: number;
  /** The venue's name for the update: 'send', 'internalTransfer', 'subAccountTransfer', 'spotTransfer', 'deposit', 'withdraw'. */
  readonly via: string;
  /** The L1 transaction hash (a transfer between two followed wallets is reported to both: one hash). */
  readonly hash: string;
  /** Part of a subscription's initial snapshot or a query's answer: history, never news. */
  readonly isSnapshot: boolean;
}

/** The data source lost its connection: derived state built on continuity must be treated as stale. */
export interface DisconnectEvent extends EventBase {
  readonly type: 'disconnect';
  readonly reason: string;
}

export type MarketEvent =
  | FillEvent
  | TradeEvent
  | MarkPriceEvent
  | PositionSnapshotEvent
  | LiquidationEvent
  | FundingEvent
  | BookEvent
  | MetaEvent
  | TransferEvent
  | DisconnectEvent;

export type MarketEventType = MarketEvent['type'];
