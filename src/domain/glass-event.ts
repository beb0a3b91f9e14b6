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
  readonly notionalUsd: number;
  readonly wallets: number;
  readonly distancePct: number;
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

export interface SyndicateEvent extends GlassEventBase {
  readonly type: 'SYNDICATE_DETECTED' | 'SYNDICATE_UPDATED';
  readonly syndicateId: string;
  readonly direction: 'long' | 'short';
  readonly members: readonly WalletEvidence[];
  readonly notionalUsd: number;
  readonly meanScore: number | null;
  readonly firstTime: number;
}

export interface ConvergenceEvent extends GlassEventBase {
  readonly type: 'WHALE_NEAR_ZONE' | 'SYNDICATE_NEAR_ZONE';
  readonly zone: ZoneRef;
  readonly wallets: readonly WalletEvidence[];
  readonly syndicateId: string | null;
  readonly probability: number;
}

export interface CascadeRiskEvent extends GlassEventBase {
  readonly type: 'CASCADE_RISK';
  readonly zone: ZoneRef;
  readonly probability: number;
  readonly baselineProbability: number;
  readonly horizonMs: number;
  readonly wallets: readonly WalletEvidence[];
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
