import type { Coin, Wallet } from './ids.ts';

/**
 * What Glass itself says: classified events derived from the market stream. Deterministic given
 * the input: `id` is derived from the event's content and position in the stream, `time` is the
 * venue time of the market event that caused it.
 */
export type Severity = 'info' | 'notice' | 'warning' | 'critical';

export type ZoneSide = 'LONG_LIQ' | 'SHORT_LIQ';

export interface ZoneRef {
  readonly side: ZoneSide;
  readonly lo: number;
  readonly hi: number;
  readonly peakPx: number;
  /** Notional that liquidates in the zone (USD), estimated positions included at face value … */
  readonly notionalUsd: number;
  /** Positions in the zone (one per wallet and coin). */
  readonly wallets: number;
  readonly distancePct: number;
  /**
   * … of which filed from an assumed leverage (no account snapshot): a guess, not the account
   * (absent in events from before the heatmap told them apart).
   */
  readonly estimatedUsd?: number;
  readonly estimatedPositions?: number;
  /** More than half the zone's notional is estimated: the zone is mostly a guess. */
  readonly mostlyEstimated?: boolean;
  /**
   * Market-order notional that moves price from the mark to the zone, from the coin's latest
   * l2Book (docs/events.md, "Cost to reach a zone"); null: stale depth, or the zone lies beyond
   * the visible book. Absent in events from before it was computed.
   */
  readonly costToReachUsd?: number | null;
  /** The forced-flow chain once the zone is reached: this zone, then each next one its flow reaches. */
  readonly chain?: ChainStep[];
  /** No l2Book for the coin within the max age: the cost and chain were not computed. */
  readonly depthStale?: boolean;
}

export interface ChainStep {
  readonly zoneLo: number;
  readonly zoneHi: number;
  /** The zone's notional that liquidates into the book (USD). */
  readonly liquidatedUsd: number;
  /** The last price that flow traded at. */
  readonly pxAfter: number;
}

export interface WalletEvidence {
  readonly wallet: Wallet;
  readonly score: number | null;
  readonly notionalUsd: number;
  /** The entity (wallets acting as one, docs/syndicates.md) the wallet belongs to, when it shares one. */
  readonly entity?: string;
}

/**
 * Delivery tier (docs/events.md): the p99 target from the causing venue message's receive time to
 * the event leaving the engine and reaching a WebSocket client. P0 < 100 ms, P1 < 500 ms, P2 < 2 s.
 */
export type Priority = 'P0' | 'P1' | 'P2';

/**
 * Per-hop timestamps (ms since the epoch). Deterministic: `receivedAt` is the causing message's
 * receive time as recorded (the venue socket's wall clock in a live run) and `detectedAt` equals it
 * (or `venueTime` when there is no causing message) unless the emit path is given a wall clock
 * (attachEngines' `clock`; the store-backed runs give none, so a resumed source's events are
 * byte-identical). No hop enters an event's `id`. `publishedAt` is never set by the engines: the
 * WebSocket stream stamps its wall clock on the message it sends, beside the body (docs/events.md).
 */
export interface Hops {
  /** The causing market event's venue time (the event's `time`). */
  readonly venueTime: number;
  /** Receive time of the causing venue message (the recording's `ts`); null: none known. */
  readonly receivedAt: number | null;
  readonly detectedAt: number;
  readonly publishedAt?: number;
}

interface GlassEventBase {
  readonly id: string;
  readonly time: number;
  readonly coin: Coin;
  readonly severity: Severity;
  /** Its type's tier (PRIORITY_OF), put on by the engine that makes it (stampOf, stampEvent) unless it raised this one. */
  readonly priority: Priority;
  readonly hops: Hops;
}

export type WhalePositionChange = 'OPENED' | 'INCREASED' | 'REDUCED' | 'CLOSED' | 'FLIPPED';

