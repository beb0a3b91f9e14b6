import { GLASS_EVENT_TYPES, type GlassEventType } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { Grade } from './grade.ts';
import { median, ReliabilityBins, wilson } from './stats.ts';

export interface MutingOptions {
  /** No mute before this many graded events with a baseline in the window. */
  readonly minGraded: number;
  /** The mute reads the most recent grades only, so a type that recovers is heard again. */
  readonly window: number;
}

export const DEFAULT_MUTING: MutingOptions = { minGraded: 20, window: 100 };

/** One row of the ledger: an event type, over every coin (coin null) or on one coin. */
export interface LedgerRow {
  readonly type: GlassEventType;
  readonly coin: Coin | null;
  /** Events seen. */
  readonly count: number;
  /** … graded (their horizon ended inside the stream), … */
  readonly graded: number;
  /** … still waiting for their horizon, … */
  readonly pending: number;
  /** … and that cannot be graded (no price for the coin, or a close whose direction was never seen). */
  readonly ungradable: number;
  readonly hits: number;
  readonly hitRate: number | null;
  /** Wilson 95 % interval of the hit rate. */
  readonly wilson: { readonly lo: number; readonly hi: number } | null;
  /** Mean baseline chance of a hit over the graded events that have one. */
  readonly baseline: number | null;
  /** hitRate / baseline. */
  readonly lift: number | null;
  /** Touch events: median event → first touch over the hits. */
  readonly medianLeadMs: number | null;
  /** Zone events: liquidated notional over the zones' notional (reached zones and sweeps). */
  readonly realisedShare: number | null;
  /** Probability events: Brier scores over the graded forecasts (model over those that carry one). */
  readonly brier: {
    readonly n: number;
    readonly nModel: number;
    readonly model: number | null;
    readonly baseline: number | null;
    readonly recalibrated: number | null;
  } | null;
  readonly reliability: {
    readonly model: ReturnType<ReliabilityBins['table']>;
    readonly baseline: ReturnType<ReliabilityBins['table']>;
    readonly recalibrated: ReturnType<ReliabilityBins['table']>;
  } | null;
  /** Directional events: mean return in the event's direction and the coin's drift, per horizon. */
  readonly returns: {
    readonly horizonsMs: readonly number[];
    readonly n: number;
    readonly mean: readonly number[];
    readonly drift: readonly (number | null)[];
  } | null;
  readonly muted: boolean;
  readonly mutedReason: string | null;
}

/** Running figures of one row; the mute reads a window of its latest grades. */
export class Tally {
  readonly type: GlassEventType;
  readonly coin: Coin | null;
  count = 0;
  graded = 0;
  ungradable = 0;
  hits = 0;
  private baselineSum = 0;
  private baselineN = 0;
  private readonly leads: number[] = [];
  private liquidatedUsd = 0;
  private notionalUsd = 0;
  private readonly model = new ReliabilityBins();
  private readonly base = new ReliabilityBins();
  private readonly recal = new ReliabilityBins();
  private returnsN = 0;
  private returnSums: number[] = [];
  private driftSums: number[] = [];
  private driftNs: number[] = [];
  private horizonsMs: readonly number[] = [];
  /** The window: hit (1/0) and baseline of the latest grades that have a baseline. */
  private readonly recentHit: number[] = [];
  private readonly recentBase: number[] = [];
  muted = false;
  reason: string | null = null;

  constructor(type: GlassEventType, coin: Coin | null) {
    this.type = type;
    this.coin = coin;
  }

  /** Adds a grade; true when the mute switched. */
  add(g: Grade, muting: MutingOptions): boolean {
    this.graded++;
    if (g.hit) this.hits++;
    if (g.baseline !== null) {
      this.baselineSum += g.baseline;
      this.baselineN++;
    }
    if (g.kind === 'touch') {
      if (g.leadMs !== null) {
        this.leads.push(g.leadMs);
        this.liquidatedUsd += g.liquidatedUsd;
        this.notionalUsd += g.zoneNotionalUsd;
      }
      const f = g.forecast;
      if (f !== null) {
        this.base.add(f.baselineProbability, g.hit);
        this.recal.add(f.recalibratedProbability, g.hit);
        if (f.modelProbability !== null) this.model.add(f.modelProbability, g.hit);
      }
    } else if (g.kind === 'sweep') {
      this.liquidatedUsd += g.liquidatedUsd;
      this.notionalUsd += g.zoneNotionalUsd;
    } else if (g.kind === 'direction') {
      this.horizonsMs = g.horizonsMs;
      this.returnsN++;
      g.returns.forEach((r, i) => {
        this.returnSums[i] = (this.returnSums[i] ?? 0) + r;
        const d = g.drift[i];
        if (d === null || d === undefined) return;
        this.driftSums[i] = (this.driftSums[i] ?? 0) + d;
        this.driftNs[i] = (this.driftNs[i] ?? 0) + 1;
      });
    }
    if (g.baseline === null) return false;
    this.recentHit.push(g.hit ? 1 : 0);
    this.recentBase.push(g.baseline);
    if (this.recentHit.length > muting.window) {
      this.recentHit.shift();
      this.recentBase.shift();
    }
    return this.decide(muting);
  }

