import type { ZoneRef } from '../../domain/glass-event.ts';
import { touchProbability } from '../common/volatility.ts';
import { liquidationPxFromCash } from '../heatmap/liquidation-price.ts';

/** A trader's own position or plan. */
export interface UserPosition {
  readonly coin: string;
  readonly side: 'long' | 'short';
  readonly entryPx: number;
  /** Size in coin units. */
  readonly size: number;
  /** Isolated leverage; with it the engine computes the liquidation price. */
  readonly leverage: number | null;
  readonly stopPx: number | null;
}

/** What the engines know of the market now. */
export interface MarketContext {
  readonly markPx: number;
  readonly zones: readonly ZoneRef[];
  /** σ of log price over `horizonMs`. */
  readonly sigma: number;
  readonly horizonMs: number;
  /** Maintenance fraction of the coin (1 / (2 · max leverage)). */
  readonly maintenance: number;
  /** Score-weighted net whale notional (+ long, − short) positioned in the coin recently. */
  readonly whaleBias: number;
}

export interface RiskAdvice {
  readonly liquidationPx: number | null;
  /** Where the position is closed first, by stop or liquidation. */
  readonly exitPx: number | null;
  /** Loaded zones on the adverse side between price and the exit (or just beyond it), nearest first. */
  readonly zonesInPath: readonly (ZoneRef & { touchProbability: number })[];
  readonly whaleBias: 'with you' | 'against you' | 'neutral';
  readonly suggestions: readonly {
    readonly action: 'stop' | 'size' | 'leverage' | 'timing';
    readonly value: number | null;
    readonly reason: string;
  }[];
}

/** A stop is set this many σ (of the horizon) clear of a zone's near edge. */
const STOP_BUFFER_SIGMA = 0.25;

/**
 * Risk advice for one position: the liquidation zones between price and where the position would
 * be closed, the whales' lean, and a stop, size, leverage and timing that keep the position out of
 * a cascade's path, each with its reason. Pure: the caller supplies the market context.
 */
export function advise(pos: UserPosition, ctx: MarketContext): RiskAdvice {
  const side = pos.side === 'long' ? 1 : -1;
  const margin = pos.leverage !== null && pos.leverage > 0 ? (pos.entryPx * pos.size) / pos.leverage : null;
  const liq = margin === null ? null : liquidationPxFromCash(pos.entryPx, side * pos.size, margin, ctx.maintenance);
  const exits = [liq, pos.stopPx].filter((x): x is number => x !== null && x > 0);
  const exit = exits.length === 0 ? null : side === 1 ? Math.max(...exits) : Math.min(...exits);
  // Adverse zones: long liquidations below a long (their cascade runs through the long's stop).
  const adverse = ctx.zones
    .filter((z) => (side === 1 ? z.side === 'LONG_LIQ' && z.hi <= ctx.markPx : z.side === 'SHORT_LIQ' && z.lo >= ctx.markPx))
    .map((z) => ({ ...z, touchProbability: touchProbability(Math.log(z.peakPx / ctx.markPx), ctx.sigma) }))
    .sort((a, b) => Math.abs(a.peakPx - ctx.markPx) - Math.abs(b.peakPx - ctx.markPx));
  // In the path: zones price meets before the position is closed (with no exit, within 3 σ).
  const inPath = adverse.filter((z) => {
    const nearEdge = side === 1 ? z.hi : z.lo;
    if (exit === null) return Math.abs(Math.log(nearEdge / ctx.markPx)) <= 3 * ctx.sigma;
    return side === 1 ? nearEdge > exit : nearEdge < exit;
  });
  const suggestions: RiskAdvice['suggestions'][number][] = [];
  const first = inPath[0];
  if (first !== undefined) {
    const near = side === 1 ? first.hi : first.lo;
    const stop = near * (1 + side * STOP_BUFFER_SIGMA * ctx.sigma);
    suggestions.push({
      action: 'stop',
      value: round(stop),
      reason:
        `${fmtUsd(first.notionalUsd)} of ${first.side === 'LONG_LIQ' ? 'long' : 'short'} liquidations sit at ${round(first.lo)}–${round(first.hi)} ` +
        `(${(100 * first.touchProbability).toFixed(0)} % chance price reaches it within ${ctx.horizonMs / 3600_000} h); a stop just before it exits ahead of the cascade`,
    });
    // A cascade through the zone carries price on by about a σ: keep liquidation beyond that.
    const far = side === 1 ? first.lo : first.hi;
    const target = far * (1 - side * ctx.sigma);
    if (liq !== null && (side === 1 ? liq > target : liq < target)) {
      const lev = 1 / (side * (1 - (target * (1 - side * ctx.maintenance)) / pos.entryPx));
      suggestions.push({
        action: 'leverage',
        value: lev > 0 && Number.isFinite(lev) ? Math.max(1, Math.floor(lev)) : 1,
        reason: `your liquidation at ${round(liq)} is within a σ of that zone's far edge: a cascade through it would likely liquidate you too`,
      });
    }
    const risk = Math.abs(pos.entryPx - stop) * pos.size;
    if (risk > 0 && margin !== null && risk > margin) {
      suggestions.push({
        action: 'size',
        value: round((pos.size * margin) / risk),
        reason: `a stop at ${round(stop)} risks ${fmtUsd(risk)}, more than the ${fmtUsd(margin)} margin posted`,
      });
    }
  }
  const bias = Math.sign(ctx.whaleBias) === side ? 'with you' : ctx.whaleBias === 0 ? 'neutral' : 'against you';
  if (bias === 'against you' && first !== undefined && first.touchProbability >= 0.3) {
    suggestions.push({
      action: 'timing',
      value: null,
      reason: `whales lean ${ctx.whaleBias > 0 ? 'long' : 'short'} (${fmtUsd(Math.abs(ctx.whaleBias))} score-weighted) toward the zone in your path: wait for it to be swept or for the flow to fade`,
    });
  }
  return {
    liquidationPx: liq === null ? null : round(liq),
    exitPx: exit === null ? null : round(exit),
    zonesInPath: inPath,
    whaleBias: bias,
    suggestions,
  };
}

function round(x: number): number {
  return Number(x.toPrecision(8));
}

function fmtUsd(x: number): string {
  return `$${Math.round(x).toLocaleString('en-US')}`;
}
