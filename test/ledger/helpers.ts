import {
  type CascadeRiskEvent,
  type SyndicateDetectedEvent,
  stampOf,
  type WhalePositionEvent,
  type ZoneEvent,
  type ZoneRef,
  type ZoneSide,
} from '../../src/domain/glass-event.ts';
import { type Coin, coin, wallet } from '../../src/domain/ids.ts';
import type { LiquidationEvent, MarkPriceEvent } from '../../src/domain/market-event.ts';
import { DEFAULT_LEDGER } from '../../src/engine/ledger/ledger.ts';

/** Hand-built events for the ledger's tests: only the fields the ledger reads matter. */
export const BTC = coin('BTC');
export const ETH = coin('ETH');
export const W1 = wallet(`0x${'a1'.repeat(20)}`);
export const MIN = 60_000;
export const H = 3600_000;

/**
 * Marks past the verdicts' delay after `time`: what the ledger graded by then now counts in what
 * the engines read (recalibration, evidence standing, mutes). Returns the last mark's time.
 */
export function catchUp(ledger: { onMarket(e: MarkPriceEvent): void }, c: Coin, time: number, px: number): number {
  const t = time + DEFAULT_LEDGER.applyDelayMs + 1;
  ledger.onMarket(mark(c, t, px));
  ledger.onMarket(mark(c, t + 1, px));
  return t + 1;
}

export function mark(c: Coin, time: number, px: number): MarkPriceEvent {
  return { type: 'mark', venue: 'hyperliquid', time, localTs: time, coin: c, px, kind: 'mark' };
}

export function liquidation(c: Coin, time: number, markPx: number, sz: number, side: 'long' | 'short'): LiquidationEvent {
  return {
    type: 'liquidation',
    venue: 'hyperliquid',
    time,
    localTs: time,
    wallet: W1,
    coin: c,
    px: markPx,
    sz,
    positionSide: side,
    markPx,
    method: 'market',
  };
}

export function zoneRef(side: ZoneSide, lo: number, hi: number, peakPx: number, notionalUsd: number): ZoneRef {
  return { side, lo, hi, peakPx, notionalUsd, wallets: 3, distancePct: 0 };
}

export function zoneEvent(
  type: ZoneEvent['type'],
  c: Coin,
  time: number,
  zone: ZoneRef,
  probability: number | null,
  zoneId = `${c}:${zone.side}:1`,
): ZoneEvent {
  return {
    id: `${type}:${zoneId}:${time}`,
    type,
    time,
    coin: c,
    severity: 'info',
    ...stampOf(type, time),
    zone,
    markPx: 100,
    probability,
    liquidatedUsd: type === 'ZONE_SWEPT' ? 0 : null,
  };
}

export function cascadeRisk(
  c: Coin,
  time: number,
  zone: ZoneRef,
  probability: number,
  baseline: number,
  horizonMs = 4 * H,
): CascadeRiskEvent {
  return {
    id: `CASCADE_RISK:${c}:${zone.side}:${zone.peakPx}:${time}`,
    type: 'CASCADE_RISK',
    time,
    coin: c,
    severity: 'warning',
    ...stampOf('CASCADE_RISK', time),
    zone,
    probability,
    validated: false,
    baselineProbability: baseline,
    horizonMs,
    wallets: [],
  };
}

export function whale(type: WhalePositionEvent['type'], c: Coin, time: number, szi: number, w = W1): WhalePositionEvent {
  return {
    id: `${type}:${w}:${c}:${time}`,
    type,
    time,
    coin: c,
    severity: 'notice',
    ...stampOf(type, time),
    wallet: w,
    szi,
    notionalUsd: Math.abs(szi) * 100,
    leverage: null,
    score: null,
    nearestZones: [],
  };
}

export function syndicate(c: Coin, time: number, direction: 'long' | 'short', id = 's1'): SyndicateDetectedEvent {
  return {
    id: `SYNDICATE_DETECTED:${id}:${time}`,
    type: 'SYNDICATE_DETECTED',
    time,
    coin: c,
    severity: 'warning',
    ...stampOf('SYNDICATE_DETECTED', time),
    syndicateId: id,
    direction,
    memberCount: 3,
    notionalUsd: 1e6,
    meanScore: null,
    firstTime: time,
    members: [],
  };
}
