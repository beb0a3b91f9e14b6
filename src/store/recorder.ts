import type { GlassEvent } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import type { HeatmapEngine, PositionLiquidation } from '../engine/heatmap/engine.ts';
import type { Grade } from '../engine/ledger/grade.ts';
import type { ScoreEngine } from '../engine/score/engine.ts';
import { COMPONENTS } from '../engine/score/universe.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { type PackedView, packColumns, packedJson } from './map-encoder.ts';
import { ScoreRows } from './score-rows.ts';
import type { EventRecord, GradeRecord, HeatmapSnapshotRecord, PositionSnapshotRecord, ScoreRecord } from './types.ts';

export interface RecorderOptions {
  /** A coin's map is snapshotted when its newest snapshot is this old (venue time, at a mark). */
  readonly heatmapEveryMs: number;
  /** Changed wallet scores are recorded when venue time crosses each multiple of this. */
  readonly scoreEveryMs: number;
  /**
   * A tracked position whose liquidation price, estimated flag or leverage moved (an account
   * snapshot, a fill elsewhere in a cross account) is recorded again at most once per this much
   * venue time, unless it closes or its liquidation price crosses a zone's edge (then at once).
   */
  readonly positionEveryMs: number;
  /**
   * Score ticks read the engines as if the input ended there (true: settled, what `glass score`
   * gives on the input cut there), or with the universe rebuilt only (false). A merge of wallet
   * partitions holds no bets to settle: its ticks are the latter whatever this says, so a single
   * process compared with one (test/bus/wallet-partitions.test.ts) records with false.
   */
  readonly settleScores: boolean;
  /** The id the next event gets (a resumed run continues the log). */
  readonly firstEventId: number;
  /** Wall clock for `detectedAt` (the only non-deterministic field). */
  readonly clock: () => number;
  /** A map whose buckets moved little since the coin's last whole map is kept as the change (map-delta.ts). */
  readonly mapDeltas: boolean;
  /** Told each event record as it is made, before its batch commits (a serving process streams it from here). */
  readonly onRecord?: (r: EventRecord, e: GlassEvent) => void;
}

export const DEFAULT_RECORDER: RecorderOptions = {
  heatmapEveryMs: 5 * 60_000,
  scoreEveryMs: 5 * 60_000,
  settleScores: true,
  positionEveryMs: 5 * 60_000,
  firstEventId: 1,
  clock: Date.now,
  mapDeltas: true,
};

/** What one stretch of input produced, ready for a WriteBatch. */
export interface Recorded {
  readonly events: EventRecord[];
  readonly heatmaps: HeatmapSnapshotRecord[];
  readonly positions: PositionSnapshotRecord[];
  readonly scores: ScoreRecord[];
  readonly grades: GradeRecord[];
}

const ZONE_TYPES = new Set(['ZONE_FORMED', 'ZONE_APPROACHED', 'ZONE_SWEPT']);

/**
 * Turns the engines' output into store records, line by line: every GlassEvent with the next id
 * (1, 2, 3 … in emit order) and the causing message's receive time; a coin's map (the
 * `glass heatmap --json` document) after each zone event and whenever its newest snapshot is
 * `heatmapEveryMs` old at a mark, so no stored map is older than that while the coin trades
 * (most of them kept as their change since the coin's last whole map: map-delta.ts); tracked wallets' positions (those the Whale Hunter reports on) when they change, and again when
 * their liquidation price, estimated flag or leverage moves later (bounded: see positionEveryMs);
 * on a cadence (a score tick), every wallet whose score, as the engines would answer were the
 * input to end there, differs from its last record; at the end of input, the same.
 *
 * Everything it does is a function of the input lines, so a replay that discards its output up
 * to a stored cursor rebuilds exactly the state an uninterrupted run had there. It reads the
 * engines only between lines (`endLine`), never inside an emit. A snapshot's `time` is the newest
 * venue time the engines had seen when it was taken: a point-in-time read never gets a map that
 * already holds later fills.
 */