export interface WhalePositionEvent extends GlassEventBase {
  readonly type:
    | 'WHALE_POSITION_OPENED'
    | 'WHALE_POSITION_INCREASED'
    | 'WHALE_POSITION_REDUCED'
    | 'WHALE_POSITION_CLOSED'
    | 'WHALE_POSITION_FLIPPED';
  readonly wallet: Wallet;
  /** Signed size after the change. */
  readonly szi: number;
  readonly notionalUsd: number;
  readonly leverage: number | null;
  readonly score: number | null;
  readonly nearestZones: readonly ZoneRef[];
}

export interface WhaleLiquidatedEvent extends GlassEventBase {
  readonly type: 'WHALE_LIQUIDATED';
  readonly wallet: Wallet;
  readonly notionalUsd: number;
  readonly px: number;
  readonly score: number | null;
}

export interface ZoneEvent extends GlassEventBase {
  readonly type: 'ZONE_FORMED' | 'ZONE_APPROACHED' | 'ZONE_SWEPT';
  readonly zone: ZoneRef;
  readonly markPx: number;
  readonly probability: number | null;
  /** ZONE_SWEPT: notional actually liquidated while price crossed the zone. */
  readonly liquidatedUsd: number | null;
}

interface SyndicateEventBase extends GlassEventBase {
  readonly syndicateId: string;
  readonly direction: 'long' | 'short';
  /** Members of the episode now: the founders and every joiner so far. */
  readonly memberCount: number;
  /** The episode's directional notional so far (USD), members' later adds included. */
  readonly notionalUsd: number;
  /** Mean Nexus Score of the scored members, each as scored when it joined (null: none scored). */
  readonly meanScore: number | null;
  readonly firstTime: number;
  /**
   * Distinct entities among the members (wallets one actor controls count once). This and the three
   * below are set by the detector; absent in events recorded before it judged significance.
   */
  readonly entities?: number;
  /** −log10 of `pValue`. */
  readonly surprise?: number;
  /** Chance of that many entities entering the lane within the span, given its usual rate and the coin's activity now. */
  readonly pValue?: number;
  /** What price did before the entries: a move of several σ makes a reaction, a quiet tape a lead. */
  readonly class?: 'lead' | 'reaction' | 'unclear';
}

/** A new episode: the founding members in full. */
export interface SyndicateDetectedEvent extends SyndicateEventBase {
  readonly type: 'SYNDICATE_DETECTED';
  readonly members: readonly WalletEvidence[];
}

/**
 * An episode grew: only what changed since the episode's previous event, so an update's size does
 * not grow with the episode. The members are DETECTED's `members` plus every UPDATED's `joined`.
 */
export interface SyndicateUpdatedEvent extends SyndicateEventBase {
  readonly type: 'SYNDICATE_UPDATED';
  /** The wallets that joined with this update (the notional each brought). */
  readonly joined: readonly WalletEvidence[];
  /** Notional added since the episode's previous event: the joiners' and members' adds (USD). */
  readonly addedNotionalUsd: number;
}

export type SyndicateEvent = SyndicateDetectedEvent | SyndicateUpdatedEvent;

/**
 * Whether the evidence term (whales, syndicates, flow) is in an event's probability: only while the
 * walk-forward accuracy ledger shows it improving Brier on the recalibrated baseline. When it is
 * not, the probability is the recalibrated baseline, the evidence is still listed, no lift claimed.
 */
export interface EvidenceUse {
  readonly used: boolean;
  readonly reason: string;
}

/** The cascade model's layered probability that price reaches a zone within its horizon. */
export interface ModelProbability {
  readonly probability: number;
  /** false: no walk-forward check has shown the model beats the volatility baseline; not an alert. */
  readonly validated: boolean;
  /** The volatility baseline recalibrated walk-forward (fit on past grades only), when a ledger is attached. */
  readonly recalibrated?: number;
  /** Whether the event's probability uses the evidence (absent: no ledger attached). */
  readonly evidence?: EvidenceUse;
}

