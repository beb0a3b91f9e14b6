import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import postgres from 'postgres';
import type { Coin, Wallet } from '../../src/domain/ids.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { EventRecord, GradeRecord, HeatmapSnapshotRecord } from '../../src/store/types.ts';
import { freshSchemaUrl, pgUnreachable } from './pg.ts';

/**
 * The JSON texts PostgreSQL keeps (events, maps, grades) go to the server in COPY's text format, or
 * as JSON strings where COPY cannot take them (src/store/pg-rows.ts `copyable`, `stringText`): what comes back from the columns must be the
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
  // The last ones are not JSON: what COPY's text format escapes or reads specially (a tab, a line
  // end, a backslash, `\N` for null, `\.` for the end of the data) stays as written too.
  const docs = [...texts.map((a, i) => JSON.stringify({ i, a, nested: { a } })), 'a\tb\nc\r\\d\\t', '\\N', '\\.', '\\.\n\\.'];
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

/**
 * Numbers go to PostgreSQL as JavaScript writes them (`String(x)`: the shortest text that reads back
 * as the same double; NaN and ±Infinity by name, as float8 reads them) in COPY's text as they did
 * in `json_to_recordset`'s JSON: each float column must come back as the double written, null as
 * null. (−0 is written as `0`, as it was.)
 */
test('position and score numbers come back from PostgreSQL as the doubles written', { skip: down ?? false }, async () => {
  const double = fc.oneof(
    fc.double(),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, 0.1 + 0.2, 1e21, 1e-7),
  );
  const xs = fc.sample(fc.tuple(double, double, fc.option(double), double, fc.option(double)), { numRuns: 200, seed: 5 });
  const norm = (x: number | null) => (Object.is(x, -0) ? 0 : x);
  const url = freshSchemaUrl('nums');
  const store = new PostgresStore(url);
  await store.migrate();
  try {
    await store.write({
      cursor: { source: 's', position: 1, ts: 1, nextEventId: 1, complete: true },
      events: [],
      heatmaps: [],
      positions: xs.map(([szi, entryPx, liquidationPx, notionalUsd, leverage], i) => ({
        wallet: `0x${i}` as Wallet,
        coin: 'BTC' as Coin,
        time: i,
        szi,
        entryPx,
        liquidationPx,
        notionalUsd,
        leverage,
        estimated: i % 2 === 0,
      })),
      scores: xs.map(([score, confidence], i) => ({
        wallet: `0x${i}` as Wallet,
        time: i,
        score,
        confidence,
        trades: i,
        components: { a: 1 },
      })),
      grades: [],
    });
    const u = new URL(url);
    const schema = u.searchParams.get('schema') as string;
    u.searchParams.delete('schema');
    const sql = postgres(u.toString(), { onnotice: () => {}, connection: { search_path: schema } });
    try {
      const pos = await sql`SELECT szi, entry_px, liquidation_px, notional_usd, leverage, estimated FROM position_snapshots ORDER BY id`;
      assert.deepEqual(
        pos.map((r) => [r.szi, r.entry_px, r.liquidation_px, r.notional_usd, r.leverage, r.estimated]),
        xs.map(([a, b, c, d, e], i) => [norm(a), norm(b), norm(c), norm(d), norm(e), i % 2 === 0]),
      );
      const sc = await sql`SELECT score, confidence, trades, components FROM scores ORDER BY id`;
      assert.deepEqual(
        sc.map((r) => [r.score, r.confidence, r.trades, r.components]),
        xs.map(([a, b], i) => [norm(a), norm(b), i, '{"a":1}']),
      );
    } finally {
      await sql.end();
    }
  } finally {
    await store.dropSchema();
    await store.close();
  }
});