export class Recorder {
  private readonly heat: HeatmapEngine;
  private readonly score: ScoreEngine;
  private readonly opts: RecorderOptions;
  private nextId: number;
  private lineTs = 0;
  /** Newest venue time seen (marks, fills): the clock of snapshots. */
  private now = Number.NEGATIVE_INFINITY;
  private out: Recorded = empty();
  private readonly zoneCoins = new Set<string>();
  private readonly dueCoins = new Set<string>();
  private readonly nextMap = new Map<string, number>();
  /** Coins with a map snapshot so far; `forgotten`: those whose next map is stored whole (forgetMapBases). */
  private readonly mapCoins = new Set<string>();
  private readonly forgotten = new Set<string>();
  /** `${wallet}:${coin}` → the tracked change to snapshot at the end of the line. */
  private readonly dirty = new Map<string, { wallet: Wallet; coin: Coin; time: number; notionalUsd: number }>();
  private readonly lastPosition = new Map<string, string>();
  /** `${wallet}:${coin}` → venue time and liquidation price of its last record (tracked positions). */
  private readonly lastPositionAt = new Map<string, { time: number; liq: number | null }>();
  /** Wallet id → coins of its tracked positions (recorded open at least once). */
  private readonly tracked = new Map<number, Set<string>>();
  /** Tracked wallets whose account moved on this line (a fill, a snapshot): their positions are re-read. */
  private readonly moved = new Set<number>();
  /** Tracked positions whose change waits for its cadence: key → wallet id. */
  private readonly deferred = new Map<string, number>();
  /** Each coin's zones (lo, hi) in its newest map snapshot: a liquidation price crossing one is recorded at once. */
  private readonly zonesOf = new Map<string, readonly (readonly [number, number])[]>();
  /** Wallet id → the score last recorded (NaN: none). */
  private recordedScore = new Float64Array(0);
  private readonly pipeline: Pipeline;
  /** Wallet id → what its last record said besides the score (recordedScore): a record saying the same is not made again. */
  private lastTrades = new Float64Array(0);
  private lastConfidence = new Float64Array(0);
  /** Wallet id × COMPONENTS.length → the components last recorded. */
  private lastComponents = new Float64Array(0);
  /** What `peekInto` fills. */
  private readonly peeked = new Float64Array(3 + COMPONENTS.length);
  /** Where the score records' numbers go. */
  private readonly scoreRows = new ScoreRows();
  private nextScore = Number.NaN;
  /** The score engine's settledVersion at the last score tick (NaN: none yet): an equal one now means a tick would record nothing. */
  private sweptVersion = Number.NaN;
  /** The receive time of the next score tick (NaN: no line yet): ticks at multiples of scoreEveryMs. */
  private scoreBoundary = Number.NaN;

  constructor(pipeline: Pipeline, engines: { heat: HeatmapEngine; score: ScoreEngine }, opts: Partial<RecorderOptions> = {}) {
    this.heat = engines.heat;
    this.score = engines.score;
    this.opts = { ...DEFAULT_RECORDER, ...opts };
    this.nextId = this.opts.firstEventId;
    this.pipeline = pipeline;
    pipeline.market.subscribe((e) => {
      // New margin tables re-price every account.
      if (e.type === 'meta') for (const w of this.tracked.keys()) this.moved.add(w);
      if (e.type !== 'mark') return;
      if (e.time > this.now) this.now = e.time;
      const due = this.nextMap.get(e.coin);
      if (due === undefined || e.time >= due) this.dueCoins.add(e.coin);
    });
    pipeline.changes.subscribe((c) => {
      if (c.time > this.now) this.now = c.time;
      if (this.tracked.has(c.walletId)) this.moved.add(c.walletId);
    });
    pipeline.accounts.subscribe((a) => {
      if (this.tracked.has(a.walletId)) this.moved.add(a.walletId);
    });
  }

