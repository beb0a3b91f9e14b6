import { roundPx } from '../domain/format.ts';
import type { ZoneRef } from '../domain/glass-event.ts';
import { advise } from '../engine/risk/advice.ts';
import { adviceJson } from '../engine/risk/document.ts';
import { DEFAULT_WHALE_POLICY } from '../engine/whales/policy.ts';
import type { RiskAdviceT, RiskRequestT } from './schemas.ts';

/** The horizon `glass risk` reads zones and volatility over. */
export const RISK_HORIZON_MS = 4 * 3600_000;

export interface RiskMarket {
  readonly time: number;
  readonly markPx: number;
  readonly zones: readonly ZoneRef[];
  /** σ of log price over RISK_HORIZON_MS. */
  readonly sigma: number;
  readonly maintenance: number;
  readonly szDecimals: number | null;
}

/**
 * The whales' lean from stored positions, as `glass risk` computes it from the book (score-weighted
 * net notional of the coin's large positions, a score of 50 weighing 1). The store keeps tracked
 * wallets only and no market-maker verdict, so this is the stored whales' lean.
 */
export function storedWhaleBias(positions: Iterable<{ readonly notionalUsd: number; readonly score: number | null }>): number {
  let bias = 0;
  for (const p of positions)
    if (Math.abs(p.notionalUsd) >= DEFAULT_WHALE_POLICY.minPositionUsd) bias += (p.notionalUsd * (p.score ?? 50)) / 50;
  return bias;
}

/** `glass risk --json` for a posted position, with the market moment it was read against. */
export function riskAnswer(r: RiskRequestT, m: RiskMarket, whaleBias: number): RiskAdviceT {
  const advice = advise(
    { coin: r.coin, side: r.side, entryPx: r.entry, size: r.size, leverage: r.leverage ?? null, stopPx: r.stop ?? null },
    {
      markPx: m.markPx,
      zones: m.zones,
      sigma: m.sigma,
      horizonMs: RISK_HORIZON_MS,
      maintenance: m.maintenance,
      whaleBias,
      szDecimals: m.szDecimals,
    },
  );
  return {
    coin: r.coin,
    time: m.time,
    markPx: roundPx(m.markPx, m.szDecimals),
    ...adviceJson(advice, whaleBias, m.szDecimals),
  } as RiskAdviceT;
}
