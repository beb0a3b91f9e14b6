import { Socket } from 'node:net';
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
export function pgClient(t: PgTarget, max: number, settings: Readonly<Record<string, string>> = {}): postgres.Sql {
  const connection = { ...(t.schema === null ? {} : { search_path: t.schema }), ...settings };
  return postgres(t.url, {
    max,
    onnotice: () => {},
    connect_timeout: 5,
    // The server's own commit durability (synchronous_commit as configured, `on` by default): a
    // batch reported committed, and the events the API has served from it, survive a crash of
    // PostgreSQL too, not only of Glass.
    ...(Object.keys(connection).length === 0 ? {} : { connection }),
    ...(oneHost(t.url) ? { socket: noDelaySocket } : {}),
  } as postgres.Options<Record<string, postgres.PostgresType>>);
}

/** A URL naming one host (the client's own socket, below, connects to the first it is given). */
function oneHost(url: string): boolean {
  const authority = url.slice(url.indexOf('://') + 3).split(/[/?#]/)[0] ?? '';
  // Hosts after the credentials (a password may hold a comma).
  return !authority.slice(authority.lastIndexOf('@') + 1).includes(',');
}

/**
 * The client's TCP socket with Nagle's algorithm off, as libpq has it (the `postgres` client
 * leaves it on): a COPY's last message, a few bytes after its data, otherwise waits for the
 * server's delayed acknowledgement, 40 ms a COPY on Linux. The socket is handed over still
 * connecting; the client writes to it as to its own (a refused connection is its 'error').
 */
function noDelaySocket(o: { host: readonly string[]; port: readonly number[]; path?: string | false }): Socket {
  const s = new Socket();
  s.setNoDelay(true);
  if (typeof o.path === 'string' && o.path !== '') s.connect(o.path);
  else {
    const host = o.host[0] ?? 'localhost';
    s.connect(o.port[0] ?? 5432, host);
    // The client names the server by it for TLS.
    Object.assign(s, { host });
  }
  return s;
}
