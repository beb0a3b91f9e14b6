import { existsSync } from 'node:fs';
import { StoreError, StoreSpecError } from './errors.ts';
import { pgClient, pgTarget, reachable } from './pg-target.ts';
import { PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

/** The embedded default: a SQLite file in the working directory. */
export const DEFAULT_SQLITE = './glass.sqlite';

/** `postgres://…` (or `postgresql://…`) selects PostgreSQL; anything else is a SQLite file path. */
export function isPostgres(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * Where the store lives: the `--db` value, else GLASS_DATABASE_URL, else ./glass.sqlite. A URL of
 * another scheme (mysql://…) is refused here, naming where it came from, rather than taken for a
 * SQLite file name that cannot be opened.
 */
export function storeSpec(spec?: string): string {
  const s = spec ?? process.env.GLASS_DATABASE_URL ?? DEFAULT_SQLITE;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s)?.[1];
  if (scheme !== undefined && !isPostgres(s)) {
    const from = spec === undefined ? 'GLASS_DATABASE_URL' : '--db';
    throw new StoreSpecError(
      `${from} ${scheme}://…: the ${scheme.toLowerCase()} scheme is not supported; give a SQLite file path (e.g. ./glass.sqlite) or a postgres:// URL`,
    );
  }
  return s;
}

/** Opens the store the spec names and applies the migrations it has not seen yet. */
export async function openStore(spec?: string): Promise<Store> {
  const s = storeSpec(spec);
  let store: Store;
  try {
    store = isPostgres(s) ? new PostgresStore(s) : new SqliteStore(s);
  } catch (e) {
    throw new StoreError(`cannot open store ${describeSpec(s)}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(() => {});
    if (e instanceof StoreError) throw e;
    throw new StoreError(`cannot migrate store ${describeSpec(s)}: ${(e as Error).message}`, { cause: e });
  }
  return store;
}

/**
 * Why the spec names no store Glass has already written (null: it names one): a SQLite file that
 * does not exist, a PostgreSQL database or `?schema=` without Glass's migrations, a database that
 * does not exist. Nothing is created. A server that refuses the connection (no such role, a bad
 * password) is a StoreError naming the store, not an answer.
 */
export async function missingStore(spec: string): Promise<string | null> {
  const at = describeSpec(spec);
  const none = `no store at ${at} (glass replay F --db ${at} or glass demo --serve --db ${at} writes one)`;
  if (spec === ':memory:') return null;
  if (!isPostgres(spec)) return existsSync(spec) ? null : none;
  const t = pgTarget(spec);
  const sql = pgClient(t, 1);
  try {
    // Resolved on the connection's search_path: the URL's schema, else the database's default.
    const rows = await reachable(t.where, () => sql`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`);
    return rows[0]?.ok === true ? null : none;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    // A database of that name does not exist: no store there either, and no command here makes the database.
    if ((e as { code?: unknown }).code === '3D000')
      return `no store at ${at}: ${message} (create it, then glass replay F --db ${at} writes one)`;
    throw new StoreError(`cannot open store ${at}: ${message}`, { cause: e });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Opens the store the spec names only if it exists (missingStore): a mistyped --db is refused in one line, not made. */
export async function openExistingStore(spec?: string): Promise<Store> {
  const s = storeSpec(spec);
  const why = await missingStore(s);
  if (why !== null) throw new StoreError(why);
  return openStore(s);
}

/** The spec without a password, for messages and logs. */
export function describeSpec(spec: string): string {
  if (!isPostgres(spec)) return spec;
  try {
    const u = new URL(spec);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
