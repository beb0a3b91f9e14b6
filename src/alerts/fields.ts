import type { GlassEvent, GlassEventType, WalletEvidence } from '../domain/glass-event.ts';
import type { Coin } from '../domain/ids.ts';

/**
 * The fields a rule can test, read the same way from every event type (docs/alerts.md has the
 * table). A field an event does not carry is null, and a rule that tests it does not match.
 */
export interface EventFields {
  readonly type: GlassEventType;
  readonly coin: Coin;
  /**
   * The side of the positions concerned: a whale position's side (after the change; before it for
   * a close), a syndicate's direction, a zone's liquidated side (LONG_LIQ → long). null: unknown.
   */
  readonly side: 'long' | 'short' | null;
  /** Zone events and events near a zone: the zone's notional; whales and syndicates: their own (USD). */
  readonly notionalUsd: number | null;
  /** Wallets the event names: positions in a zone, members of a syndicate, whales near a zone, 1 for a whale. */
  readonly wallets: number | null;
  /** Nexus Score: the whale's, a syndicate's mean, the best of the wallets near a zone. */
  readonly score: number | null;
  /** The event's probability of reaching its zone (CASCADE_RISK: the model's; others: p0). */
  readonly probability: number | null;
  /** Distance from the mark to the zone, in percent (a whale's position: its nearest zone). */
  readonly distancePct: number | null;
  /** The price the event is about: the mark (zone events), the fill (a whale's liquidation). */
  readonly price: number | null;
  /**
   * Episode: the events an alert and its updates thread under — one zone (coin, side, peak), one
   * syndicate episode, one whale's position on a coin.
   */
  readonly episode: string;
}

function bestScore(ws: readonly WalletEvidence[]): number | null {
  let best: number | null = null;
  for (const w of ws) if (w.score !== null && (best === null || w.score > best)) best = w.score;
  return best;
}

function zoneSide(side: 'LONG_LIQ' | 'SHORT_LIQ'): 'long' | 'short' {
  return side === 'LONG_LIQ' ? 'long' : 'short';
}

export function eventFields(e: GlassEvent, prevSzi?: number): EventFields {
  const base = { type: e.type, coin: e.coin };
  switch (e.type) {
    case 'ZONE_FORMED':
    case 'ZONE_APPROACHED':
    case 'ZONE_SWEPT':
      return {
        ...base,
        side: zoneSide(e.zone.side),
        notionalUsd: e.zone.notionalUsd,
        wallets: e.zone.wallets,
        score: null,
        probability: e.probability,
        distancePct: e.zone.distancePct,
        price: e.markPx,
        episode: `zone:${e.coin}:${e.zone.side}:${e.zone.peakPx}`,
      };
    case 'WHALE_NEAR_ZONE':
    case 'SYNDICATE_NEAR_ZONE':
    case 'CASCADE_RISK':
      return {
        ...base,
        side: zoneSide(e.zone.side),
        notionalUsd: e.zone.notionalUsd,
        wallets: e.wallets.length,
        score: bestScore(e.wallets),
        probability: e.probability,
        distancePct: e.zone.distancePct,
        price: null,
        episode: `zone:${e.coin}:${e.zone.side}:${e.zone.peakPx}`,
      };
    case 'SYNDICATE_DETECTED':
    case 'SYNDICATE_UPDATED':
      return {
        ...base,
        side: e.direction,
        notionalUsd: e.notionalUsd,
        wallets: e.memberCount,
        score: e.meanScore,
        probability: null,
        distancePct: null,
        price: null,
        episode: `syndicate:${e.syndicateId}`,
      };
    case 'WHALE_LIQUIDATED':
      return {
        ...base,
        side: prevSzi === undefined || prevSzi === 0 ? null : prevSzi > 0 ? 'long' : 'short',
        notionalUsd: e.notionalUsd,
        wallets: 1,
        score: e.score,
        probability: null,
        distancePct: null,
        price: e.px,
        episode: `whale:${e.wallet}:${e.coin}`,
      };
    case 'LIQUIDATION_CLUSTER_ARMED':
    case 'MM_HUNTING_GROUND_ARMED':
      return {
        ...base,
        side: zoneSide(e.zone.side),
        notionalUsd: e.zone.notionalUsd,
        wallets: e.zone.wallets,
        score: null,
        probability: null,
        distancePct: e.zone.distancePct,
        price: e.markPx,
        episode: `zone:${e.coin}:${e.zone.side}:${e.zone.peakPx}`,
      };
    case 'LARGE_LIQUIDATION':
      return {
        ...base,
        side: e.positionSide,
        notionalUsd: e.notionalUsd,
        wallets: 1,
        score: e.score,
        probability: null,
        distancePct: e.zone?.distancePct ?? null,
        price: e.px,
        episode: `liquidation:${e.wallet}:${e.coin}:${e.time}`,
      };
    case 'LEVERAGE_SPIKE':
    case 'FUNDING_EXTREME':
    case 'CVD_DIVERGENCE_EXTREME':
    case 'REGIME_SHIFT':
    case 'CORRELATION_BREAK':
      // Market-state signals: about the coin, no wallets; the side a crowded funding or a flow points to.
      return {
        ...base,
        side: e.type === 'FUNDING_EXTREME' ? e.crowded : e.type === 'CVD_DIVERGENCE_EXTREME' ? e.direction : null,
        notionalUsd: e.type === 'LEVERAGE_SPIKE' ? e.openInterestUsd : e.type === 'CVD_DIVERGENCE_EXTREME' ? Math.abs(e.cvdUsd) : null,
        wallets: null,
        score: null,
        probability: null,
        distancePct: null,
        price: e.markPx,
        episode: `${e.type}:${e.coin}`,
      };
    default: {
      const szi = e.szi !== 0 ? e.szi : (prevSzi ?? 0);
      return {
        ...base,
        side: szi > 0 ? 'long' : szi < 0 ? 'short' : null,
        notionalUsd: e.notionalUsd,
        wallets: 1,
        score: e.score,
        probability: null,
        distancePct: e.nearestZones[0]?.distancePct ?? null,
        price: e.szi !== 0 && e.notionalUsd > 0 ? e.notionalUsd / Math.abs(e.szi) : null,
        episode: `whale:${e.wallet}:${e.coin}`,
      };
    }
  }
}
