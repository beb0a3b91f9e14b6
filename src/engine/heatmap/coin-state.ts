import type { Coin } from '../../domain/ids.ts';
import { RealisedVol } from '../common/volatility.ts';
import { CoinBuckets, niceWidth, type WindowColumns } from './buckets.ts';
import type { LargestBucket } from './zones.ts';

export interface TrackedZone {
  readonly id: string;
  readonly formedAt: number;
  side: 'LONG_LIQ' | 'SHORT_LIQ';
  loKey: number;
  hiKey: number;
  peakKey: number;
  units: number;
  positions: number;
  estimatedUnits: number;
  estimatedPositions: number;
  weightedUnits: number;
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

/** Reach of the zone search in the mark's fraction at least: the largest bucket within it is always accounted for. */
export const LARGEST_REACH = 0.1;

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
  /** The largest bucket within ±10 % of the mark at the last detection, and what became of it. */
  largest: LargestBucket | null = null;
  evaluatedMark = Number.NaN;
  readonly history: HistoryRow[] = [];
  /** Whether the engine samples this coin's history (it was asked for). */
  keepsHistory = false;
  /** The buckets' version when the last history row was sampled. */
  sampledVersion = -1;
  nextSample = Number.NaN;
  private cols: WindowColumns | null = null;
  private backing: WindowColumns | null = null;
  /** Venue-reported liquidations: venue time, the mark that triggered it (the fill's price when none), USD, the position's side, receive time. */
  readonly liquidations: { time: number; px: number; usd: number; long: boolean; receivedAt: number }[] = [];

  constructor(coin: Coin, coinId: number, refPx: number) {
    this.coin = coin;
    this.coinId = coinId;
    this.buckets = new CoinBuckets(idealWidth(refPx, this.vol.daily()));
  }

  /** The detection window's columns, `n` long, reused from call to call (zone detection runs on every mark). */
  columns(n: number): WindowColumns {
    const c = this.cols;
    if (c !== null && c.long.length === n) return c;
    // Views of one backing store that grows by doubling: the window's width moves with the mark.
    let back = this.backing;
    if (back === null || back.long.length < n) {
      const cap = Math.max(n, 2 * (back?.long.length ?? 0), 64);
      const f = () => new Float64Array(cap);
      const i = () => new Int32Array(cap);
      back = { long: f(), short: f(), longN: i(), shortN: i(), longEst: f(), shortEst: f(), longEstN: i(), shortEstN: i() };
      this.backing = back;
    }
    this.cols = {
      long: back.long.subarray(0, n),
      short: back.short.subarray(0, n),
      longN: back.longN.subarray(0, n),
      shortN: back.shortN.subarray(0, n),
      longEst: back.longEst.subarray(0, n),
      shortEst: back.shortEst.subarray(0, n),
      longEstN: back.longEstN.subarray(0, n),
      shortEstN: back.shortEstN.subarray(0, n),
    };
    return this.cols;
  }

  /**
   * Zone-detection window: a few daily sigmas each side of the mark (the wider of the hour's and
   * the day's realised volatility), and never less than ±10 %, in bucket keys.
   */
  window(): { from: number; to: number } {
    const w = this.buckets.width;
    const r = Math.min(0.5, Math.max(LARGEST_REACH, 8 * this.vol.wideDaily()));
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
