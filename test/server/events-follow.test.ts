import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ReadItem } from '../../src/recording/reader.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { ALL_WHALES, getJson, listen, simulate, tempDir } from './fixture.ts';

/**
 * Following the log by polling GET /v1/events with `follow`: a store that grows while the client
 * polls (a run stopped halfway, then resumed, as a serving replay writes it) gives each event once,
 * in id order, and an empty page with the same `follow` when nothing is new.
 */
const { dir, cleanup } = tempDir('glass-follow-');
const file = join(dir, 'sim.ndjson');
let store: Store;
let server: { app: { close(): Promise<unknown> }; url: string };

type Page = { items: { id: number; type: string; coin: string | null }[]; next: string | null; follow: string };

/** The recording's first `n` batches only (then the input "stops"). */
async function* firstBatches(n: number): AsyncIterable<readonly ReadItem[]> {
  let i = 0;
  for await (const b of readRecordingBatches(file)) {
    if (i++ >= n) return;
    yield b;
  }
}

before(async () => {
  simulate(file, { wallets: 200, hours: 2, seed: 23 });
  store = await openStore(join(dir, 's.sqlite'));
  // Half the recording, stopped: the cursor stays open and a later ingest resumes after it.
  await ingest(store, firstBatches(3), file, { whales: ALL_WHALES, stopped: () => true });
  server = await listen({ view: new StoreView(store), store, open: true });
});

after(async () => {
  await server.app.close();
  await store.close();
  cleanup();
});

async function page(query: string): Promise<Page> {
  const r = await getJson(`${server.url}/v1/events?${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Page;
}

/** Polls with `follow` until a page comes back empty: every item seen, and the follow cursor to poll with next. */
async function drain(query: string, cursor: string | null): Promise<{ ids: number[]; follow: string }> {
  const ids: number[] = [];
  let at = cursor;
  for (let i = 0; i < 10_000; i++) {
    const p = await page(`${query}${at === null ? '' : `&cursor=${at}`}`);
    if (p.items.length === 0) {
      // Nothing new: the same place to poll from again.
      if (at !== null) assert.equal(p.follow, at);
      return { ids, follow: p.follow };
    }
    ids.push(...p.items.map((e) => e.id));
    at = p.follow;
  }
  throw new Error('the log did not end');
}

test('polling /v1/events with follow gets every event once, in order, while the store grows', async () => {
  const first = await drain('limit=7', null);
  const before = await store.lastEventId();
  assert.ok(before > 20, `${before} events in the first half`);
  assert.deepEqual(
    first.ids,
    Array.from({ length: before }, (_, i) => i + 1),
  );
  // The last page of a list still ends it (next null); follow goes on from it.
  const last = await page('limit=1000');
  assert.equal(last.next, null);
  assert.ok(last.follow.length > 0);

  // The run resumes and writes the rest; the same follow cursor now reads exactly the new events.
  await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
  const total = await store.lastEventId();
  assert.ok(total > before, `${total} events after resuming`);
  const rest = await drain('limit=7', first.follow);
  assert.deepEqual(
    rest.ids,
    Array.from({ length: total - before }, (_, i) => before + i + 1),
  );
  const again = await page(`limit=7&cursor=${rest.follow}`);
  assert.deepEqual(again.items, []);
  assert.equal(again.follow, rest.follow);
});

test('a filtered follow gets the matching events only, each once', async () => {
  const all = (await store.events({ afterId: 0, limit: 1_000_000 })).filter((e) => e.type === 'ZONE_FORMED' && e.coin === 'BTC');
  assert.ok(all.length > 1);
  const got = await drain('type=ZONE_FORMED&coin=BTC&limit=2', null);
  assert.deepEqual(
    got.ids,
    all.map((e) => e.id),
  );
});
