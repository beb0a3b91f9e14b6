import {
  type CascadeRiskEvent,
  type ConvergenceEvent,
  GLASS_EVENT_TYPES,
  type GlassEvent,
  type GlassEventType,
  type ZoneEvent,
} from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { MinHeap } from '../common/heap.ts';
import { DEFAULT_HEATMAP } from '../heatmap/engine.ts';
import type { LabelledAssessment } from '../probability/assessments.ts';
import type { EvidenceStanding } from '../probability/honest.ts';
import type { CascadeCoefficients } from '../probability/model.ts';
import { DEFAULT_HUNTER } from '../whales/hunter.ts';
import { GradeBook } from './book.ts';
import type { CalibrationOptions } from './calibration.ts';
import type { DirectionGrade, Grade, MoveGrade, MuteChange, SweepGrade, TouchForecast, TouchGrade } from './grade.ts';
import { DEFAULT_MUTING, type LedgerRow, type MutingOptions, Tally, TallyTable } from './tally.ts';
import { CoinTape } from './tape.ts';

export interface LedgerOptions {
  /** Horizon of ZONE_* events: the heatmap's, whose p₀ they carry. */
  readonly zoneHorizonMs: number;
  /** Horizon of WHALE_NEAR_ZONE / SYNDICATE_NEAR_ZONE: the Whale Hunter's. (CASCADE_RISK carries its own.) */
  readonly convergenceHorizonMs: number;
  /** Forward-return horizons of WHALE_* and SYNDICATE_* events; the grade is emitted at the longest. */
  readonly returnHorizonsMs: readonly number[];
  /** Which of them decides the hit. */
  readonly hitHorizon: number;
  /** The coin's unconditional returns are sampled this often (event time): the "random times". */
  readonly baselineEveryMs: number;
  /** A sweep is a hit when at least this share of the zone's notional was really liquidated. */
  readonly sweptHitShare: number;
  readonly muting: MutingOptions;
  readonly calibration: Partial<CalibrationOptions>;
  /**
   * How long (venue time) after a grade is made — when the clock passes its horizon's end — it
   * counts in the verdicts the engines read (recalibration, evidence standing, mutes), and a
   * cascade label in the model's fit. The verdicts change only between raw messages, so a worker
   * that grades some coins can hand its grades to the others in time (docs/ledger.md).
   */
  readonly applyDelayMs: number;
  /** The coins this ledger grades (a coin worker's; null: every coin). The clock runs on every coin. */
  readonly owns: ((coin: string) => boolean) | null;
}

export const RETURN_HORIZONS_MS: readonly number[] = [5 * 60_000, 3600_000, 4 * 3600_000];

export const DEFAULT_LEDGER: LedgerOptions = {
  zoneHorizonMs: DEFAULT_HEATMAP.horizonMs,
  convergenceHorizonMs: DEFAULT_HUNTER.horizonMs,
  returnHorizonsMs: RETURN_HORIZONS_MS,
  hitHorizon: 1,
  baselineEveryMs: 5 * 60_000,
  sweptHitShare: 0.5,
  muting: DEFAULT_MUTING,
  calibration: {},
  applyDelayMs: 60_000,
  owns: null,
};

/**
 * What a coin's outcomes add to the walk-forward state every coin shares, on its way there: a
 * ledger grade (to the verdicts: recalibration, evidence standing, mutes) or a labelled cascade
 * assessment (to the cascade model's refit and threshold). It counts once the clock at a raw
 * message's start is past `applyAt` (the clock when it was made, plus the delay), in the order
 * (applyAt, kind, due, at, coin, cs) — the same in every process, whichever made it. A coin
 * worker makes its coins' and takes the others' (src/bus/nats/ledger-exchange.ts).
 */
export type Settled = SettledGrade | SettledLabel;

interface SettledBase extends Place {
  readonly applyAt: number;
}

export interface SettledGrade extends SettledBase {
  readonly kind: 'grade';
  /** The syndicate class of the event (lead, reaction, unclear), or null. */
  readonly cls: string | null;
  readonly grade: Grade;
}

export interface SettledLabel extends SettledBase {
  readonly kind: 'label';
  readonly label: LabelledAssessment;
}

