import { type GlassEvent, stampOf, type ZoneEvent, type ZoneRef } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { touchProbability } from '../common/volatility.ts';
import type { PositionBook, PositionView } from '../position-book/book.ts';
import type { AccountApplied, PositionChange } from '../position-book/change.ts';
import { CoinBuckets, toUnits, UNIT } from './buckets.ts';
import { CoinState, type HistoryRow, idealWidth, LARGEST_REACH, type TrackedZone } from './coin-state.ts';
import { atMark, bookCosts, costsToReach, STALE_COST, type ZoneCost, type ZoneLike } from './cost-to-reach.ts';
import { DEFAULT_DEPTH_MAX_AGE_MS, DepthBook } from './depth-book.ts';
import type { LeverageQuantiles } from './leverage-model.ts';
import { LiquidationBook } from './liquidation-book.ts';
import { SlotTable } from './slot-table.ts';
import { type BucketWindow, coverLargest, DEFAULT_ZONE_PARAMS, type DetectedZone, detectZones, type ZoneParams } from './zones.ts';

export interface HeatmapOptions {
  /** How long a zone that fell under the detection threshold keeps its identity (event time). */
  readonly zoneGraceMs: number;
  /**
   * Which coins keep a price × time history: none (the default: nothing reads it in a live run),
   * every coin, or the coins listed. Sampling every coin every minute was 92 % of a long replay.
   */
  readonly history: 'none' | 'all' | readonly string[];
  /** Price × time history sampling interval (event time). */
  readonly historyIntervalMs: number;
  readonly historyRows: number;
  /**
   * 'live': zones are re-derived as marks and positions move, with their lifecycle events (a live
   * run, `--events`). 'on-demand': only when asked (`zones`, `view`), no lifecycle events: the same
   * zones at the end of a replay for a fraction of its time, but numbered as found then, not with
   * the ids their lifecycle gave them. A list of coins: those live (their zones keep the ids a live
   * run gives them: `glass heatmap --coin C`), the others on demand.
   */
  readonly zoneTracking: 'live' | 'on-demand' | readonly string[];
  /** Horizon of the baseline probability reported with zones. */
  readonly horizonMs: number;
  readonly zoneParams: ZoneParams;
  /** A coin's l2Book older than this (venue time, against its mark) is stale: no cost to reach from it. */
  readonly depthMaxAgeMs: number;
  /**
   * How long (receive time) a sweep waits after the message that swept the zone before it is
   * emitted, so the liquidation fills the venue sends with or just after the crossing price count
   * in its `liquidatedUsd` (docs/heatmap.md, "Lifecycle events").
   */
  readonly sweepSettleMs: number;
}

export const DEFAULT_HEATMAP: HeatmapOptions = {
  zoneGraceMs: 30 * 60_000,
  history: 'none',
  historyIntervalMs: 60_000,
  historyRows: 1440,
  horizonMs: 4 * 3600_000,
  zoneParams: DEFAULT_ZONE_PARAMS,
  zoneTracking: 'live',
  depthMaxAgeMs: DEFAULT_DEPTH_MAX_AGE_MS,
  sweepSettleMs: 500,
};

/** A zone's identity and shape, without what the mark and the book decide (HeatmapEngine.zoneLines). */
export interface ZoneLine extends ZoneLike {
  readonly id: string;
}

/** An open position with the liquidation price the heatmap files it at. */
export interface PositionLiquidation extends PositionView {
  /** Null when no price liquidates it (its margin covers the whole move to zero). */
  readonly liquidationPx: number | null;
  /** From an assumed leverage (no account snapshot yet, or its margin mode unknown), not the account. */
  readonly estimated: boolean;
  /** A market maker's position its account has not shown: not priced, not on the map (no leverage to assume). */
  readonly unpricedMaker: boolean;
}

/** A view whose buckets are elsewhere (`HeatmapEngine.packedView`: in columns). */
export type PackedHeatmapView = Omit<HeatmapView, 'buckets'> & { readonly buckets: null };

export interface HeatmapView {
  readonly coin: string;
  readonly time: number;
  readonly markPx: number;
  readonly bucketWidth: number;
  /** Notional that liquidates in each bucket; the `…EstimatedUsd` part of it from an assumed leverage. */
  readonly buckets: {
    lo: number;
    hi: number;
    longLiqUsd: number;
    shortLiqUsd: number;
    longEstimatedUsd: number;
    shortEstimatedUsd: number;
  }[];
  readonly zones: (ZoneRef & { id: string; probability: number })[];
  /**
   * The largest bucket within ±10 % of the mark and the zone it is in: found by detection
   * (`why` 'prominent'), or kept for being the largest ('largest'); when in none, `reason` says
   * why. Null: nothing is filed within ±10 %.
   */
  readonly largest: {
    side: ZoneRef['side'];
    lo: number;
    hi: number;
    notionalUsd: number;
    distancePct: number;
    zoneId: string | null;
    why: 'prominent' | 'largest' | null;
    reason: string | null;
  } | null;
  /**
   * How the coin's positions no account has shown are filed: the learned leverage (low, median,
   * high quantile, for a $10k–100k position; `source` 'prior' until there is evidence) and the
   * estimate's measured error: median |estimate − real| / real over the liquidations graded so far
   * (every coin, walking forward; null before any).
   */
  readonly estimates: {
    leverage: LeverageQuantiles;
    medianErrorAtLiquidation: number | null;
    graded: number;
  };
}

