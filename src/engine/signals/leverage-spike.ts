import { type LeverageSpikeEvent, stampEvent } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { TimedSample } from './series.ts';

export interface LeverageSpikeOptions {
  /** The window a rise is measured over ("within minutes"). */
  readonly windowMs: number;
  /** How far back the coin's own rises over the window make the baseline. */
  readonly baselineMs: number;
  /** Baseline samples needed (and at least a quarter of `baselineMs` covered) before it speaks. */
  readonly minSamples: number;
  /** The rise must stand this many standard deviations above the coin's mean rise (open interest, leverage) … */
  readonly zMin: number;
  readonly zMinLeverage: number;
  /** … and be at least this large (ln ratio): open interest, and leverage. */
  readonly minRiseOi: number;
  readonly minRiseLeverage: number;
  /** Price is flat: its change over the window within this many of its own standard deviations … */
  readonly flatZ: number;
  /** … and never beyond this fraction, whatever the coin's volatility. */
  readonly flatCap: number;
  /** One event per coin and source per this span. */
  readonly cooldownMs: number;
}

export const DEFAULT_LEVERAGE_SPIKE: LeverageSpikeOptions = {
  windowMs: 10 * 60_000,
  baselineMs: 6 * 3600_000,
  minSamples: 60,
  zMin: 4,
  zMinLeverage: 5,
  minRiseOi: 0.05,
  minRiseLeverage: 0.4,
  flatZ: 1,
  flatCap: 0.005,
  cooldownMs: 30 * 60_000,
};

/** One figure's path and the distribution of its rises over the window. */
class Rises {
  readonly path: TimedSample;
  readonly rises: TimedSample;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(o: LeverageSpikeOptions) {
    this.path = new TimedSample(o.windowMs * 2);
    this.rises = new TimedSample(o.baselineMs);
  }

  /**
   * Adds a point; returns the rise over the window ending at it and its z against the rises
   * before it (NaN: not enough to say). Points closer than 1 % of the window to the previous one
   * only move the path (a fast feed would otherwise crowd the baseline with overlapping rises).
   */
  add(time: number, value: number, o: LeverageSpikeOptions): { rise: number; z: number; then: number } {
    const then = this.path.asOf(time - o.windowMs);
    const thenAt = this.path.timeAsOf(time - o.windowMs);
    this.path.add(time, value);
    if (!(then > 0) || !(value > 0) || time - thenAt > 2 * o.windowMs) return { rise: Number.NaN, z: Number.NaN, then };
    const rise = Math.log(value / then);
    let z = Number.NaN;
    if (this.rises.size >= o.minSamples && this.rises.coveredMs >= o.baselineMs / 4) {
      const { mean, sd } = this.rises.meanSd();
      z = sd > 0 ? (rise - mean) / sd : Number.NaN;
    }
    if (time - this.lastAt >= o.windowMs / 100) {
      this.rises.add(time, rise);
      this.lastAt = time;
    }
    return { rise, z, then };
  }
}

interface CoinState {
  px: number;
  readonly prices: TimedSample;
  readonly priceMoves: TimedSample;
  lastMoveAt: number;
  readonly oi: Rises;
  readonly lev: Rises;
  oiNow: number;
  /** Σ position value and Σ value × leverage over the coin's snapshotted positions. */
  value: number;
  valueLev: number;
  levMinute: number;
  readonly told: Record<'openInterest' | 'leverage', number>;
}

/**
 * LEVERAGE_SPIKE (P0): open interest (the venue's asset context) or the notional-weighted leverage
 * of the positions seen in account snapshots rises far above its baseline within minutes while
 * price stays flat — leverage building without a move to show for it. Baseline and the flat line
 * are the coin's own: its rises and price changes over the same window length in the last hours.
 */
export class LeverageSpikeDetector {
  private readonly opts: LeverageSpikeOptions;
  private readonly emit: (e: LeverageSpikeEvent) => void;
  private readonly coins = new Map<Coin, CoinState>();
  /** wallet → coin → [position value, leverage] of its last snapshot. */
  private readonly accounts = new Map<Wallet, Map<Coin, [number, number]>>();

  constructor(emit: (e: LeverageSpikeEvent) => void, opts: Partial<LeverageSpikeOptions> = {}) {
    this.emit = emit;
    this.opts = { ...DEFAULT_LEVERAGE_SPIKE, ...opts };
  }

