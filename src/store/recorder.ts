import type { GlassEvent } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import { mapJson } from '../engine/heatmap/document.ts';
import type { HeatmapEngine } from '../engine/heatmap/engine.ts';
import type { ScoreEngine } from '../engine/score/engine.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { EventRecord, HeatmapSnapshotRecord, PositionSnapshotRecord, ScoreRecord } from './types.ts';

export interface RecorderOptions {
  /** A coin's map is snapshotted when its newest snapshot is this old (venue time, at a mark). */
  readonly heatmapEveryMs: number;
  /** Changed wallet scores are recorded when venue time crosses each multiple of this. */
  readonly scoreEveryMs: number;
  /** The id the next event gets (a resumed run continues the log). */
  readonly firstEventId: number;
  /** Wall clock for `detectedAt` (the only non-deterministic field). */
  readonly clock: () => number;
}

export const DEFAULT_RECORDER: RecorderOptions = {
  heatmapEveryMs: 5 * 60_000,
  scoreEveryMs: 5 * 60_000,
  firstEventId: 1,
  clock: Date.now,
};

/** What one stretch of input produced, ready for a WriteBatch. */
export interface Recorded {
  readonly events: EventRecord[];
  readonly heatmaps: HeatmapSnapshotRecord[];
  readonly positions: PositionSnapshotRecord[];
  readonly scores: ScoreRecord[];
}

const ZONE_TYPES = new Set(['ZONE_FORMED', 'ZONE_APPROACHED', 'ZONE_SWEPT']);

/**
 * Turns the engines' output into store records, line by line: every GlassEvent with the next id
 * (1, 2, 3 … in emit order) and the causing message's receive time; a coin's map (the
 * `glass heatmap --json` document) after each zone event and whenever its newest snapshot is
 * `heatmapEveryMs` old at a mark, so no stored map is older than that while the coin trades;
 * tracked wallets' positions (those the Whale Hunter reports on) when they change; scores of
 * wallets that traded, when they changed, on a cadence.
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
  /** `${wallet}:${coin}` → the tracked change to snapshot at the end of the line. */
  private readonly dirty = new Map<string, { wallet: Wallet; coin: Coin; time: number; notionalUsd: number }>();
  private readonly lastPosition = new Map<string, string>();
  /** Wallet id → the score cadence it last traded in; watched for one more cadence (a close is counted a moment later). */
  private readonly watch = new Map<number, number>();
  private readonly lastScore = new Map<number, string>();
  private cadence = 0;
  private nextScore = Number.NaN;

  constructor(pipeline: Pipeline, engines: { heat: HeatmapEngine; score: ScoreEngine }, opts: Partial<RecorderOptions> = {}) {
    this.heat = engines.heat;
    this.score = engines.score;
    this.opts = { ...DEFAULT_RECORDER, ...opts };
    this.nextId = this.opts.firstEventId;
    pipeline.market.subscribe((e) => {
      if (e.type !== 'mark') return;
      if (e.time > this.now) this.now = e.time;
      const due = this.nextMap.get(e.coin);
      if (due === undefined || e.time >= due) this.dueCoins.add(e.coin);
    });
    pipeline.changes.subscribe((c) => {
      if (c.time > this.now) this.now = c.time;
      if (!c.resolved) this.watch.set(c.walletId, this.cadence);
    });
  }

  /** The id the next event will get; every event before it is in `take()`'s output or committed. */
  get nextEventId(): number {
    return this.nextId;
  }

  /** The engines' emit hook (attachEngines' `onEvent`). */
  readonly onEvent = (e: GlassEvent): void => {
    this.out.events.push({
      id: this.nextId++,
      type: e.type,
      coin: e.coin,
      time: e.time,
      receivedAt: this.lineTs,
      detectedAt: this.opts.clock(),
      // A copy: the batch is encoded later (another thread, a commit or two on), and what an
      // engine does to its own objects meanwhile must not leak into the log.
      event: structuredClone(e),
    });
    if (ZONE_TYPES.has(e.type)) this.zoneCoins.add(e.coin);
    else if (e.type.startsWith('WHALE_POSITION_') || e.type === 'WHALE_LIQUIDATED') {
      const w = e as Extract<GlassEvent, { wallet: Wallet }>;
      this.dirty.set(`${w.wallet}:${w.coin}`, { wallet: w.wallet, coin: w.coin, time: w.time, notionalUsd: w.notionalUsd });
    }
  };

  /** Before a line goes into the pipeline: its receive time stamps what it causes. */
  beginLine(ts: number): void {
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
    // nextScore starts NaN: the first line with a venue time records, then every scoreEveryMs.
    if (this.now > Number.NEGATIVE_INFINITY && !(this.now < this.nextScore)) {
      this.snapshotScores();
      this.nextScore = nextMultiple(this.now, this.opts.scoreEveryMs);
    }
  }

  /** End of input: every coin's map as it stands and the scores that changed since the last cadence. */
  finish(): void {
    this.endLine();
    for (const c of this.heat.coinList()) this.snapshotMap(c, 'final');
    this.snapshotScores();
  }

  /** The records made since the last take. */
  take(): Recorded {
    const r = this.out;
    this.out = empty();
    return r;
  }

  private snapshotMap(coin: string, reason: HeatmapSnapshotRecord['reason']): void {
    const view = this.heat.view(coin);
    if (view === null) return;
    const map = mapJson(view, this.heat.liq.tables.szDecimals(coin));
    const time = Math.max(view.time, this.now);
    this.out.heatmaps.push({ coin: view.coin as Coin, time, reason, map });
    // The cadence bounds a map's age: any snapshot (a zone event's too) restarts the coin's clock.
    this.nextMap.set(coin, time + this.opts.heatmapEveryMs);
  }

  private snapshotPositions(): void {
    for (const [key, d] of this.dirty) {
      const p = this.heat.positions(d.wallet).find((x) => x.coin === d.coin);
      const rec: PositionSnapshotRecord =
        p === undefined
          ? {
              wallet: d.wallet,
              coin: d.coin,
              time: d.time,
              szi: 0,
              entryPx: null,
              liquidationPx: null,
              notionalUsd: 0,
              leverage: null,
              estimated: false,
            }
          : {
              wallet: d.wallet,
              coin: d.coin,
              time: d.time,
              szi: p.szi,
              entryPx: p.entryPx,
              liquidationPx: p.liquidationPx,
              notionalUsd: d.notionalUsd,
              leverage: p.leverage,
              estimated: p.estimated,
            };
      const sig = `${rec.szi}|${rec.entryPx}|${rec.liquidationPx}|${rec.leverage}|${rec.estimated}`;
      if (this.lastPosition.get(key) === sig) continue;
      this.lastPosition.set(key, sig);
      this.out.positions.push(rec);
    }
    this.dirty.clear();
  }

  private snapshotScores(): void {
    const k = this.cadence++;
    for (const [w, seen] of this.watch) {
      if (seen < k - 1) {
        this.watch.delete(w);
        continue;
      }
      const s = this.score.peek(w);
      if (s === null) continue;
      const sig = `${s.score}|${s.trades}|${s.confidence}`;
      if (this.lastScore.get(w) === sig) continue;
      this.lastScore.set(w, sig);
      this.out.scores.push({
        wallet: s.wallet,
        time: this.now,
        score: s.score,
        confidence: s.confidence,
        trades: s.trades,
        components: s.components,
      });
    }
  }
}

function empty(): Recorded {
  return { events: [], heatmaps: [], positions: [], scores: [] };
}

function nextMultiple(t: number, every: number): number {
  return (Math.floor(t / every) + 1) * every;
}
