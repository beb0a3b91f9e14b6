import postgres from 'postgres';
import { StoreError } from './errors.ts';

/**
 * A PostgreSQL URL as Glass reads it: `?schema=NAME` is Glass's own (the schema to create and use
 * as search_path; the tests give each run one), taken off before the client sees the URL.
 */
export interface PgTarget {
  /** The URL for the client, without `schema`. */
  readonly url: string;
  readonly schema: string | null;
  /** host:port, for messages (never the credentials). */
  readonly where: string;
}

export function pgTarget(url: string): PgTarget {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  return { url: u.toString(), schema, where: `${u.hostname}:${u.port || '5432'}` };
}

/** Runs a query, turning a server that cannot be reached into one clear line. */
export async function reachable<T>(where: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
      throw new StoreError(`PostgreSQL at ${where} unreachable: ${(e as Error).message}`, { cause: e });
    }
    throw e;
  }
}

/** A client for the target: `max` connections, each with the target's schema as its search_path. */
export function pgClient(t: PgTarget, max: number): postgres.Sql {
  return postgres(t.url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    // The server's own commit durability (synchronous_commit as configured, `on` by default): a
    // batch reported committed, and the events the API has served from it, survive a crash of
    // PostgreSQL too, not only of Glass.
    ...(t.schema === null ? {} : { connection: { search_path: t.schema } }),
  });
}
