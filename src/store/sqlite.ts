import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { GlassEventType } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import { MapEncoder } from './map-encoder.ts';
import { migrations } from './migrations.ts';
import { cursorOf, cutoff, eventOf, gradeOf, heatmapsOf, keyOf, positionOf, type Row, scoreOf, splitAfter } from './rows.ts';
import { Statements } from './sqlite-statements.ts';
import { encodeBatch, PRAGMAS, transaction, writeWire } from './sqlite-write.ts';
import type {
  ApiKeyRecord,
  EventQuery,
  EventRecord,
  GradeQuery,
  GradeRecord,
  HeatmapSnapshotRecord,
  IngestCursor,
  PositionSnapshotRecord,
  RetentionPolicy,
  ScoreRecord,
  Store,
  WriteBatch,
} from './types.ts';
import { type WriterReply, WriterRequests } from './writer-thread.ts';

/** Far past any venue time: "no `at`" reads as "at the end of time". */
const END = Number.MAX_SAFE_INTEGER;

/** Heatmap rows with, for a delta, its base: the coin's newest whole map stored before it. */
const HEATMAP_ROWS = `SELECT h.*, CASE WHEN h.delta = 1 THEN
    (SELECT MAX(b.id) FROM heatmap_snapshots b WHERE b.coin = h.coin AND b.delta = 0 AND b.id < h.id) END AS base_id
  FROM heatmap_snapshots h`;

/**
 * The embedded store: one SQLite file through node:sqlite, in WAL mode so the API can read while
 * ingest writes (settings: PRAGMAS). Batches are written by a thread of their own (its own
 * connection), so the engines go on meanwhile. Every query is a prepared statement with bound
 * parameters; values are never spliced into SQL text.
 */
export class SqliteStore implements Store {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly stmts: Statements;
  private readonly writer: Worker | null;
  /** Why the writer thread died (every later write fails with it), or null. */
  private writerDead: Error | null = null;
  /** Builds the maps' texts when this thread writes (no writer thread); the writer thread has its own. */
  private readonly maps = new MapEncoder();
  private readonly requests = new WriterRequests();
  /** Settles once the writer thread has its connection open (at once without a thread). */
  private readonly ready: Promise<void>;