  /**
   * Muted while, over the window, the Wilson upper bound of the hit rate is below the mean
   * baseline: even the optimistic end of what the ledger saw is worse than the naive forecast.
   */
  private decide(muting: MutingOptions): boolean {
    const n = this.recentHit.length;
    let hits = 0;
    let base = 0;
    for (let i = 0; i < n; i++) {
      hits += this.recentHit[i] as number;
      base += this.recentBase[i] as number;
    }
    base /= Math.max(1, n);
    const w = wilson(hits, n);
    const was = this.muted;
    const what = `${hits} hit${hits === 1 ? '' : 's'} in the last ${n} graded (Wilson 95 % ${pct(w?.lo)}–${pct(w?.hi)}), baseline ${pct(base)}`;
    if (n >= muting.minGraded && w !== null && w.hi < base) {
      this.muted = true;
      this.reason = `precision below baseline: ${what}`;
    } else {
      this.muted = false;
      this.reason = was ? `recovered: ${what}` : null;
    }
    return was !== this.muted;
  }

  row(pending: number): LedgerRow {
    const hitRate = this.graded > 0 ? this.hits / this.graded : null;
    const baseline = this.baselineN > 0 ? this.baselineSum / this.baselineN : null;
    const probability = this.base.count > 0;
    return {
      type: this.type,
      coin: this.coin,
      count: this.count,
      graded: this.graded,
      pending,
      ungradable: this.ungradable,
      hits: this.hits,
      hitRate,
      wilson: wilson(this.hits, this.graded),
      baseline,
      lift: hitRate !== null && baseline !== null && baseline > 0 ? hitRate / baseline : null,
      medianLeadMs: median(this.leads),
      realisedShare: this.notionalUsd > 0 ? this.liquidatedUsd / this.notionalUsd : null,
      brier: probability
        ? {
            n: this.base.count,
            nModel: this.model.count,
            model: this.model.brier(),
            baseline: this.base.brier(),
            recalibrated: this.recal.brier(),
          }
        : null,
      reliability: probability ? { model: this.model.table(), baseline: this.base.table(), recalibrated: this.recal.table() } : null,
      returns:
        this.returnsN > 0
          ? {
              horizonsMs: this.horizonsMs,
              n: this.returnsN,
              mean: this.returnSums.map((s) => s / this.returnsN),
              drift: this.driftSums.map((s, i) => ((this.driftNs[i] ?? 0) > 0 ? s / (this.driftNs[i] as number) : null)),
            }
          : null,
      muted: this.muted,
      mutedReason: this.reason,
    };
  }
}

/** A ledger's tallies: one per event type (coin null) and one per type on each coin. */
export class TallyTable {
  private readonly byKey = new Map<string, Tally>();

  /** The type's tally (coin null: across coins) or its tally on the coin, made on first use. */
  of(type: GlassEventType, coin: Coin | null): Tally {
    const key = coin === null ? type : `${type}|${coin}`;
    let t = this.byKey.get(key);
    if (t === undefined) {
      t = new Tally(type, coin);
      this.byKey.set(key, t);
    }
    return t;
  }

  /** The type's tally across coins, when it has one. */
  get(type: GlassEventType): Tally | undefined {
    return this.byKey.get(type);
  }

  /** Why the type (or the type on the coin) is muted (null: it is not). */
  muteReason(type: GlassEventType, coin?: Coin | string): string | null {
    const all = this.byKey.get(type);
    if (all?.muted) return `${type}: ${all.reason}`;
    if (coin === undefined) return null;
    const one = this.byKey.get(`${type}|${coin}`);
    return one?.muted ? `${type} on ${coin}: ${one.reason}` : null;
  }

  /** The tallies per type (coin null) or per type on each coin (`byCoin`), in the events' order, then by coin. */
  ordered(byCoin: boolean): Tally[] {
    const order = new Map(GLASS_EVENT_TYPES.map((t, i) => [t, i]));
    return [...this.byKey.values()]
      .filter((t) => (t.coin !== null) === byCoin)
      .sort((a, b) => (order.get(a.type) ?? 0) - (order.get(b.type) ?? 0) || String(a.coin).localeCompare(String(b.coin)));
  }
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${Number((100 * x).toPrecision(3))} %`;
}
