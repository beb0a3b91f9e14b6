import { DatabaseSync } from 'node:sqlite';
import postgres from 'postgres';
import { StoreError } from './errors.ts';
import { describeSpec, isPostgres, openStore, storeSpec } from './open.ts';
import { pgTarget, reachable } from './pg-target.ts';
import { Statements } from './sqlite-statements.ts';
import { PRAGMAS, transaction } from './sqlite-write.ts';

/**
 * The alerts tables (migration 003_alerts): the rules served at /v1/alerts, and the outbox: one row per alert × destination, keyed by the
 * idempotency key `alertId|destinationId`. Enqueue is idempotent (a second enqueue of a key is a
 * no-op), so the rules can be replayed after a crash. A deliverer claims due rows under a lease and
 * settles each one; a deliverer killed mid-send leaves its rows leased, and they come back when the
 * lease runs out: at-least-once, the receiver de-duplicates by the key.
 */
export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface OutboxItem {
  /** Idempotency key: `${alertId}|${destinationId}`. */
  readonly key: string;
  readonly alertId: string;
  readonly destination: string;
  /** The alert as JSON. */
  readonly payload: string;
  readonly createdAt: number;
  /** Not before (ms, epoch). */
  readonly nextAt: number;
  /** Never after (ms, epoch): a row not delivered by then is dead, not delivered late. */
  readonly expiresAt: number;
}

export interface OutboxRow extends OutboxItem {
  readonly state: OutboxState;
  /** Attempts claimed so far (a claim counts, so a send cut by a crash counts too). */
  readonly attempts: number;
  readonly deliveredAt: number | null;
  readonly lastError: string | null;
}

export interface Outbox {
  /** Inserts the items whose key is new; returns how many were. */
  enqueue(items: readonly OutboxItem[]): Promise<number>;
  /** Up to `limit` pending rows due at `now` and not leased, leased until now + leaseMs, attempts + 1. */
  claim(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]>;
  delivered(key: string, at: number): Promise<void>;
  /** Back to pending, due at nextAt. */
  retry(key: string, nextAt: number, error: string): Promise<void>;
  /** To the dead-letter list. */
  dead(key: string, at: number, error: string): Promise<void>;
  list(state: OutboxState, limit: number): Promise<OutboxRow[]>;
  get(key: string): Promise<OutboxRow | null>;
  counts(): Promise<Record<OutboxState, number>>;
  /** The stored rules (`/v1/alerts`), by id: the rule's JSON and when it was last put. */
  rules(): Promise<StoredRule[]>;
  /** Creates or replaces a rule; true when it was new. */
  putRule(id: string, json: string, at: number): Promise<boolean>;
  /** Deletes a rule; false when there was none. */
  deleteRule(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface StoredRule {
  readonly id: string;
  readonly json: string;
  readonly updatedAt: number;
}

type Row = Record<string, unknown>;

function rowOf(r: Row): OutboxRow {
  return {
    key: String(r.key),
    alertId: String(r.alert_id),
    destination: String(r.destination),
    payload: String(r.payload),
    state: String(r.state) as OutboxState,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    nextAt: Number(r.next_at),
    expiresAt: Number(r.expires_at),
    deliveredAt: r.delivered_at === null || r.delivered_at === undefined ? null : Number(r.delivered_at),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
  };
}

const INSERT =
  'INSERT INTO alert_outbox (key, alert_id, destination, payload, state, attempts, created_at, next_at, expires_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (key) DO NOTHING';

/** The outbox in the SQLite file of the store (a connection of its own, WAL: the store's readers go on). */
export class SqliteOutbox implements Outbox {
  private readonly db: DatabaseSync;
  private readonly stmts: Statements;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.stmts = new Statements(this.db);
    this.db.exec(PRAGMAS);
  }

  async enqueue(items: readonly OutboxItem[]): Promise<number> {
    return transaction(this.db, () => {
      let n = 0;
      for (const i of items) {
        const r = this.stmts.get(INSERT).run(i.key, i.alertId, i.destination, i.payload, 'pending', i.createdAt, i.nextAt, i.expiresAt);
        n += Number(r.changes);
      }
      return n;
    });
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return transaction(this.db, () =>
      this.stmts
        .all(
          `UPDATE alert_outbox SET lease_until = ?, attempts = attempts + 1 WHERE key IN (
           SELECT key FROM alert_outbox WHERE state = 'pending' AND next_at <= ? AND lease_until <= ? ORDER BY next_at, key LIMIT ?)
         RETURNING *`,
          now + leaseMs,
          now,
          now,
          limit,
        )
        .map(rowOf),
    );
  }

  async delivered(key: string, at: number): Promise<void> {
    this.stmts
      .get(
        "UPDATE alert_outbox SET state = 'delivered', delivered_at = ?, lease_until = 0, last_error = NULL WHERE key = ? AND state = 'pending'",
      )
      .run(at, key);
  }

  async retry(key: string, nextAt: number, error: string): Promise<void> {
    this.stmts
      .get("UPDATE alert_outbox SET next_at = ?, lease_until = 0, last_error = ? WHERE key = ? AND state = 'pending'")
      .run(nextAt, error.slice(0, 500), key);
  }

  async dead(key: string, at: number, error: string): Promise<void> {
    this.stmts
      .get(
        "UPDATE alert_outbox SET state = 'dead', delivered_at = NULL, next_at = ?, lease_until = 0, last_error = ? WHERE key = ? AND state = 'pending'",
      )
      .run(at, error.slice(0, 500), key);
  }

  async list(state: OutboxState, limit: number): Promise<OutboxRow[]> {
    return this.stmts.all('SELECT * FROM alert_outbox WHERE state = ? ORDER BY created_at DESC, key LIMIT ?', state, limit).map(rowOf);
  }

  async get(key: string): Promise<OutboxRow | null> {
    const r = this.stmts.all('SELECT * FROM alert_outbox WHERE key = ?', key)[0];
    return r === undefined ? null : rowOf(r);
  }

  async counts(): Promise<Record<OutboxState, number>> {
    const out: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of this.stmts.all('SELECT state, COUNT(*) AS n FROM alert_outbox GROUP BY state'))
      out[r.state as OutboxState] = Number(r.n);
    return out;
  }

