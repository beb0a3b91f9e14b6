import { resolve } from 'node:path';
import { attachEngines } from '../cli/engines.ts';
import { plural } from '../domain/format.ts';
import type { HeatmapEngine } from '../engine/heatmap/engine.ts';
import { AccuracyLedger } from '../engine/ledger/ledger.ts';
import type { ScoreEngine } from '../engine/score/engine.ts';
import type { HunterOptions } from '../engine/whales/hunter.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { RecordError } from '../recording/errors.ts';
import type { ReadItem } from '../recording/reader.ts';
import { readRecordingBatches } from '../recording/reader.ts';
import { StoreError } from './errors.ts';
import { describeSpec, openStore, storeSpec } from './open.ts';
import { Recorder, type RecorderOptions } from './recorder.ts';
import { Pruner } from './retention.ts';
import type { IngestCursor, RetentionPolicy, Store } from './types.ts';

export interface IngestOptions {
  /** Commit after this many input lines… */
  readonly everyLines: number;
  /** …or this much wall time since the last commit, whichever comes first. */
  readonly everyMs: number;
  /** The cursor's source key (default: the recording's absolute path). */
  readonly source?: string;
  readonly whales?: Partial<HunterOptions>;
  /** Recorder cadences; its `firstEventId` applies to a new source only (default: after the log's last id). */
  readonly recorder?: Partial<RecorderOptions>;
  /** Told once, before the first write, when a stored cursor is being resumed from. */
  readonly onResume?: (cursor: IngestCursor) => void;
  /** Told once, before the first line, the engines ingest runs (a server reads them while it runs). */
  readonly onEngines?: (engines: IngestEngines) => void;
  /**
   * Rows older than this go after a batch, at most once per `retentionEveryMs` of wall time
   * (default a minute), and once when the input ends (default: kept forever).
   */
  readonly retention?: RetentionPolicy;
  readonly retentionEveryMs?: number;
  /** Told what each retention pass deleted (per table). */
  readonly onPrune?: (deleted: Record<string, number>) => void;
  /** Wall clock (commit cadence); tests inject one. */
  readonly clock?: () => number;
  /**
   * True when the input was stopped (Ctrl-C) rather than ended: what was read is committed with
   * the cursor left incomplete and the engines not finished, so a restart resumes after it.
   */
  readonly stopped?: () => boolean;
}

export const DEFAULT_INGEST: IngestOptions = { everyLines: 2000, everyMs: 1000 };

/**
 * Batches handed to the store and not yet committed: the engines go on while the store works through
 * them. 4, not 2: with 2 the engines waited for PostgreSQL 0.14 s a run of bench/store.bench.ts, with 4
 * 0.08 s (one run each, load 4-5); a crash loses no more than before (each batch carries its cursor).
 */
const WRITES_IN_FLIGHT = 4;
/** Longest stretch of engine work (wall ms) before ingest lets the event loop run. */
const YIELD_MS = 20;

/** The engines ingest() attaches to its pipeline. */
export type IngestEngines = ReturnType<typeof attachEngines>;

export interface IngestResult {
  readonly pipeline: Pipeline;
  readonly heat: HeatmapEngine;
  readonly score: ScoreEngine;
  /** The cursor found at start (null: a fresh run). */
  readonly resumed: IngestCursor | null;
  /** Events written by this run (the log holds resumed.nextEventId − 1 before them). */
  readonly written: number;
  /** Events the store holds from this source, the resumed ones included. */
  readonly events: number;
  /** The last input line whose output the store holds for this source. */
  readonly line: number;
  /** The input was stopped (opts.stopped), not ended: the cursor is incomplete and a restart resumes. */
  readonly interrupted: boolean;
  readonly batches: number;
  /** Wall ms spent in store writes. */
  readonly writeMs: number;
}