/** A ZONE_SWEPT waiting out its settle window (HeatmapEngine.sweep). */
interface PendingSweep {
  readonly c: CoinState;
  /** Receive time after which the next message on the coin releases it. */
  readonly until: number;
  readonly event: ZoneEvent;
  /** The zone's formation (venue time) and range (± one bucket), and side, as when price crossed it. */
  readonly from: number;
  readonly lo: number;
  readonly hi: number;
  readonly long: boolean;
}

/**
 * The sweep's `liquidatedUsd`: venue-reported liquidations of positions on the zone's side whose
 * triggering mark lies in the zone (± one bucket), at or after the zone formed (venue time), received
 * by the end of the settle window.
 */
function liquidatedIn(p: PendingSweep): number {
  let usd = 0;
  for (const l of p.c.liquidations) {
    if (l.long === p.long && l.time >= p.from && l.receivedAt <= p.until && l.px >= p.lo && l.px <= p.hi) usd += l.usd;
  }
  return usd;
}

/**
 * The Heatmap Engine: liquidation price per position → price buckets per coin → zones, history
 * and zone lifecycle events. A reducer over market events and the book's position changes; a
 * position change touches only its own bucket, zones are re-derived from the buckets of one coin
 * when its map or mark has moved.
 */
export class HeatmapEngine {
  private readonly book: PositionBook;
  private readonly opts: HeatmapOptions;
  private readonly emit: (e: GlassEvent) => void;
  readonly liq: LiquidationBook;
  /** The newest l2Book per coin: the depth the cost to reach each zone is read from. */
  readonly depth: DepthBook;
  /** Per coin id: the zones' costs for one book, mark and zone list (zones() is asked often). */
  private readonly costCache = new Map<
    number,
    { book: unknown; zones: unknown; n: number; width: number; lines: ZoneLike[]; costs: ZoneCost[] }
  >();
  /**
   * Per coin id: the last zones() answer, valid while the coin's zones, mark and book stand
   * (`at`: the coin's `changed` tick when it was made). zones() is asked by several engines per event.
   */
  private readonly zoneCache: ({ at: number; book: unknown; zones: HeatmapView['zones'] } | undefined)[] = [];
  /** Per coin id: a tick taken whenever what zones() reports can have changed (mark, vol, zones, width). */
  private readonly changed: number[] = [];
  /** Per coin id: a tick taken whenever the zones themselves can have changed (detection, width); not the mark. */
  private readonly reshaped: number[] = [];
  /** Per coin id: the last zoneLines() answer, valid while `reshaped` stands at `at`. */
  private readonly lineCache: ({ at: number; lines: readonly ZoneLine[] } | undefined)[] = [];
  private tick = 0;
  /** Per coin id: the last detection and what it read (the map, its version, the window, the mark's bucket, the reach). */
  private readonly detected: (
    | {
        buckets: CoinBuckets;
        version: number;
        width: number;
        from: number;
        to: number;
        markKey: number;
        reach: number;
        zones: readonly DetectedZone[];
        largest: CoinState['largest'];
      }
    | undefined
  )[] = [];
  /** By interned coin id: every position change looks its coin up. */
  private readonly coins: (CoinState | undefined)[] = [];
  private readonly slots = new SlotTable();
  /** Zones formed so far per coin: a zone's id counts within its coin, so a worker running some coins numbers them as one running all. */
  private readonly seq = new Map<string, number>();
  private readonly historyAll: boolean;
  private readonly historyOf: ReadonlySet<string>;
  private readonly liveAll: boolean;
  private readonly liveCoins: ReadonlySet<string>;
  /** Receive time of the market event or position change being applied (what a sweep's settle window starts from). */
  private receivedAt = Number.NaN;
  /** Sweeps waiting out their settle window, in the order price crossed them: the event as made then, its liquidations counted when it leaves. */
  private readonly sweeps: PendingSweep[] = [];

  constructor(book: PositionBook, emit: (e: GlassEvent) => void = () => {}, opts: Partial<HeatmapOptions> = {}) {
    this.book = book;
    this.emit = emit;
    this.opts = { ...DEFAULT_HEATMAP, ...opts };
    const h = this.opts.history;
    this.historyAll = h === 'all';
    this.historyOf = new Set(typeof h === 'string' ? [] : h);
    const z = this.opts.zoneTracking;
    this.liveAll = z === 'live';
    this.liveCoins = new Set(typeof z === 'string' ? [] : z);
    this.depth = new DepthBook(this.opts.depthMaxAgeMs);
    this.liq = new LiquidationBook(book, this.slots, (s, px, estimated, lo, hi) => this.file(s, px, estimated, lo, hi));
  }