  constructor(path: string, opts: { writerThread?: boolean } = {}) {
    this.path = path;
    this.db = new DatabaseSync(path);
    this.stmts = new Statements(this.db);
    this.db.exec(PRAGMAS);
    // An in-memory database is one connection's own: no second thread can share it.
    const thread = (opts.writerThread ?? true) && path !== ':memory:' && path !== '';
    this.writer = thread ? new Worker(new URL('./sqlite-worker.ts', import.meta.url), { workerData: { path } }) : null;
    let up: () => void = () => {};
    let down: (e: Error) => void = () => {};
    this.ready =
      this.writer === null
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            up = resolve;
            down = reject;
          });
    // Awaited by migrate(); a store closed before that must not leave an unhandled rejection.
    this.ready.catch(() => {});
    const writer = this.writer;
    writer?.on('message', (m: WriterReply | { ready: true }) => {
      if ('ready' in m) up();
      else this.requests.settle(writer, m, (r) => new Error(r.error ?? 'sqlite write failed'));
    });
    // A thread that died fails what it had and every write after it (the store is not written to again).
    const dead = (e: Error) => {
      this.writerDead ??= e;
      down(e);
      this.requests.failAll(e);
    };
    writer?.on('error', dead);
    writer?.on('exit', (code) => dead(new Error(`sqlite writer thread exited (${code})`)));
    this.writer?.unref();
  }

  private tx<T>(f: () => T): T {
    return transaction(this.db, f);
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    this.tx(() => {
      const done = new Set(this.stmts.all('SELECT version FROM schema_migrations').map((r) => Number(r.version)));
      for (const m of migrations('sqlite')) {
        if (done.has(m.version)) continue;
        this.db.exec(m.sql);
        this.stmts.get('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      }
    });
    // The writer thread's start (its module, its connection) is part of opening the store, not of
    // the first batch: a file it cannot open fails here, and ingest does not pay for it.
    if (this.writer !== null) {
      this.writer.ref();
      try {
        await this.ready;
      } finally {
        if (this.requests.pending === 0) this.writer.unref();
      }
    }
  }

  /**
   * One transaction for the batch and its cursor. With the writer thread (the default) the inserts
   * run there while the caller goes on; the promise settles once committed.
   */
  async write(b: WriteBatch): Promise<void> {
    if (this.writer === null) {
      try {
        writeWire(this.db, encodeBatch(b, true, this.maps));
      } catch (e) {
        // Not committed: the bases this batch set are not in the store.
        this.maps.forget();
        throw e;
      }
      return;
    }
    if (this.writerDead !== null) throw new Error(`not written: ${this.writerDead.message}`);
    await this.requests.write(this.writer, b);
  }

  async cursor(source: string): Promise<IngestCursor | null> {
    const r = this.stmts.all('SELECT * FROM ingest_cursor WHERE source = ?', source)[0];
    return r === undefined ? null : cursorOf(r);
  }

  async events(q: EventQuery): Promise<EventRecord[]> {
    const where = ['id > ?', 'time <= ?'];
    const params: SQLInputValue[] = [q.afterId ?? 0, q.at ?? END];
    whereTypesCoin(q, where, params);
    if (q.since !== undefined) {
      where.push('time >= ?');
      params.push(q.since);
    }
    params.push(q.limit);
    return this.stmts.all(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...params).map(eventOf);
  }

  async lastEventId(): Promise<number> {
    return Number(this.stmts.all('SELECT COALESCE(MAX(id), 0) AS id FROM events')[0]?.id ?? 0);
  }

  async grades(q: GradeQuery): Promise<GradeRecord[]> {
    const where = ['id > ?', 'horizon_end <= ?'];
    const params: SQLInputValue[] = [q.afterId ?? 0, q.at ?? END];
    whereTypesCoin(q, where, params);
    params.push(q.limit);
    return this.stmts.all(`SELECT * FROM ledger_grades WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...params).map(gradeOf);
  }

  async eventCounts(q: { at?: number; coin?: Coin }): Promise<Partial<Record<GlassEventType, number>>> {
    const out: Partial<Record<GlassEventType, number>> = {};
    const rows = this.stmts.all(
      'SELECT type, COUNT(*) AS n FROM events WHERE time <= ? AND (? IS NULL OR coin = ?) GROUP BY type',
      q.at ?? END,
      q.coin ?? null,
      q.coin ?? null,
    );
    for (const r of rows) out[r.type as GlassEventType] = Number(r.n);
    return out;
  }

  async coins(at?: number): Promise<Coin[]> {
    return this.stmts
      .all('SELECT DISTINCT coin FROM heatmap_snapshots WHERE time <= ? ORDER BY coin', at ?? END)
      .map((r) => r.coin as Coin);
  }

  async heatmap(coin: Coin, at?: number): Promise<HeatmapSnapshotRecord | null> {
    const rows = this.stmts.all(
      `${HEATMAP_ROWS} WHERE h.coin = ? AND h.time <= ? ORDER BY h.time DESC, h.id DESC LIMIT 1`,
      coin,
      at ?? END,
    );
    return (await this.heatmapsOf(rows))[0] ?? null;
  }

  async heatmapHistory(coin: Coin, from: number, to: number, limit: number): Promise<HeatmapSnapshotRecord[]> {
    return this.heatmapsOf(
      this.stmts.all(
        `${HEATMAP_ROWS} WHERE h.coin = ? AND h.time >= ? AND h.time <= ? ORDER BY h.time, h.id LIMIT ?`,
        coin,
        from,
        to,
        limit,
      ),
    );
  }

  /** Rows as records, each delta rebuilt on its base (read here when it is not among them). */
  private heatmapsOf(rows: Row[]): Promise<HeatmapSnapshotRecord[]> {
    return heatmapsOf(rows, async (ids) =>
      this.stmts.all(`SELECT * FROM heatmap_snapshots WHERE id IN (${ids.map(() => '?').join(', ')})`, ...ids),
    );
  }

  async positions(q: {
    coin?: Coin;
    wallet?: Wallet;
    minNotionalUsd?: number;
    at?: number;
    limit: number;
    after?: string;
  }): Promise<PositionSnapshotRecord[]> {
    const after = q.after === undefined ? null : splitAfter(q.after);
    return this.stmts
      .all(
        `SELECT * FROM (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY wallet, coin ORDER BY time DESC, id DESC) AS rn
         FROM position_snapshots
         WHERE time <= ? AND (? IS NULL OR coin = ?) AND (? IS NULL OR wallet = ?)
       ) WHERE rn = 1 AND szi <> 0 AND notional_usd >= ?
         AND (? IS NULL OR wallet > ? OR (wallet = ? AND coin > ?))
       ORDER BY wallet, coin LIMIT ?`,
        q.at ?? END,
        q.coin ?? null,
        q.coin ?? null,
        q.wallet ?? null,
        q.wallet ?? null,
        q.minNotionalUsd ?? 0,
        after?.wallet ?? null,
        after?.wallet ?? null,
        after?.wallet ?? null,
        after?.coin ?? null,
        q.limit,
      )
      .map(positionOf);
  }

  async scores(q: { at?: number; limit: number; minTrades?: number; afterRank?: number }): Promise<ScoreRecord[]> {
    return this.stmts
      .all(
        // Wallet to wallet along scores_wallet_time (one seek each), then each wallet's newest row
        // <= at by one seek down the same index: O(wallets · log rows). The window over every row
        // it replaces sorted the whole history, components and all (~440 ms at 290,000 rows).
        `WITH RECURSIVE w(id) AS (
           SELECT MIN(wallet_id) FROM scores
           UNION ALL SELECT (SELECT MIN(wallet_id) FROM scores WHERE wallet_id > w.id) FROM w WHERE w.id IS NOT NULL
         )
         SELECT s.*, a.address AS wallet FROM w JOIN scores s ON s.id = (
           SELECT x.id FROM scores x WHERE x.wallet_id = w.id AND x.time <= ? ORDER BY x.time DESC, x.id DESC LIMIT 1
         ) JOIN wallets a ON a.id = s.wallet_id
         WHERE s.trades >= ? ORDER BY s.score DESC, a.address LIMIT ? OFFSET ?`,
        q.at ?? END,
        // A row of 0 trades says the wallet has no score from its time on: never listed.
        Math.max(1, q.minTrades ?? 1),
        q.limit,
        q.afterRank ?? 0,
      )
      .map(scoreOf);
  }

  async scoreHistory(wallet: Wallet, at?: number): Promise<ScoreRecord[]> {
    return this.stmts
      .all(
        `SELECT s.*, a.address AS wallet FROM wallets a JOIN scores s ON s.wallet_id = a.id
         WHERE a.address = ? AND s.time <= ? ORDER BY s.time, s.id`,
        wallet,
        at ?? END,
      )
      .map(scoreOf);
  }

  async latestScoreTime(): Promise<number | null> {
    const t = this.stmts.all('SELECT MAX(time) AS t FROM score_times')[0]?.['t'];
    return t === null || t === undefined ? null : Number(t);
  }

  async createKey(k: ApiKeyRecord): Promise<void> {
    this.stmts
      .get('INSERT INTO api_keys (id, name, hash, created_at, revoked_at, rate_limit) VALUES (?, ?, ?, ?, ?, ?)')
      .run(k.id, k.name, k.hash, k.createdAt, k.revokedAt, k.rateLimit);
  }

  async keys(): Promise<ApiKeyRecord[]> {
    return this.stmts.all('SELECT * FROM api_keys ORDER BY created_at, id').map(keyOf);
  }

  async keyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const r = this.stmts.all('SELECT * FROM api_keys WHERE hash = ?', hash)[0];
    return r === undefined ? null : keyOf(r);
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    return Number(this.stmts.get('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes) > 0;
  }

  async recordUsage(keyId: string, minute: number, requests: number): Promise<void> {
    this.stmts
      .get(
        `INSERT INTO key_usage (key_id, minute, requests) VALUES (?, ?, ?)
       ON CONFLICT (key_id, minute) DO UPDATE SET requests = key_usage.requests + excluded.requests`,
      )
      .run(keyId, minute, requests);
  }

  async usage(keyId: string, from: number, to: number): Promise<number> {
    const r = this.stmts.all(
      'SELECT COALESCE(SUM(requests), 0) AS n FROM key_usage WHERE key_id = ? AND minute >= ? AND minute <= ?',
      keyId,
      from,
      to,
    )[0];
    return Number(r?.n ?? 0);
  }

  async prune(policy: RetentionPolicy): Promise<Record<string, number>> {
    return this.tx(() => {
      const out: Record<string, number> = {};
      const del = (table: string, ms: number | null, partition: string | null): void => {
        // The newest score time is score_times' (scores has no index by time: migration 007).
        const cut = cutoff(this.stmts.all(`SELECT MAX(time) AS t FROM ${table === 'scores' ? 'score_times' : table}`)[0]?.t, ms);
        if (cut === null) {
          out[table] = 0;
          return;
        }
        out[table] = Number(this.stmts.get(pruneSql(table, partition)).run(cut).changes);
        if (table === 'scores') this.stmts.get('DELETE FROM score_times WHERE time < ?').run(cut);
      };
      del('events', policy.eventsMs, null);
      del('heatmap_snapshots', policy.heatmapsMs, 'coin');
      del('position_snapshots', policy.positionsMs, 'wallet, coin');
      del('scores', policy.scoresMs, 'wallet_id');
      return out;
    });
  }

  async close(): Promise<void> {
    if (this.writer !== null && this.db.isOpen) {
      // A dead thread answers nothing.
      if (this.writerDead === null) await this.requests.close(this.writer);
      await this.writer.terminate();
    }
    if (this.db.isOpen) this.db.close();
  }
}

/** The `types` / `coin` filters an event or grade query shares, added to its WHERE terms and parameters. */
function whereTypesCoin(
  q: { readonly types?: readonly GlassEventType[]; readonly coin?: Coin },
  where: string[],
  params: SQLInputValue[],
): void {
  if (q.types !== undefined && q.types.length > 0) {
    where.push(`type IN (${q.types.map(() => '?').join(', ')})`);
    params.push(...q.types);
  }
  if (q.coin !== undefined) {
    where.push('coin = ?');
    params.push(q.coin);
  }
}

/**
 * The DELETE of `table`'s rows before the cut (`?`). With a partition, each key keeps its newest
 * row before the cut: a read at any time inside the window still finds the state that held then.
 * A coin's maps also keep its newest whole map before the cut: the base of the deltas kept (a
 * coin's maps are stored in time order). Scores find each wallet's rows along their one index
 * (migration 007).
 */
function pruneSql(table: string, partition: string | null): string {
  if (partition === null) return `DELETE FROM ${table} WHERE time < ?`;
  if (table === 'scores') {
    return `DELETE FROM scores WHERE id IN (SELECT s.id FROM wallets a JOIN scores s ON s.wallet_id = a.id
                 WHERE s.time < ?1 AND s.id <> (SELECT x.id FROM scores x WHERE x.wallet_id = a.id AND x.time < ?1 ORDER BY x.time DESC, x.id DESC LIMIT 1))`;
  }
  if (table === 'heatmap_snapshots') {
    return `DELETE FROM ${table} WHERE id IN (SELECT id FROM (
                 SELECT id, delta, ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY time DESC, id DESC) AS rn,
                   ROW_NUMBER() OVER (PARTITION BY ${partition}, delta ORDER BY time DESC, id DESC) AS rw
                 FROM ${table} WHERE time < ?) WHERE rn > 1 AND NOT (delta = 0 AND rw = 1))`;
  }
  return `DELETE FROM ${table} WHERE id IN (SELECT id FROM (
                 SELECT id, ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY time DESC, id DESC) AS rn
                 FROM ${table} WHERE time < ?) WHERE rn > 1)`;
}
