import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import postgres from 'postgres';
import type { Coin } from '../../src/domain/ids.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { EventRecord, GradeRecord, HeatmapSnapshotRecord } from '../../src/store/types.ts';
import { freshSchemaUrl, pgUnreachable } from './pg.ts';

/**
 * The JSON texts PostgreSQL keeps (events, maps, grades) go to the server as JSON strings, not as
 * JSON values (src/store/pg-rows.ts `stringText`): what comes back from the columns must be the
 * text written, byte for byte, whatever the strings inside it (quotes, backslashes, `\u` escapes of
 * NUL and of lone surrogates, line separators, astral characters, controls).
 */
const down = await pgUnreachable();
const tricky = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    '"',
    '\\',
    '\\u0000',
    '\u0000',
    '\ud800',
    '\udc00x',
    '\u2028\u2029',
    '🙂',
    '\n\t\r\u0001\u001f',
    "'; DROP TABLE events; --",
    'é',
  ),
);

test('event, map and grade texts come back from PostgreSQL as written, byte for byte', { skip: down ?? false }, async () => {
  const texts = fc.sample(fc.array(tricky, { minLength: 1, maxLength: 4 }), { numRuns: 60, seed: 11 });
  const docs = texts.map((a, i) => JSON.stringify({ i, a, nested: { a } }));
  for (const writerThread of [true, false]) {
    const url = freshSchemaUrl('text');
    const store = new PostgresStore(url, { writerThread });
    await store.migrate();
    try {
      const events: EventRecord[] = docs.map((d, i) => ({
        id: i + 1,
        type: 'ZONE_FORMED',
        coin: 'BTC' as Coin,
        time: i,
        receivedAt: i,
        detectedAt: i,
        payload: d,
        get event(): never {
          throw new Error('not read');
        },
      }));
      const heatmaps: HeatmapSnapshotRecord[] = docs.map((d, i) => ({
        coin: 'BTC' as Coin,
        time: i,
        reason: 'cadence',
        json: d,
        get map(): never {
          throw new Error('not read');
        },
      }));
      const grades = docs.map(
        (d, i): GradeRecord => ({
          grade: {
            id: `g${i}`,
            type: 'ZONE_FORMED',
            coin: 'BTC',
            time: i,
            horizonEnd: i,
            hit: true,
            baseline: null,
          } as unknown as GradeRecord['grade'],
          json: d,
        }),
      );
      await store.write({
        cursor: { source: 's', position: 1, ts: 1, nextEventId: docs.length + 1, complete: true },
        events,
        heatmaps,
        positions: [],
        scores: [],
        grades,
      });
      const u = new URL(url);
      const schema = u.searchParams.get('schema') as string;
      u.searchParams.delete('schema');
      const sql = postgres(u.toString(), { onnotice: () => {}, connection: { search_path: schema } });
      try {
        const got = async (q: string) => (await sql.unsafe(q)).map((r) => r.t as string);
        assert.deepEqual(await got('SELECT payload AS t FROM events ORDER BY id'), docs, `events (writer thread: ${writerThread})`);
        assert.deepEqual(await got('SELECT map AS t FROM heatmap_snapshots ORDER BY id'), docs, `maps (writer thread: ${writerThread})`);
        assert.deepEqual(await got('SELECT grade AS t FROM ledger_grades ORDER BY id'), docs, `grades (writer thread: ${writerThread})`);
      } finally {
        await sql.end();
      }
    } finally {
      await store.dropSchema();
      await store.close();
    }
  }
});