  onMarket(e: MarketEvent): void {
    this.receivedAt = e.localTs;
    if (this.sweeps.length > 0 && 'coin' in e) this.releaseSweeps(e.coin, e.localTs);
    switch (e.type) {
      case 'meta':
        this.liq.meta(e);
        break;
      case 'mark': {
        const c = this.state(this.book.coins.id(e.coin), e.px);
        c.vol.update(e.px, e.time);
        c.mark = e.px;
        c.markTime = e.time;
        this.liq.price(c.coinId, e.px, e.time);
        this.touch(c);
        if (this.isLive(c)) this.evaluate(c, e.time);
        else this.fitWidth(c);
        if (c.keepsHistory) this.sample(c, e.time);
        break;
      }
      case 'book':
        this.depth.onBook(e);
        break;
      case 'liquidation': {
        const c = this.state(this.book.coins.id(e.coin), e.px);
        c.liquidations.push({
          time: e.time,
          px: e.markPx > 0 ? e.markPx : e.px,
          usd: e.px * e.sz,
          long: e.positionSide === 'long',
          receivedAt: e.localTs,
        });
        if (c.liquidations.length > 50_000) c.liquidations.splice(0, 10_000);
        break;
      }
      default:
        break;
    }
  }

  onChange(c: PositionChange): void {
    this.receivedAt = c.localTs;
    this.liq.change(c);
  }

  onAccount(a: AccountApplied): void {
    this.liq.snapshot(a.walletId, a.snapshot, a.slots);
  }

  /** Recomputes every position's liquidation price from the engine's account state (margin tables changed, or a restart). */
  rebuild(): void {
    this.liq.recomputeAll();
  }

  // ---- buckets ------------------------------------------------------------------------------

  /**
   * Moves slot `s`'s contribution to its new liquidation price (the LiquidationBook has made room
   * for it); `lo`/`hi` (NaN: none) spread an estimate's notional over three prices.
   */
  private file(s: number, px: number, estimated: boolean, lo: number, hi: number): void {
    const t = this.slots;
    const szi = this.book.sziAt(s);
    const long = szi > 0;
    const units = px === px && szi !== 0 ? toUnits(Math.abs(szi) * px) : 0;
    const oldPx = t.liqPx(s);
    const oldUnits = t.units(s);
    const oldLong = t.long(s);
    const oldEstimated = t.estimated(s);
    const sp = this.spread;
    const oldLo = s < this.spreadSlots ? (sp[2 * s] as number) : Number.NaN;
    const oldHi = s < this.spreadSlots ? (sp[2 * s + 1] as number) : Number.NaN;
    const spreadNow = units > 0 && (lo === lo || hi === hi);
    const spreadBefore = oldLo === oldLo || oldHi === oldHi;
    if (oldPx === px && oldUnits === units && oldLong === long && oldEstimated === estimated && !spreadNow && !spreadBefore) return;
    const state = this.state(this.book.coinOf(s), px === px ? px : oldPx);
    const b = state.buckets;
    t.setFiled(s, px, units, long, estimated);
    if (spreadNow || spreadBefore) {
      // An estimate spread over quantile prices: its parts move together (rare: positions no account has shown).
      if (oldUnits > 0) contribute(b, oldPx, oldLo, oldHi, oldUnits, oldLong, -1, oldEstimated);
      this.setSpread(s, spreadNow ? lo : Number.NaN, spreadNow ? hi : Number.NaN);
      if (units > 0) contribute(b, px, spreadNow ? lo : Number.NaN, spreadNow ? hi : Number.NaN, units, long, 1, estimated);
      return;
    }
    // Most changes move a price within its bucket (a fill nudging the account's margin): one update.
    if (oldUnits > 0 && units > 0 && oldLong === long && oldEstimated === estimated && b.bucketOf(oldPx) === b.bucketOf(px)) {
      b.adjust(px, units - oldUnits, long, estimated);
      return;
    }
    if (oldUnits > 0) b.apply(oldPx, oldUnits, oldLong, -1, oldEstimated);
    if (units > 0) b.apply(px, units, long, 1, estimated);
  }

  /** Spread prices (low, high quantile) of estimated slots, two per slot; grown only when a spread is filed. */
  private spread: Float64Array = new Float64Array(0);
  private spreadSlots = 0;

  private setSpread(s: number, lo: number, hi: number): void {
    if (s >= this.spreadSlots) {
      if (lo !== lo && hi !== hi) return;
      const n = Math.max(1024, 2 * this.spreadSlots, s + 1);
      const next = new Float64Array(2 * n).fill(Number.NaN);
      next.set(this.spread);
      this.spread = next;
      this.spreadSlots = n;
    }
    this.spread[2 * s] = lo;
    this.spread[2 * s + 1] = hi;
  }

