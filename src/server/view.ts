import type { GlassEventType } from '../domain/glass-event.ts';
import type {
  CoinSummaryT,
  EventRecordT,
  HeatmapT,
  PositionT,
  RiskAdviceT,
  RiskRequestT,
  SyndicateT,
  WalletDetailT,
  WalletScoreT,
  ZoneT,
} from './schemas.ts';

/**
 * What the /v1 routes read: one interface, answered either from the store alone (`glass serve`
 * over an existing store: store-view.ts) or from the live engines for "now" with the store for
 * `at=` (a serving demo, live or replay: engine-view.ts). Every read takes an optional `at` (ms):
 * the answer is what Glass knew then, never later.
 */
export interface Page<T> {
  readonly items: T[];
  /** Cursor of the next page; null on the last. */
  readonly next: string | null;
}

export interface PageQuery {
  readonly at?: number;
  readonly cursor?: string;
  readonly limit: number;
}

export interface PositionQuery extends PageQuery {
  readonly coin?: string;
  readonly wallet?: string;
  readonly minNotionalUsd?: number;
  readonly nearZone?: boolean;
}

export interface EventQuery extends PageQuery {
  readonly types?: readonly GlassEventType[];
  readonly coin?: string;
  readonly since?: number;
}

export interface ViewStatus {
  readonly lastEventId: number;
  readonly lastEventTime: number | null;
  /** Wall time minus the receive time of the last ingested message (null: nothing ingested). */
  readonly ingestLagMs: number | null;
}

export interface GlassView {
  readonly mode: 'engines' | 'store';
  coins(q: PageQuery): Promise<Page<CoinSummaryT>>;
  /** Null: the coin has no map (at that time). `history`: rows of the price × time grid. */
  heatmap(coin: string, q: { at?: number; history?: number }): Promise<HeatmapT | null>;
  zones(coin: string, at?: number): Promise<{ time: number; markPx: number; zones: ZoneT[] } | null>;
  positions(q: PositionQuery): Promise<Page<PositionT>>;
  /** Which positions positions() covers at `at`: every open one (running engines, now) or the tracked wallets' (the store). */
  positionScope(at?: number): 'all' | 'tracked';
  wallets(q: PageQuery & { minTrades?: number }): Promise<Page<WalletScoreT>>;
  wallet(address: string, at?: number): Promise<WalletDetailT | null>;
  /** A page of the log; `follow`: the cursor past it (past the cursor given when it is empty), for polling. */
  events(q: EventQuery): Promise<Page<EventRecordT> & { readonly follow: string }>;
  syndicates(q: PageQuery & { coin?: string }): Promise<Page<SyndicateT>>;
  /** Null: no price for the coin (at that time). */
  risk(r: RiskRequestT, at?: number): Promise<RiskAdviceT | null>;
  status(): Promise<ViewStatus>;
}