export interface ConvergenceEvent extends GlassEventBase {
  readonly type: 'WHALE_NEAR_ZONE' | 'SYNDICATE_NEAR_ZONE';
  readonly zone: ZoneRef;
  readonly wallets: readonly WalletEvidence[];
  readonly syndicateId: string | null;
  /**
   * The honest figure: with a ledger attached, the recalibrated baseline (or the model's, while its
   * evidence helps: `model.evidence`); without one, the volatility baseline.
   */
  readonly probability: number;
  /** The volatility baseline: the driftless chance price touches the zone within the horizon (absent: it is `probability`). */
  readonly baselineProbability?: number;
  /** The cascade model's figure with the evidence layered on (null: no model attached). */
  readonly model: ModelProbability | null;
}

export interface CascadeRiskEvent extends GlassEventBase {
  readonly type: 'CASCADE_RISK';
  readonly zone: ZoneRef;
  readonly probability: number;
  /** false: the model behind it has not been shown to beat `baselineProbability` walk-forward. */
  readonly validated: boolean;
  readonly baselineProbability: number;
  readonly horizonMs: number;
  readonly wallets: readonly WalletEvidence[];
  /** The model's figure with the evidence layered on (absent: it is `probability`). */
  readonly modelProbability?: number;
  /** The baseline recalibrated walk-forward, when a ledger is attached. */
  readonly recalibratedProbability?: number;
  /** Whether `probability` uses the evidence (absent: no ledger attached). */
  readonly evidence?: EvidenceUse;
  /** Raised for the record while its type is muted by the ledger (not an alert); absent or false: an alert. */
  readonly muted?: boolean;
  readonly muteReason?: string;
}

/**
 * Market-state signals (src/engine/signals, docs/events.md): each a pure detector over market
 * events in event time, thresholds adaptive per coin where a fixed one would be wrong.
 */

/** Open interest (activeAssetCtx) or the notional-weighted leverage of snapshotted positions rose far above its baseline in minutes while price stayed flat. */
export interface LeverageSpikeEvent extends GlassEventBase {
  readonly type: 'LEVERAGE_SPIKE';
  readonly source: 'openInterest' | 'leverage';
  /** The figure now and at the window's start (open interest in coin units; leverage ×). */
  readonly value: number;
  readonly baseline: number;
  /** ln(value / baseline) over the window. */
  readonly rise: number;
  /** The rise in standard deviations of the coin's own rises over the same window length. */
  readonly zScore: number;
  readonly windowMs: number;
  /** Price change over the window (fraction) and the flat line it stayed inside (fraction). */
  readonly priceChange: number;
  readonly flatLine: number;
  readonly markPx: number;
  /** Open interest now in USD at the mark (null: source is leverage, or no open interest seen). */
  readonly openInterestUsd: number | null;
}

/** One liquidation fill at or above its coin's line (P0 above the higher line). */
export interface LargeLiquidationEvent extends GlassEventBase {
  readonly type: 'LARGE_LIQUIDATION';
  readonly wallet: Wallet;
  readonly score: number | null;
  readonly positionSide: 'long' | 'short';
  readonly px: number;
  readonly markPx: number;
  readonly sz: number;
  readonly notionalUsd: number;
  /** The coin's line when it fired and the higher (P0) line. */
  readonly thresholdUsd: number;
  readonly highLineUsd: number;
  /** The heatmap zone on the position's side the fill's mark fell in (or the nearest within 1 %); null: none. */
  readonly zone: ZoneRef | null;
}

/** Funding far outside its rolling distribution, or beyond the absolute annualised line. */
export interface FundingExtremeEvent extends GlassEventBase {
  readonly type: 'FUNDING_EXTREME';
  /** Hourly rate, and the same annualised (× 24 × 365). */
  readonly rate: number;
  readonly annualised: number;
  /** The coin's rolling median hourly rate and the rate's distance from it in robust standard deviations (null: too few samples yet). */
  readonly median: number | null;
  readonly zScore: number | null;
  /** Which line it crossed. */
  readonly reason: 'distribution' | 'absolute' | 'both';
  /** The side the rate leans to: longs when it is far above its usual (or, past the absolute line alone, positive). */
  readonly crowded: 'long' | 'short';
  readonly markPx: number | null;
}

