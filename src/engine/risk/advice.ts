import { fmtPct, fmtPx, fmtSz, fmtUsd } from '../../domain/format.ts';
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
  /** Score-weighted net whale notional (+ long, − short) positioned in the coin recently; market makers never count. */
  readonly whaleBias: number;
  /** The coin's size decimals from the venue's meta (prices in the reasons are written by its rule); null: unknown. */
  readonly szDecimals?: number | null;
}

export interface RiskAdvice {
  readonly liquidationPx: number | null;
  /** Where the position is closed first, by stop or liquidation. */
  readonly exitPx: number | null;
  /** The stop lies beyond the liquidation price: price liquidates the position before the stop can fire. */
  readonly stopBeyondLiquidation: boolean;
  /** Loaded zones on the adverse side between price and the exit (or just beyond it), nearest first. */
  readonly zonesInPath: readonly (ZoneRef & { touchProbability: number })[];
  readonly whaleBias: 'with you' | 'against you' | 'neutral';
  /** What makes the position as given doubtful (leverage past the venue's, an entry far from the mark, …), first thing to read. */
  readonly warnings: readonly string[];
  readonly suggestions: readonly {
    readonly action: 'stop' | 'size' | 'leverage' | 'timing';
    readonly value: number | null;
    readonly reason: string;
  }[];
}