  private state(coinId: number, refPx: number): CoinState {
    let c = this.coins[coinId];
    if (c === undefined) {
      c = new CoinState(this.book.coins.name(coinId), coinId, refPx > 0 ? refPx : 1);
      c.keepsHistory = this.historyAll || this.historyOf.has(c.coin);
      while (this.coins.length < coinId) this.coins.push(undefined);
      this.coins[coinId] = c;
    }
    return c;
  }

  /** Marks the coin's zones() answer out of date; `reshaped`: its zoneLines() too (the zones or the width moved). */
  private touch(c: CoinState, reshaped = false): void {
    while (this.changed.length < c.coinId) this.changed.push(0);
    this.changed[c.coinId] = ++this.tick;
    if (!reshaped) return;
    while (this.reshaped.length < c.coinId) this.reshaped.push(0);
    this.reshaped[c.coinId] = this.tick;
  }

  /** Re-buckets one coin at a new width from the exact per-position contributions. */
  private rebucket(c: CoinState, width: number): void {
    this.touch(c, true);
    const old = c.buckets.width;
    c.buckets.width = width;
    const fresh = this.fromScratch(c.coin);
    if (fresh !== null) c.buckets = fresh;
    // The zones' keys are in the old width: carry them as fading, so the next detection at the
    // new width finds them again by overlap and keeps their identity.
    for (const t of c.zones) t.lostAt = c.markTime;
    c.fading = [...c.zones, ...c.fading];
    for (const t of c.fading) rescale(t, old, width);
    c.zones = [];
  }

  // ---- zones --------------------------------------------------------------------------------

  /** The detection window around the coin's mark, in the coin's reused column buffers (valid until the next call). */
  private windowOf(c: CoinState): BucketWindow {
    const { from, to } = c.window();
    const cols = c.columns(Math.max(1, to - from + 1));
    c.buckets.window(from, cols);
    return { from, width: c.buckets.width, markKey: c.buckets.bucketOf(c.mark), ...cols };
  }

  /** Re-buckets the coin when its ideal width has drifted past twice or half the current one. */
  private fitWidth(c: CoinState): void {
    if (!(c.mark > 0)) return;
    const ideal = idealWidth(c.mark, c.vol.daily());
    if (ideal > 2 * c.buckets.width || ideal < 0.5 * c.buckets.width) this.rebucket(c, ideal);
  }

  private evaluate(c: CoinState, time: number): void {
    if (!(c.mark > 0)) return;
    this.fitWidth(c);
    const moved = Math.abs(c.mark - c.evaluatedMark) >= c.buckets.width / 4;
    if (c.buckets.version === c.evaluatedVersion && !moved) return;
    c.evaluatedVersion = c.buckets.version;
    c.evaluatedMark = c.mark;
    this.touch(c, true);
    const b = c.buckets;
    const { from, to } = c.window();
    const markKey = b.bucketOf(c.mark);
    const reach = Math.ceil((LARGEST_REACH * c.mark) / b.width);
    // Detection reads only the window's buckets, the mark's bucket and the reach: all as at the last
    // detection (the mark moved within its bucket, the map not at all), the same zones (track reads them, never changes them).
    let d = this.detected[c.coinId];
    if (
      d === undefined ||
      d.buckets !== b ||
      d.version !== b.version ||
      d.width !== b.width ||
      d.from !== from ||
      d.to !== to ||
      d.markKey !== markKey ||
      d.reach !== reach
    ) {
      const w = this.windowOf(c);
      const found = coverLargest(w, detectZones(w, this.opts.zoneParams), reach, this.opts.zoneParams);
      d = { buckets: b, version: b.version, width: b.width, from, to, markKey, reach, zones: found.zones, largest: found.largest };
      while (this.detected.length < c.coinId) this.detected.push(undefined);
      this.detected[c.coinId] = d;
    }
    c.largest = d.largest;
    this.track(c, d.zones, time);
    // Again after: an answer made while track emitted (a listener asking mid-pass) is not kept.
    this.touch(c, true);
  }

  /** Zones of the coin are tracked as marks and positions move (zoneTracking). */
  private isLive(c: CoinState): boolean {
    return this.liveAll || this.liveCoins.has(c.coin);
  }

