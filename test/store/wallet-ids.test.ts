import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import postgres from 'postgres';
import type { Wallet } from '../../src/domain/ids.ts';
import { migrations } from '../../src/store/migrations.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { ScoreRecord, Store } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';

/**
 * Migration 006 interns wallet addresses (score rows carry a wallet id): a store written before it
 * keeps every score row, read back by address as before, and writes after it go on for old and new
 * wallets alike, in either dialect.
 */

const A = '0xaaaa000000000000000000000000000000000001';
const B = "0xbbbb'; DROP TABLE wallets; --";
const C = '0xcccc000000000000000000000000000000000003';
const OLD: readonly (readonly [string, number, number, number, string])[] = [
  [A, 1000, 40, 3, '{"accuracy":40}'],
  [B, 1000, 60, 5, '{"accuracy":60}'],
  [A, 2000, 45, 4, '{"accuracy":45.5}'],
];

function record(wallet: string, time: number, score: number, trades: number, components: Record<string, number>): ScoreRecord {
  return { wallet: wallet as Wallet, time, score, confidence: 0.5, trades, components };
}

/** What a store holds after OLD (written before 006) and one batch written after it. */
async function checkMigrated(s: Store): Promise<void> {
  // The newest score time (PostgreSQL: score_times, filled from the old rows by migration 007).
  assert.equal(await s.latestScoreTime(), 2000);
  assert.deepEqual(
    (await s.scoreHistory(A as Wallet)).map((r) => [r.wallet, r.time, r.score, r.trades, r.components]),
    [
      [A, 1000, 40, 3, { accuracy: 40 }],
      [A, 2000, 45, 4, { accuracy: 45.5 }],
    ],
  );
  assert.deepEqual(
    (await s.scores({ limit: 10 })).map((r) => [r.wallet, r.score]),
    [
      [B, 60],
      [A, 45],
    ],
  );
  await s.write({
    cursor: { source: 'after', position: 1, ts: 3000, nextEventId: 1 },
    events: [],
    heatmaps: [],
    positions: [],
    scores: [record(B, 3000, 70, 6, { accuracy: 70 }), record(C, 3000, 80, 2, { accuracy: 80 })],
  });
  assert.equal(await s.latestScoreTime(), 3000);
  assert.deepEqual(
    (await s.scores({ limit: 10 })).map((r) => [r.wallet, r.score]),
    [
      [C, 80],
      [B, 70],
      [A, 45],
    ],
  );
  assert.deepEqual(
    (await s.scores({ limit: 10, at: 2500 })).map((r) => [r.wallet, r.score]),
    [
      [B, 60],
      [A, 45],
    ],
  );
  assert.deepEqual(
    (await s.scoreHistory(B as Wallet)).map((r) => r.score),
    [60, 70],
  );
}

const dir = mkdtempSync(join(tmpdir(), 'glass-wallet-ids-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sqlite: score rows written before wallet ids (migration 006) are kept and read by address; writes go on', async () => {
  const path = join(dir, 'old.sqlite');
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of migrations('sqlite').filter((m) => m.version < 6)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
  }
  const ins = db.prepare('INSERT INTO scores (wallet, time, score, confidence, trades, components) VALUES (?, ?, ?, 0.5, ?, ?)');
  for (const r of OLD) ins.run(...r);
  db.close();
  for (const writerThread of [false, true]) {
    const copy = join(dir, `old-${writerThread}.sqlite`);
    const src = new DatabaseSync(path);
    src.exec(`VACUUM INTO '${copy}'`);
    src.close();
    const s = new SqliteStore(copy, { writerThread });
    await s.migrate();
    try {
      await checkMigrated(s);
    } finally {
      await s.close();
    }
  }
});

const down = await pgUnreachable();
test('postgres: score rows written before wallet ids (migration 006) are kept and read by address; writes go on', async (t) => {
  if (down !== null) {
    t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  for (const writerThread of [false, true]) {
    const url = freshSchemaUrl('walletids');
    const schema = new URL(url).searchParams.get('schema') as string;
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
    const s = new PostgresStore(url, { max: 2, writerThread });
    try {
      await admin`CREATE SCHEMA ${admin(schema)}`;
      await admin.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
        await tx`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
        for (const m of migrations('postgres').filter((m) => m.version < 6)) {
          await tx.unsafe(m.sql);
          await tx`INSERT INTO schema_migrations VALUES (${m.version}, ${m.name}, 0)`;
        }
        for (const [wallet, time, score, trades, components] of OLD) {
          await tx`INSERT INTO scores (wallet, time, score, confidence, trades, components) VALUES (${wallet}, ${time}, ${score}, 0.5, ${trades}, ${components})`;
        }
      });
      await s.migrate();
      await checkMigrated(s);
    } finally {
      await s.dropSchema();
      await s.close();
      await admin.end();
    }
  }
});
