import { Worker } from 'node:worker_threads';
import type postgres from 'postgres';
import type { GlassEventType } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import { StoreError } from './errors.ts';
import { MapEncoder } from './map-encoder.ts';
import { migrations } from './migrations.ts';
import { writePgWire } from './pg-rows.ts';
import { type PgTarget, pgClient, pgTarget, reachable } from './pg-target.ts';
import { cursorOf, cutoff, eventOf, gradeOf, heatmapsOf, keyOf, positionOf, type Row, scoreOf, splitAfter } from './rows.ts';
import { encodeBatch } from './sqlite-write.ts';
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

const END = Number.MAX_SAFE_INTEGER;

type Sql = postgres.Sql;

/**
 * The PostgreSQL store (`postgres` client). The URL may carry `?schema=NAME` (created at migrate,
 * used as the connection's search_path): the tests give each run its own schema. Every value is
 * a bound parameter; only fixed table and column names appear in SQL text.
 */
export class PostgresStore implements Store {
  readonly schema: string | null;
  readonly where: string;
  private readonly sql: Sql;
  private readonly target: PgTarget;
  /** The newest write not yet settled, without the writer thread: a batch commits only after it (see write). */
  private lastWrite: Promise<void> = Promise.resolve();
  private readonly writerThread: boolean;
  /** Builds the maps' texts when this thread writes (no writer thread); the writer thread has its own. */
  private readonly maps = new MapEncoder();
  private readonly writerMax: number;
  /** The writer's connection settings (see `migrate`). */
  private writerSettings: Record<string, string> = {};
  private writer: Worker | null = null;
  /** Settles once the writer thread has started (its module loaded; it connects at its first batch). */
  private writerReady: Promise<void> = Promise.resolve();
  private writerUp: () => void = () => {};
  private writerDown: (e: Error) => void = () => {};
  private readonly requests = new WriterRequests();

  constructor(url: string, opts: { max?: number; writerThread?: boolean } = {}) {
    const t = pgTarget(url);
    this.target = t;
    this.schema = t.schema;
    this.where = t.where;
    const max = opts.max ?? 4;
    this.sql = pgClient(t, max);
    this.writerThread = opts.writerThread ?? true;
    // Two: the next batch's transaction opens while the previous one commits (it waits for it).
    this.writerMax = Math.min(2, max);
  }

  /** Runs a query, turning a refused connection into one clear line. */
  private q<T>(f: () => Promise<T>): Promise<T> {
    return reachable(this.where, f);
  }