  /** Carries zone identity across re-derivations and emits the lifecycle events. */
  private track(c: CoinState, found: readonly DetectedZone[], time: number): void {
    const next: TrackedZone[] = [];
    const matched = new Set<TrackedZone>();
    // A zone that dips under the detection threshold and comes back within the grace period is
    // the same zone (same id, no second ZONE_FORMED); past it, it has dissolved.
    const grace = this.opts.zoneGraceMs;
    if (c.fading.length > 0) c.fading = c.fading.filter((t) => time - t.lostAt <= grace);
    for (const z of found) {
      const prev = overlapping(c.zones, matched, z) ?? overlapping(c.fading, matched, z);
      if (prev !== undefined) {
        matched.add(prev);
        Object.assign(prev, {
          loKey: z.loKey,
          hiKey: z.hiKey,
          peakKey: z.peakKey,
          units: z.units,
          positions: z.positions,
          estimatedUnits: z.estimatedUnits,
          estimatedPositions: z.estimatedPositions,
          weightedUnits: z.weightedUnits,
          lostAt: Number.NaN,
        });
        next.push(prev);
        continue;
      }
      const n = (this.seq.get(c.coin) ?? 0) + 1;
      this.seq.set(c.coin, n);
      const t: TrackedZone = { id: `${c.coin}:${z.side}:${n}`, formedAt: time, ...z, approached: false, lostAt: Number.NaN };
      next.push(t);
      this.zoneEvent(c, 'ZONE_FORMED', t, time, 'info', null);
    }
    const fading: TrackedZone[] = [];
    for (const t of c.zones) {
      if (matched.has(t)) continue;
      // Gone from the map: swept if price reached it (its positions were liquidated), else fading.
      const reached = t.side === 'LONG_LIQ' ? c.mark <= this.hiPx(c, t) : c.mark >= this.loPx(c, t);
      if (reached) this.sweep(c, t, time);
      else {
        t.lostAt = time;
        fading.push(t);
      }
    }
    for (const t of c.fading) if (!matched.has(t)) fading.push(t);
    c.fading = fading;
    c.zones = [];
    for (const t of next) {
      const crossed = t.side === 'LONG_LIQ' ? c.mark < this.loPx(c, t) : c.mark > this.hiPx(c, t);
      if (crossed) {
        this.sweep(c, t, time);
        continue;
      }
      const near = this.nearFraction(c);
      const dist = this.edgeDistance(c, t);
      if (!t.approached && dist <= near) {
        t.approached = true;
        const p = this.probability(c, t);
        this.zoneEvent(c, 'ZONE_APPROACHED', t, time, p >= 0.5 ? 'warning' : 'notice', null);
      } else if (t.approached && dist > 2 * near) t.approached = false;
      c.zones.push(t);
    }
  }

  private zoneEvent(
    c: CoinState,
    type: ZoneEvent['type'],
    t: TrackedZone,
    time: number,
    severity: ZoneEvent['severity'],
    liquidatedUsd: number | null,
  ): void {
    if (!this.isLive(c)) return; // on demand, zones have no lifecycle to report
    this.emit(this.zoneEventOf(c, type, t, time, severity, liquidatedUsd));
  }

  private zoneEventOf(
    c: CoinState,
    type: ZoneEvent['type'],
    t: TrackedZone,
    time: number,
    severity: ZoneEvent['severity'],
    liquidatedUsd: number | null,
  ): ZoneEvent {
    return {
      id: `${type}:${t.id}:${time}`,
      type,
      time,
      coin: c.coin,
      severity,
      ...stampOf(type, time),
      zone: this.ref(c, t),
      markPx: c.mark,
      probability: type === 'ZONE_SWEPT' ? null : this.probability(c, t),
      liquidatedUsd,
    };
  }

  /**
   * Price reached zone `t`: its ZONE_SWEPT, made now (the zone and mark as they stand), waits until
   * a message on the coin arrives more than `sweepSettleMs` after this one, so the liquidation
   * fills of the sweep (the venue sends them with or just after the price) are counted in it.
   */
  private sweep(c: CoinState, t: TrackedZone, time: number): void {
    if (!this.isLive(c)) return;
    const w = c.buckets.width;
    this.sweeps.push({
      c,
      until: this.receivedAt + this.opts.sweepSettleMs,
      event: this.zoneEventOf(c, 'ZONE_SWEPT', t, time, 'warning', null),
      from: t.formedAt,
      lo: this.loPx(c, t) - w,
      hi: this.hiPx(c, t) + w,
      long: t.side === 'LONG_LIQ',
    });
  }

  /** Emits the coin's sweeps whose settle window a message received at `receivedAt` has passed. */
  private releaseSweeps(coin: string, receivedAt: number): void {
    let kept = 0;
    for (const p of this.sweeps) {
      // NaN (no receive time known): the next message on the coin releases it.
      if (p.c.coin !== coin || receivedAt <= p.until) {
        this.sweeps[kept++] = p;
        continue;
      }
      this.emit({ ...p.event, liquidatedUsd: liquidatedIn(p) });
    }
    this.sweeps.length = kept;
  }

  private loPx(c: CoinState, t: TrackedZone): number {
    return c.buckets.edge(t.loKey);
  }

  private hiPx(c: CoinState, t: TrackedZone): number {
    return c.buckets.edge(t.hiKey + 1);
  }

  private peakPx(c: CoinState, t: TrackedZone): number {
    return c.buckets.edge(t.peakKey + 0.5);
  }

  /** Fractional distance from the mark to the zone's near edge (0 inside it). */
  private edgeDistance(c: CoinState, t: TrackedZone): number {
    const edge = t.side === 'LONG_LIQ' ? this.hiPx(c, t) : this.loPx(c, t);
    const d = t.side === 'LONG_LIQ' ? c.mark - edge : edge - c.mark;
    return Math.max(0, d) / c.mark;
  }

  /** "Approaching": within one hour's sigma of the near edge, and never less than 0.2 %. */
  private nearFraction(c: CoinState): number {
    return Math.max(0.002, c.vol.sigma(3600_000));
  }

