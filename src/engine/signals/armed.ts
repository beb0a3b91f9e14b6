import { type ClusterArmedEvent, type GlassEvent, type HuntingGroundArmedEvent, stampOf, type ZoneRef } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';

/**
 * Two detectors that read the cost to reach each zone (src/engine/heatmap/cost-to-reach.ts):
 *
 * - LIQUIDATION_CLUSTER_ARMED (P0): the mark is within reach of a zone that is large for its coin,
 *   has been moving toward it, and the market-order notional to get there is small against the
 *   coin's recent taker flow that way.
 * - MM_HUNTING_GROUND_ARMED (P1): the depth between the mark and a loaded zone was pulled: the cost
 *   to reach it per unit of distance fell far under its own level over the last half hour, while
 *   the zone's own liquidations would more than pay for the push.
 *
 * Thresholds adapt per coin: "large" is against the coin's own hourly taker volume, "within reach"
 * in the coin's one-hour sigma, "cheap" against its own recent flow, "thin" against the zone's own
 * depth history. Clock-free: every time is the venue's. Each fires once per zone until re-armed
 * (the condition lapsed). Defaults and the measurement behind them: docs/events.md.
 */
export interface ArmedOptions {
  /** Window of the taker flow toward a zone (event time). */
  readonly flowWindowMs: number;
  /** Armed only when the cost to reach is at most this fraction of that flow. */
  readonly costVsFlow: number;
  /** A zone is large for its coin from this fraction of the coin's taker volume over the last hour… */
  readonly largeVsHourlyVolume: number;
  /** … and never under this (USD). */
  readonly minZoneUsd: number;
  /** Within reach: the zone's near edge within this many one-hour sigmas of the mark… */
  readonly nearSigmas: number;
  /** … or this fraction of price, whichever is wider. */
  readonly minNearFraction: number;
  /** Moving toward: the mark now is nearer the zone than the mark this long ago. */
  readonly momentumMs: number;
  /** Hunting ground: depth now at most this fraction of its baseline. */
  readonly thinRatio: number;
  /** Baseline window for a zone's depth, and how many readings it needs first. */
  readonly baselineMs: number;
  readonly minBaselineSamples: number;
  /** Hunting ground: zones within this many one-hour sigmas. */
  readonly huntSigmas: number;
  /** A coin is evaluated at most once per this much venue time. */
  readonly everyMs: number;
}

export const DEFAULT_ARMED: ArmedOptions = {
  flowWindowMs: 15 * 60_000,
  costVsFlow: 0.5,
  largeVsHourlyVolume: 0.1,
  minZoneUsd: 50_000,
  nearSigmas: 1,
  minNearFraction: 0.002,
  momentumMs: 5 * 60_000,
  thinRatio: 0.5,
  baselineMs: 30 * 60_000,
  minBaselineSamples: 5,
  huntSigmas: 3,
  everyMs: 1_000,
};

/** A zone as the heatmap reports it, with its id and cost (HeatmapEngine.zones). */
export type CostedZone = ZoneRef & { readonly id: string };

/** A zone's identity and shape only: what decides whether it can arm before its cost is read. */
export type ZoneShape = Pick<CostedZone, 'id' | 'side' | 'lo' | 'hi' | 'notionalUsd'>;

export interface ArmedDeps {
  readonly zones: (coin: Coin) => readonly CostedZone[];
  /**
   * Optional: the same zones as `zones`, in the same order, shape only (HeatmapEngine.zoneLines).
   * With it a mark reads whole zones (cost, chain) only when one of them can arm: marks come far
   * more often than a zone is near.
   */
  readonly shapes?: (coin: Coin) => readonly ZoneShape[];
  /** The coin's sigma over a horizon (fraction of price). */
  readonly sigma: (coin: Coin, horizonMs: number) => number;
}

/** Timed amounts in a window, summed as they come and go. */
class Window {
  private readonly t: number[] = [];
  private readonly v: number[] = [];
  private head = 0;
  sum = 0;

  add(time: number, x: number): void {
    this.t.push(time);
    this.v.push(x);
    this.sum += x;
  }

  prune(from: number): void {
    while (this.head < this.t.length && (this.t[this.head] as number) < from) {
      this.sum -= this.v[this.head] as number;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.t.length) {
      this.t.splice(0, this.head);
      this.v.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.t.length) this.sum = 0;
  }
}

