import assert from 'node:assert/strict';
import { test } from 'node:test';
import postgres from 'postgres';
import { PostgresStore } from '../../src/store/postgres.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';

const N = 6;
const ROUNDS = 5;

test(`postgres: ${N} stores migrating one fresh schema at the same moment all succeed, each version applied once`, async (t) => {
  const down = await pgUnreachable();
  if (down !== null) {
    t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  t.after(async () => {
    for (const s of stores) await s.close().catch(() => {});
    for (const s of schemas) await admin`DROP SCHEMA IF EXISTS ${admin(s)} CASCADE`.catch(() => {});
    await admin.end();
  });
  // A few rounds: the collision needs the CREATE SCHEMAs to overlap, which one round may miss.
  for (let round = 0; round < ROUNDS; round++) {
    const url = freshSchemaUrl('migrace');
    const schema = new URL(url).searchParams.get('schema') as string;
    schemas.push(schema);
    const these = Array.from({ length: N }, () => new PostgresStore(url, { max: 2, writerThread: false }));
    stores.push(...these);
    // Each store's first connection open before the race, so the migrations start together.
    await Promise.all(these.map((s) => s.cursor('warm-up').catch(() => null)));
    const results = await Promise.allSettled(these.map((s) => s.migrate()));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`store ${i + 1}: ${(r.reason as Error).message}`] : []));
    assert.deepEqual(failed, [], `round ${round + 1}: every concurrent migration succeeds`);
    const rows = await admin`SELECT version FROM ${admin(schema)}.schema_migrations ORDER BY version`;
    const versions = rows.map((r) => Number(r.version));
    assert.deepEqual(
      versions,
      Array.from({ length: versions.length }, (_, i) => i + 1),
      `round ${round + 1}: each version listed once`,
    );
    assert.ok(versions.length >= 5, `round ${round + 1}: every migration applied (${versions.length})`);
    // The store works after the race: a write and its read.
    const s = these[0] as PostgresStore;
    assert.equal(await s.cursor('none'), null);
  }
});
