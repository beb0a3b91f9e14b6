import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Coin } from '../../src/domain/ids.ts';
import { mapJson } from '../../src/engine/heatmap/document.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../store/pg.ts';
import { ALL_WHALES, getJson, listen, play, simulate, tempDir } from './fixture.ts';

/** The API over a PostgreSQL store answers as over SQLite: the engines' events and maps, and at=. */
const down = await pgUnreachable();
test('the API over PostgreSQL', {
  skip: down === null ? false : `PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`,
}, async () => {
  const { dir, cleanup } = tempDir('glass-api-pg-');
  const file = join(dir, 'sim.ndjson');
  simulate(file, { wallets: 300, hours: 2, seed: 7 });
  const store = await openStore(freshSchemaUrl('api'));
  try {
    await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
    const played = await play(file);
    const s = await listen({ view: new StoreView(store), store, open: true });
    try {
      const events = (await getJson(`${s.url}/v1/events?limit=1000`)).body as { items: { id: number; event: unknown }[] };
      assert.deepEqual(
        events.items.map((e) => e.event),
        JSON.parse(JSON.stringify(played.events)),
      );
      const v = played.heat.view('BTC');
      assert.ok(v !== null);
      assert.deepEqual((await getJson(`${s.url}/v1/heatmap/BTC`)).body, JSON.parse(JSON.stringify(mapJson(v, null))));
      const snaps = await store.heatmapHistory('SOL' as Coin, 0, Number.MAX_SAFE_INTEGER, 100_000);
      const mid = snaps[Math.floor(snaps.length / 2)];
      assert.ok(mid !== undefined);
      const then = await play(file, mid.time);
      const at = then.heat.view('SOL');
      assert.ok(at !== null);
      assert.deepEqual((await getJson(`${s.url}/v1/heatmap/SOL?at=${mid.time}`)).body, JSON.parse(JSON.stringify(mapJson(at, null))));
      const wallets = (await getJson(`${s.url}/v1/wallets?limit=5`)).body as { items: { wallet: string; score: number }[] };
      assert.deepEqual(
        wallets.items.map((w) => [w.wallet, w.score]),
        (await store.scores({ limit: 5 })).map((x) => [x.wallet, x.score]),
      );
    } finally {
      await s.app.close();
    }
  } finally {
    if (store instanceof PostgresStore) await store.dropSchema();
    await store.close();
    cleanup();
  }
});