interface CoinFlow {
  readonly buys: Window;
  readonly sells: Window;
  readonly hour: Window;
  /** Marks of the momentum window, oldest first: [time, px]. */
  readonly markT: number[];
  readonly markPx: number[];
  /** The first mark still in the window (the ones before it are dropped in bulk now and then). */
  markHead: number;
  next: number;
  /** The coin's zones told LIQUIDATION_CLUSTER_ARMED and not yet re-armed, by zone id. */
  readonly toldCluster: Set<string>;
  /** The coin's zones told MM_HUNTING_GROUND_ARMED and not yet re-armed, by zone id. */
  readonly toldHunt: Set<string>;
  /** Zone id → its depth readings (time, USD per unit fractional distance) over the baseline window. */
  readonly depth: Map<string, [number, number][]>;
}

/** Whether a zone of that id is among `zones` (a coin has a few dozen at most). */
function has(zones: readonly ZoneShape[], id: string): boolean {
  for (let i = 0; i < zones.length; i++) if ((zones[i] as ZoneShape).id === id) return true;
  return false;
}

function median(xs: readonly number[]): number {
  const s = xs.toSorted((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export class ArmedDetector {
  private readonly deps: ArmedDeps;
  private readonly emit: (e: GlassEvent) => void;
  readonly opts: ArmedOptions;
  private readonly coins = new Map<string, CoinFlow>();

  constructor(deps: ArmedDeps, emit: (e: GlassEvent) => void, opts: Partial<ArmedOptions> = {}) {
    this.deps = deps;
    this.emit = emit;
    this.opts = { ...DEFAULT_ARMED, ...opts };
  }

  onMarket(e: MarketEvent): void {
    switch (e.type) {
      case 'trade': {
        const f = this.flow(e.coin);
        const usd = e.px * e.sz;
        (e.side === 'B' ? f.buys : f.sells).add(e.time, usd);
        f.hour.add(e.time, usd);
        break;
      }
      case 'mark': {
        const f = this.flow(e.coin);
        f.markT.push(e.time);
        f.markPx.push(e.px);
        // Keep one mark at or before the window's start: the reference.
        const start = e.time - this.opts.momentumMs;
        while (f.markT.length - f.markHead > 1 && (f.markT[f.markHead + 1] as number) <= start) f.markHead++;
        if (f.markHead > 1024 && f.markHead * 2 > f.markT.length) {
          f.markT.splice(0, f.markHead);
          f.markPx.splice(0, f.markHead);
          f.markHead = 0;
        }
        this.evaluate(e.coin, e.time, e.px, false);
        break;
      }
      case 'book': {
        const f = this.coins.get(e.coin);
        const mark = f === undefined ? undefined : f.markPx[f.markPx.length - 1];
        if (mark !== undefined) this.evaluate(e.coin, e.time, mark, true);
        break;
      }
      default:
        break;
    }
  }

  private flow(coin: string): CoinFlow {
    let f = this.coins.get(coin);
    if (f === undefined) {
      f = {
        buys: new Window(),
        sells: new Window(),
        hour: new Window(),
        markT: [],
        markPx: [],
        markHead: 0,
        next: Number.NEGATIVE_INFINITY,
        toldCluster: new Set(),
        toldHunt: new Set(),
        depth: new Map(),
      };
      this.coins.set(coin, f);
    }
    return f;
  }

  private evaluate(coin: Coin, time: number, mark: number, book: boolean): void {
    const f = this.flow(coin);
    // A new book is a new depth reading: always read; marks at most once per `everyMs`.
    if (!book && time < f.next) return;
    f.next = time + this.opts.everyMs;
    const o = this.opts;
    f.buys.prune(time - o.flowWindowMs);
    f.sells.prune(time - o.flowWindowMs);
    f.hour.prune(time - 3600_000);
    // The reference mark: the window's first (NaN: none yet).
    const anyMark = f.markT.length > f.markHead;
    const refPx = anyMark ? (f.markPx[f.markHead] as number) : Number.NaN;
    const settled = anyMark && (f.markT[f.markHead] as number) <= time - o.momentumMs;
    // A mark can only arm a cluster on the side price is moving toward with flow that way: else no zone is read.
    if (!book && !(settled && ((mark < refPx && f.sells.sum > 0) || (mark > refPx && f.buys.sum > 0)))) return;
    // Books read every zone's cost (the depth readings); a mark only the shapes, whole zones when one can arm.
    const shapes = this.deps.shapes;
    let whole: readonly CostedZone[] | null = book || shapes === undefined ? this.deps.zones(coin) : null;
    const zones: readonly ZoneShape[] = whole ?? (shapes as (coin: Coin) => readonly ZoneShape[])(coin);
    if (zones.length === 0) return;
    const sigma = this.deps.sigma(coin, 3600_000);
    const large = Math.max(o.minZoneUsd, o.largeVsHourlyVolume * f.hour.sum);
    const near = Math.max(o.minNearFraction, o.nearSigmas * sigma);
    for (let i = 0; i < zones.length; i++) {
      const s = zones[i] as ZoneShape;
      const edge = s.side === 'LONG_LIQ' ? s.hi : s.lo;
      const dist = Math.max(0, s.side === 'LONG_LIQ' ? mark - edge : edge - mark) / mark;
      const toward = s.side === 'LONG_LIQ' ? f.sells.sum : f.buys.sum;
      // ---- LIQUIDATION_CLUSTER_ARMED
      const told = f.toldCluster.size > 0;
      if (told && dist > 2 * near) f.toldCluster.delete(s.id);
      const moving = settled && (s.side === 'LONG_LIQ' ? mark < refPx : mark > refPx);
      const canArm = s.notionalUsd >= large && dist <= near && moving && toward > 0 && !(told && f.toldCluster.has(s.id));
      if (!canArm && !book) continue;
      whole ??= this.deps.zones(coin);
      const z = whole[i]?.id === s.id ? (whole[i] as CostedZone) : whole.find((x) => x.id === s.id);
      if (z === undefined) continue;
      const cost = z.depthStale === true ? null : (z.costToReachUsd ?? null);
      if (canArm && cost !== null && cost <= o.costVsFlow * toward) {
        f.toldCluster.add(z.id);
        this.emit(this.clusterArmed(z, coin, time, mark, cost, toward, sigma > 0 ? dist / sigma : Number.POSITIVE_INFINITY));
      }
      // ---- MM_HUNTING_GROUND_ARMED: depth readings come with books only.
      if (!book || cost === null || !(dist > 0)) continue;
      const density = cost / dist;
      const readings = f.depth.get(z.id) ?? [];
      while (readings.length > 0 && (readings[0] as [number, number])[0] < time - o.baselineMs) readings.shift();
      if (readings.length >= o.minBaselineSamples) {
        const base = median(readings.map((r) => r[1]));
        const ratio = base > 0 ? density / base : 1;
        if (ratio > o.thinRatio) f.toldHunt.delete(z.id);
        else if (
          !f.toldHunt.has(z.id) &&
          z.notionalUsd >= large &&
          cost <= z.notionalUsd &&
          dist <= o.huntSigmas * Math.max(sigma, o.minNearFraction)
        ) {
          f.toldHunt.add(z.id);
          this.emit(this.huntingGround(z, coin, time, mark, cost, base * dist, ratio, toward));
        }
      }
      readings.push([time, density]);
      f.depth.set(z.id, readings);
    }
    // Zones gone from the map: their readings and verdicts go with them.
    if (f.depth.size > 0) for (const id of f.depth.keys()) if (!has(zones, id)) f.depth.delete(id);
    if (f.toldCluster.size > 0) for (const id of f.toldCluster) if (!has(zones, id)) f.toldCluster.delete(id);
    if (f.toldHunt.size > 0) for (const id of f.toldHunt) if (!has(zones, id)) f.toldHunt.delete(id);
  }

  private clusterArmed(
    z: CostedZone,
    coin: Coin,
    time: number,
    mark: number,
    cost: number,
    flow: number,
    distanceSigmas: number,
  ): ClusterArmedEvent {
    const { id, ...zone } = z as CostedZone & { probability?: number };
    delete (zone as { probability?: number }).probability;
    return {
      id: `LIQUIDATION_CLUSTER_ARMED:${id}:${time}`,
      type: 'LIQUIDATION_CLUSTER_ARMED',
      time,
      coin,
      severity: 'warning',
      ...stampOf('LIQUIDATION_CLUSTER_ARMED', time),
      zone,
      markPx: mark,
      costToReachUsd: cost,
      recentFlowUsd: flow,
      flowWindowMs: this.opts.flowWindowMs,
      distanceSigmas,
      chainLiquidatedUsd: (z.chain ?? []).reduce((s, c) => s + c.liquidatedUsd, 0),
    };
  }

  private huntingGround(
    z: CostedZone,
    coin: Coin,
    time: number,
    mark: number,
    cost: number,
    baselineCost: number,
    ratio: number,
    flow: number,
  ): HuntingGroundArmedEvent {
    const { id, ...zone } = z as CostedZone & { probability?: number };
    delete (zone as { probability?: number }).probability;
    return {
      id: `MM_HUNTING_GROUND_ARMED:${id}:${time}`,
      type: 'MM_HUNTING_GROUND_ARMED',
      time,
      coin,
      severity: 'notice',
      ...stampOf('MM_HUNTING_GROUND_ARMED', time),
      zone,
      markPx: mark,
      costToReachUsd: cost,
      baselineCostUsd: baselineCost,
      depthRatio: ratio,
      recentFlowUsd: flow,
    };
  }
}