export interface LedgerHandlers {
  /** Every grade, once, when the stream has passed its horizon's end. */
  readonly grade?: (g: Grade) => void;
  /** A mute switched on or off. */
  readonly mute?: (m: MuteChange) => void;
  /** Every grade and label made here, with its place in the shared order (a coin worker hands these to the others). */
  readonly settled?: (s: Settled) => void;
}

type TouchEvent = ZoneEvent | ConvergenceEvent | CascadeRiskEvent;

/** Where a pending sits in the grading order (due, at, coin, cs): the same in every process. */
export interface Place {
  readonly due: number;
  readonly at: number;
  readonly coin: Coin;
  readonly cs: number;
}

type Pending = Place &
  (
    | {
        readonly kind: 'touch';
        readonly e: TouchEvent;
        readonly horizonMs: number;
        readonly forecast: TouchForecast | null;
      }
    | {
        readonly kind: 'sweep';
        readonly e: ZoneEvent;
        readonly from: number;
        readonly horizonMs: number;
      }
    | { readonly kind: 'direction'; readonly e: GlassEvent; readonly direction: 1 | -1 }
    | { readonly kind: 'move'; readonly e: GlassEvent; readonly expect: 'large' | 'small' }
    | {
        readonly kind: 'sample';
        readonly start: number;
        readonly h: number;
      }
  );

/** A coin's returns at random times, per horizon: count, Σ return, how many up and down. */
interface Drift {
  readonly n: number[];
  readonly sum: number[];
  readonly up: number[];
  readonly down: number[];
  /** The latest MOVE_SAMPLES absolute returns per horizon (the move grades' line). */
  readonly abs: number[][];
}

const MOVE_SAMPLES = 2016;

const PRUNE_EVERY_MS = 10 * 60_000;

/** How long the keys of grades taken from other workers are kept (a second copy within it counts once). */
const RECEIVED_KEPT_MS = 8 * 86_400_000;

/**
 * The accuracy ledger (docs/ledger.md): a pure, event-time reducer over the market stream and
 * every GlassEvent. Each event is graded when the stream passes its horizon's end, on the same
 * stream, reading no market data later than that end — so a grade is final when emitted, and a
 * stream cut anywhere gives the same grades for every event whose horizon ended before the cut.
 *
 * Feed it market events after the engines have seen them (attach it to the pipeline after them)
 * and GlassEvents as they are emitted. The clock is the latest venue time of a mark, trade, fill
 * or liquidation; an event is graded at the first market event past its horizon's end.
 */
export class AccuracyLedger {
  private readonly opts: LedgerOptions;
  private readonly handlers: LedgerHandlers;
  private readonly tapes = new Map<string, CoinTape>();
  private readonly drifts = new Map<string, Drift>();
  private readonly nextSample = new Map<string, number>();
  private readonly heap = new MinHeap<Pending>(before);
  /** Per coin: how many pendings it has queued (a pending's `cs`). */
  private readonly queued = new Map<string, number>();
  /** Grades on their way to the verdicts, this ledger's and (a coin worker's) the other workers'. */
  private readonly applying = new MinHeap<Settled>(applyBefore);
  /** Per coin: labels made so far (a label's `cs`). */
  private readonly labelled = new Map<string, number>();
  /** Who takes labels as they count: the cascade monitor's walk-forward fit. */
  private readonly labelTakers: ((l: LabelledAssessment) => void)[] = [];
  /** Grades and labels taken from elsewhere (key → applyAt; RECEIVED_KEPT_MS of them): one handed over twice counts once. */
  private readonly received = new Map<string, number>();
  private nextForget = Number.NEGATIVE_INFINITY;
  /** What the engines read: the grades that have reached the verdicts, in the verdicts' order. */
  private readonly verdict: GradeBook;
  /** Whether the stream marks its messages (onMessage); else each market event is a message. */
  private marked = false;
  /** The clock when the verdicts last took grades: one handed over later than that came too late. */
  private appliedTo = Number.NEGATIVE_INFINITY;
  /** Grades handed over after the verdicts had passed their place (an exchange that broke its barrier). */
  late = 0;
  private readonly tallies = new TallyTable();
  /** Zone id → when its ZONE_FORMED was seen: where a sweep's liquidations start counting. */
  private readonly formed = new Map<string, number>();
  /** wallet:coin → the signed size after the whale's last event, and the direction and time of its trade. */
  private readonly whales = new Map<string, { szi: number; time: number; direction: 1 | -1 | null }>();
  /** evidenceStanding's answers since the verdicts last took a grade. */
  private readonly standings = new Map<GlassEventType, EvidenceStanding>();
  /** Each coin's volatility regime: the latest volatility REGIME_SHIFT's `to`. */
  private readonly regimes = new Map<Coin, 'calm' | 'volatile'>();
  /** Event id → the coin's regime when it was seen, until it is graded. */
  private readonly regimeAt = new Map<string, 'calm' | 'volatile' | 'unknown'>();
  /** Tallies per type and regime (`type|regime`). */
  private readonly regimeTallies = new Map<string, Tally>();
  /** Syndicate events per type and class (`type|lead`, `type|reaction`, `type|unclear`): leads and reactions graded apart. */
  private readonly classTallies = new Map<string, Tally>();
  private maxHorizonMs: number;
  private nextPrune = Number.NEGATIVE_INFINITY;
  /** The stream's time: the latest market time seen. */
  clock = Number.NEGATIVE_INFINITY;
  firstTime = Number.NaN;

