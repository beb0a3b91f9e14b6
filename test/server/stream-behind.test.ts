import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import type { HeatmapT } from '../../src/server/schemas.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { CLOSE_SLOW, StreamHub, type StreamOptions, viewSource } from '../../src/server/stream.ts';
import { tapStore } from '../../src/server/tapped-store.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord, Store } from '../../src/store/types.ts';
import { listen, type StreamTestClient, streamClient, tempDir } from './fixture.ts';

/**
 * A client that stops reading, on a real server over a real socket (no stand-ins): once its socket
 * holds more than `behindBytes` unsent (the kernel's buffers full) the hub stops writing to it;
 * reading again it is caught up from the ring, in order, no gap, no duplicate, then live; one that
 * misses more than the ring holds is closed with 1008 and the id of the last event it was sent.
 * The assertions count what the hub did (its sends, its clients), never how long anything took.
 */

const { dir, cleanup } = tempDir('glass-stream-behind-');
const RING = 1500;
const BEHIND = 64 * 1024;
/** The server the test at hand talks to (each describe starts its own). */
let store: Store;
let hub: StreamHub;
let write: Store['write'];
let url: string;
let close: () => Promise<unknown>;
let nextId = 1;
const T0 = 1_767_225_600_000;

function event(id: number, pad: number): EventRecord {
  const coin = 'BTC' as Coin;
  const e = { id: `ZONE_FORMED:${coin}:${id}`, type: 'ZONE_FORMED', time: T0 + id, coin, note: 'x'.repeat(pad) } as unknown as GlassEvent;
  return { id, type: 'ZONE_FORMED', coin, time: T0 + id, receivedAt: T0 + id, detectedAt: T0 + id, event: e };
}

/** Commits `n` events (one batch) through the store the hub is tapped on; the last id. */
async function emit(n: number, pad: number): Promise<number> {
  const events: EventRecord[] = [];
  for (let i = 0; i < n; i++, nextId++) events.push(event(nextId, pad));
  await write({
    cursor: { source: 'stream-behind-test', position: nextId, ts: T0 + nextId, nextEventId: nextId },
    events,
    heatmaps: [],
    positions: [],
    scores: [],
  });
  return nextId - 1;
}

type Client = StreamTestClient;

const connect = (path: string): Promise<Client> => streamClient(`${url.replace('http', 'ws')}${path}`);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const lastId = (c: Client) => c.ids().at(-1) ?? 0;
const lives = (c: Client) => c.messages.filter((m) => m['kind'] === 'live').length;

/** Two clients live from the current end: one to pause, one that reads throughout. */
async function pair(): Promise<{ from: number; paused: Client; reader: Client }> {
  const from = nextId - 1;
  const paused = await connect(`/v1/stream?after=${from}`);
  const reader = await connect(`/v1/stream?after=${from}`);
  await paused.until(() => lives(paused) === 1, 'live');
  await reader.until(() => lives(reader) === 1, 'live');
  return { from, paused, reader };
}

/**
 * Events the reader reads at once until the paused client falls behind (its kernel buffers take
 * some MB first); the last id emitted by then.
 */
async function untilBehind(reader: Client): Promise<number> {
  const behind0 = hub.counters.fellBehind;
  let end = nextId - 1;
  for (let bytes = 0; hub.counters.fellBehind === behind0; bytes += 40 * 4000) {
    assert.ok(bytes < 200e6, 'the paused client never fell behind');
    end = await emit(40, 4000);
    await reader.until(() => lastId(reader) === end, 'the reader reads');
  }
  return end;
}

/** A server on a fresh store whose hub has a bound far above `behindBytes`, and these options. */
async function serve(name: string, opts: Partial<StreamOptions>): Promise<void> {
  store = await openStore(join(dir, `${name}.sqlite`));
  nextId = 1;
  const metrics = new ServiceMetrics();
  const view = new StoreView(store);
  hub = new StreamHub(
    viewSource(view),
    { ringSize: RING, maxBufferedBytes: 64 << 20, behindBytes: BEHIND, catchUpPage: 100, ...opts },
    metrics,
  );
  write = tapStore(store, hub, metrics, false).store.write;
  const s = await listen({ view, store, open: true, hub, metrics });
  url = s.url;
  const st = store;
  close = async () => {
    await s.app.close();
    await st.close();
  };
}
after(() => cleanup());