  /** The id the next event will get; every event before it is in `take()`'s output or committed. */
  get nextEventId(): number {
    return this.nextId;
  }

  /** The engines' emit hook (attachEngines' `onEvent`). */
  readonly onEvent = (e: GlassEvent): void => {
    // Encoded now: the batch is written later (a commit or two on), and what an engine does to
    // its own objects meanwhile must not leak into the log; the text is what the store writes.
    const r = new LazyEvent(this.nextId++, e, this.lineTs, this.opts.clock(), JSON.stringify(e));
    this.out.events.push(r);
    this.opts.onRecord?.(r, e);
    if (ZONE_TYPES.has(e.type)) this.zoneCoins.add(e.coin);
    else if (e.type.startsWith('WHALE_POSITION_') || e.type === 'WHALE_LIQUIDATED') {
      const w = e as Extract<GlassEvent, { wallet: Wallet }>;
      this.dirty.set(`${w.wallet}:${w.coin}`, { wallet: w.wallet, coin: w.coin, time: w.time, notionalUsd: w.notionalUsd });
    }
  };

  /** The accuracy ledger's grade hook (its `grade` handler): each grade, once, encoded now like an event. */
  readonly onGrade = (g: Grade): void => {
    this.out.grades.push({ grade: g, json: JSON.stringify(g) });
  };

  /** Before a line goes into the pipeline: its receive time stamps what it causes. */
  beginLine(ts: number): void {
    // A score tick at each multiple M of scoreEveryMs of receive time, taken before the first line
    // received after M: it holds exactly the lines with ts ≤ M, as a recording cut at M does, and
    // is stamped M (docs/score.md, "The score at a time").
    const every = this.opts.scoreEveryMs;
    if (this.scoreBoundary !== this.scoreBoundary) this.scoreBoundary = Math.ceil(ts / every) * every;
    else if (ts > this.scoreBoundary) {
      const at = Math.ceil(ts / every) * every - every;
      this.snapshotScores(at);
      this.scoreBoundary = at + every;
    }
    this.lineTs = ts;
  }

  /** After the line: the snapshots it made due. */
  endLine(): void {
    if (this.zoneCoins.size > 0 || this.dueCoins.size > 0) {
      // A map read may itself re-derive zones and emit (into this line's events); one map per coin per line.
      const coins = [...new Set([...this.zoneCoins, ...this.dueCoins])];
      const zone = new Set(this.zoneCoins);
      this.zoneCoins.clear();
      this.dueCoins.clear();
      for (const c of coins) this.snapshotMap(c, zone.has(c) ? 'zone-event' : 'cadence');
      this.zoneCoins.clear();
    }
    if (this.dirty.size > 0) this.snapshotPositions();
    if (this.moved.size > 0) this.rereadPositions();
    // Deferred position changes are flushed on the score cadence of venue time (nextScore starts NaN: at the first line with one).
    if (this.now > Number.NEGATIVE_INFINITY && !(this.now < this.nextScore)) {
      if (this.deferred.size > 0) this.flushDeferred(false);
      this.nextScore = nextMultiple(this.now, this.opts.scoreEveryMs);
    }
  }

  /**
   * End of input: every coin's map as it stands, every deferred position change, and a last score
   * tick (every wallet as the engines' table has it at the end), so the store's newest records
   * are what the engines say at the end.
   */
  finish(): void {
    this.endLine();
    for (const c of this.heat.coinList()) this.snapshotMap(c, 'final');
    this.snapshotScores(this.lineTs);
    this.flushDeferred(true);
  }

  /** Each coin's next map is stored whole (a resumed run: the store's whole maps before it are not known to be the ones kept here). */
  forgetMapBases(): void {
    for (const c of this.mapCoins) this.forgotten.add(c);
  }

  /** The records made since the last take. */
  take(): Recorded {
    const r = this.out;
    this.out = empty();
    return r;
  }