  constructor(handlers: LedgerHandlers = {}, opts: Partial<LedgerOptions> = {}) {
    this.handlers = handlers;
    this.opts = { ...DEFAULT_LEDGER, ...opts };
    this.verdict = new GradeBook({ muting: this.opts.muting, calibration: this.opts.calibration });
    this.maxHorizonMs = Math.max(this.opts.zoneHorizonMs, this.opts.convergenceHorizonMs, ...this.opts.returnHorizonsMs);
  }

  // ---- input ---------------------------------------------------------------------------------

  /** A raw message starts: grades due reach the verdicts, which then hold still for the whole message. */
  onMessage(): void {
    this.marked = true;
    this.applyDue();
  }

  onMarket(e: MarketEvent): void {
    if (!this.marked) this.applyDue();
    const owns = this.opts.owns;
    if (owns !== null && 'coin' in e && typeof e.coin === 'string' && !owns(e.coin)) {
      // Another worker grades this coin: its market events only move the clock.
      if (e.type === 'mark' || e.type === 'trade' || e.type === 'fill' || e.type === 'liquidation') this.advance(e.time);
      return;
    }
    switch (e.type) {
      case 'mark': {
        this.advance(e.time);
        const tape = this.tape(e.coin);
        tape.marked = true;
        this.price(e.coin, tape, e.time, e.px);
        return;
      }
      case 'trade':
      case 'fill': {
        this.advance(e.time);
        // Marks trigger liquidations; trades and fills are the path only of a coin with no marks.
        const tape = this.tape(e.coin);
        if (!tape.marked) this.price(e.coin, tape, e.time, e.px);
        return;
      }
      case 'liquidation':
        this.advance(e.time);
        this.tape(e.coin).addLiquidation(e.time, e.markPx > 0 ? e.markPx : e.px, e.sz * e.px, e.positionSide === 'long');
        return;
      default:
        return;
    }
  }