describe('/v1/stream: a client that stops reading', () => {
  // Only falling out of the ring closes a paused client here.
  before(() => serve('ring', { catchUpStallMs: 600_000 }));
  after(() => close());

  test('is no longer written to once behind; reading again it is caught up from the ring in order, then live', async () => {
    const { from, paused, reader } = await pair();
    paused.raw.pause();
    const behindAt = await untilBehind(reader);
    assert.equal(hub.counters.slowClosed, 0, 'behind, not closed');
    // What the server holds for it stays bounded: `behindBytes` and the flush that crossed it at most.
    assert.ok(hub.backlog().maxBytes <= BEHIND + 40 * 4500, `${hub.backlog().maxBytes} bytes held`);

    // 300 more events: one send each, to the reader only.
    const sends0 = hub.counters.sends;
    let end = behindAt;
    for (let k = 0; k < 6; k++) {
      end = await emit(50, 4000);
      await reader.until(() => lastId(reader) === end, 'the reader reads');
    }
    assert.equal(hub.counters.sends - sends0, 300, 'nothing written to the paused client');
    assert.ok(lastId(paused) < behindAt, 'it has read nothing');

    // Reading again: everything it missed, from the ring, then live events as they come.
    paused.raw.resume();
    await paused.until(() => lastId(paused) === end, 'the catch-up');
    const live = await emit(20, 100);
    await paused.until(() => lastId(paused) === live, 'live again');
    assert.deepEqual(paused.ids(), range(from + 1, live), 'in order, no gap, no duplicate');
    assert.equal(lives(paused), 1, 'falling behind is not announced (no second `live`)');
    assert.equal(hub.counters.fellBehind, 1);
    assert.equal(hub.counters.slowClosed, 0);
    await reader.until(() => lastId(reader) === live, 'the reader');
    assert.deepEqual(reader.ids(), range(from + 1, live));
    // Live again: a new event is one send to each.
    const sends1 = hub.counters.sends;
    const one = await emit(1, 0);
    await paused.until(() => lastId(paused) === one, 'one more');
    assert.equal(hub.counters.sends - sends1, 2);
    paused.ws.close();
    reader.ws.close();
    await Promise.all([paused.closed, reader.closed]);
  });

  test('missing more than the ring holds, it is closed with 1008 and the id of the last event it was sent', async () => {
    const { from, paused, reader } = await pair();
    paused.raw.pause();
    const behindAt = await untilBehind(reader);
    // More events than the ring holds (small ones): the ring drops what it misses, and it is cut.
    let end = behindAt;
    while (end - behindAt <= RING) {
      end = await emit(250, 0);
      await reader.until(() => lastId(reader) === end, 'the reader reads');
    }
    assert.equal(hub.counters.slowClosed, 1, 'closed');

    // Reading again: what was queued before the close frame, then the reason with its resume id.
    paused.raw.resume();
    const { code, reason } = await paused.closed;
    assert.equal(code, CLOSE_SLOW);
    const m = /^slow consumer: resume from id (\d+)$/.exec(reason);
    assert.ok(m !== null, reason);
    const resumeFrom = Number(m[1]);
    assert.ok(resumeFrom <= behindAt, `nothing sent after it fell behind (resume from ${resumeFrom}, behind at ${behindAt})`);
    assert.deepEqual(paused.ids(), range(from + 1, resumeFrom), 'every event up to its resume id, no gap');

    // Resuming from that id misses nothing (the store, then the ring).
    const back = await connect(`/v1/stream?after=${resumeFrom}`);
    await back.until(() => lastId(back) === end, 'the rest');
    assert.deepEqual(back.ids(), range(resumeFrom + 1, end));
    back.ws.close();
    reader.ws.close();
    await Promise.all([back.closed, reader.closed]);
  });
});

describe('/v1/stream: a filtered client that falls behind on heatmap deltas', () => {
  before(() => serve('filtered', { catchUpStallMs: 600_000 }));
  after(() => close());

  /** A BTC map of 400 buckets whose every bucket differs from map i − 1's: a delta is the whole map. */
  const map = (i: number): HeatmapT =>
    ({
      coin: 'BTC',
      time: T0 + i,
      markPx: 95_000,
      bucketWidth: 10,
      buckets: Array.from({ length: 400 }, (_, b) => ({
        lo: 90_000 + 10 * b,
        hi: 90_010 + 10 * b,
        longLiqUsd: 1_000 + i,
        shortLiqUsd: 2_000 + i,
        longEstimatedUsd: 0,
        shortEstimatedUsd: 0,
      })),
      zones: [],
    }) as unknown as HeatmapT;

  test('is past the events it does not want, so it is not cut while the ring holds what it wants; behind, it gets no deltas', async () => {
    const from = nextId - 1;
    const c = await connect(`/v1/stream?after=${from}&coins=ETH&heatmap=BTC`);
    await c.until(() => lives(c) === 1, 'live');
    // More BTC events than the ring holds: none of them is for this client.
    for (let k = 0; k < 4; k++) await emit(RING / 2, 0);
    c.raw.pause();
    const behind0 = hub.counters.fellBehind;
    let i = 0;
    while (hub.counters.fellBehind === behind0) {
      assert.ok(i < 5_000, 'the paused client never fell behind');
      hub.publishHeatmap(map(++i));
      await new Promise((r) => setImmediate(r));
    }
    // Behind: deltas are not written to it (it is the only heatmap subscriber).
    const sends0 = hub.counters.sends;
    hub.publishHeatmap(map(++i));
    assert.equal(hub.counters.sends, sends0, 'no delta written to a client behind');
    // The next flush judges it by where it stands: past every event so far, which the ring still
    // holds the newest of; an earlier Glass judged it by its last wanted id and cut it here.
    await emit(1, 0);
    assert.equal(hub.counters.slowClosed, 0, 'not cut');
    // Its socket paused, it would never read a close frame: dropped.
    c.ws.terminate();
    await c.closed;
  });
});

describe('/v1/stream: a client that stays behind', () => {
  before(() => serve('stall', { catchUpStallMs: 1000 }));
  after(() => close());

  test('draining nothing for catchUpStallMs, it is closed with 1008 and its resume id, with no event published meanwhile', async () => {
    const { from, paused, reader } = await pair();
    paused.raw.pause();
    const behindAt = await untilBehind(reader);
    // Nothing more is published: only its stall closes it.
    const deadline = Date.now() + 30_000;
    while (hub.counters.slowClosed === 0) {
      assert.ok(Date.now() < deadline, 'never closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    paused.raw.resume();
    const { code, reason } = await paused.closed;
    assert.equal(code, CLOSE_SLOW);
    const m = /^slow consumer: resume from id (\d+)$/.exec(reason);
    assert.ok(m !== null, reason);
    const resumeFrom = Number(m[1]);
    assert.ok(resumeFrom <= behindAt);
    assert.deepEqual(paused.ids(), range(from + 1, resumeFrom));
    assert.deepEqual(reader.ids(), range(from + 1, behindAt));
    reader.ws.close();
    await reader.closed;
  });
});
