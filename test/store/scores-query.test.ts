import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Wallet } from '../../src/domain/ids.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { scoreOf } from '../../src/store/rows.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { ScoreRecord, Store } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';

/**
 * `SqliteStore.scores` (newest row per wallet by a walk along the wallet index) against the
 * window-function query it replaced, kept here as the oracle: same rows, same order, for any
 * history (equal times, a wallet whose newest row falls under minTrades or has 0 trades), `at`,
 * limit and offset.
 */
const ORACLE = `SELECT * FROM (
    SELECT s.*, a.address AS wallet, ROW_NUMBER() OVER (PARTITION BY s.wallet_id ORDER BY s.time DESC, s.id DESC) AS rn
    FROM scores s JOIN wallets a ON a.id = s.wallet_id WHERE s.time <= ?
  ) WHERE rn = 1 AND trades >= MAX(?, 1)
  ORDER BY score DESC, wallet LIMIT ? OFFSET ?`;

const rowArb = fc.record({
  wallet: fc.constantFrom('0xa', '0xb', '0xc', '0xd', '0xe'),
  time: fc.integer({ min: 0, max: 6 }),
  score: fc.constantFrom(10, 50, 50.5, 90),
  // 0: the wallet's score withdrawn from that time on (a row never listed).
  trades: fc.integer({ min: 0, max: 5 }),
});

type Row = { wallet: string; time: number; score: number; trades: number };

/** The batches written in turn (one transaction each, ids in order). */
async function writeAll(s: Store, batches: readonly (readonly Row[])[]): Promise<void> {
  for (const [i, rows] of batches.entries()) {
    const scores: ScoreRecord[] = rows.map((r) => ({
      wallet: r.wallet as Wallet,
      time: r.time,
      score: r.score,
      confidence: 0.5,
      trades: r.trades,
      components: { accuracy: r.score },
    }));
    await s.write({ cursor: { source: 'rec', position: i, ts: i, nextEventId: 1 }, events: [], heatmaps: [], positions: [], scores });
  }
}

const historyArb = fc.array(fc.array(rowArb, { maxLength: 6 }), { maxLength: 4 });
const queryArb = fc.record({
  at: fc.integer({ min: -1, max: 7 }),
  minTrades: fc.integer({ min: 0, max: 5 }),
  limit: fc.integer({ min: 1, max: 6 }),
  offset: fc.integer({ min: 0, max: 3 }),
});

test('scores(): the newest row per wallet at `at`, as the window query answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-scores-'));
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(historyArb, queryArb, async (batches, { at, minTrades, limit, offset }) => {
        const path = join(dir, `s${n++}.sqlite`);
        const s = new SqliteStore(path, { writerThread: false });
        await s.migrate();
        const oracle = new DatabaseSync(path);
        try {
          await writeAll(s, batches);
          const got = await s.scores({ at, minTrades, limit, afterRank: offset });
          assert.deepEqual(got, oracle.prepare(ORACLE).all(at, minTrades, limit, offset).map(scoreOf));
          // No `at`: the newest of all.
          const all = oracle.prepare(ORACLE).all(Number.MAX_SAFE_INTEGER, 0, 100, 0).map(scoreOf);
          assert.deepEqual(await s.scores({ limit: 100 }), all);
        } finally {
          oracle.close();
          await s.close();
        }
      }),
      { numRuns: 150 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const down = await pgUnreachable();
test('scores() on PostgreSQL answers as the window query over the same history (SQLite as the oracle)', async (t) => {
  if (down !== null) {
    t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glass-scores-'));
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(historyArb, queryArb, async (batches, { at, minTrades, limit, offset }) => {
        const path = join(dir, `s${n++}.sqlite`);
        const lite = new SqliteStore(path, { writerThread: false });
        const pg = new PostgresStore(freshSchemaUrl('scores'), { max: 1, writerThread: false });
        await lite.migrate();
        await pg.migrate();
        const oracle = new DatabaseSync(path);
        try {
          await writeAll(lite, batches);
          await writeAll(pg, batches);
          const want = oracle.prepare(ORACLE).all(at, minTrades, limit, offset).map(scoreOf);
          assert.deepEqual(await pg.scores({ at, minTrades, limit, afterRank: offset }), want);
          const all = oracle.prepare(ORACLE).all(Number.MAX_SAFE_INTEGER, 0, 100, 0).map(scoreOf);
          assert.deepEqual(await pg.scores({ limit: 100 }), all);
        } finally {
          oracle.close();
          await lite.close();
          await pg.dropSchema();
          await pg.close();
        }
      }),
      { numRuns: 30 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