  private snapshotMap(coin: string, reason: HeatmapSnapshotRecord['reason']): void {
    const packed = this.heat.packedView(coin);
    if (packed === null) return;
    const view = packed.view;
    this.mapCoins.add(coin);
    const time = Math.max(view.time, this.now);
    // Packed as it stands (its buckets read into columns, no object a bucket); its document, its
    // rounding, its text and its delta against the coin's last whole map are the store's writer
    // thread's work (map-encoder.ts), off the engines' thread.
    const p = packColumns(view, packed.cols, this.heat.liq.tables.szDecimals(coin), time, this.opts.mapDeltas, this.forgotten.delete(coin));
    this.out.heatmaps.push(new LazyMap(view.coin as Coin, time, reason, p));
    this.zonesOf.set(
      coin,
      view.zones.map((z) => [z.lo, z.hi] as const),
    );
    // The cadence bounds a map's age: any snapshot (a zone event's too) restarts the coin's clock.
    this.nextMap.set(coin, time + this.opts.heatmapEveryMs);
  }

  private snapshotPositions(): void {
    for (const [key, d] of this.dirty) {
      const p = this.heat.positions(d.wallet).find((x) => x.coin === d.coin);
      // At the whale event's time, with the notional the event reported.
      this.pushPosition(key, positionRecord(d.wallet, d.coin, d.time, p, d.notionalUsd));
    }
    this.dirty.clear();
  }

  /** Records a position snapshot unless it says what the key's last one said; keeps the key tracked while open. */
  private pushPosition(key: string, rec: PositionSnapshotRecord): boolean {
    const sig = `${rec.szi}|${rec.entryPx}|${rec.liquidationPx}|${rec.leverage}|${rec.estimated}`;
    if (this.lastPosition.get(key) === sig) return false;
    this.lastPosition.set(key, sig);
    this.lastPositionAt.set(key, { time: rec.time, liq: rec.liquidationPx });
    this.deferred.delete(key);
    this.out.positions.push(rec);
    const w = this.pipeline.book.wallets.peek(rec.wallet);
    if (w !== undefined) {
      let coins = this.tracked.get(w);
      if (coins === undefined) {
        coins = new Set();
        this.tracked.set(w, coins);
      }
      if (rec.szi !== 0) coins.add(rec.coin);
      else {
        coins.delete(rec.coin);
        if (coins.size === 0) this.tracked.delete(w);
      }
    }
    return true;
  }

  /** A tracked position as the engines hold it now (szi 0: closed). */
  private current(w: number, coin: string): PositionSnapshotRecord {
    const wallet = this.pipeline.book.wallets.name(w);
    const p = this.heat.positions(wallet).find((x) => x.coin === coin);
    return positionRecord(wallet, coin as Coin, this.now > Number.NEGATIVE_INFINITY ? this.now : 0, p);
  }

  /**
   * Tracked wallets whose account moved on this line: each tracked position whose state differs
   * from its last record is recorded now when it closed, changed size or side, or its liquidation
   * price crossed a zone's edge; otherwise once its last record is positionEveryMs old (deferred).
   */
  private rereadPositions(): void {
    for (const w of this.moved) {
      const coins = this.tracked.get(w);
      if (coins === undefined) continue;
      for (const coin of [...coins]) {
        const key = `${this.pipeline.book.wallets.name(w)}:${coin}`;
        const rec = this.current(w, coin);
        const sig = `${rec.szi}|${rec.entryPx}|${rec.liquidationPx}|${rec.leverage}|${rec.estimated}`;
        const last = this.lastPosition.get(key);
        if (last === sig) {
          this.deferred.delete(key);
          continue;
        }
        const at = this.lastPositionAt.get(key);
        const sizeMoved = last === undefined || last.split('|', 1)[0] !== String(rec.szi);
        const crossed = at !== undefined && this.inZone(coin, at.liq) !== this.inZone(coin, rec.liquidationPx);
        const due = at === undefined || rec.time - at.time >= this.opts.positionEveryMs;
        if (rec.szi === 0 || sizeMoved || crossed || due) this.pushPosition(key, rec);
        else this.deferred.set(key, w);
      }
    }
    this.moved.clear();
  }

