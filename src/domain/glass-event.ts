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
}

export interface WalletEvidence {
  readonly wallet: Wallet;
  readonly score: number | null;
  readonly notionalUsd: number;
}

interface GlassEventBase {
  readonly id: string;
  readonly time: number;
  readonly coin: Coin;
  readonly severity: Severity;
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

export type GlassEvent = WhalePositionEvent | WhaleLiquidatedEvent | ZoneEvent | SyndicateEvent | ConvergenceEvent | CascadeRiskEvent;

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
];