  probability(c: CoinState, t: TrackedZone): number {
    return touchProbability(Math.log(this.peakPx(c, t) / c.mark), c.vol.sigma(this.opts.horizonMs));
  }

  private ref(c: CoinState, t: TrackedZone): ZoneRef {
    const peak = this.peakPx(c, t);
    return {
      side: t.side,
      lo: this.loPx(c, t),
      hi: this.hiPx(c, t),
      peakPx: peak,
      notionalUsd: t.units / UNIT,
      wallets: t.positions,
      distancePct: ((peak - c.mark) / c.mark) * 100,
      estimatedUsd: t.estimatedUnits / UNIT,
      estimatedPositions: t.estimatedPositions,
      mostlyEstimated: 2 * t.estimatedUnits > t.units,
      ...this.costOf(c, t),
    };
  }

  /** ref() with the zone's id and probability, as zones() reports it: one literal, the keys in ref()'s order (events are compared byte for byte). */
  private costed(c: CoinState, t: TrackedZone): HeatmapView['zones'][number] {
    const peak = this.peakPx(c, t);
    const cost = this.costOf(c, t);
    return {
      id: t.id,
      side: t.side,
      lo: this.loPx(c, t),
      hi: this.hiPx(c, t),
      peakPx: peak,
      notionalUsd: t.units / UNIT,
      wallets: t.positions,
      distancePct: ((peak - c.mark) / c.mark) * 100,
      estimatedUsd: t.estimatedUnits / UNIT,
      estimatedPositions: t.estimatedPositions,
      mostlyEstimated: 2 * t.estimatedUnits > t.units,
      costToReachUsd: cost.costToReachUsd,
      chain: cost.chain,
      depthStale: cost.depthStale,
      probability: this.probability(c, t),
    };
  }

  /** The zone's cost to reach and forced-flow chain from the coin's fresh l2Book, among the coin's zones now. */
  private costOf(c: CoinState, t: TrackedZone): ZoneCost {
    const book = this.depth.fresh(c.coin, c.markTime);
    if (book === null || !(c.mark > 0)) return STALE_COST;
    const line = (z: TrackedZone) => ({ side: z.side, lo: this.loPx(c, z), hi: this.hiPx(c, z), notionalUsd: z.units / UNIT });
    const at = c.zones.indexOf(t);
    // A zone outside the list (formed or swept in this pass): its chain with the coin's zones as they stand.
    if (at < 0) return costsToReach(book, c.mark, [line(t), ...c.zones.map(line)])[0] as ZoneCost;
    // The book-only figures stand while the book and the zones do, however the mark moves.
    let hit = this.costCache.get(c.coinId);
    if (hit === undefined || hit.book !== book || hit.zones !== c.zones || hit.n !== c.zones.length || hit.width !== c.buckets.width) {
      const lines = c.zones.map(line);
      // Detection re-finding the same zones (a new list, the same lines) against the same book: the same costs.
      const costs = hit !== undefined && hit.book === book && sameLines(hit.lines, lines) ? hit.costs : bookCosts(book, lines);
      hit = { book, zones: c.zones, n: c.zones.length, width: c.buckets.width, lines, costs };
      this.costCache.set(c.coinId, hit);
    }
    return atMark(hit.costs[at] as ZoneCost, hit.lines[at] as ZoneLike, c.mark);
  }

  // ---- history ------------------------------------------------------------------------------

  private sample(c: CoinState, time: number): void {
    const every = this.opts.historyIntervalMs;
    if (c.nextSample !== c.nextSample) c.nextSample = Math.floor(time / every) * every;
    if (time < c.nextSample) return;
    c.nextSample = (Math.floor(time / every) + 1) * every;
    const { from, to } = c.window();
    const last = c.history[c.history.length - 1];
    const width = c.buckets.width;
    // Nothing moved in the map since the last row, over the same span: the row's columns are the
    // last row's (rows are read-only; a quiet coin's day of rows shares one pair of arrays).
    const same =
      last !== undefined &&
      c.sampledVersion === c.buckets.version &&
      last.bucketWidth === width &&
      last.fromPx === from * width &&
      last.longLiqUsd.length === Math.max(1, to - from + 1);
    let long: Float32Array;
    let short: Float32Array;
    if (same) {
      long = last.longLiqUsd;
      short = last.shortLiqUsd;
    } else {
      const w = this.windowOf(c);
      long = new Float32Array(w.long.length);
      short = new Float32Array(w.short.length);
      for (let i = 0; i < long.length; i++) {
        long[i] = (w.long[i] as number) / UNIT;
        short[i] = (w.short[i] as number) / UNIT;
      }
    }
    c.sampledVersion = c.buckets.version;
    c.history.push({ time, markPx: c.mark, bucketWidth: width, fromPx: from * width, longLiqUsd: long, shortLiqUsd: short });
    if (c.history.length > this.opts.historyRows) c.history.shift();
  }

  // ---- queries ------------------------------------------------------------------------------

