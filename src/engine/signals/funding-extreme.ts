import { type FundingExtremeEvent, stampEvent } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { TimedSample } from './series.ts';

export interface FundingExtremeOptions {
  /** The rolling distribution: the coin's hourly rates over this span, one a minute. */
  readonly baselineMs: number;
  readonly minSamples: number;
  /** Far outside it: at least this many robust standard deviations from its median … */
  readonly zMin: number;
  /** … or beyond this annualised rate (fraction a year, either sign), whatever the distribution. */
  readonly absoluteAnnualised: number;
  /** Told again only after the rate came back inside `rearmZ` and 80 % of the absolute line … */
  readonly rearmZ: number;
  /** … and no sooner than this after the last. */
  readonly cooldownMs: number;
}

export const DEFAULT_FUNDING_EXTREME: FundingExtremeOptions = {
  baselineMs: 24 * 3600_000,
  minSamples: 180,
  zMin: 4,
  absoluteAnnualised: 3,
  rearmZ: 2,
  cooldownMs: 3600_000,
};

export const HOURS_PER_YEAR = 24 * 365;

interface CoinState {
  readonly rates: TimedSample;
  lastMinute: number;
  armed: boolean;
  told: number;
  px: number;
}

/**
 * FUNDING_EXTREME (P2): the hourly funding rate far outside the coin's own rolling distribution
 * (median ± k robust standard deviations: a coin whose funding always runs hot is not news), or
 * beyond an absolute annualised line. Once per excursion: re-armed when the rate is back inside.
 */
export class FundingExtremeDetector {
  private readonly opts: FundingExtremeOptions;
  private readonly emit: (e: FundingExtremeEvent) => void;
  private readonly coins = new Map<Coin, CoinState>();

  constructor(emit: (e: FundingExtremeEvent) => void, opts: Partial<FundingExtremeOptions> = {}) {
    this.emit = emit;
    this.opts = { ...DEFAULT_FUNDING_EXTREME, ...opts };
  }

  onMarket(e: MarketEvent): void {
    if (e.type === 'mark') {
      const s = this.coins.get(e.coin);
      if (s !== undefined) s.px = e.px;
      else this.state(e.coin).px = e.px;
      return;
    }
    if (e.type !== 'funding' || !Number.isFinite(e.rate)) return;
    const o = this.opts;
    const s = this.state(e.coin);
    let median = Number.NaN;
    let z = Number.NaN;
    if (s.rates.size >= o.minSamples) {
      const r = s.rates.robust();
      median = r.median;
      z = r.spread > 0 ? (e.rate - median) / r.spread : Number.NaN;
    }
    const minute = Math.floor(e.time / 60_000);
    if (minute !== s.lastMinute) {
      s.rates.add(e.time, e.rate);
      s.lastMinute = minute;
    }
    const annualised = e.rate * HOURS_PER_YEAR;
    const byDist = Math.abs(z) >= o.zMin;
    const byAbs = Math.abs(annualised) >= o.absoluteAnnualised;
    if (!byDist && !byAbs) {
      if (!(Math.abs(z) >= o.rearmZ) && Math.abs(annualised) < 0.8 * o.absoluteAnnualised) s.armed = true;
      return;
    }
    if (!s.armed || e.time - s.told < o.cooldownMs) return;
    s.armed = false;
    s.told = e.time;
    this.emit(
      stampEvent<FundingExtremeEvent>({
        id: `FUNDING_EXTREME:${e.coin}:${e.time}`,
        type: 'FUNDING_EXTREME',
        time: e.time,
        coin: e.coin,
        severity: 'notice',
        rate: e.rate,
        annualised,
        median: median === median ? median : null,
        zScore: z === z ? z : null,
        reason: byDist && byAbs ? 'both' : byDist ? 'distribution' : 'absolute',
        // The side the rate leans to: above its usual, longs; below, shorts (the absolute line alone: the side paying).
        crowded: (byDist ? z > 0 : e.rate >= 0) ? 'long' : 'short',
        markPx: s.px > 0 ? s.px : null,
      }),
    );
  }

  private state(coin: Coin): CoinState {
    let s = this.coins.get(coin);
    if (s === undefined) {
      s = {
        rates: new TimedSample(this.opts.baselineMs),
        lastMinute: Number.NaN,
        armed: true,
        told: Number.NEGATIVE_INFINITY,
        px: Number.NaN,
      };
      this.coins.set(coin, s);
    }
    return s;
  }
}
