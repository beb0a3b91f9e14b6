import { test } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';
import { storeSuite } from './store.suite.ts';

const down = await pgUnreachable();
if (down !== null) {
  const where = new URL(PG_URL).host;
  test('postgres store suite', (t) => t.skip(`PostgreSQL at ${where} unreachable: ${down}`));
} else {
  storeSuite('postgres', {
    // Each test on a schema of its own, dropped after.
    fresh: () => openStore(freshSchemaUrl('suite')),
    done: async (s) => {
      if (s instanceof PostgresStore) await s.dropSchema();
      await s.close();
    },
  });
  // The same suite with the batches written on the caller's thread (the writer thread's fallback).
  storeSuite('postgres, no writer thread', {
    fresh: async () => {
      const s = new PostgresStore(freshSchemaUrl('suite'), { writerThread: false });
      await s.migrate();
      return s;
    },
    done: async (s) => {
      if (s instanceof PostgresStore) await s.dropSchema();
      await s.close();
    },
  });
}