  async migrate(): Promise<void> {
    await this.q(async () => {
      await this.sql.begin(async (tx) => {
        // One migrator of a schema at a time (`glass` processes starting together on one database),
        // the schema's creation included: concurrent CREATE SCHEMA IF NOT EXISTS of one new name can
        // still fail on pg_namespace's unique index. The lock is the transaction's (released at its end).
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`glass:migrations:${this.schema ?? ''}`}))`;
        if (this.schema !== null) await tx`CREATE SCHEMA IF NOT EXISTS ${tx(this.schema)}`;
        await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
        const done = new Set((await tx`SELECT version FROM schema_migrations`).map((r) => Number(r.version)));
        for (const m of migrations('postgres')) {
          if (done.has(m.version)) continue;
          await tx.unsafe(m.sql).simple();
          await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`;
        }
      });
    });
    // The large texts (maps, event payloads) compressed by lz4 where the server has it (PostgreSQL 14
    // and later, built with it): the server's CPU for a run's maps 120 → 60 ms against pglz, the
    // default. How a value is compressed is the server's own affair: what is read back is the same.
    // Set on the writer thread's connections (a store writing without one, in tests, keeps pglz).
    const [lz4] = await this.q(
      () => this.sql`SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`,
    );
    this.writerSettings = lz4 === undefined ? {} : { default_toast_compression: 'lz4' };
    // The writer thread's start is part of opening the store, not of the first batch (as SQLite's).
    if (this.writerThread) {
      const w = this.startWriter();
      w.ref();
      try {
        await this.writerReady;
      } finally {
        if (this.requests.pending === 0) w.unref();
      }
    }
  }

  /**
   * One transaction per batch. Ingest hands over the next batch before the previous one has
   * committed; this one's transaction waits for the previous write before its first insert, so
   * batches commit (and take serial ids) in cursor order, and fails if the previous one failed:
   * a later cursor is never committed over a batch that is not. A write sent after a failure was
   * reported starts afresh (the store stays usable). With the writer thread (the default) the
   * batch is packed here and its buffers handed over; its rows are encoded, sent and committed
   * there while the caller goes on; the promise settles once committed.
   */
  async write(b: WriteBatch): Promise<void> {
    if (!this.writerThread) {
      const before = this.lastWrite;
      const wire = encodeBatch(b, true, this.maps);
      const mine = this.q(() => writePgWire(this.sql, wire, before));
      this.lastWrite = mine;
      try {
        await mine;
      } catch (e) {
        // Not committed (nor a batch encoded after it, whose transaction waits on this one): their bases are not in the store.
        this.maps.forget();
        throw e;
      } finally {
        if (this.lastWrite === mine) this.lastWrite = Promise.resolve();
      }
      return;
    }
    await this.requests.write(this.startWriter(), b);
  }

  /** The writer thread, started by the first write (a store only read from, the API's, has none). */
  private startWriter(): Worker {
    if (this.writer !== null) return this.writer;
    const w = new Worker(new URL('./pg-worker.ts', import.meta.url), {
      workerData: { target: this.target, max: this.writerMax, settings: this.writerSettings },
    });
    w.on('message', (m: WriterReply | { ready: true }) => {
      if ('ready' in m) this.writerUp();
      else
        this.requests.settle(w, m, (r) => {
          const message = r.error ?? 'postgres write failed';
          return r.unreachable === true ? new StoreError(message) : new Error(message);
        });
    });
    // A thread that died fails what it had; the next write starts another. Its 'exit' after its
    // 'error' is the same death: once another thread has started, it fails none of that one's writes.
    const dead = (e: Error) => {
      if (this.writer !== w) return;
      this.writer = null;
      this.writerDown(e);
      this.requests.failAll(e);
    };
    w.on('error', dead);
    w.on('exit', (code) => dead(new Error(`postgres writer thread exited (${code})`)));
    this.writerReady = new Promise<void>((resolve, reject) => {
      this.writerUp = resolve;
      this.writerDown = reject;
    });
    // Awaited by migrate(); a store closed before that must not leave an unhandled rejection.
    this.writerReady.catch(() => {});
    w.unref();
    this.writer = w;
    return w;
  }

  async cursor(source: string): Promise<IngestCursor | null> {
    const [r] = await this.q(() => this.sql`SELECT * FROM ingest_cursor WHERE source = ${source}`);
    return r === undefined ? null : cursorOf(r);
  }

  async events(q: EventQuery): Promise<EventRecord[]> {
    const s = this.sql;
    const types = q.types !== undefined && q.types.length > 0 ? s`AND type IN ${s(q.types as string[])}` : s``;
    const coin = q.coin !== undefined ? s`AND coin = ${q.coin}` : s``;
    const since = q.since !== undefined ? s`AND time >= ${q.since}` : s``;
    const rows = await this.q(
      () =>
        s`SELECT * FROM events WHERE id > ${q.afterId ?? 0} AND time <= ${q.at ?? END} ${types} ${coin} ${since} ORDER BY id LIMIT ${q.limit}`,
    );
    return rows.map(eventOf);
  }

  async lastEventId(): Promise<number> {
    const [r] = await this.q(() => this.sql`SELECT COALESCE(MAX(id), 0) AS id FROM events`);
    return Number(r?.id ?? 0);
  }

  async grades(q: GradeQuery): Promise<GradeRecord[]> {
    const s = this.sql;
    const types = q.types !== undefined && q.types.length > 0 ? s`AND type IN ${s(q.types as string[])}` : s``;
    const coin = q.coin !== undefined ? s`AND coin = ${q.coin}` : s``;
    const rows = await this.q(
      () =>
        s`SELECT * FROM ledger_grades WHERE id > ${q.afterId ?? 0} AND horizon_end <= ${q.at ?? END} ${types} ${coin} ORDER BY id LIMIT ${q.limit}`,
    );
    return rows.map(gradeOf);
  }

  async eventCounts(q: { at?: number; coin?: Coin }): Promise<Partial<Record<GlassEventType, number>>> {
    const s = this.sql;
    const coin = q.coin !== undefined ? s`AND coin = ${q.coin}` : s``;
    const rows = await this.q(() => s`SELECT type, COUNT(*) AS n FROM events WHERE time <= ${q.at ?? END} ${coin} GROUP BY type`);
    const out: Partial<Record<GlassEventType, number>> = {};
    for (const r of rows) out[r.type as GlassEventType] = Number(r.n);
    return out;
  }

  async coins(at?: number): Promise<Coin[]> {
    const rows = await this.q(() => this.sql`SELECT DISTINCT coin FROM heatmap_snapshots WHERE time <= ${at ?? END} ORDER BY coin`);
    return rows.map((r) => r.coin as Coin);
  }

  async heatmap(coin: Coin, at?: number): Promise<HeatmapSnapshotRecord | null> {
    const rows = await this.q(
      () => this.sql`${this.heatmapRows()} WHERE h.coin = ${coin} AND h.time <= ${at ?? END} ORDER BY h.time DESC, h.id DESC LIMIT 1`,
    );
    return (await this.heatmapsOf(rows))[0] ?? null;
  }

  async heatmapHistory(coin: Coin, from: number, to: number, limit: number): Promise<HeatmapSnapshotRecord[]> {
    const rows = await this.q(
      () =>
        this
          .sql`${this.heatmapRows()} WHERE h.coin = ${coin} AND h.time >= ${from} AND h.time <= ${to} ORDER BY h.time, h.id LIMIT ${limit}`,
    );
    return this.heatmapsOf(rows);
  }

  /** Heatmap rows with, for a delta, its base: the coin's newest whole map stored before it. */
  private heatmapRows() {
    return this.sql`SELECT h.*, CASE WHEN h.delta THEN
        (SELECT MAX(b.id) FROM heatmap_snapshots b WHERE b.coin = h.coin AND NOT b.delta AND b.id < h.id) END AS base_id
      FROM heatmap_snapshots h`;
  }

  /** Rows as records, each delta rebuilt on its base (read here when it is not among them). */
  private heatmapsOf(rows: readonly Row[]): Promise<HeatmapSnapshotRecord[]> {
    return heatmapsOf(rows, (ids) =>
      this.q(async () => [...(await this.sql`SELECT * FROM heatmap_snapshots WHERE id IN ${this.sql(ids)}`)]),
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
    const s = this.sql;
    const coin = q.coin !== undefined ? s`AND coin = ${q.coin}` : s``;
    const wallet = q.wallet !== undefined ? s`AND wallet = ${q.wallet}` : s``;
    const a = q.after === undefined ? null : splitAfter(q.after);
    const after = a === null ? s`` : s`AND (wallet > ${a.wallet} OR (wallet = ${a.wallet} AND coin > ${a.coin}))`;
    const rows = await this.q(
      () => s`
        SELECT * FROM (
          SELECT *, ROW_NUMBER() OVER (PARTITION BY wallet, coin ORDER BY time DESC, id DESC) AS rn
          FROM position_snapshots WHERE time <= ${q.at ?? END} ${coin} ${wallet}
        ) p
        WHERE rn = 1 AND szi <> 0 AND notional_usd >= ${q.minNotionalUsd ?? 0} ${after}
        ORDER BY wallet, coin LIMIT ${q.limit}`,
    );
    return rows.map(positionOf);
  }

  async scores(q: { at?: number; limit: number; minTrades?: number; afterRank?: number }): Promise<ScoreRecord[]> {
    const rows = await this.q(
      // Wallet to wallet along scores_wallet_time, then each wallet's newest row <= at by one
      // index seek (see SqliteStore.scores): not a window sorting the whole history.
      () => this.sql`
        WITH RECURSIVE w(id) AS (
          (SELECT wallet_id FROM scores ORDER BY wallet_id LIMIT 1)
          UNION ALL
          SELECT (SELECT x.wallet_id FROM scores x WHERE x.wallet_id > w.id ORDER BY x.wallet_id LIMIT 1) FROM w WHERE w.id IS NOT NULL
        )
        SELECT s.*, a.address AS wallet FROM w CROSS JOIN LATERAL (
          SELECT * FROM scores x WHERE x.wallet_id = w.id AND x.time <= ${q.at ?? END} ORDER BY x.time DESC, x.id DESC LIMIT 1
        ) s JOIN wallets a ON a.id = s.wallet_id
        WHERE s.trades >= ${Math.max(1, q.minTrades ?? 1)}
        ORDER BY s.score DESC, a.address LIMIT ${q.limit} OFFSET ${q.afterRank ?? 0}`,
    );
    return rows.map(scoreOf);
  }

  async scoreHistory(wallet: Wallet, at?: number): Promise<ScoreRecord[]> {
    const rows = await this.q(
      () => this.sql`SELECT s.*, a.address AS wallet FROM wallets a JOIN scores s ON s.wallet_id = a.id
        WHERE a.address = ${wallet} AND s.time <= ${at ?? END} ORDER BY s.time, s.id`,
    );
    return rows.map(scoreOf);
  }

  async latestScoreTime(): Promise<number | null> {
    const [r] = await this.q(() => this.sql`SELECT MAX(time) AS t FROM score_times`);
    return r?.['t'] === null || r?.['t'] === undefined ? null : Number(r['t']);
  }

  async createKey(k: ApiKeyRecord): Promise<void> {
    await this.q(
      () => this.sql`
        INSERT INTO api_keys (id, name, hash, created_at, revoked_at, rate_limit)
        VALUES (${k.id}, ${k.name}, ${k.hash}, ${k.createdAt}, ${k.revokedAt}, ${k.rateLimit})`,
    );
  }

  async keys(): Promise<ApiKeyRecord[]> {
    return (await this.q(() => this.sql`SELECT * FROM api_keys ORDER BY created_at, id`)).map(keyOf);
  }

  async keyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const [r] = await this.q(() => this.sql`SELECT * FROM api_keys WHERE hash = ${hash}`);
    return r === undefined ? null : keyOf(r);
  }

  async revokeKey(id: string, at: number): Promise<boolean> {
    const r = await this.q(() => this.sql`UPDATE api_keys SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`);
    return r.count > 0;
  }

  async recordUsage(keyId: string, minute: number, requests: number): Promise<void> {
    await this.q(
      () => this.sql`
        INSERT INTO key_usage (key_id, minute, requests) VALUES (${keyId}, ${minute}, ${requests})
        ON CONFLICT (key_id, minute) DO UPDATE SET requests = key_usage.requests + excluded.requests`,
    );
  }

  async usage(keyId: string, from: number, to: number): Promise<number> {
    const [r] = await this.q(
      () =>
        this.sql`SELECT COALESCE(SUM(requests), 0) AS n FROM key_usage WHERE key_id = ${keyId} AND minute >= ${from} AND minute <= ${to}`,
    );
    return Number(r?.n ?? 0);
  }

  async prune(policy: RetentionPolicy): Promise<Record<string, number>> {
    return this.q(() =>
      this.sql.begin(async (tx) => {
        const out: Record<string, number> = {};
        const del = async (table: string, ms: number | null, partition: string | null): Promise<void> => {
          // The newest score time is score_times' (scores has no index by time: migration 007).
          const [m] = await tx`SELECT MAX(time) AS t FROM ${tx(table === 'scores' ? 'score_times' : table)}`;
          const cut = cutoff(m?.t, ms);
          if (cut === null) {
            out[table] = 0;
            return;
          }
          // Each key keeps its newest row before the cut, a coin's maps its newest whole map too (see SqliteStore.prune).
          const r =
            partition === null
              ? await tx`DELETE FROM ${tx(table)} WHERE time < ${cut}`
              : table === 'scores'
                ? await tx`DELETE FROM scores s USING wallets a CROSS JOIN LATERAL (
                    SELECT x.time, x.id FROM scores x WHERE x.wallet_id = a.id AND x.time < ${cut} ORDER BY x.time DESC, x.id DESC LIMIT 1
                  ) k WHERE s.wallet_id = a.id AND (s.time, s.id) < (k.time, k.id)`
                : table === 'heatmap_snapshots'
                  ? await tx`DELETE FROM heatmap_snapshots WHERE id IN (SELECT id FROM (
                   SELECT id, delta, ROW_NUMBER() OVER (PARTITION BY coin ORDER BY time DESC, id DESC) AS rn,
                     ROW_NUMBER() OVER (PARTITION BY coin, delta ORDER BY time DESC, id DESC) AS rw
                   FROM heatmap_snapshots WHERE time < ${cut}) x WHERE rn > 1 AND NOT (NOT delta AND rw = 1))`
                  : await tx`DELETE FROM ${tx(table)} WHERE id IN (SELECT id FROM (
                   SELECT id, ROW_NUMBER() OVER (PARTITION BY ${tx.unsafe(partition)} ORDER BY time DESC, id DESC) AS rn
                   FROM ${tx(table)} WHERE time < ${cut}) x WHERE rn > 1)`;
          out[table] = r.count;
          if (table === 'scores') await tx`DELETE FROM score_times WHERE time < ${cut}`;
        };
        await del('events', policy.eventsMs, null);
        await del('heatmap_snapshots', policy.heatmapsMs, 'coin');
        await del('position_snapshots', policy.positionsMs, 'wallet, coin');
        await del('scores', policy.scoresMs, 'wallet_id');
        return out;
      }),
    );
  }

  /** Drops the store's schema (tests: each run had its own). */
  async dropSchema(): Promise<void> {
    if (this.schema !== null) await this.q(() => this.sql`DROP SCHEMA IF EXISTS ${this.sql(this.schema as string)} CASCADE`);
  }

  async close(): Promise<void> {
    const w = this.writer;
    if (w !== null) {
      this.writer = null;
      await this.requests.close(w).catch(() => {});
      await w.terminate();
    }
    await this.sql.end({ timeout: 5 });
  }
}