  /** Deferred position changes whose cadence has come (all of them at the end of input). */
  private flushDeferred(all: boolean): void {
    for (const [key, w] of [...this.deferred]) {
      const at = this.lastPositionAt.get(key);
      if (!all && at !== undefined && this.now - at.time < this.opts.positionEveryMs) continue;
      this.deferred.delete(key);
      const coin = key.slice(key.indexOf(':') + 1);
      this.pushPosition(key, this.current(w, coin));
    }
  }

  private inZone(coin: string, px: number | null): boolean {
    if (px === null) return false;
    for (const [lo, hi] of this.zonesOf.get(coin) ?? []) if (px >= lo && px <= hi) return true;
    return false;
  }

  /**
   * A score tick: every scored wallet's score as the engines would answer were the input to end
   * here (`ScoreEngine.asIfEnded`: the last instant settled, bets with no position open over, the
   * universe rebuilt; then put back, so the engines go on as if never asked), recorded where it
   * differs from the wallet's last record, and a record of 0 trades for a wallet scored before and
   * not now. So the newest records at or before a tick, less those of 0 trades, are the table
   * `glass score` gives on the input cut after the tick's line (docs/score.md, "The score at a
   * time"). O(wallets · components · log wallets) a tick, allocation-free but for the records.
   */
  private snapshotScores(time: number): void {
    // Nothing the sweep reads has moved since the last one (no fill, no horizon matured, no
    // evidence: on the 2023 export four ticks in five): it would give the same table, and every
    // wallet's record already says it.
    const version = this.score.settledVersion;
    if (version === this.sweptVersion) return;
    this.sweptVersion = version;
    const n = this.pipeline.book.wallets.size;
    this.score.asIfEnded(
      () => {
        // Every wallet's peekInto at once (peekAll: what the rebuild just computed, reused).
        const all = this.score.peekAll(n);
        const k = this.peeked.length;
        for (let w = 0; w < n; w++) {
          const o = w * k;
          if ((all[o + 2] as number) !== 0) {
            for (let i = 0; i < k; i++) this.peeked[i] = all[o + i] as number;
            this.pushScore(w, this.peeked, time);
          }
          // Scored at an earlier tick, not now: the bet that tick counted as over went on (a round
          // trip within the gap) and has a position open. A record of 0 trades says so.
          else if (w < this.lastTrades.length && (this.lastTrades[w] as number) > 0) this.pushScore(w, UNSCORED, time);
        }
      },
      this.opts.settleScores,
      false,
    );
  }

  /**
   * Records wallet `w`'s score unless its last record said the same. `v`: what `peekInto` gives
   * (score, confidence, trades, then the components in COMPONENTS order); its components object
   * has peek's keys in peek's order.
   */
  private pushScore(w: number, v: Float64Array, time: number): void {
    const k = COMPONENTS.length;
    const score = v[0] as number;
    const confidence = v[1] as number;
    const trades = v[2] as number;
    if (w < this.recordedScore.length && same(this.recordedScore[w] as number, score) && same(this.lastTrades[w] as number, trades)) {
      let unchanged = same(this.lastConfidence[w] as number, confidence);
      for (let c = 0; unchanged && c < k; c++) unchanged = same(this.lastComponents[w * k + c] as number, v[3 + c] as number);
      if (unchanged) return;
    }
    if (w >= this.recordedScore.length) {
      const size = Math.max(w + 1, this.recordedScore.length * 2);
      this.recordedScore = grownNaN(this.recordedScore, size);
      this.lastTrades = grownNaN(this.lastTrades, size);
      this.lastConfidence = grownNaN(this.lastConfidence, size);
      this.lastComponents = grownNaN(this.lastComponents, size * k);
    }
    this.recordedScore[w] = score;
    this.lastTrades[w] = trades;
    this.lastConfidence[w] = confidence;
    for (let c = 0; c < k; c++) this.lastComponents[w * k + c] = v[3 + c] as number;
    // A small object over shared columns: a replay makes tens of thousands of these, each held
    // until its batch commits (a closure, typed array or components object apiece showed up as
    // scavenger work); the components' text is the writer thread's (score-rows.ts).
    this.out.scores.push(this.scoreRows.make(this.pipeline.book.wallets.name(w), time, v));
  }
}