/**
 * Runs a recording through pipeline, engines and recorder into a store, one transaction per
 * `everyLines` lines (or `everyMs`), each carrying the cursor: the last line whose effects it
 * holds and the next event id. Restarted on the same input, it plays the lines up to the stored
 * cursor again with their output discarded (the engines are deterministic, so this rebuilds their
 * state and the event numbering exactly) and writes from the next line on: a crash at any moment
 * loses nothing and doubles nothing.
 */
export async function ingest(
  store: Store,
  items: AsyncIterable<readonly ReadItem[]>,
  source: string,
  opts: Partial<IngestOptions> & { pipeline?: Pipeline } = {},
): Promise<IngestResult> {
  const o = { ...DEFAULT_INGEST, ...opts };
  const clock = o.clock ?? performance.now.bind(performance);
  // The default clock is the one the yield reads: read once a line for both.
  const ownClock = o.clock === undefined;
  const resumed = await store.cursor(source);
  const skipTo = resumed?.position ?? 0;
  // A resumed source numbers from where its first run began; a new one continues the store's log.
  const firstEventId = resumed !== null ? (resumed.firstEventId ?? 1) : (o.recorder?.firstEventId ?? (await store.lastEventId()) + 1);
  const pipeline = opts.pipeline ?? new Pipeline();
  const box: { rec?: Recorder } = {};
  // The ledger's grades go into the store with the line that graded them.
  const ledger = new AccuracyLedger({ grade: (g) => box.rec?.onGrade(g) });
  const engines = attachEngines(pipeline, o.whales ?? {}, (e) => box.rec?.onEvent(e), {}, ledger);
  const rec = new Recorder(pipeline, engines, { ...o.recorder, firstEventId });
  box.rec = rec;
  o.onEngines?.(engines);
  const pruner = o.retention === undefined ? null : new Pruner(store, o.retention, o.retentionEveryMs ?? 60_000, clock, o.onPrune);

  let written = 0;
  let batches = 0;
  let writeMs = 0;
  let pending = 0;
  let lastCommit = clock();
  let lastLine = 0;
  let lastTs = 0;
  // Up to WRITES_IN_FLIGHT writes in flight: the engines go on with the next lines while the
  // store commits earlier batches, in order (its own thread for SQLite, the server for
  // PostgreSQL; each store commits a later batch only after the one before it). A failed write
  // surfaces at a later commit or at the end.
  const inflight: Promise<void>[] = [];
  let lastYield = performance.now();
  const commit = async (complete: boolean): Promise<void> => {
    while (inflight.length >= WRITES_IN_FLIGHT) await inflight.shift();
    const r = rec.take();
    const t0 = clock();
    const w = store
      .write({ cursor: { source, position: lastLine, ts: lastTs, nextEventId: rec.nextEventId, complete, firstEventId }, ...r })
      .then(() => {
        writeMs += clock() - t0;
        written += r.events.length;
        batches++;
        pruner?.afterBatch();
      });
    // An unobserved rejection would end the process before the loop sees it.
    w.catch(() => {});
    inflight.push(w);
    pending = 0;
    lastCommit = clock();
  };

  for await (const batch of items) {
    for (const item of batch) {
      const ts = item instanceof RecordError ? lastTs : item.ts;
      rec.beginLine(ts);
      pipeline.ingest(item);
      rec.endLine();
      lastLine = item.line;
      lastTs = ts;
      if (resumed?.complete === true && item.line > skipTo) {
        // Finished at skipTo: its final maps and scores are stored, so more lines cannot follow them.
        throw new StoreError(
          `${source}: the store holds this source complete up to line ${skipTo}, but the input goes on past it (a changed input, or a run interrupted by an older Glass): record it into a new store`,
        );
      }
      if (resumed !== null && item.line <= skipTo) {
        // Already committed: the output is in the store.
        rec.take();
        if (item.line === skipTo && resumed !== null) {
          if (rec.nextEventId !== resumed.nextEventId) {
            throw new StoreError(
              `${source}: replaying up to line ${skipTo} gave ${rec.nextEventId - 1} events, the store holds ${resumed.nextEventId - 1}: not the input (or engines) it was recorded with`,
            );
          }
          // The store's last whole maps may not be the ones this replay took as its bases (a store
          // written by an older Glass): each coin's next map is whole.
          rec.forgetMapBases();
          if (!resumed.complete) opts.onResume?.(resumed);
        }
        continue;
      }
      pending++;
      const now = performance.now();
      if (pending >= o.everyLines || (ownClock ? now : clock()) - lastCommit >= o.everyMs) await commit(false);
      // A replay at full speed gives the event loop a turn every YIELD_MS: a serving process's API
      // and stream (timers, sockets, requests) are not held up for seconds behind the engines.
      if (now - lastYield >= YIELD_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  }
  const interrupted = o.stopped?.() === true;
  if (resumed !== null && lastLine < skipTo && !interrupted) {
    throw new StoreError(`${source}: the store has this source up to line ${skipTo}, the input ends at line ${lastLine}`);
  }
  if (interrupted) {
    // Stopped, not ended: the lines read so far, with the cursor still open.
    if (pending > 0) await commit(false);
  } else if (resumed?.complete !== true) {
    rec.finish();
    await commit(true);
  }
  while (inflight.length > 0) await inflight.shift();
  await pruner?.finish();
  const events = (resumed !== null && lastLine < skipTo ? resumed.nextEventId : rec.nextEventId) - firstEventId;
  return {
    pipeline,
    heat: engines.heat,
    score: engines.score,
    resumed,
    written,
    events,
    line: Math.max(lastLine, skipTo),
    interrupted,
    batches,
    writeMs,
  };
}

/** `glass replay F --db SPEC`: the recording into the store, saying on stderr when it resumes. */
export async function ingestFile(
  spec: string | undefined,
  file: string,
  items: AsyncIterable<readonly ReadItem[]> = readRecordingBatches(file),
  opts: Partial<IngestOptions> & { pipeline?: Pipeline; note?: (line: string) => void } = {},
): Promise<IngestResult> {
  const note = opts.note ?? ((l: string) => process.stderr.write(`${l}\n`));
  const store = await openStore(spec);
  try {
    const before = await store.lastEventId();
    const r = await ingest(store, items, opts.source ?? resolve(file), {
      ...opts,
      onResume: (c) => note(`resuming after line ${c.position} (${c.nextEventId - (c.firstEventId ?? 1)} events kept)`),
      onPrune: (d) => {
        const gone = Object.entries(d).filter(([, n]) => n > 0);
        if (gone.length > 0) note(`retention: deleted ${gone.map(([t, n]) => `${n.toLocaleString('en-US')} ${t}`).join(', ')}`);
      },
    });
    const where = describeSpec(storeSpec(spec));
    const c = r.resumed;
    if (c?.complete === true)
      note(`${file}: already in ${where} (${plural(c.nextEventId - (c.firstEventId ?? 1), 'event')}); nothing written`);
    else note(`${file}: ${plural(r.written, 'event')} in ${plural(r.batches, 'batch', 'batches')} written to ${where}`);
    if (r.resumed === null) {
      const why = await interleaved(store, before);
      if (why !== null) note(why);
    }
    return r;
  } finally {
    await store.close();
  }
}

/**
 * Said when a new input written after `before` (the store's last event id before it) starts at an
 * earlier venue time than the store's newest event before it: the log and every `at=` read now
 * hold two timelines interleaved (ids still ascend; times do not). Not refused: two inputs may be
 * meant to share a store. Null when they do not overlap so.
 */
export async function interleaved(store: Store, before: number): Promise<string | null> {
  if (before === 0) return null;
  const [prev, first] = await store.events({ afterId: before - 1, limit: 2 });
  if (prev === undefined || first === undefined || prev.id !== before || !(first.time < prev.time)) return null;
  const iso = (t: number) => `${new Date(t).toISOString().slice(0, 16)}Z`;
  return (
    `note: the store already held ${plural(before, 'event')} up to ${iso(prev.time)}; this input's events start earlier, at ${iso(first.time)}, ` +
    'so the event log and at= reads now interleave two timelines (one input per store keeps them apart)'
  );
}