  onGlass(e: GlassEvent): void {
    this.tallies.of(e.type, null).count++;
    this.tallies.of(e.type, e.coin).count++;
    if (e.type === 'REGIME_SHIFT' && e.kind === 'volatility') this.regimes.set(e.coin, e.to === 'volatile' ? 'volatile' : 'calm');
    const regime = this.regimes.get(e.coin) ?? 'unknown';
    this.regimeAt.set(e.id, regime);
    this.regimeTally(e.type, regime).count++;
    const cls = syndicateClass(e);
    if (cls !== null) this.classTally(e.type, cls).count++;
    if (!(this.firstTime === this.firstTime)) this.firstTime = e.time;
    switch (e.type) {
      case 'ZONE_FORMED':
        this.formed.set(zoneIdOf(e), e.time);
        this.touch(e, this.opts.zoneHorizonMs, e.probability, null);
        return;
      case 'ZONE_APPROACHED':
        this.touch(e, this.opts.zoneHorizonMs, e.probability, null);
        return;
      case 'ZONE_SWEPT': {
        const id = zoneIdOf(e);
        const h = this.opts.zoneHorizonMs;
        const from = Math.max(e.time - h, this.formed.get(id) ?? Number.NEGATIVE_INFINITY);
        this.formed.delete(id);
        this.heap.push({ kind: 'sweep', ...this.place(e.time + h, e.coin), e, from, horizonMs: h });
        return;
      }
      case 'WHALE_NEAR_ZONE':
      case 'SYNDICATE_NEAR_ZONE':
        this.touch(e, this.opts.convergenceHorizonMs, e.baselineProbability ?? e.probability, e.model?.probability ?? null);
        return;
      case 'CASCADE_RISK':
        this.touch(e, e.horizonMs, e.baselineProbability, e.modelProbability ?? e.probability);
        return;
      case 'SYNDICATE_DETECTED':
      case 'SYNDICATE_UPDATED':
        this.direction(e, e.direction === 'long' ? 1 : -1);
        return;
      case 'LARGE_LIQUIDATION':
        // The forced order's way: a long's liquidation sells.
        this.direction(e, e.positionSide === 'long' ? -1 : 1);
        return;
      case 'FUNDING_EXTREME':
        // Contrarian: the crowded side pays; did price move against it?
        this.direction(e, e.crowded === 'long' ? -1 : 1);
        return;
      case 'CVD_DIVERGENCE_EXTREME':
        // Price follows the flow it diverged from.
        this.direction(e, e.direction === 'long' ? 1 : -1);
        return;
      case 'REGIME_SHIFT':
        this.move(e, e.to === 'volatile' || e.to === 'trending' ? 'large' : 'small');
        return;
      case 'LEVERAGE_SPIKE':
      case 'CORRELATION_BREAK':
        this.move(e, 'large');
        return;
      case 'LIQUIDATION_CLUSTER_ARMED':
      case 'MM_HUNTING_GROUND_ARMED':
        // Price goes on to the zone: down to a LONG_LIQ zone, up to a SHORT_LIQ one.
        this.direction(e, e.zone.side === 'LONG_LIQ' ? -1 : 1);
        return;
      case 'WHALE_LIQUIDATED': {
        // The forced exit's direction is that of the position event the hunter emitted just before it.
        const w = this.whales.get(`${e.wallet}:${e.coin}`);
        this.direction(e, w !== undefined && w.time === e.time ? w.direction : null);
        return;
      }
      default: {
        const key = `${e.wallet}:${e.coin}`;
        const before = this.whales.get(key)?.szi;
        const direction = tradeDirection(e.type, before, e.szi);
        this.whales.set(key, { szi: e.szi, time: e.time, direction });
        this.direction(e, direction);
      }
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  /** Whether alerts of this type (on this coin) are muted: the type's ledger precision, or the type's on the coin, is below its baseline. */
  isMuted(type: GlassEventType, coin?: Coin | string): boolean {
    return this.muteReason(type, coin) !== null;
  }

  /** Why the type is muted (null: it is not). */
  muteReason(type: GlassEventType, coin?: Coin | string): string | null {
    return this.verdict.muteReason(type, coin);
  }

  /**
   * Whether the cascade model's evidence has earned its place for this type: over at least the
   * muting minimum of graded forecasts that carry a model figure, its Brier score is below the
   * recalibrated baseline's on the same grades so far. null: too few to say. While it is not
   * true, the honest figure is the recalibrated baseline, with no lift claimed.
   */
  evidenceHelps(type: GlassEventType): boolean | null {
    return this.evidenceStanding(type).helps;
  }

  /** `evidenceHelps` with the figures behind it (read once per grade: the engines ask often). */
  evidenceStanding(type: GlassEventType): EvidenceStanding {
    const cached = this.standings.get(type);
    if (cached !== undefined) return cached;
    const s = this.verdict.evidenceStanding(type);
    this.standings.set(type, s);
    return s;
  }

  /** p₀ recalibrated walk-forward on the grades so far (for the engines' honest probabilities). */
  recalibrate(p0: number): number {
    return this.verdict.recalibrate(p0);
  }

  get recalibration(): { readonly coefficients: CascadeCoefficients; readonly fittedOn: number } {
    return this.verdict.recalibration;
  }

  /** Events waiting for their horizon. */
  get pending(): number {
    let n = 0;
    for (const p of this.heap.values()) if (p.kind !== 'sample') n++;
    return n;
  }

  /** Grades made but not yet in the verdicts (their delay not over). */
  get applyPending(): number {
    return this.applying.size;
  }

  /**
   * A grade made by another worker (its `settled` handler's), to count in the verdicts at its
   * place. It must come before the verdicts pass that place: a coin worker waits, before each raw
   * message, until every other worker's clock has reached this one's less the delay (what
   * guarantees it); one that comes later is counted in `late` and taken at the next message.
   */
  receive(s: Settled): void {
    // (kind, coin, cs) names it: an event id can repeat (two entries of one whale into one zone in a millisecond).
    const key = `${s.kind}:${s.coin}:${s.cs}`;
    if (this.received.has(key)) return;
    this.received.set(key, s.applyAt);
    if (s.applyAt < this.appliedTo) this.late++;
    this.applying.push(s);
  }

  /**
   * A cascade assessment of one of this ledger's coins labelled (the monitor's AssessmentTape): it
   * reaches the walk-forward fit (`takeLabels`) through the shared order, as grades reach the verdicts.
   */
  label(l: LabelledAssessment, due: number): void {
    const cs = (this.labelled.get(l.coin) ?? 0) + 1;
    this.labelled.set(l.coin, cs);
    const s: SettledLabel = { kind: 'label', applyAt: this.clock + this.opts.applyDelayMs, due, at: l.time, coin: l.coin, cs, label: l };
    this.applying.push(s);
    this.handlers.settled?.(s);
  }

  /** Labels as they count, in the shared order (the cascade monitor's walk-forward fit). */
  takeLabels(take: (l: LabelledAssessment) => void): void {
    this.labelTakers.push(take);
  }

  /** Moves due grades into the verdicts: those whose applyAt the clock has passed. */
  private applyDue(): void {
    const now = this.clock;
    this.appliedTo = now;
    if (now >= this.nextForget && this.received.size > 0) {
      // A grade is handed over again only by a replacement worker republishing past its
      // predecessor's last message: keys are kept longer than the exchange keeps messages (7 days by default).
      this.nextForget = now + 3600_000;
      for (const [id, at] of this.received) if (at < now - RECEIVED_KEPT_MS) this.received.delete(id);
    }
    for (let s = this.applying.peek(); s !== undefined && s.applyAt < now; s = this.applying.peek()) {
      this.applying.pop();
      if (s.kind === 'label') {
        for (const take of this.labelTakers) take(s.label);
        continue;
      }
      this.verdict.add(s.grade);
      this.standings.clear();
    }
  }

  /**
   * Syndicate rows per class of episode: leads (entries into a quiet tape) and reactions (entries
   * after a move of several σ) graded apart, so one cannot lend the other its hit rate.
   */
  rowsByClass(): { readonly class: string; readonly row: LedgerRow }[] {
    const order = new Map(GLASS_EVENT_TYPES.map((t, i) => [t, i]));
    return [...this.classTallies.entries()]
      .map(([key, t]) => ({ cls: key.slice(key.indexOf('|') + 1), t }))
      .sort((a, b) => (order.get(a.t.type) ?? 0) - (order.get(b.t.type) ?? 0) || a.cls.localeCompare(b.cls))
      .map(({ cls, t }) => ({ class: cls, row: t.row(t.count - t.graded - t.ungradable) }));
  }

  /**
   * Every type's row split by the coin's volatility regime when the event was seen (the latest
   * volatility REGIME_SHIFT on it; 'unknown' before the first), in the events' order.
   */
  rowsByRegime(): { readonly regime: string; readonly row: LedgerRow }[] {
    const order = new Map(GLASS_EVENT_TYPES.map((t, i) => [t, i]));
    return [...this.regimeTallies.entries()]
      .map(([key, t]) => ({ regime: key.slice(key.indexOf('|') + 1), t }))
      .sort((a, b) => (order.get(a.t.type) ?? 0) - (order.get(b.t.type) ?? 0) || a.regime.localeCompare(b.regime))
      .map(({ regime, t }) => ({ regime, row: t.row(t.count - t.graded - t.ungradable) }));
  }

  /** The table: one row per event type seen (coin null), or per type on each coin (`byCoin`), in the events' order. */
  rows(byCoin = false): LedgerRow[] {
    return this.tallies.ordered(byCoin).map((t) => t.row(t.count - t.graded - t.ungradable));
  }

  // ---- internals -----------------------------------------------------------------------------

  /** A pending's place: due when, queued at which clock, its coin's count of pendings so far. */
  private place(due: number, coin: Coin): Place {
    const cs = (this.queued.get(coin) ?? 0) + 1;
    this.queued.set(coin, cs);
    return { due, at: this.clock, coin, cs };
  }

  private tape(coin: Coin): CoinTape {
    let t = this.tapes.get(coin);
    if (t === undefined) {
      t = new CoinTape();
      this.tapes.set(coin, t);
    }
    return t;
  }

  /** A price point; every `baselineEveryMs` of a coin's time it also starts a random-time sample. */
  private price(coin: Coin, tape: CoinTape, time: number, px: number): void {
    tape.addPrice(time, px);
    if (!(px > 0)) return;
    const next = this.nextSample.get(coin);
    if (next !== undefined && time < next) return;
    const every = this.opts.baselineEveryMs;
    this.nextSample.set(coin, (Math.floor(time / every) + 1) * every);
    this.opts.returnHorizonsMs.forEach((h, i) => {
      this.heap.push({ kind: 'sample', ...this.place(time + h, coin), start: time, h: i });
    });
  }

  private touch(e: TouchEvent, horizonMs: number, p0: number | null, model: number | null): void {
    // Pruning keeps two of the longest horizons: a CASCADE_RISK may bring a longer one.
    if (horizonMs > this.maxHorizonMs) this.maxHorizonMs = horizonMs;
    const forecast: TouchForecast | null =
      p0 === null
        ? null
        : {
            modelProbability: model,
            baselineProbability: p0,
            recalibratedProbability: this.verdict.recalibrate(p0),
            recalibratedFrom: this.verdict.recalibration.fittedOn,
          };
    this.heap.push({ kind: 'touch', ...this.place(e.time + horizonMs, e.coin), e, horizonMs, forecast });
  }

  private direction(e: GlassEvent, direction: 1 | -1 | null): void {
    if (direction === null) {
      this.ungradable(e);
      return;
    }
    const longest = Math.max(...this.opts.returnHorizonsMs);
    this.heap.push({ kind: 'direction', ...this.place(e.time + longest, e.coin), e, direction });
  }

  private ungradable(e: { id: string; type: GlassEventType; coin: Coin }): void {
    this.tallies.of(e.type, null).ungradable++;
    this.tallies.of(e.type, e.coin).ungradable++;
    this.regimeTally(e.type, this.regimeAt.get(e.id) ?? 'unknown').ungradable++;
    const cls = syndicateClass(e);
    if (cls !== null) this.classTally(e.type, cls).ungradable++;
    this.regimeAt.delete(e.id);
  }

  private classTally(type: GlassEventType, cls: string): Tally {
    const key = `${type}|${cls}`;
    let t = this.classTallies.get(key);
    if (t === undefined) {
      t = new Tally(type, null);
      this.classTallies.set(key, t);
    }
    return t;
  }

  private regimeTally(type: GlassEventType, regime: string): Tally {
    const key = `${type}|${regime}`;
    let t = this.regimeTallies.get(key);
    if (t === undefined) {
      t = new Tally(type, null);
      this.regimeTallies.set(key, t);
    }
    return t;
  }

  /** Move grades (LEVERAGE_SPIKE, CORRELATION_BREAK, REGIME_SHIFT): graded at the hit horizon. */
  private move(e: GlassEvent, expect: 'large' | 'small'): void {
    const h = this.opts.returnHorizonsMs[this.opts.hitHorizon] as number;
    this.heap.push({ kind: 'move', ...this.place(e.time + h, e.coin), e, expect });
  }

  /** The clock moves to `time`; everything whose horizon it has passed is graded, in horizon order. */
  private advance(time: number): void {
    if (!(time > this.clock)) return;
    this.clock = time;
    for (let p = this.heap.peek(); p !== undefined && p.due < time; p = this.heap.peek()) {
      this.heap.pop();
      this.settle(p);
    }
    if (time >= this.nextPrune) {
      this.nextPrune = time + PRUNE_EVERY_MS;
      // A pending grade reads from its event's time (a sweep from a horizon before it) on.
      const keep = time - 2 * this.maxHorizonMs;
      for (const t of this.tapes.values()) t.prune(keep);
      for (const [id, at] of this.formed) if (at < time - 7 * 86_400_000) this.formed.delete(id);
    }
  }

  private settle(p: Pending): void {
    if (p.kind === 'sample') {
      this.sample(p.coin, p.start, p.h);
      return;
    }
    const g = this.grade(p);
    if (g === null) {
      this.ungradable(p.e);
      return;
    }
    const regime = this.regimeAt.get(p.e.id) ?? 'unknown';
    this.regimeAt.delete(p.e.id);
    const graded: Grade = { ...g, regime };
    this.record(graded, this.tallies.of(g.type, null));
    this.record(graded, this.tallies.of(g.type, g.coin));
    this.regimeTally(g.type, regime).add(graded, this.opts.muting);
    const cls = syndicateClass(p.e);
    if (cls !== null) this.classTally(g.type, cls).add(graded, this.opts.muting);
    this.handlers.grade?.(graded);
    const settled: SettledGrade = {
      kind: 'grade',
      // Made now, as the clock passed its horizon's end: every process reaches this clock at the same place.
      applyAt: this.clock + this.opts.applyDelayMs,
      due: p.due,
      at: p.at,
      coin: p.coin,
      cs: p.cs,
      cls,
      grade: graded,
    };
    this.applying.push(settled);
    this.handlers.settled?.(settled);
  }

  private record(g: Grade, t: Tally): void {
    if (t.add(g, this.opts.muting)) {
      this.handlers.mute?.({ type: t.type, coin: t.coin, muted: t.muted, reason: t.reason ?? '', time: g.horizonEnd });
    }
  }

  private grade(p: Exclude<Pending, { kind: 'sample' }>): Grade | null {
    const e = p.e;
    const tape = this.tapes.get(e.coin);
    if (tape === undefined) return null;
    const base = { id: e.id, type: e.type, coin: e.coin, time: e.time, horizonEnd: p.due };
    if (p.kind === 'move') return this.moveGrade(p, tape, base);
    if (p.kind === 'direction') {
      const startPx = tape.asOf(e.time);
      if (startPx === null) return null;
      const d = p.direction;
      const horizonsMs = this.opts.returnHorizonsMs;
      const returns = horizonsMs.map((h) => d * ((tape.asOf(e.time + h) ?? startPx) / startPx - 1));
      const drift = this.drifts.get(e.coin);
      const k = this.opts.hitHorizon;
      const n = drift?.n[k] ?? 0;
      const g: DirectionGrade = {
        ...base,
        kind: 'direction',
        hit: (returns[k] ?? 0) > 0,
        baseline: drift === undefined || n === 0 ? null : ((d > 0 ? drift.up[k] : drift.down[k]) as number) / n,
        direction: d,
        startPx,
        horizonsMs,
        returns,
        drift: horizonsMs.map((_, i) =>
          drift === undefined || drift.n[i] === 0 ? null : (d * (drift.sum[i] as number)) / (drift.n[i] as number),
        ),
      };
      return g;
    }
    const zone = p.e.zone;
    const end = p.due;
    // Nothing known of the coin's price by the horizon's end: no grade.
    if (tape.asOf(end) === null) return null;
    const long = zone.side === 'LONG_LIQ';
    if (p.kind === 'sweep') {
      const liquidatedUsd = tape.liquidated(p.from, end, zone.lo, zone.hi, long);
      const share = zone.notionalUsd > 0 ? liquidatedUsd / zone.notionalUsd : 0;
      const g: SweepGrade = {
        ...base,
        kind: 'sweep',
        hit: zone.notionalUsd > 0 && share >= this.opts.sweptHitShare,
        baseline: null,
        side: zone.side,
        horizonMs: p.horizonMs,
        zoneNotionalUsd: zone.notionalUsd,
        liquidatedUsd,
        realisedShare: share,
      };
      return g;
    }
    const touched = tape.firstTouch(e.time, end, zone.peakPx, long);
    const g: TouchGrade = {
      ...base,
      kind: 'touch',
      hit: touched !== null,
      baseline: p.forecast?.baselineProbability ?? null,
      side: zone.side,
      level: zone.peakPx,
      horizonMs: p.horizonMs,
      leadMs: touched === null ? null : touched - e.time,
      zoneNotionalUsd: zone.notionalUsd,
      liquidatedUsd: tape.liquidated(e.time, end, zone.lo, zone.hi, long),
      forecast: p.forecast,
    };
    return g;
  }

  private moveGrade(
    p: Extract<Pending, { kind: 'move' }>,
    tape: CoinTape,
    base: { id: string; type: GlassEventType; coin: Coin; time: number; horizonEnd: number },
  ): MoveGrade | null {
    const e = p.e;
    const k = this.opts.hitHorizon;
    const horizonMs = this.opts.returnHorizonsMs[k] as number;
    const startPx = tape.asOf(e.time);
    const endPx = tape.asOf(e.time + horizonMs);
    const samples = this.drifts.get(e.coin)?.abs[k] ?? [];
    // No random-time returns of the coin yet: nothing to call a move large against.
    if (startPx === null || endPx === null || samples.length === 0) return null;
    const sorted = samples.toSorted((a, b) => a - b);
    const line = sorted[sorted.length >> 1] as number;
    let above = 0;
    for (const x of sorted) if (x > line) above++;
    const absReturn = Math.abs(endPx / startPx - 1);
    const large = p.expect === 'large';
    return {
      ...base,
      kind: 'move',
      hit: large ? absReturn > line : absReturn <= line,
      baseline: (large ? above : sorted.length - above) / sorted.length,
      expect: p.expect,
      startPx,
      horizonMs,
      absReturn,
      line,
    };
  }

  /** A random-time sample's return over one horizon joins its coin's drift. */
  private sample(coin: Coin, start: number, h: number): void {
    const tape = this.tapes.get(coin);
    const p0 = tape?.asOf(start) ?? null;
    const p1 = tape?.asOf(start + (this.opts.returnHorizonsMs[h] as number)) ?? null;
    if (p0 === null || p1 === null) return;
    let d = this.drifts.get(coin);
    if (d === undefined) {
      const zeros = () => this.opts.returnHorizonsMs.map(() => 0);
      d = { n: zeros(), sum: zeros(), up: zeros(), down: zeros(), abs: this.opts.returnHorizonsMs.map(() => []) };
      this.drifts.set(coin, d);
    }
    const r = p1 / p0 - 1;
    d.n[h] = (d.n[h] as number) + 1;
    d.sum[h] = (d.sum[h] as number) + r;
    if (r > 0) d.up[h] = (d.up[h] as number) + 1;
    else if (r < 0) d.down[h] = (d.down[h] as number) + 1;
    const abs = d.abs[h] as number[];
    abs.push(Math.abs(r));
    if (abs.length > MOVE_SAMPLES) abs.shift();
  }
}

/** The grading order: by horizon end, then when queued, then coin, then the coin's own order — the same in every process. */
function before(a: Place, b: Place): boolean {
  return a.due < b.due || (a.due === b.due && (a.at < b.at || (a.at === b.at && (a.coin < b.coin || (a.coin === b.coin && a.cs < b.cs)))));
}

/** The verdicts' order: when a grade counts, then the grading order. */
function applyBefore(a: Settled, b: Settled): boolean {
  return a.applyAt < b.applyAt || (a.applyAt === b.applyAt && (a.kind < b.kind || (a.kind === b.kind && before(a, b))));
}

/** The heatmap's zone id inside a zone event's id (`${type}:${zoneId}:${time}`). */
function zoneIdOf(e: ZoneEvent): string {
  const tail = `:${e.time}`;
  const head = `${e.type}:`;
  return e.id.startsWith(head) && e.id.endsWith(tail) ? e.id.slice(head.length, e.id.length - tail.length) : e.id;
}

/**
 * The direction of the whale's trade (+1 bought, −1 sold): from the size before when the ledger
 * saw it, else from the change's kind; a close of a position never seen has none.
 */
export function tradeDirection(type: GlassEventType, before: number | undefined, after: number): 1 | -1 | null {
  if (before !== undefined && after !== before) return after > before ? 1 : -1;
  switch (type) {
    case 'WHALE_POSITION_OPENED':
    case 'WHALE_POSITION_INCREASED':
    case 'WHALE_POSITION_FLIPPED':
      return after > 0 ? 1 : after < 0 ? -1 : null;
    case 'WHALE_POSITION_REDUCED':
      return after > 0 ? -1 : after < 0 ? 1 : null;
    default:
      return null;
  }
}

/** A syndicate event's class (null: not a syndicate event, or one recorded before classes). */
function syndicateClass(e: { readonly type: GlassEventType }): string | null {
  if (e.type !== 'SYNDICATE_DETECTED' && e.type !== 'SYNDICATE_UPDATED') return null;
  return (e as { readonly class?: string }).class ?? null;
}
