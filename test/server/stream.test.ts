import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { GlassEvent, GlassEventType } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import type { HeatmapT } from '../../src/server/schemas.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { StreamHub, viewSource } from '../../src/server/stream.ts';
import { tapStore } from '../../src/server/tapped-store.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord, Store } from '../../src/store/types.ts';
import { getJson, listen, type StreamTestClient, streamClient, tempDir } from './fixture.ts';

const { dir, cleanup } = tempDir('glass-stream-');
let store: Store;
let hub: StreamHub;
let write: Store['write'];
let url: string;
let close: () => Promise<unknown>;
let nextId = 1;
const T0 = 1_767_225_600_000;

/** A Glass event as the engines emit it; `pad` makes it larger. */
function event(id: number, type: GlassEventType, pad: number): EventRecord {
  const coin = (id % 3 === 0 ? 'ETH' : 'BTC') as Coin;
  const e = {
    id: `${type}:${coin}:${id}`,
    type,
    time: T0 + id,
    coin,
    severity: 'info',
    zone: { side: 'LONG_LIQ', lo: 90_000, hi: 90_100, peakPx: 90_050, notionalUsd: id, wallets: 1, distancePct: -1 },
    markPx: 95_000,
    probability: 0.1,
    liquidatedUsd: null,
    note: 'x'.repeat(pad),
  } as unknown as GlassEvent;
  return { id, type, coin, time: T0 + id, receivedAt: T0 + id, detectedAt: Date.now(), event: e };
}

/** Commits `n` events through the store the serving engines write through (one batch). */
async function emit(n: number, pad = 0, types: readonly GlassEventType[] = ['ZONE_FORMED', 'ZONE_SWEPT']): Promise<number> {
  const events: EventRecord[] = [];
  for (let i = 0; i < n; i++, nextId++) events.push(event(nextId, types[nextId % types.length] as GlassEventType, pad));
  await write({
    cursor: { source: 'stream-test', position: nextId, ts: T0 + nextId, nextEventId: nextId },
    events,
    heatmaps: [],
    positions: [],
    scores: [],
  });
  return nextId - 1;
}

type Client = StreamTestClient;

const connect = (path: string): Promise<Client> => streamClient(`${url.replace('http', 'ws')}${path}`, 20_000);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const lastId = (c: Client) => c.ids().at(-1) ?? 0;

before(async () => {
  store = await openStore(join(dir, 'glass.sqlite'));
  const metrics = new ServiceMetrics();
  const view = new StoreView(store);
  // A small ring and buffer: resuming reaches back into the store, a stalled reader overflows soon.
  hub = new StreamHub(viewSource(view), { ringSize: 20, maxBufferedBytes: 256 * 1024, catchUpPage: 7 }, metrics);
  write = tapStore(store, hub, metrics, false).store.write;
  const s = await listen({ view, store, open: true, hub, metrics });
  url = s.url;
  close = () => s.app.close();
});
after(async () => {
  await close();
  await store.close();
  cleanup();
});