  coinState(coin: Coin | string): CoinState | null {
    const id = this.book.coins.peek(coin);
    return id === undefined ? null : (this.coins[id] ?? null);
  }

  coinList(): Coin[] {
    return this.coins.flatMap((c) => (c === undefined ? [] : [c.coin])).sort();
  }

  /** Current zones of a coin; `recompute` re-runs detection even when nothing moved. */
  zones(coin: string, recompute = false): HeatmapView['zones'] {
    const c = this.coinState(coin);
    if (c === null || !(c.mark > 0)) return [];
    if (recompute) c.evaluatedVersion = -1;
    // A coin tracked live is evaluated on its marks only: a reader (the API, the recorder's
    // snapshots) never moves its lifecycle, so the zone ids and events depend on the input alone.
    if (!this.isLive(c) || recompute) this.evaluate(c, c.markTime);
    // Nothing the answer reads has moved since it was made (the zones, the mark and its vol, the book): the same answer.
    const at = this.changed[c.coinId] ?? 0;
    const book = this.depth.fresh(c.coin, c.markTime);
    const hit = this.zoneCache[c.coinId];
    if (hit !== undefined && hit.at === at && hit.book === book) return hit.zones.slice();
    const zones = c.zones.map((t) => this.costed(c, t));
    while (this.zoneCache.length < c.coinId) this.zoneCache.push(undefined);
    this.zoneCache[c.coinId] = { at, book, zones };
    return zones.slice();
  }

  /**
   * The current zones' id, side, edges and notional: zones() without what the mark, the vol and
   * the book decide (distance, probability, cost), for a caller that reads those of a few zones
   * only. The same zones (detection runs as for zones()), the same figures, in the same order.
   */
  zoneLines(coin: string): readonly ZoneLine[] {
    const c = this.coinState(coin);
    if (c === null || !(c.mark > 0)) return [];
    if (!this.isLive(c)) this.evaluate(c, c.markTime);
    const at = this.reshaped[c.coinId] ?? 0;
    const hit = this.lineCache[c.coinId];
    if (hit !== undefined && hit.at === at) return hit.lines;
    const lines = c.zones.map((t) => ({ id: t.id, side: t.side, lo: this.loPx(c, t), hi: this.hiPx(c, t), notionalUsd: t.units / UNIT }));
    while (this.lineCache.length < c.coinId) this.lineCache.push(undefined);
    this.lineCache[c.coinId] = { at, lines };
    return lines;
  }

  /** Buckets (non-empty, whole map) and current zones of a coin. */
  view(coin: string): HeatmapView | null {
    const c = this.coinState(coin);
    if (c === null) return null;
    return this.viewOf(c, () =>
      c.buckets.nonEmpty().map((b) => ({
        lo: c.buckets.edge(b.key),
        hi: c.buckets.edge(b.key + 1),
        longLiqUsd: b.longUnits / UNIT,
        shortLiqUsd: b.shortUnits / UNIT,
        longEstimatedUsd: b.longEstUnits / UNIT,
        shortEstimatedUsd: b.shortEstUnits / UNIT,
      })),
    );
  }

  /**
   * `view()` with its buckets as columns (`CoinBuckets.columns`: six numbers a bucket, the same
   * values in the same order) and `buckets` null in the view: what the store's recorder packs,
   * without an object a bucket. Everything else is view()'s, read in view()'s order.
   */
  packedView(coin: string): { readonly view: PackedHeatmapView; readonly cols: Float64Array<ArrayBuffer> } | null {
    const c = this.coinState(coin);
    if (c === null) return null;
    let cols: Float64Array<ArrayBuffer> | null = null;
    const view = this.viewOf(c, () => {
      cols = c.buckets.columns();
      return null;
    });
    return { view, cols: cols as unknown as Float64Array<ArrayBuffer> };
  }

  /** A coin's view with its buckets as `buckets` makes them (called where view() reads them: after the zones). */
  private viewOf<B>(c: CoinState, buckets: () => B): Omit<HeatmapView, 'buckets'> & { readonly buckets: B } {
    const zones = this.zones(c.coin);
    const w = c.buckets.width;
    const big = c.mark > 0 ? c.largest : null;
    const graded = this.liq.liquidationEstimates.model.summary();
    const home = big === null ? undefined : c.zones.find((t) => t.side === big.side && t.loKey <= big.key && big.key <= t.hiKey);
    const largest =
      big === null
        ? null
        : {
            side: big.side,
            lo: c.buckets.edge(big.key),
            hi: c.buckets.edge(big.key + 1),
            notionalUsd: big.units / UNIT,
            distancePct: ((c.buckets.edge(big.key + 0.5) - c.mark) / c.mark) * 100,
            zoneId: home?.id ?? null,
            why: home === undefined ? null : big.zoned,
            // A zone found, then swept by the mark in the same pass, is gone: say so rather than nothing.
            reason: home === undefined ? (big.reason ?? 'its zone was swept: the mark has crossed it') : null,
          };
    return {
      coin: c.coin,
      time: c.markTime,
      markPx: c.mark,
      bucketWidth: w,
      buckets: buckets(),
      zones,
      largest,
      estimates: {
        leverage: this.liq.leverage.quantiles(c.coinId, 50_000),
        medianErrorAtLiquidation: graded.medianAbsRelErr,
        graded: graded.priced,
      },
    };
  }

