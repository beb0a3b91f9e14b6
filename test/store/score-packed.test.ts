import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import fc from 'fast-check';
import postgres from 'postgres';
import type { Wallet } from '../../src/domain/ids.ts';
import { COMPONENTS } from '../../src/engine/score/universe.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { componentsText, ScoreRows } from '../../src/store/score-rows.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/types.ts';
import { freshSchemaUrl, pgUnreachable } from './pg.ts';

/**
 * The recorder's score rows (score-rows.ts) go to a store's writer thread as numbers and are
 * stored with their components packed (migration 007; PostgreSQL by binary COPY straight from the
 * numbers, src/store/pg-score-copy.ts); without the writer thread they go as text, as any other
 * record does. Both must read back as the text path's rows do: −0 as 0, NaN and ±Infinity as
 * themselves in the score, as null in the components (as the components' JSON text has them),
 * times past 2^32 and below 0 included, two records of a wallet at one time in the order written.
 */
const down = await pgUnreachable();
const wallets = ['0xa', '0xb', "0x'; DROP TABLE scores; --", '0x<script>alert(1)</script>'];
const special = [Number.NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, 1e21];

/**
 * 300 records and each wallet's history as the text path stores it (its records by time, two at
 * one time in the order written). `nanScores` false: no NaN score or confidence (SQLite stores a
 * NaN as NULL and refuses it in those columns, on either path, as it always did).
 */
function sample(nanScores: boolean) {
  const any = fc.oneof(fc.double(), fc.constantFrom(...special));
  const num = nanScores ? any : fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(...special.slice(1)));
  const recs = fc.sample(
    fc.record({
      wallet: fc.constantFrom(...wallets),
      time: fc.oneof(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 32 - 1, -1),
      ),
      trades: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      score: num,
      confidence: num,
      components: fc.array(any, { minLength: COMPONENTS.length, maxLength: COMPONENTS.length }),
    }),
    { numRuns: 300, seed: 8 },
  );
  const made = recs.map((r) =>
    rows.make(r.wallet as Wallet, r.time, Float64Array.from([r.score, r.confidence, r.trades, ...r.components])),
  );
  const norm = (x: number) => (Object.is(x, -0) ? 0 : x);
  const want = (wallet: string) =>
    made
      .filter((m) => m.wallet === wallet)
      .sort((a, b) => a.time - b.time)
      .map((m) => ({
        wallet,
        time: m.time,
        score: norm(m.score),
        confidence: norm(m.confidence),
        trades: m.trades,
        components: JSON.parse(componentsText(m.nums, m.at)),
      }));
  return { made, want, newest: Math.max(...recs.map((r) => r.time)) };
}
const rows = new ScoreRows();
const empty = { events: [], heatmaps: [], positions: [], grades: [] };

/** Writes the records in two batches (the second's wallets partly numbered by the first), checks the reads. */
async function check(store: Store, label: string, nanScores: boolean): Promise<number> {
  const { made, want, newest } = sample(nanScores);
  await store.write({ cursor: { source: 's', position: 1, ts: 1, nextEventId: 1, complete: false }, ...empty, scores: made.slice(0, 120) });
  await store.write({ cursor: { source: 's', position: 2, ts: 1, nextEventId: 1, complete: false }, ...empty, scores: made.slice(120) });
  for (const w of wallets) assert.deepEqual(await store.scoreHistory(w as Wallet), want(w), `${w}, ${label}`);
  // The newest score time (score_times, migration 007) is the rows' newest.
  assert.equal(await store.latestScoreTime(), newest, label);
  return made.length;
}