/** A stop is set this many σ (of the horizon) clear of a zone's near edge, or of the liquidation price. */
const STOP_BUFFER_SIGMA = 0.25;
/** … and at least this share of the way back from the liquidation price to the entry. */
const STOP_BUFFER_OF_DISTANCE = 0.1;
/** An entry this far from the mark (as a share of the mark) is flagged: a typo, or a position long under water. */
const FAR_ENTRY = 0.2;

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
  const szd = ctx.szDecimals ?? null;
  const px = (x: number) => fmtPx(x, szd);
  const warnings: string[] = [];
  // The venue's highest leverage at this size: maintenance is half the initial margin at it.
  const maxLev = ctx.maintenance > 0 ? Number((1 / (2 * ctx.maintenance)).toPrecision(6)) : null;
  if (pos.leverage !== null && maxLev !== null && pos.leverage > maxLev) {
    warnings.push(`leverage ${pos.leverage}× is more than the venue allows for ${pos.coin} at this size (${maxLev}×)`);
  }
  const off = pos.entryPx / ctx.markPx - 1;
  if (Math.abs(off) >= FAR_ENTRY) {
    const sigmas = ctx.sigma > 0 ? Math.abs(Math.log(pos.entryPx / ctx.markPx)) / ctx.sigma : null;
    const times =
      off > 0 ? `${fmtRatio(pos.entryPx / ctx.markPx)} times the mark` : `the mark is ${fmtRatio(ctx.markPx / pos.entryPx)} times it`;
    warnings.push(
      `entry ${px(pos.entryPx)} is ${fmtPct(Math.abs(off), 1)} ${off > 0 ? 'above' : 'below'} the mark ${px(ctx.markPx)} (${times}` +
        `${sigmas === null ? '' : `; ${fmtRatio(sigmas)} σ of a ${ctx.horizonMs / 3600_000} h move`}): check the entry`,
    );
  }
  if (liq !== null && (side === 1 ? liq >= pos.entryPx : liq <= pos.entryPx)) {
    warnings.push(
      `liquidation ${px(liq)} is ${side === 1 ? 'at or above' : 'at or below'} the entry ${px(pos.entryPx)}: the margin does not cover maintenance`,
    );
  } else if (liq !== null && (side === 1 ? ctx.markPx <= liq : ctx.markPx >= liq)) {
    warnings.push(`at the mark ${px(ctx.markPx)} this position is already past its liquidation at ${px(liq)}`);
  }
  if (liq === null && pos.leverage === null && Math.abs(off) >= FAR_ENTRY && (side === 1 ? off > 0 : off < 0)) {
    warnings.push(
      `at the mark the position is ${fmtUsd(Math.abs(ctx.markPx - pos.entryPx) * pos.size)} under water; give --leverage to see whether it is already liquidated`,
    );
  } else if (pos.leverage === null) {
    // Without it there is no liquidation price: say so rather than leave a blank to puzzle over.
    warnings.push(
      'no leverage given, so no liquidation price: the advice cannot say whether the stop or a zone lies beyond it (give the leverage)',
    );
  }
  // A stop on the wrong side of the mark is hit as soon as it is placed (a long's stop sells as price falls to it).
  if (pos.stopPx !== null && (side === 1 ? pos.stopPx >= ctx.markPx : pos.stopPx <= ctx.markPx)) {
    warnings.push(
      `stop ${px(pos.stopPx)} is ${side === 1 ? 'at or above' : 'at or below'} the mark ${px(ctx.markPx)}: a ${pos.side}'s stop closes it as price ${side === 1 ? 'falls' : 'rises'} to it, so there it fires at once`,
    );
  }
  const suggestions: RiskAdvice['suggestions'][number][] = [];
  // A stop the liquidation reaches first never fires: the first thing to say.
  const beyond = liq !== null && pos.stopPx !== null && (side === 1 ? pos.stopPx <= liq : pos.stopPx >= liq);
  if (beyond && liq !== null && pos.stopPx !== null) {
    // Clear of the liquidation by a quarter σ or a tenth of the way to entry, never past halfway to it.
    const distance = Math.abs(Math.log(liq / pos.entryPx));
    const buffer = Math.min(0.5 * distance, Math.max(STOP_BUFFER_SIGMA * ctx.sigma, STOP_BUFFER_OF_DISTANCE * distance));
    const inside = liq * Math.exp(side * buffer);
    suggestions.push({
      action: 'stop',
      value: inside,
      reason:
        `your stop at ${px(pos.stopPx)} lies beyond your liquidation at ${px(liq)}: the position is liquidated ` +
        `(${pos.side === 'long' ? 'as price falls' : 'as price rises'} to ${px(liq)}) before the stop can fire; ` +
        `set the stop inside liquidation, e.g. ${px(inside)}`,
    });
  }
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
  const first = inPath[0];
  if (first !== undefined) {
    const near = side === 1 ? first.hi : first.lo;
    const stop = near * (1 + side * STOP_BUFFER_SIGMA * ctx.sigma);
    suggestions.push({
      action: 'stop',
      value: stop,
      reason:
        `${fmtUsd(first.notionalUsd)} of ${first.side === 'LONG_LIQ' ? 'long' : 'short'} liquidations sit at ${px(first.lo)}–${px(first.hi)} ` +
        `(${fmtPct(first.touchProbability, 0)} chance price reaches it within ${ctx.horizonMs / 3600_000} h); a stop just before it exits ahead of the cascade`,
    });
    // A cascade through the zone carries price on by about a σ: keep liquidation beyond that.
    const far = side === 1 ? first.lo : first.hi;
    const target = far * (1 - side * ctx.sigma);
    if (liq !== null && (side === 1 ? liq > target : liq < target)) {
      const lev = 1 / (side * (1 - (target * (1 - side * ctx.maintenance)) / pos.entryPx));
      suggestions.push({
        action: 'leverage',
        value: lev > 0 && Number.isFinite(lev) ? Math.max(1, Math.floor(lev)) : 1,
        reason: `your liquidation at ${px(liq)} is within a σ of that zone's far edge: a cascade through it would likely liquidate you too`,
      });
    }
    const risk = Math.abs(pos.entryPx - stop) * pos.size;
    if (risk > 0 && margin !== null && risk > margin) {
      suggestions.push({
        action: 'size',
        value: (pos.size * margin) / risk,
        reason: `a stop at ${px(stop)} risks ${fmtUsd(risk)}, more than the ${fmtUsd(margin)} margin posted: at most ${fmtSz((pos.size * margin) / risk, szd)}`,
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
    liquidationPx: liq,
    exitPx: exit,
    stopBeyondLiquidation: beyond,
    zonesInPath: inPath,
    whaleBias: bias,
    warnings,
    suggestions,
  };
}

/** A ratio people compare: 2 significant figures below 10, whole and grouped above (`2.3`, `955,880`). */
function fmtRatio(r: number): string {
  return r < 10 ? String(Number(r.toPrecision(2))) : Math.round(r).toLocaleString('en-US');
}
