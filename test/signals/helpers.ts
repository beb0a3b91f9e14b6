import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { type Coin, coin, type Wallet, wallet } from '../../src/domain/ids.ts';
import type {
  FundingEvent,
  LiquidationEvent,
  MarketEvent,
  MarkPriceEvent,
  PositionSnapshotEvent,
  TradeEvent,
} from '../../src/domain/market-event.ts';

/** Hand-built market events for the signal detectors' tests. */
export const BTC = coin('BTC');
export const ETH = coin('ETH');
export const MIN = 60_000;
export const H = 3600_000;
export const T0 = Date.UTC(2026, 0, 1);
export const W1 = wallet(`0x${'a1'.repeat(20)}`);
const BUYER = wallet(`0x${'b0'.repeat(20)}`);
const SELLER = wallet(`0x${'c0'.repeat(20)}`);

export function mark(c: Coin, time: number, px: number): MarkPriceEvent {
  return { type: 'mark', venue: 'hyperliquid', time, localTs: time, coin: c, px, kind: 'mid' };
}

export function funding(c: Coin, time: number, rate: number, openInterest: number | null = null): FundingEvent {
  return { type: 'funding', venue: 'hyperliquid', time, localTs: time, coin: c, rate, openInterest };
}

let tid = 1;
export function trade(c: Coin, time: number, px: number, sz: number, side: 'B' | 'A'): TradeEvent {
  return {
    type: 'trade',
    venue: 'hyperliquid',
    time,
    localTs: time,
    coin: c,
    px,
    sz,
    side,
    buyer: BUYER,
    seller: SELLER,
    tid: tid++,
    isSnapshot: false,
  };
}

export function liquidation(c: Coin, time: number, px: number, sz: number, side: 'long' | 'short', w: Wallet = W1): LiquidationEvent {
  return {
    type: 'liquidation',
    venue: 'hyperliquid',
    time,
    localTs: time,
    wallet: w,
    coin: c,
    px,
    sz,
    positionSide: side,
    markPx: px,
    method: 'market',
  };
}

export function snapshot(w: Wallet, time: number, c: Coin, positionValue: number, leverage: number): PositionSnapshotEvent {
  return {
    type: 'snapshot',
    venue: 'hyperliquid',
    time,
    localTs: time,
    wallet: w,
    accountValue: positionValue / leverage,
    crossAccountValue: positionValue / leverage,
    crossMaintenanceMarginUsed: null,
    positions: [
      {
        coin: c,
        szi: positionValue / 100,
        entryPx: 100,
        positionValue,
        marginMode: 'cross' as const,
        leverage,
        rawUsd: null,
        marginUsed: positionValue / leverage,
        maxLeverage: 50,
      },
    ].map((p) => ({ ...p, liquidationPx: null })),
  };
}

export function walletN(i: number): Wallet {
  return wallet(`0x${i.toString(16).padStart(40, '0')}`);
}

/** A deterministic standard normal stream (LCG + Box–Muller): the tests' "noise", the same every run. */
export function normals(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Feeds events to a detector's onMarket and collects what it emits. */
export function run<E extends GlassEvent>(
  make: (emit: (e: E) => void) => { onMarket(e: MarketEvent): void },
  events: readonly MarketEvent[],
): E[] {
  const out: E[] = [];
  const d = make((e) => out.push(e));
  for (const e of events) d.onMarket(e);
  return out;
}
