import { connect } from 'node:net';
import { PostgresStore } from '../../src/store/postgres.ts';

/** The test database (scripts/services.sh starts it where installed). */
export const PG_URL = process.env.GLASS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Null when PostgreSQL answers on its port, else why not (the tests then skip and say so). */
export async function pgUnreachable(url = PG_URL): Promise<string | null> {
  const u = new URL(url);
  const port = Number(u.port || 5432);
  // Three tries: a test file that keeps the event loop busy for seconds can make one try's timer
  // fire before its connect is seen (a skip under load, not an unreachable server).
  const once = () =>
    new Promise<string | null>((resolve) => {
      const s = connect({ host: u.hostname, port, timeout: 2000 });
      s.once('connect', () => {
        s.destroy();
        resolve(null);
      });
      s.once('timeout', () => {
        s.destroy();
        resolve('connect timed out');
      });
      s.once('error', (e) => resolve(e.message));
    });
  let tcp = await once();
  for (let i = 0; i < 2 && tcp === 'connect timed out'; i++) tcp = await once();
  if (tcp !== null) return tcp;
  const probe = new PostgresStore(url, { max: 1 });
  try {
    await probe.lastEventId().catch((e: unknown) => {
      // A database without the tables answers: that is reachable.
      if ((e as { code?: string }).code !== '42P01') throw e;
    });
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await probe.close();
  }
}

/** A URL for a schema of its own: created at migrate, dropped by `dropSchema`. */
export function freshSchemaUrl(tag: string): string {
  const u = new URL(PG_URL);
  u.searchParams.set('schema', `glass_${tag}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`);
  return u.toString();
}
