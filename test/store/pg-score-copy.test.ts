import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Wallet } from '../../src/domain/ids.ts';
import { COMPONENTS } from '../../src/engine/score/universe.ts';
import { scoreCopyBinary } from '../../src/store/pg-score-copy.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { ScoreRows } from '../../src/store/score-rows.ts';
import { packScores } from '../../src/store/sqlite-write.ts';
import type { ScoreRecord } from '../../src/store/types.ts';
import { freshSchemaUrl, pgUnreachable } from './pg.ts';

/**
 * The PostgreSQL writer's score rows: the binary COPY sends a batch's rows grouped by wallet id,
 * each wallet's rows in the order written (src/store/pg-score-copy.ts: what the server's index
 * insert costs; reads order within a wallet only, and score-packed.test.ts checks they read back
 * in the order written); a wallet's id comes back from the insert that adds it, or is read when
 * another writer added it first (src/store/pg-rows.ts, internWallets).
 */
const down = await pgUnreachable();
const rows = new ScoreRows();
const HEADER = 19;

function record(wallet: string, time: number, score: number): ScoreRecord {
  return rows.make(wallet as Wallet, time, Float64Array.from([score, 0.5, 3, ...COMPONENTS.map((_, i) => i + score / 10)]));
}

/** The binary COPY data's rows (between the 19-byte header and the 2-byte trailer), each as hex. */
function copyRows(b: Buffer, rowBytes: number): string[] {
  const body = b.subarray(HEADER, b.length - 2);
  assert.equal(body.length % rowBytes, 0);
  return Array.from({ length: body.length / rowBytes }, (_, i) => body.subarray(i * rowBytes, (i + 1) * rowBytes).toString('hex'));
}

// Ids as a store's first wallets have them (counted into place) and far apart (sorted).
for (const idOf of [
  [7, 2, 40, 5],
  [7_000_001, 2, 2_000_000_000, 5],
]) {
  test(`binary score COPY: rows grouped by wallet id, each wallet’s rows in the order written (ids ${idOf.join(', ')})`, () => {
    // Ticks of four wallets, each tick every wallet once (as the recorder writes them), ids not in
    // the rows' order, two rows of one wallet at one time.
    const wallets = ['0xc', '0xa', '0xd', '0xb'];
    const ids = new Map(wallets.map((w, i) => [w, idOf[i] as number]));
    const recs: ScoreRecord[] = [];
    let score = 0;
    for (const time of [100, 200, 200, 300]) for (const w of wallets) recs.push(record(w, time, score++));
    const walletIds = recs.map((r) => ids.get(r.wallet) as number);
    const data = scoreCopyBinary(packScores(recs), walletIds);
    assert.ok(data !== null);
    // Each row as it is encoded alone.
    const one = recs.map((r, i) => {
      const b = scoreCopyBinary(packScores([r]), [walletIds[i] as number]);
      assert.ok(b !== null);
      return b;
    });
    const rowBytes = (one[0] as Buffer).length - HEADER - 2;
    const want = recs
      .map((_, i) => i)
      .sort((a, b) => (walletIds[a] as number) - (walletIds[b] as number) || a - b)
      .map((i) => copyRows(one[i] as Buffer, rowBytes)[0]);
    assert.deepEqual(copyRows(data, rowBytes), want);
    assert.deepEqual(data.subarray(0, HEADER), (one[0] as Buffer).subarray(0, HEADER));
    assert.deepEqual(data.subarray(-2), Buffer.from([0xff, 0xff]));
    // Already in order: as they are.
    const sorted = [...recs].sort((a, b) => (ids.get(a.wallet) as number) - (ids.get(b.wallet) as number));
    const sortedIds = sorted.map((r) => ids.get(r.wallet) as number);
    assert.deepEqual(scoreCopyBinary(packScores(sorted), sortedIds), data);
  });
}

test('postgres: a writer’s batch naming wallets another writer added reads back (their ids read, not inserted)', {
  skip: down ?? false,
}, async () => {
  const url = freshSchemaUrl('intern');
  const first = new PostgresStore(url);
  await first.migrate();
  // Its own client: it has learnt no wallet id, and 0xa and 0xb are in the table already.
  const second = new PostgresStore(url);
  const cursor = (position: number) => ({ source: 's', position, ts: 1, nextEventId: 1, complete: false });
  const empty = { events: [], heatmaps: [], positions: [], grades: [] };
  try {
    await second.migrate();
    await first.write({ cursor: cursor(1), ...empty, scores: [record('0xa', 1, 1), record('0xb', 1, 2)] });
    await second.write({ cursor: cursor(2), ...empty, scores: [record('0xb', 2, 3), record('0xc', 2, 4), record('0xa', 2, 5)] });
    await first.write({ cursor: cursor(3), ...empty, scores: [record('0xc', 3, 6)] });
    const history = async (w: string) => (await first.scoreHistory(w as Wallet)).map((r) => [r.time, r.score]);
    assert.deepEqual(await history('0xa'), [
      [1, 1],
      [2, 5],
    ]);
    assert.deepEqual(await history('0xb'), [
      [1, 2],
      [2, 3],
    ]);
    assert.deepEqual(await history('0xc'), [
      [2, 4],
      [3, 6],
    ]);
  } finally {
    await first.dropSchema();
    await first.close();
    await second.close();
  }
});
