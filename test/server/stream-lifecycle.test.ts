import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import { HELLO } from '../../src/server/routes/stream.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { StreamHub, viewSource } from '../../src/server/stream.ts';
import { tapStore } from '../../src/server/tapped-store.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord } from '../../src/store/types.ts';
import { listen, tempDir } from './fixture.ts';

const T0 = 1_767_225_600_000;

function event(id: number): EventRecord {
  const e = { id: `ZONE_FORMED:BTC:${id}`, type: 'ZONE_FORMED', time: T0 + id, coin: 'BTC', severity: 'info' } as unknown as GlassEvent;
  return { id, type: 'ZONE_FORMED', coin: 'BTC' as Coin, time: T0 + id, receivedAt: T0 + id, detectedAt: Date.now(), event: e };
}

/** A server over a fresh SQLite store, its stream hub written through as the engines write. */
async function served(prefix: string) {
  const { dir, cleanup } = tempDir(prefix);
  const store = await openStore(join(dir, 'glass.sqlite'));
  const metrics = new ServiceMetrics();
  const view = new StoreView(store);
  const hub = new StreamHub(viewSource(view), {}, metrics);
  const write = tapStore(store, hub, metrics, false).store.write;
  const { app, url } = await listen({ view, store, open: true, hub, metrics });
  const close = async () => {
    await app.close();
    await store.close();
    cleanup();
  };
  return { app, url, write, close };
}

test('a server shutting down closes each stream client with 1001 and the id to resume from', async () => {
  const { app, url, write, close } = await served('glass-stream-close-');
  try {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream?after=0`);
    const ids: number[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as { kind: string; id: number };
      if (m.kind === 'event') ids.push(m.id);
    });
    const closed = new Promise<{ code: number; reason: string }>((res) =>
      ws.on('close', (code, reason) => res({ code, reason: String(reason) })),
    );
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const events = [1, 2, 3, 4, 5].map(event);
    await write({
      cursor: { source: 'close-test', position: 5, ts: T0 + 5, nextEventId: 6 },
      events,
      heatmaps: [],
      positions: [],
      scores: [],
    });
    const deadline = Date.now() + 20_000;
    while (ids.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    await app.close();
    const c = await closed;
    assert.equal(c.code, 1001, `close code ${c.code} (${c.reason})`);
    assert.equal(c.reason, 'server shutting down: resume from id 5');
  } finally {
    await close();
  }
});

test('a connection with no subscription is told how to subscribe, then subscribes by message', async () => {
  const { url, write, close } = await served('glass-stream-hello-');
  try {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`);
    const got: { kind: string; id: number; message?: string }[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d)) as { kind: string; id: number }));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const wait = async (pred: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    await wait(() => got.length > 0);
    assert.deepEqual(got[0], { kind: 'hello', id: 0, message: HELLO });
    ws.send(JSON.stringify({ op: 'subscribe', coins: ['btc'] }));
    await wait(() => got.some((m) => m.kind === 'subscribed'));
    await write({
      cursor: { source: 'hello-test', position: 2, ts: T0 + 2, nextEventId: 3 },
      events: [event(1), event(2)],
      heatmaps: [],
      positions: [],
      scores: [],
    });
    await wait(() => got.filter((m) => m.kind === 'event').length >= 2);
    assert.deepEqual(
      got.filter((m) => m.kind === 'event').map((m) => m.id),
      [1, 2],
    );
    ws.close();
  } finally {
    await close();
  }
});