/** Price and cumulative taker volume delta diverged beyond their rolling relation. */
export interface CvdDivergenceEvent extends GlassEventBase {
  readonly type: 'CVD_DIVERGENCE_EXTREME';
  readonly windowMs: number;
  /** Price change over the window (log) and taker buys minus sells in it (USD). */
  readonly priceChange: number;
  readonly cvdUsd: number;
  readonly volumeUsd: number;
  /** The window's residual from the rolling price-on-flow regression, in its standard deviations. */
  readonly residualZ: number;
  /** The flow's own size in its standard deviations. */
  readonly flowZ: number;
  /** The way the flow points (buyers: long): price diverged against it. */
  readonly direction: 'long' | 'short';
  readonly markPx: number;
}

export type VolRegime = 'calm' | 'volatile';
export type TrendRegime = 'trending' | 'random' | 'mean-reverting';

/** A volatility regime break (realised vol against its own baseline) or a trend regime change (variance ratio). */
export interface RegimeShiftEvent extends GlassEventBase {
  readonly type: 'REGIME_SHIFT';
  readonly kind: 'volatility' | 'trend';
  readonly from: VolRegime | TrendRegime;
  readonly to: VolRegime | TrendRegime;
  /** Annualised realised volatility over the short window, and its rolling median (the baseline). */
  readonly realisedVol: number;
  readonly baselineVol: number;
  /** Variance ratio of q-bar to 1-bar returns over the trend window (1: a random walk). */
  readonly varianceRatio: number | null;
  readonly markPx: number;
}

/** A coin's rolling return correlation with the reference coin (BTC) left its usual band. */
export interface CorrelationBreakEvent extends GlassEventBase {
  readonly type: 'CORRELATION_BREAK';
  readonly reference: Coin;
  readonly correlation: number;
  /** The band's centre and edges (the coin's own rolling history). */
  readonly usual: number;
  readonly bandLo: number;
  readonly bandHi: number;
  readonly windowMs: number;
  readonly markPx: number;
}

export type SignalEvent =
  | LeverageSpikeEvent
  | LargeLiquidationEvent
  | FundingExtremeEvent
  | CvdDivergenceEvent
  | RegimeShiftEvent
  | CorrelationBreakEvent;

/**
 * Price closing in on a zone that is large for the coin, moving toward it, with the market-order
 * notional to reach it small against the coin's recent taker flow that way (docs/events.md).
 */
export interface ClusterArmedEvent extends GlassEventBase {
  readonly type: 'LIQUIDATION_CLUSTER_ARMED';
  /** The zone, with its cost to reach and forced-flow chain. */
  readonly zone: ZoneRef;
  readonly markPx: number;
  readonly costToReachUsd: number;
  /** Taker flow toward the zone (sells for a LONG_LIQ zone, buys for SHORT_LIQ) over the flow window (USD). */
  readonly recentFlowUsd: number;
  readonly flowWindowMs: number;
  /** Distance from the mark to the zone's near edge, in one-hour sigmas. */
  readonly distanceSigmas: number;
  /** The chain's liquidated notional: what reaching the zone sets off (USD). */
  readonly chainLiquidatedUsd: number;
}

/**
 * The book between the mark and a loaded zone has thinned (depth pulled): the cost to reach it,
 * per unit of distance, fell far under its own recent level while the zone's notional stands.
 */
export interface HuntingGroundArmedEvent extends GlassEventBase {
  readonly type: 'MM_HUNTING_GROUND_ARMED';
  readonly zone: ZoneRef;
  readonly markPx: number;
  readonly costToReachUsd: number;
  /** What reaching the zone would cost now at the zone's median depth over the baseline window (USD). */
  readonly baselineCostUsd: number;
  /** Depth now ÷ its baseline (below the threshold: thinned). */
  readonly depthRatio: number;
  readonly recentFlowUsd: number;
}

export type ArmedEvent = ClusterArmedEvent | HuntingGroundArmedEvent;

export type GlassEvent =
  | WhalePositionEvent
  | WhaleLiquidatedEvent
  | ZoneEvent
  | SyndicateEvent
  | ConvergenceEvent
  | CascadeRiskEvent
  | SignalEvent
  | ArmedEvent;

