import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { attachEngines } from '../../src/cli/engines.ts';
import type { Wallet } from '../../src/domain/ids.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { type ReadItem, readRecordingBatches } from '../../src/recording/reader.ts';
import { EngineView } from '../../src/server/engine-view.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { ScoreRecord, Store } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../store/pg.ts';
import { ALL_WHALES, getJson, listen, simulate, tempDir } from './fixture.ts';

/**
 * /v1/wallets pages a list that moves while it is read (ingest writes new scores between two
 * pages): the first page pins the list, so following `next` lists each wallet once, in the order
 * and with the ranks of the list the first page was read from.
 */

const { dir, cleanup } = tempDir('glass-wallets-paging-');
after(() => cleanup());

type Page = { items: { rank: number; wallet: string; score: number; time: number }[]; next: string | null };

const wallet = (i: number) => `0x${i.toString(16).padStart(40, '0')}` as Wallet;
const record = (w: number, time: number, score: number): ScoreRecord => ({
  wallet: wallet(w),
  time,
  score,
  confidence: 0.5,
  trades: 3,
  components: { accuracy: score, riskAdjusted: 50, sizing: 50, behaviour: 50 },
});

let batchNo = 0;
async function write(store: Store, scores: ScoreRecord[]): Promise<void> {
  const n = ++batchNo;
  await store.write({ cursor: { source: 'paging', position: n, ts: n, nextEventId: 1 }, events: [], heatmaps: [], positions: [], scores });
}

async function pagingOverStore(store: Store): Promise<void> {
  // Tick 1: 60 wallets, scores 1 … 60 (the best last).
  await write(
    store,
    Array.from({ length: 60 }, (_, i) => record(i, 1000, i + 1)),
  );
  const s = await listen({ view: new StoreView(store), store, open: true });
  try {
    const first = (await getJson(`${s.url}/v1/wallets?limit=7`)).body as Page;
    const got = [...first.items];
    let next = first.next;
    let tick = 1;
    while (next !== null) {
      // Between every two pages a newer tick: the order turned upside down, new wallets on top.
      tick++;
      await write(store, [
        ...Array.from({ length: 60 }, (_, i) => record(i, tick * 1000, (tick % 2 === 0 ? 100 - i : i) + tick / 100)),
        record(1000 + tick, tick * 1000, 99.99),
      ]);
      const r = await getJson(`${s.url}/v1/wallets?limit=7&cursor=${next}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const b = r.body as Page;
      got.push(...b.items);
      next = b.next;
    }
    assert.ok(tick > 5, `${tick} ticks written while paging`);
    // The list as of the first page's time: each wallet once, best first, ranks 1 … 60.
    assert.deepEqual(
      got.map((w) => [w.rank, w.wallet, w.score, w.time]),
      Array.from({ length: 60 }, (_, k) => [k + 1, wallet(59 - k), 60 - k, 1000]),
    );
    // A new first page reads the newest list.
    const now = (await getJson(`${s.url}/v1/wallets?limit=200`)).body as Page;
    assert.equal(Math.max(...now.items.map((w) => w.time)), tick * 1000);
    assert.equal(now.items.length, 60 + tick - 1);
    // A cursor of another list is refused, naming the field.
    const bad = await getJson(`${s.url}/v1/wallets?cursor=${Buffer.from(JSON.stringify({ o: 3 })).toString('base64url')}`);
    assert.equal(bad.status, 400);
    assert.match((bad.body as { message: string }).message, /^querystring\/cursor /);
  } finally {
    await s.app.close();
  }
}

test('a store written between pages: SQLite', async () => {
  const store = await openStore(join(dir, 'paging.sqlite'));
  try {
    await pagingOverStore(store);
  } finally {
    await store.close();
  }
});

test('a store written between pages: PostgreSQL', async (t) => {
  const down = await pgUnreachable();
  if (down !== null) {
    t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  const store = await openStore(freshSchemaUrl('paging'));
  try {
    await pagingOverStore(store);
  } finally {
    if (store instanceof PostgresStore) await store.dropSchema();
    await store.close();
  }
});

test('running engines that move between pages: the first page’s table, each wallet once; asking changes nothing', async () => {
  const file = join(dir, 'sim.ndjson');
  simulate(file, { wallets: 300, hours: 2, seed: 11 });
  const items: ReadItem[] = [];
  for await (const b of readRecordingBatches(file)) items.push(...b);
  const pipeline = new Pipeline();
  const e = attachEngines(pipeline, ALL_WHALES);
  const store = await openStore(join(dir, 'engines.sqlite'));
  const view = new EngineView(() => ({ book: pipeline.book, heat: e.heat, score: e.score, policy: null }), new StoreView(store));
  const s = await listen({ view, store, open: true });
  try {
    // Fed until 40 wallets are scored, then paged 9 at a time with 300 lines fed between pages.
    let fed = 0;
    const scored = () => e.score.asIfEnded(() => e.score.table(1));
    while (fed < items.length && scored().length < 40) {
      for (const it of items.slice(fed, fed + 500)) pipeline.ingest(it);
      fed += 500;
    }
    const start = fed;
    const want = scored();
    assert.ok(want.length >= 40 && fed < items.length - 1500, `${want.length} wallets scored after ${fed} lines`);
    const first = (await getJson(`${s.url}/v1/wallets?limit=9`)).body as Page;
    const got = [...first.items];
    let next = first.next;
    while (next !== null) {
      // The engines go on between pages.
      for (const it of items.slice(fed, fed + 300)) pipeline.ingest(it);
      fed += 300;
      const b = (await getJson(`${s.url}/v1/wallets?limit=9&cursor=${next}`)).body as Page;
      got.push(...b.items);
      next = b.next;
    }
    assert.ok(fed >= start + 1200, 'the engines moved on while the list was paged');
    assert.notDeepEqual(scored(), want, 'the table moved meanwhile');
    assert.deepEqual(
      got.map((w) => [w.rank, w.wallet, w.score]),
      want.map((w, i) => [i + 1, w.wallet, w.score]),
    );
    for (const it of items.slice(fed)) pipeline.ingest(it);
    // Asking (pages, profiles) settled nothing for real: the engines end as engines never asked.
    await getJson(`${s.url}/v1/wallets/${want[0]?.wallet}`);
    const quiet = new Pipeline();
    const q = attachEngines(quiet, ALL_WHALES);
    for (const it of items) quiet.ingest(it);
    assert.deepEqual(e.score.table(1), q.score.table(1));
  } finally {
    await s.app.close();
    await store.close();
  }
});