  /** The price × time grid of a coin, oldest row first (one row per sampling interval with a mark). */
  history(coin: string): readonly HistoryRow[] {
    return this.coinState(coin)?.history ?? [];
  }

  /** Open positions (of one wallet when given) with their liquidation price and whether it is estimated. */
  positions(wallet?: Wallet): PositionLiquidation[] {
    return this.book.positions(wallet).map((p) => {
      const px = this.liqOf(p.slot);
      const estimated = p.slot < this.slots.capacity && this.slots.estimated(p.slot);
      const unpricedMaker = estimated && this.liq.isMarketMaker(this.book.walletOf(p.slot));
      return { ...p, liquidationPx: px === px ? px : null, estimated, unpricedMaker };
    });
  }

  /** The liquidation price the map holds for a book slot (NaN: none). */
  liqOf(slot: number): number {
    return slot < this.slots.capacity ? this.slots.liqPx(slot) : Number.NaN;
  }

  /** The coin's map rebuilt from every position's stored contribution, at the same width. */
  fromScratch(coin: string): CoinBuckets | null {
    const c = this.coinState(coin);
    if (c === null) return null;
    const b = new CoinBuckets(c.buckets.width);
    const t = this.slots;
    for (let s = 0; s < this.book.slotCount && s < t.capacity; s++) {
      if (t.units(s) === 0 || this.book.coinOf(s) !== c.coinId) continue;
      const lo = s < this.spreadSlots ? (this.spread[2 * s] as number) : Number.NaN;
      const hi = s < this.spreadSlots ? (this.spread[2 * s + 1] as number) : Number.NaN;
      contribute(b, t.liqPx(s), lo, hi, t.units(s), t.long(s), 1, t.estimated(s));
    }
    return b;
  }

  /** Σ notional (USD) of positions filed with a liquidation price, for a coin. */
  totals(coin: string): { longUsd: number; shortUsd: number; positions: number; estimated: number } {
    const c = this.coinState(coin);
    if (c === null) return { longUsd: 0, shortUsd: 0, positions: 0, estimated: 0 };
    let estimated = 0;
    const t = this.slots;
    for (let s = 0; s < t.capacity && s < this.book.slotCount; s++) {
      if (t.units(s) !== 0 && this.book.coinOf(s) === c.coinId && t.estimated(s)) estimated++;
    }
    return {
      longUsd: c.buckets.totalLongUnits / UNIT,
      shortUsd: c.buckets.totalShortUnits / UNIT,
      positions: c.buckets.positions,
      estimated,
    };
  }
}

/**
 * Adds or removes one position's contribution: all at `px`, or spread (a third at each of `lo`,
 * `px`, `hi`; a missing price's third at `px`), the position counted in each bucket it has
 * notional in and once in the coin's total. The thirds are
 * a function of `units` alone, so removal undoes addition exactly.
 */
function contribute(
  b: CoinBuckets,
  px: number,
  lo: number,
  hi: number,
  units: number,
  long: boolean,
  sign: 1 | -1,
  estimated: boolean,
): void {
  if (lo !== lo && hi !== hi) {
    b.apply(px, units, long, sign, estimated);
    return;
  }
  const third = Math.floor(units / 3);
  let mid = units;
  if (lo === lo && third > 0) {
    b.apply(lo, third, long, sign, estimated, false);
    mid -= third;
  }
  if (hi === hi && third > 0) {
    b.apply(hi, third, long, sign, estimated, false);
    mid -= third;
  }
  b.apply(px, mid, long, sign, estimated);
}

/** Whether two zone lists have the same sides, edges and notionals, in the same order (bookCosts reads nothing else). */
function sameLines(a: readonly ZoneLike[], b: readonly ZoneLike[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ZoneLike;
    const y = b[i] as ZoneLike;
    if (x.side !== y.side || x.lo !== y.lo || x.hi !== y.hi || x.notionalUsd !== y.notionalUsd) return false;
  }
  return true;
}

/** The first zone in `zones` not yet matched on the same side whose key range overlaps `z`'s. */
function overlapping(zones: readonly TrackedZone[], matched: ReadonlySet<TrackedZone>, z: DetectedZone): TrackedZone | undefined {
  return zones.find((t) => !matched.has(t) && t.side === z.side && t.loKey <= z.hiKey && z.loKey <= t.hiKey);
}

/** A zone's bucket keys at another bucket width (the same prices, rounded outward). */
function rescale(t: TrackedZone, from: number, to: number): void {
  const r = from / to;
  t.loKey = Math.floor(t.loKey * r);
  t.hiKey = Math.ceil((t.hiKey + 1) * r) - 1;
  t.peakKey = Math.floor((t.peakKey + 0.5) * r);
}