  async rules(): Promise<StoredRule[]> {
    return this.stmts.all('SELECT * FROM alert_rules ORDER BY id').map((r) => ({
      id: String(r.id),
      json: String(r.rule),
      updatedAt: Number(r.updated_at),
    }));
  }

  async putRule(id: string, json: string, at: number): Promise<boolean> {
    return transaction(this.db, () => {
      const had = this.stmts.all('SELECT id FROM alert_rules WHERE id = ?', id).length > 0;
      this.stmts
        .get(
          'INSERT INTO alert_rules (id, rule, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at',
        )
        .run(id, json, at);
      return !had;
    });
  }

  async deleteRule(id: string): Promise<boolean> {
    return Number(this.stmts.get('DELETE FROM alert_rules WHERE id = ?').run(id).changes) > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** The outbox in PostgreSQL (`?schema=` as the store reads it); claims skip rows another deliverer holds. */
export class PostgresOutbox implements Outbox {
  private readonly sql: postgres.Sql;
  private readonly where: string;

  constructor(url: string) {
    const t = pgTarget(url);
    const schema = t.schema;
    this.where = t.where;
    this.sql = postgres(t.url, {
      max: 2,
      onnotice: () => {},
      connect_timeout: 5,
      connection: schema === null ? {} : { search_path: schema },
    });
  }

  private q<T>(f: () => Promise<T>): Promise<T> {
    return reachable(this.where, f);
  }

  async enqueue(items: readonly OutboxItem[]): Promise<number> {
    if (items.length === 0) return 0;
    return this.q(async () => {
      const rows = items.map((i) => ({
        key: i.key,
        alert_id: i.alertId,
        destination: i.destination,
        payload: i.payload,
        state: 'pending',
        attempts: 0,
        created_at: i.createdAt,
        next_at: i.nextAt,
        expires_at: i.expiresAt,
      }));
      const r = await this.sql`INSERT INTO alert_outbox ${this.sql(rows)} ON CONFLICT (key) DO NOTHING`;
      return r.count;
    });
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return this.q(async () =>
      (
        await this.sql`UPDATE alert_outbox SET lease_until = ${now + leaseMs}, attempts = attempts + 1 WHERE key IN (
          SELECT key FROM alert_outbox WHERE state = 'pending' AND next_at <= ${now} AND lease_until <= ${now}
          ORDER BY next_at, key LIMIT ${limit} FOR UPDATE SKIP LOCKED) RETURNING *`
      ).map((r) => rowOf(r)),
    );
  }

  async delivered(key: string, at: number): Promise<void> {
    await this.q(
      () =>
        this
          .sql`UPDATE alert_outbox SET state = 'delivered', delivered_at = ${at}, lease_until = 0, last_error = NULL WHERE key = ${key} AND state = 'pending'`,
    );
  }

  async retry(key: string, nextAt: number, error: string): Promise<void> {
    await this.q(
      () =>
        this
          .sql`UPDATE alert_outbox SET next_at = ${nextAt}, lease_until = 0, last_error = ${error.slice(0, 500)} WHERE key = ${key} AND state = 'pending'`,
    );
  }

  async dead(key: string, at: number, error: string): Promise<void> {
    await this.q(
      () =>
        this
          .sql`UPDATE alert_outbox SET state = 'dead', next_at = ${at}, lease_until = 0, last_error = ${error.slice(0, 500)} WHERE key = ${key} AND state = 'pending'`,
    );
  }

  async list(state: OutboxState, limit: number): Promise<OutboxRow[]> {
    return this.q(async () =>
      (await this.sql`SELECT * FROM alert_outbox WHERE state = ${state} ORDER BY created_at DESC, key LIMIT ${limit}`).map((r) => rowOf(r)),
    );
  }

  async get(key: string): Promise<OutboxRow | null> {
    return this.q(async () => {
      const r = (await this.sql`SELECT * FROM alert_outbox WHERE key = ${key}`)[0];
      return r === undefined ? null : rowOf(r);
    });
  }

  async counts(): Promise<Record<OutboxState, number>> {
    return this.q(async () => {
      const out: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
      for (const r of await this.sql`SELECT state, COUNT(*) AS n FROM alert_outbox GROUP BY state`)
        out[r.state as OutboxState] = Number(r.n);
      return out;
    });
  }

  async rules(): Promise<StoredRule[]> {
    return this.q(async () =>
      (await this.sql`SELECT * FROM alert_rules ORDER BY id`).map((r) => ({
        id: String(r.id),
        json: String(r.rule),
        updatedAt: Number(r.updated_at),
      })),
    );
  }

  async putRule(id: string, json: string, at: number): Promise<boolean> {
    return this.q(async () => {
      const r = await this.sql`INSERT INTO alert_rules (id, rule, updated_at) VALUES (${id}, ${json}, ${at})
        ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at RETURNING (xmax = 0) AS created`;
      return r[0]?.created === true;
    });
  }

  async deleteRule(id: string): Promise<boolean> {
    return this.q(async () => (await this.sql`DELETE FROM alert_rules WHERE id = ${id}`).count > 0);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

/** Opens the outbox of the store the spec names (`--db`, GLASS_DATABASE_URL, ./glass.sqlite), migrating the store first. */
export async function openOutbox(spec?: string): Promise<Outbox> {
  const s = storeSpec(spec);
  const store = await openStore(s);
  await store.close();
  try {
    return isPostgres(s) ? new PostgresOutbox(s) : new SqliteOutbox(s);
  } catch (e) {
    throw new StoreError(`cannot open the alerts outbox in ${describeSpec(s)}: ${(e as Error).message}`, { cause: e });
  }
}