/** A score record saying the wallet has no score (from its time on): 0 trades, every number 0. */
const UNSCORED = new Float64Array(3 + COMPONENTS.length);

/** Equal as a record says it (NaN is written as null: equal to NaN). */
function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/**
 * A heatmap record holding the packed view (the store builds its text where it writes); its whole
 * document is built from that only if something reads `map`. A class, not an object literal with
 * a getter: a literal's accessor is defined anew on each of ~200,000 records a run of the 2023 export.
 */
class LazyMap implements HeatmapSnapshotRecord {
  readonly coin: Coin;
  readonly time: number;
  readonly reason: HeatmapSnapshotRecord['reason'];
  readonly packed: PackedView;
  private doc: Record<string, unknown> | undefined;

  constructor(coin: Coin, time: number, reason: HeatmapSnapshotRecord['reason'], packed: PackedView) {
    this.coin = coin;
    this.time = time;
    this.reason = reason;
    this.packed = packed;
  }

  get map(): Record<string, unknown> {
    this.doc ??= JSON.parse(packedJson(this.packed)) as Record<string, unknown>;
    return this.doc;
  }
}

/** An event record whose event is parsed from its text only if something reads it (the store writes the text). */
class LazyEvent implements EventRecord {
  readonly id: number;
  readonly type: GlassEvent['type'];
  readonly coin: GlassEvent['coin'];
  readonly time: number;
  readonly receivedAt: number;
  readonly detectedAt: number;
  readonly payload: string;
  private parsed: GlassEvent | undefined;

  constructor(id: number, e: GlassEvent, receivedAt: number, detectedAt: number, payload: string) {
    this.id = id;
    this.type = e.type;
    this.coin = e.coin;
    this.time = e.time;
    this.receivedAt = receivedAt;
    this.detectedAt = detectedAt;
    this.payload = payload;
  }

  get event(): GlassEvent {
    this.parsed ??= JSON.parse(this.payload) as GlassEvent;
    return this.parsed;
  }
}

function empty(): Recorded {
  return { events: [], heatmaps: [], positions: [], scores: [], grades: [] };
}

/** `a` grown to `size`, the new places NaN. */
function grownNaN(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(size).fill(Number.NaN);
  grown.set(a);
  return grown;
}

function nextMultiple(t: number, every: number): number {
  return (Math.floor(t / every) + 1) * every;
}

/**
 * A wallet × coin position as the store records it (and the API shows it): the engines' position
 * at `time`, or a close (szi 0) when it has none; notional at the entry price unless given.
 */
export function positionRecord(
  wallet: Wallet,
  coin: Coin,
  time: number,
  p: PositionLiquidation | undefined,
  notionalUsd?: number,
): PositionSnapshotRecord {
  if (p === undefined) {
    return { wallet, coin, time, szi: 0, entryPx: null, liquidationPx: null, notionalUsd: 0, leverage: null, estimated: false };
  }
  const entryPx = p.entryPx === p.entryPx ? p.entryPx : null;
  return {
    wallet,
    coin,
    time,
    szi: p.szi,
    entryPx,
    liquidationPx: p.liquidationPx,
    notionalUsd: notionalUsd ?? (entryPx === null ? 0 : Math.abs(p.szi) * entryPx),
    leverage: p.leverage,
    estimated: p.estimated,
  };
}