describe('/v1/stream', () => {
  test('a client that reconnects with its last id gets every missed event in order (store, then ring), then live', async () => {
    const first = await connect(`/v1/stream?after=${nextId - 1}`);
    const start = nextId;
    const end1 = await emit(10);
    await first.until(() => lastId(first) === end1, 'the first ten');
    assert.deepEqual(first.ids(), range(start, end1));
    first.ws.close();
    await first.closed;
    // Missed while away: 50 events, more than the ring holds (the oldest come from the store).
    for (let i = 0; i < 5; i++) await emit(10);
    const missedEnd = nextId - 1;
    const again = await connect(`/v1/stream?after=${end1}`);
    await again.until((m) => m.some((x) => x['kind'] === 'live'), 'live');
    const live = again.messages.findIndex((x) => x['kind'] === 'live');
    assert.equal(again.messages[live]?.['id'], missedEnd);
    const end2 = await emit(5);
    await again.until(() => lastId(again) === end2, 'the live five');
    assert.deepEqual(again.ids(), range(end1 + 1, end2));
    // Every event message carries its id and the event as the store holds it; those the ring
    // held (published live) also the hop they left at, those read back from the store do not.
    const stored = await store.events({ afterId: end1, limit: 1000 });
    const events = again.messages.filter((m) => m['kind'] === 'event');
    assert.deepEqual(
      events.map(({ kind: _k, publishedAt: _p, ...r }) => r),
      JSON.parse(JSON.stringify(stored)),
    );
    const ringFrom = missedEnd - 20 + 1;
    for (const m of events) {
      if ((m['id'] as number) >= ringFrom)
        assert.ok((m['publishedAt'] as number) >= (m['detectedAt'] as number), `id ${m['id']}: publishedAt`);
      else assert.equal(m['publishedAt'], undefined, `id ${m['id']} came from the store`);
    }
    again.ws.close();
  });

  test('subscribe by type and coin with a message; resuming keeps the filter', async () => {
    const from = nextId - 1;
    await emit(30, 0, ['ZONE_FORMED', 'ZONE_SWEPT', 'ZONE_APPROACHED']);
    const c = await connect('/v1/stream');
    c.ws.send(JSON.stringify({ op: 'subscribe', after: from, types: ['ZONE_SWEPT'], coins: ['BTC'] }));
    await c.until((m) => m.some((x) => x['kind'] === 'live'), 'live');
    const end = await emit(9, 0, ['ZONE_FORMED', 'ZONE_SWEPT', 'ZONE_APPROACHED']);
    const want = (await store.events({ afterId: from, limit: 1000, types: ['ZONE_SWEPT'], coin: 'BTC' as Coin })).map((e) => e.id);
    assert.ok(want.length > 3 && (want.at(-1) as number) > end - 9);
    await c.until(() => lastId(c) === want.at(-1), 'the filtered events');
    assert.deepEqual(c.ids(), want);
    c.ws.send(JSON.stringify({ op: 'subscribe', types: ['NOPE'] }));
    await c.until((m) => m.some((x) => x['kind'] === 'error'), 'an error');
    assert.match(String(c.messages.find((x) => x['kind'] === 'error')?.['message']), /^subscribe\/types\/0 /);
    c.ws.send('not json');
    await c.until((m) => m.filter((x) => x['kind'] === 'error').length === 2, 'a second error');
    c.ws.close();
  });

  test('a bad query string is refused before the upgrade, naming the field', async () => {
    const r = await getJson(`${url}/v1/stream?after=-3`);
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /^querystring\/after must be >= 0$/);
  });

  test('a client that stops reading is closed with 1008 and its resume id; the others keep receiving', async () => {
    const from = nextId - 1;
    const slow = await connect(`/v1/stream?after=${from}`);
    const normal = await connect(`/v1/stream?after=${from}`);
    // The slow client stops reading its socket: the server's buffer for it can only grow.
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    const before = hub.size;
    let sent = 0;
    while (hub.size === before) {
      await emit(100, 2000);
      sent += 100 * 2000;
      await tick();
      assert.ok(sent < 400e6, 'the slow client was never cut');
    }
    const end = await emit(50, 2000);
    await normal.until(() => lastId(normal) === end, 'every event');
    assert.deepEqual(normal.ids(), range(from + 1, end));
    // Reading again, the slow client gets what was queued before the close frame, then the reason.
    raw.resume();
    const { code, reason } = await slow.closed;
    assert.equal(code, 1008);
    const m = /^slow consumer: resume from id (\d+)$/.exec(reason);
    assert.ok(m !== null, reason);
    const resumeFrom = Number(m[1]);
    assert.deepEqual(slow.ids(), range(from + 1, resumeFrom));
    assert.ok(resumeFrom < end);
    // … and resuming from it misses nothing.
    const back = await connect(`/v1/stream?after=${resumeFrom}`);
    await back.until(() => lastId(back) === end, 'the rest');
    assert.deepEqual(back.ids(), range(resumeFrom + 1, end));
    back.ws.close();
    normal.ws.close();
    const metrics = (await getJson(`${url}/v1/metrics`)).body as string;
    assert.match(metrics, /^glass_ws_slow_closed_total 1$/m);
  });

  test('heatmap deltas: the map in full, then only the buckets that changed', async () => {
    const map: HeatmapT = {
      coin: 'BTC',
      time: T0,
      markPx: 95_000,
      bucketWidth: 100,
      buckets: [
        { lo: 90_000, hi: 90_100, longLiqUsd: 10, shortLiqUsd: 0 },
        { lo: 99_000, hi: 99_100, longLiqUsd: 0, shortLiqUsd: 5 },
      ],
      zones: [],
    };
    await write({
      cursor: { source: 'stream-test', position: nextId, ts: T0, nextEventId: nextId },
      events: [],
      heatmaps: [{ coin: 'BTC' as Coin, time: T0, reason: 'cadence', map: map as unknown as Record<string, unknown> }],
      positions: [],
      scores: [],
    });
    const c = await connect('/v1/stream?heatmap=BTC&types=ZONE_SWEPT');
    await c.until((m) => m.some((x) => x['kind'] === 'heatmap'), 'the full map');
    const full = c.messages.find((x) => x['kind'] === 'heatmap') as Record<string, unknown>;
    assert.equal(full['full'], true);
    assert.deepEqual(full['buckets'], map.buckets);
    assert.equal(full['id'], hub.lastId);
    hub.publishHeatmap(map);
    hub.publishHeatmap({ ...map, time: T0 + 1, buckets: [{ lo: 90_000, hi: 90_100, longLiqUsd: 12, shortLiqUsd: 0 }] });
    await c.until((m) => m.filter((x) => x['kind'] === 'heatmap').length === 3, 'two deltas');
    const delta = c.messages.filter((x) => x['kind'] === 'heatmap')[2] as Record<string, unknown>;
    assert.equal(delta['full'], false);
    assert.deepEqual(delta['buckets'], [{ lo: 90_000, hi: 90_100, longLiqUsd: 12, shortLiqUsd: 0 }]);
    assert.deepEqual(delta['removed'], [99_000]);
    c.ws.close();
  });
});
