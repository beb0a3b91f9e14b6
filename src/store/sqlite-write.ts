import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { WriteBatch } from './types.ts';

/**
 * A batch as rows of bound values, JSON already encoded: what crosses to the writer thread.
 * Strings cross threads as flat copies; the records' nested objects would be walked by the
 * structured clone, which measured costlier than encoding them once here.
 */
export interface WireBatch {
  readonly events: SQLInputValue[][];
  readonly heatmaps: SQLInputValue[][];
  readonly positions: SQLInputValue[][];
  readonly scores: SQLInputValue[][];
  readonly grades: SQLInputValue[][];
  readonly cursor: SQLInputValue[];
}

export function encodeBatch(b: WriteBatch): WireBatch {
  const c = b.cursor;
  return {
    events: b.events.map((e) => [e.id, e.type, e.coin, e.time, e.receivedAt, e.detectedAt, e.payload ?? JSON.stringify(e.event)]),
    heatmaps: b.heatmaps.map((h) =>
      h.deltaJson !== undefined
        ? [h.coin, h.time, h.reason, h.deltaJson, 1]
        : [h.coin, h.time, h.reason, h.json ?? JSON.stringify(h.map), 0],
    ),
    positions: b.positions.map((p) => [
      p.wallet,
      p.coin,
      p.time,
      p.szi,
      p.entryPx,
      p.liquidationPx,
      p.notionalUsd,
      p.leverage,
      p.estimated ? 1 : 0,
    ]),
    scores: b.scores.map((s) => [s.wallet, s.time, s.score, s.confidence, s.trades, JSON.stringify(s.components)]),
    grades: (b.grades ?? []).map((r) => {
      const g = r.grade;
      return [g.id, g.type, g.coin, g.time, g.horizonEnd, g.hit ? 1 : 0, g.baseline, r.json ?? JSON.stringify(g)];
    }),
    cursor: [c.source, c.position, c.ts, c.nextEventId, c.complete === true ? 1 : 0, c.firstEventId ?? 1],
  };
}

/** A batch's map texts as UTF-8 in one buffer (`ends[i]`: where map i ends), moved to the writer thread, not copied. */
export interface PackedMaps {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly ends: Uint32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Takes the map texts (most of a batch's bytes: ~15 kB a map) out of the rows into one buffer
 * that crosses to the writer thread by transfer, not by a structured clone of the strings: the
 * engines' thread's share of a write (encode and hand-over) measured 70 → 45 ms over the 23 batches
 * of bench/store.bench.ts. The rows keep null in their place until `unpackMaps`.
 */
export function packMaps(w: WireBatch): PackedMaps {
  let bound = 0;
  for (const r of w.heatmaps) bound += 3 * (r[3] as string).length;
  const bytes = new Uint8Array(bound);
  const ends = new Uint32Array(w.heatmaps.length);
  let at = 0;
  for (let i = 0; i < w.heatmaps.length; i++) {
    const r = w.heatmaps[i] as SQLInputValue[];
    at += encoder.encodeInto(r[3] as string, bytes.subarray(at)).written;
    ends[i] = at;
    r[3] = null;
  }
  return { bytes, ends };
}

/** The map texts back into their rows (the writer thread). */
export function unpackMaps(w: WireBatch, p: PackedMaps): void {
  let from = 0;
  for (let i = 0; i < w.heatmaps.length; i++) {
    const to = p.ends[i] as number;
    (w.heatmaps[i] as SQLInputValue[])[3] = decoder.decode(p.bytes.subarray(from, to));
    from = to;
  }
}

/**
 * Every connection's settings. WAL: readers (the API) go on while a batch commits. NORMAL: a
 * commit survives a killed process (kill -9), not necessarily a power cut. A 64 MB WAL before
 * each checkpoint: checkpoints (the copy back and its fsync) were half the write time at the
 * default 4 MB.
 */
export const PRAGMAS =
  'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 16384';

const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

function st(db: DatabaseSync, sql: string): StatementSync {
  let m = cache.get(db);
  if (m === undefined) {
    m = new Map();
    cache.set(db, m);
  }
  let s = m.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

/** Runs `f` in one immediate transaction: all of it or none. */
export function transaction<T>(db: DatabaseSync, f: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = f();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

const INSERT_EVENT = 'INSERT INTO events (id, type, coin, time, received_at, detected_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)';
const INSERT_HEATMAP = 'INSERT INTO heatmap_snapshots (coin, time, reason, map, delta) VALUES (?, ?, ?, ?, ?)';
const INSERT_POSITION =
  'INSERT INTO position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
const INSERT_SCORE = 'INSERT INTO scores (wallet, time, score, confidence, trades, components) VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_GRADE =
  'INSERT INTO ledger_grades (event_id, type, coin, time, horizon_end, hit, baseline, grade) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const UPSERT_CURSOR = `INSERT INTO ingest_cursor (source, position, ts, next_event_id, complete, first_event_id) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (source) DO UPDATE SET position = excluded.position, ts = excluded.ts,
    next_event_id = excluded.next_event_id, complete = excluded.complete, first_event_id = excluded.first_event_id`;

/** One batch and its cursor in one transaction (bound parameters only). */
export function writeWire(db: DatabaseSync, w: WireBatch): void {
  transaction(db, () => {
    const ev = st(db, INSERT_EVENT);
    for (const r of w.events) ev.run(...r);
    const hm = st(db, INSERT_HEATMAP);
    for (const r of w.heatmaps) hm.run(...r);
    const ps = st(db, INSERT_POSITION);
    for (const r of w.positions) ps.run(...r);
    const sc = st(db, INSERT_SCORE);
    for (const r of w.scores) sc.run(...r);
    if (w.grades.length > 0) {
      const gr = st(db, INSERT_GRADE);
      for (const r of w.grades) gr.run(...r);
    }
    st(db, UPSERT_CURSOR).run(...w.cursor);
  });
}
