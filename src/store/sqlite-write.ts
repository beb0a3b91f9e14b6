import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { WriteBatch } from './types.ts';

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

/** One batch and its cursor in one transaction (bound parameters only). */
export function writeBatch(db: DatabaseSync, b: WriteBatch): void {
  transaction(db, () => {
    const ev = st(db, 'INSERT INTO events (id, type, coin, time, received_at, detected_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of b.events) ev.run(e.id, e.type, e.coin, e.time, e.receivedAt, e.detectedAt, JSON.stringify(e.event));
    const hm = st(db, 'INSERT INTO heatmap_snapshots (coin, time, reason, map) VALUES (?, ?, ?, ?)');
    for (const h of b.heatmaps) hm.run(h.coin, h.time, h.reason, JSON.stringify(h.map));
    const ps = st(
      db,
      'INSERT INTO position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const p of b.positions)
      ps.run(p.wallet, p.coin, p.time, p.szi, p.entryPx, p.liquidationPx, p.notionalUsd, p.leverage, p.estimated ? 1 : 0);
    const sc = st(db, 'INSERT INTO scores (wallet, time, score, confidence, trades, components) VALUES (?, ?, ?, ?, ?, ?)');
    for (const s of b.scores) sc.run(s.wallet, s.time, s.score, s.confidence, s.trades, JSON.stringify(s.components));
    const c = b.cursor;
    st(
      db,
      `INSERT INTO ingest_cursor (source, position, ts, next_event_id, complete, first_event_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET position = excluded.position, ts = excluded.ts,
         next_event_id = excluded.next_event_id, complete = excluded.complete, first_event_id = excluded.first_event_id`,
    ).run(c.source, c.position, c.ts, c.nextEventId, c.complete === true ? 1 : 0, c.firstEventId ?? 1);
  });
}