  onMarket(e: MarketEvent): void {
    switch (e.type) {
      case 'mark':
        this.price(this.state(e.coin), e.time, e.px);
        return;
      case 'funding': {
        if (e.openInterest === null || !(e.openInterest > 0)) return;
        const s = this.state(e.coin);
        s.oiNow = e.openInterest;
        this.check(e.coin, s, 'openInterest', e.time, e.openInterest);
        return;
      }
      case 'snapshot':
        if (e.wallet !== null) this.snapshot(e.wallet, e.positions, e.time);
        return;
      default:
        return;
    }
  }

  private state(coin: Coin): CoinState {
    let s = this.coins.get(coin);
    if (s === undefined) {
      const o = this.opts;
      s = {
        px: Number.NaN,
        prices: new TimedSample(o.windowMs * 2),
        priceMoves: new TimedSample(o.baselineMs),
        lastMoveAt: Number.NEGATIVE_INFINITY,
        oi: new Rises(o),
        lev: new Rises(o),
        oiNow: Number.NaN,
        value: 0,
        valueLev: 0,
        levMinute: Number.NaN,
        told: { openInterest: Number.NEGATIVE_INFINITY, leverage: Number.NEGATIVE_INFINITY },
      };
      this.coins.set(coin, s);
    }
    return s;
  }

  private price(s: CoinState, time: number, px: number): void {
    if (!(px > 0)) return;
    s.px = px;
    s.prices.add(time, px);
    // The coin's price changes over the window, sampled every minute: the flat line's scale.
    if (time - s.lastMoveAt >= 60_000) {
      const then = s.prices.asOf(time - this.opts.windowMs);
      if (then > 0 && time - s.prices.timeAsOf(time - this.opts.windowMs) <= 2 * this.opts.windowMs) {
        s.priceMoves.add(time, Math.log(px / then));
        s.lastMoveAt = time;
      }
    }
  }

  private snapshot(wallet: Wallet, positions: readonly { coin: Coin; positionValue: number; leverage: number }[], time: number): void {
    const before = this.accounts.get(wallet);
    const touched = new Set<Coin>();
    if (before !== undefined) {
      for (const [coin, [v, lev]] of before) {
        const s = this.state(coin);
        s.value -= v;
        s.valueLev -= v * lev;
        touched.add(coin);
      }
    }
    const now = new Map<Coin, [number, number]>();
    for (const p of positions) {
      const v = Math.abs(p.positionValue);
      if (!(v > 0) || !(p.leverage > 0)) continue;
      now.set(p.coin, [v, p.leverage]);
      const s = this.state(p.coin);
      s.value += v;
      s.valueLev += v * p.leverage;
      touched.add(p.coin);
    }
    if (now.size > 0) this.accounts.set(wallet, now);
    else this.accounts.delete(wallet);
    // The book's leverage is read once a minute per coin (snapshots arrive in bursts).
    for (const coin of touched) {
      const s = this.state(coin);
      const minute = Math.floor(time / 60_000);
      if (minute === s.levMinute || !(s.value > 0)) continue;
      s.levMinute = minute;
      this.check(coin, s, 'leverage', time, s.valueLev / s.value);
    }
  }

  private check(coin: Coin, s: CoinState, source: 'openInterest' | 'leverage', time: number, value: number): void {
    const o = this.opts;
    const { rise, z, then } = (source === 'openInterest' ? s.oi : s.lev).add(time, value, o);
    const oi = source === 'openInterest';
    if (!(z >= (oi ? o.zMin : o.zMinLeverage)) || !(rise >= (oi ? o.minRiseOi : o.minRiseLeverage))) return;
    if (time - s.told[source] < o.cooldownMs) return;
    const pxThen = s.prices.asOf(time - o.windowMs);
    if (!(pxThen > 0) || !(s.px > 0) || s.priceMoves.size < o.minSamples) return;
    const priceChange = s.px / pxThen - 1;
    const flatLine = Math.min(o.flatCap, o.flatZ * s.priceMoves.meanSd().sd);
    if (!(Math.abs(priceChange) <= flatLine)) return;
    s.told[source] = time;
    this.emit(
      stampEvent<LeverageSpikeEvent>({
        id: `LEVERAGE_SPIKE:${coin}:${source}:${time}`,
        type: 'LEVERAGE_SPIKE',
        time,
        coin,
        severity: 'warning',
        source,
        value,
        baseline: then,
        rise,
        zScore: z,
        windowMs: o.windowMs,
        priceChange,
        flatLine,
        markPx: s.px,
        openInterestUsd: s.oiNow > 0 ? s.oiNow * s.px : null,
      }),
    );
  }
}
