import type { Coin } from '../../domain/ids.ts';
import { RealisedVol } from '../common/volatility.ts';
import { CoinBuckets, niceWidth } from './buckets.ts';

export interface TrackedZone {
  readonly id: string;
  readonly formedAt: number;
  side: 'LONG_LIQ' | 'SHORT_LIQ';
  loKey: number;
  hiKey: number;
  peakKey: number;
  units: number;
  positions: number;
  approached: boolean;
  /** When detection last lost it (NaN while it is found). */
  lostAt: number;
}

export interface HistoryRow {
  readonly time: number;
  readonly markPx: number;
  readonly bucketWidth: number;
  /** Price of the first bucket's lower edge. */
  readonly fromPx: number;
  readonly longLiqUsd: Float32Array;
  readonly shortLiqUsd: Float32Array;
}

/** Everything the heatmap keeps for one coin. */
export class CoinState {
  readonly coin: Coin;
  readonly coinId: number;
  buckets: CoinBuckets;
  readonly vol = new RealisedVol();
  mark = Number.NaN;
  markTime = Number.NaN;
  zones: TrackedZone[] = [];
  /** Zones detection lost without price reaching them, kept for a while in case they come back. */
  fading: TrackedZone[] = [];
  evaluatedVersion = -1;
  evaluatedMark = Number.NaN;
  readonly history: HistoryRow[] = [];
  nextSample = Number.NaN;
  /** Venue-reported liquidations: time, price, USD. */
  readonly liquidations: { time: number; px: number; usd: number }[] = [];

  constructor(coin: Coin, coinId: number, refPx: number) {
    this.coin = coin;
    this.coinId = coinId;
    this.buckets = new CoinBuckets(idealWidth(refPx, this.vol.daily()));
  }

  /** Zone-detection window: a few daily sigmas each side of the mark, in bucket keys. */
  window(): { from: number; to: number } {
    const w = this.buckets.width;
    const r = Math.min(0.5, Math.max(0.05, 8 * this.vol.daily()));
    const from = Math.floor((this.mark * (1 - r)) / w);
    const to = Math.min(from + 4000, Math.floor((this.mark * (1 + r)) / w));
    return { from, to };
  }
}

/**
 * Bucket width from price and volatility: about a twentieth of a daily sigma, between 2 bp and
 * 50 bp of price, rounded to a readable step.
 */
export function idealWidth(px: number, dailyVol: number): number {
  return niceWidth(px * Math.min(0.0025, Math.max(0.0002, dailyVol / 40)));
}