for (const writerThread of [true, false]) {
  test(`sqlite (writer thread: ${writerThread}): the recorder’s score rows read back as the text path’s`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glass-packed-'));
    const path = join(dir, 's.sqlite');
    const store = new SqliteStore(path, { writerThread });
    try {
      await store.migrate();
      const written = await check(store, `sqlite, writer thread: ${writerThread}`, false);
      // A time that is not an integer is kept, as SQLite kept it before 007 (PostgreSQL's bigint refuses it).
      const odd = rows.make('0xodd' as Wallet, 1.5, new Float64Array(2 + COMPONENTS.length + 1));
      await store.write({ cursor: { source: 's', position: 3, ts: 1, nextEventId: 1, complete: false }, ...empty, scores: [odd] });
      assert.deepEqual(
        (await store.scoreHistory('0xodd' as Wallet)).map((r) => r.time),
        [1.5],
      );
      const db = new DatabaseSync(path, { readOnly: true });
      const n = db.prepare('SELECT COUNT(components_packed) AS packed, COUNT(components) AS text FROM scores').get();
      db.close();
      assert.deepEqual({ ...n }, writerThread ? { packed: written + 1, text: 0 } : { packed: 0, text: written + 1 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`postgres (writer thread: ${writerThread}): the recorder’s score rows read back as the text path’s`, {
    skip: down ?? false,
  }, async () => {
    const url = freshSchemaUrl('packed');
    const store = new PostgresStore(url, { writerThread });
    await store.migrate();
    try {
      const written = await check(store, `postgres, writer thread: ${writerThread}`, true);
      // A time that is not an integer is refused, with or without binary COPY.
      const bad = rows.make('0xa' as Wallet, 1.5, new Float64Array(2 + COMPONENTS.length + 1));
      await assert.rejects(
        store.write({ cursor: { source: 's', position: 3, ts: 1, nextEventId: 1, complete: true }, ...empty, scores: [bad] }),
        /bigint/,
      );
      const u = new URL(url);
      const schema = u.searchParams.get('schema') as string;
      u.searchParams.delete('schema');
      const sql = postgres(u.toString(), { onnotice: () => {}, connection: { search_path: schema } });
      try {
        const [n] = await sql`SELECT COUNT(components_packed)::int AS packed, COUNT(components)::int AS text FROM scores`;
        assert.deepEqual({ ...n }, writerThread ? { packed: written, text: 0 } : { packed: 0, text: written });
      } finally {
        await sql.end();
      }
    } finally {
      await store.dropSchema();
      await store.close();
    }
  });
}

test('postgres: a source writing a tick another source’s open transaction also wrote does not wait for it', {
  skip: down ?? false,
  timeout: 30_000,
}, async () => {
  const url = freshSchemaUrl('ticks');
  const store = new PostgresStore(url);
  await store.migrate();
  const u = new URL(url);
  const schema = u.searchParams.get('schema') as string;
  u.searchParams.delete('schema');
  const other = postgres(u.toString(), { onnotice: () => {}, connection: { search_path: schema }, max: 1 });
  try {
    const { made } = sample(true);
    const tick = made[0]?.time as number;
    // Another source's batch holding the same tick, its transaction open until this store's write has committed:
    // were score_times keyed (ON CONFLICT), the write would wait for it and the test would never end.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inside: () => void = () => {};
    const opened = new Promise<void>((r) => {
      inside = r;
    });
    const tx = other.begin(async (t) => {
      await t`INSERT INTO score_times VALUES (${tick})`;
      inside();
      await held;
    });
    await opened;
    await store.write({ cursor: { source: 'b', position: 1, ts: 1, nextEventId: 1, complete: false }, ...empty, scores: made.slice(0, 1) });
    release();
    await tx;
    assert.equal(await store.latestScoreTime(), tick);
  } finally {
    await other.end();
    await store.dropSchema();
    await store.close();
  }
});

for (const writerThread of [true, false]) {
  test(`sqlite (writer thread: ${writerThread}): ticks of many rows (whole statements of rows and the rest) read back as written`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glass-ticks-'));
    const path = join(dir, 's.sqlite');
    const store = new SqliteStore(path, { writerThread });
    try {
      await store.migrate();
      // Ticks of 75, 32, 33, 1 and 64 rows; each tick's wallets partly new (first seen mid-run), a
      // wallet more than once in one tick, within one statement's 32 rows too (its rows' order is
      // what its history reads back: the second at one time is the later).
      const sizes = [75, 32, 33, 1, 64];
      const made = sizes.flatMap((n, t) =>
        Array.from({ length: n }, (_, i) => {
          const w = `0x${i % 8 === 3 ? 'same' : ((i * 7 + t * 13) % (40 + 10 * t)).toString(16)}` as Wallet;
          return rows.make(w, (t + 1) * 300_000, Float64Array.from([i + t / 10, 0.5, i, 10 * t, -i, i / 3, -0]));
        }),
      );
      const half = 75 + 20;
      await store.write({
        cursor: { source: 's', position: 1, ts: 1, nextEventId: 1, complete: false },
        ...empty,
        scores: made.slice(0, half),
      });
      await store.write({
        cursor: { source: 's', position: 2, ts: 1, nextEventId: 1, complete: false },
        ...empty,
        scores: made.slice(half),
      });
      const byWallet = new Map<string, typeof made>();
      for (const m of made) byWallet.set(m.wallet, [...(byWallet.get(m.wallet) ?? []), m]);
      for (const [w, ms] of byWallet) {
        const got = await store.scoreHistory(w as Wallet);
        assert.deepEqual(
          got.map((r) => [r.time, r.score, r.trades, r.components]),
          ms.map((m) => [m.time, m.score, m.trades, JSON.parse(componentsText(m.nums, m.at))]),
          w,
        );
      }
      assert.equal(await store.latestScoreTime(), sizes.length * 300_000);
      const db = new DatabaseSync(path, { readOnly: true });
      const n = db.prepare('SELECT COUNT(*) AS rows, (SELECT COUNT(*) FROM score_times) AS times FROM scores').get();
      db.close();
      // A time once per batch that holds it (the second tick's rows are split between the two writes).
      assert.deepEqual({ ...n }, { rows: made.length, times: sizes.length + 1 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
