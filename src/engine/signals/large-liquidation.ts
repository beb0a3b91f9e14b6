import { type LargeLiquidationEvent, stampEvent, type ZoneRef, type ZoneSide } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';

export interface LargeLiquidationOptions {
  /** A fill is large from this share of the coin's taker volume over the trailing `volumeMs` … */
  readonly volumeShare: number;
  readonly volumeMs: number;
  /** … and never below this (USD): the floor for a coin with little volume seen. */
  readonly minUsd: number;
  /** P0 from this multiple of the line. */
  readonly highMultiple: number;
  /** A zone within this fraction of the fill's mark counts as the one it belonged to, when none holds it. */
  readonly zoneTolerance: number;
}

export const DEFAULT_LARGE_LIQUIDATION: LargeLiquidationOptions = {
  volumeShare: 0.01,
  volumeMs: 3600_000,
  minUsd: 100_000,
  highMultiple: 4,
  zoneTolerance: 0.01,
};

export interface LargeLiquidationDeps {
  /** The wallet's Nexus Score now (null: none). */
  readonly score?: (wallet: Wallet) => number | null;
  /** The coin's current zones (the heatmap's). */
  readonly zones?: (coin: Coin) => readonly ZoneRef[];
}

/** Taker volume of one coin over a trailing window: per-minute buckets. */
class TrailingVolume {
  private readonly minutes: number[] = [];
  private readonly usd: number[] = [];
  private head = 0;
  private sum = 0;

  add(time: number, usd: number, spanMs: number): void {
    const m = Math.floor(time / 60_000);
    const n = this.minutes.length;
    if (n > this.head && (this.minutes[n - 1] as number) >= m) this.usd[n - 1] = (this.usd[n - 1] as number) + usd;
    else {
      this.minutes.push(m);
      this.usd.push(usd);
    }
    this.sum += usd;
    this.prune(time, spanMs);
  }

  total(time: number, spanMs: number): number {
    this.prune(time, spanMs);
    return this.sum;
  }

  private prune(time: number, spanMs: number): void {
    const from = Math.floor((time - spanMs) / 60_000);
    while (this.head < this.minutes.length && (this.minutes[this.head] as number) < from) {
      this.sum -= this.usd[this.head] as number;
      this.head++;
    }
    if (this.head > 256 && this.head * 2 > this.minutes.length) {
      this.minutes.splice(0, this.head);
      this.usd.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.minutes.length) this.sum = 0;
  }
}

/**
 * LARGE_LIQUIDATION (P2; P0 above the higher line): one liquidation fill at or above its coin's
 * line — a share of the coin's trailing taker volume, so "large" on a thin coin is smaller than
 * on BTC — with the wallet, its score, and the heatmap zone it belonged to.
 */
export class LargeLiquidationDetector {
  private readonly opts: LargeLiquidationOptions;
  private readonly emit: (e: LargeLiquidationEvent) => void;
  private readonly deps: LargeLiquidationDeps;
  private readonly volume = new Map<Coin, TrailingVolume>();
  /** Events so far per coin: an id counts within its coin (the same on a scale-out worker running only some coins). */
  private readonly seq = new Map<Coin, number>();

  constructor(emit: (e: LargeLiquidationEvent) => void, deps: LargeLiquidationDeps = {}, opts: Partial<LargeLiquidationOptions> = {}) {
    this.emit = emit;
    this.deps = deps;
    this.opts = { ...DEFAULT_LARGE_LIQUIDATION, ...opts };
  }

  /** The coin's line at `time` (USD). */
  line(coin: Coin, time: number): number {
    const v = this.volume.get(coin)?.total(time, this.opts.volumeMs) ?? 0;
    return Math.max(this.opts.minUsd, this.opts.volumeShare * v);
  }

  onMarket(e: MarketEvent): void {
    if (e.type === 'trade') {
      if (e.isSnapshot) return;
      let v = this.volume.get(e.coin);
      if (v === undefined) {
        v = new TrailingVolume();
        this.volume.set(e.coin, v);
      }
      v.add(e.time, e.sz * e.px, this.opts.volumeMs);
      return;
    }
    if (e.type !== 'liquidation') return;
    const notionalUsd = e.sz * e.px;
    // The line as of before this fill's own trade joined the volume: read it from the window alone.
    const threshold = this.line(e.coin, e.time);
    if (!(notionalUsd >= threshold)) return;
    const high = threshold * this.opts.highMultiple;
    const markPx = e.markPx > 0 ? e.markPx : e.px;
    const side: ZoneSide = e.positionSide === 'long' ? 'LONG_LIQ' : 'SHORT_LIQ';
    this.emit(
      stampEvent<LargeLiquidationEvent>({
        id: `LARGE_LIQUIDATION:${e.wallet}:${e.coin}:${e.time}:${this.next(e.coin)}`,
        type: 'LARGE_LIQUIDATION',
        time: e.time,
        coin: e.coin,
        severity: notionalUsd >= high ? 'critical' : 'warning',
        ...(notionalUsd >= high ? { priority: 'P0' as const } : {}),
        wallet: e.wallet,
        score: this.deps.score?.(e.wallet) ?? null,
        positionSide: e.positionSide,
        px: e.px,
        markPx,
        sz: e.sz,
        notionalUsd,
        thresholdUsd: threshold,
        highLineUsd: high,
        zone: zoneOf(this.deps.zones?.(e.coin) ?? [], side, markPx, this.opts.zoneTolerance),
      }),
    );
  }

  private next(coin: Coin): number {
    const n = (this.seq.get(coin) ?? 0) + 1;
    this.seq.set(coin, n);
    return n;
  }
}

/** The zone on `side` holding `px`, else the nearest within `tol` of it (null: none). */
export function zoneOf(zones: readonly ZoneRef[], side: ZoneSide, px: number, tol: number): ZoneRef | null {
  let best: ZoneRef | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const z of zones) {
    if (z.side !== side) continue;
    const d = px < z.lo ? z.lo - px : px > z.hi ? px - z.hi : 0;
    if (d < bestD) {
      best = z;
      bestD = d;
    }
  }
  return best !== null && bestD <= tol * px ? best : null;
}