export type GlassEventType = GlassEvent['type'];

export const GLASS_EVENT_TYPES: readonly GlassEventType[] = [
  'WHALE_POSITION_OPENED',
  'WHALE_POSITION_INCREASED',
  'WHALE_POSITION_REDUCED',
  'WHALE_POSITION_CLOSED',
  'WHALE_POSITION_FLIPPED',
  'WHALE_LIQUIDATED',
  'ZONE_FORMED',
  'ZONE_APPROACHED',
  'ZONE_SWEPT',
  'SYNDICATE_DETECTED',
  'SYNDICATE_UPDATED',
  'WHALE_NEAR_ZONE',
  'SYNDICATE_NEAR_ZONE',
  'CASCADE_RISK',
  'LEVERAGE_SPIKE',
  'LARGE_LIQUIDATION',
  'FUNDING_EXTREME',
  'CVD_DIVERGENCE_EXTREME',
  'REGIME_SHIFT',
  'CORRELATION_BREAK',
  'LIQUIDATION_CLUSTER_ARMED',
  'MM_HUNTING_GROUND_ARMED',
];

/**
 * Each type's delivery tier (docs/events.md, "Priority tiers"). An engine may raise one event above
 * its type's tier (a draft's `priority`); the emit path stamps the rest from here.
 */
export const PRIORITY_OF: Record<GlassEventType, Priority> = {
  WHALE_POSITION_OPENED: 'P1',
  WHALE_POSITION_INCREASED: 'P2',
  WHALE_POSITION_REDUCED: 'P2',
  WHALE_POSITION_CLOSED: 'P2',
  WHALE_POSITION_FLIPPED: 'P1',
  WHALE_LIQUIDATED: 'P1',
  ZONE_FORMED: 'P2',
  ZONE_APPROACHED: 'P1',
  ZONE_SWEPT: 'P1',
  SYNDICATE_DETECTED: 'P1',
  SYNDICATE_UPDATED: 'P2',
  WHALE_NEAR_ZONE: 'P1',
  SYNDICATE_NEAR_ZONE: 'P1',
  CASCADE_RISK: 'P0',
  LEVERAGE_SPIKE: 'P0',
  // P0 above its higher line (the detector raises it).
  LARGE_LIQUIDATION: 'P2',
  FUNDING_EXTREME: 'P2',
  CVD_DIVERGENCE_EXTREME: 'P1',
  REGIME_SHIFT: 'P2',
  CORRELATION_BREAK: 'P2',
  LIQUIDATION_CLUSTER_ARMED: 'P0',
  MM_HUNTING_GROUND_ARMED: 'P1',
};

/**
 * What an engine puts on an event it makes: its type's tier and the hops it knows (the venue time;
 * no receive time). An engine may raise one event above its type's tier by overriding `priority`.
 */
export function stampOf(type: GlassEventType, time: number): { readonly priority: Priority; readonly hops: Hops } {
  return { priority: PRIORITY_OF[type], hops: { venueTime: time, receivedAt: null, detectedAt: time } };
}

/** An event as a detector may make it: without the stamp; `priority` only to raise it above its type's tier. */
export type Draft<E extends GlassEvent> = E extends unknown ? Omit<E, 'priority' | 'hops'> & { readonly priority?: Priority } : never;

export type GlassEventDraft = Draft<GlassEvent>;

/** A draft made an event: its own tier or its type's, and the hops its maker knows (see stampOf). */
export function stampEvent<E extends GlassEvent>(d: Draft<E>): E {
  return { ...stampOf(d.type, d.time), ...d } as unknown as E;
}

/**
 * The emit path's stamp (attachEngines): the hops with the causing message's receive time, and
 * `detectedAt` a wall clock reading in a live run, else (replay: deterministic) the receive time,
 * or the venue time when none is known.
 */
export function withHops<E extends GlassEvent>(e: E, receivedAt: number | null, detectedAt?: number): E {
  return { ...e, hops: { venueTime: e.time, receivedAt, detectedAt: detectedAt ?? receivedAt ?? e.time } };
}
