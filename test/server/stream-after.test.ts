import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { GlassEvent, GlassEventType } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { StreamHub, viewSource } from '../../src/server/stream.ts';
import { tapStore } from '../../src/server/tapped-store.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord, Store } from '../../src/store/types.ts';
import { listen, type StreamTestClient, streamClient, tempDir } from './fixture.ts';

/**
 * A resume (`after=`) from an id past the newest event is refused, not left waiting in silence
 * (stream.ts, StreamHub.pastHead): with an `error` message and a close with 1008, both naming the
 * newest id. What a client may legitimately hold is never refused: the newest id, an id published
 * ahead of its store commit, an id the store holds before the hub has published it, an id a run
 * killed before its commit may have published. A real server and real WebSocket clients.
 */
const { dir, cleanup } = tempDir('glass-stream-after-');
const T0 = 1_767_225_600_000;
/** Ids the hub publishes past the last committed one at most. */
const AHEAD = 8;

function record(id: number, type: GlassEventType = 'ZONE_FORMED'): EventRecord {
  const coin = 'BTC' as Coin;
  const event = { id: `${type}:${id}`, type, time: T0 + id, coin, severity: 'info' } as unknown as GlassEvent;
  return { id, type, coin, time: T0 + id, receivedAt: T0 + id, detectedAt: T0 + id, event, payload: JSON.stringify(event) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const kinds = (c: StreamTestClient) => c.messages.map((m) => m['kind']);
const live = (c: StreamTestClient) => c.until((m) => m.some((x) => x['kind'] === 'live'), 'live');

interface Server {
  readonly store: Store;
  readonly hub: StreamHub;
  /** The store's write as the serving engines call it: each commit tells the hub. */
  readonly write: Store['write'];
  connect(query: string): Promise<StreamTestClient>;
  /** A client that, once greeted, subscribes by message after `id` (`fields`: the message's others). */
  subscribe(id: number, fields?: Record<string, unknown>): Promise<StreamTestClient>;
  close(): Promise<void>;
}

/** A stream server over a SQLite store, its hub driven by hand as serveIngest drives it. */
async function server(name: string): Promise<Server> {
  const store = await openStore(join(dir, `${name}.sqlite`));
  const view = new StoreView(store);
  const metrics = new ServiceMetrics();
  const hub = new StreamHub(viewSource(view), { aheadMax: AHEAD }, metrics);
  const { write } = tapStore(store, hub, metrics, false).store;
  const s = await listen({ view, store, open: true, hub, metrics });
  const ws = `${s.url.replace('http', 'ws')}/v1/stream`;
  return {
    store,
    hub,
    write,
    connect: (query) => streamClient(`${ws}${query}`, 20_000),
    subscribe: async (id, fields = {}) => {
      const m = await streamClient(ws, 20_000);
      await m.until((x) => x.length > 0, 'hello');
      m.ws.send(JSON.stringify({ op: 'subscribe', after: id, ...fields }));
      return m;
    },
    close: async () => {
      await s.app.close();
      await store.close();
    },
  };
}

/** One batch of events with ids from..to, committed through `write`. */
function batch(from: number, to: number) {
  return {
    cursor: { source: 'stream-after-test', position: to, ts: T0 + to, nextEventId: to + 1 },
    events: range(from, to).map((id) => record(id)),
    heatmaps: [],
    positions: [],
    scores: [],
  };
}

/** The refusal: an `error` naming the newest id and how to go on, then 1008 saying the same; nothing else after `before` messages. */
async function refused(c: StreamTestClient, asked: number, newest: number, before: string[] = []): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const { code, reason } = await Promise.race([
    c.closed,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`after=${asked} not refused within 5 s; got ${JSON.stringify(kinds(c))}`)), 5_000);
    }),
  ]).finally(() => clearTimeout(timer));
  assert.equal(code, 1008);
  assert.equal(reason, `bad subscription: after=${asked} is past the newest event ${newest}`);
  assert.deepEqual(kinds(c), [...before, 'error'], 'no subscribed, no live: only the error');
  const err = c.messages.at(-1) as Record<string, unknown>;
  assert.equal(err['id'], newest, 'the error carries the newest id');
  const message = String(err['message']);
  assert.match(message, new RegExp(`^after=${asked} is past the newest event ${newest}: `));
  assert.match(message, /reset/);
  assert.match(message, /another store/);
  assert.match(message, new RegExp(`resume with after=${newest} `));
  assert.match(message, /after=0 /);
}

/** Two clients resuming after `id`, by the query string and by a subscribe message: each is subscribed and live at `id`, nothing else. */
async function resumedBothWays(s: Server, id: number): Promise<[StreamTestClient, StreamTestClient]> {
  const both: [StreamTestClient, StreamTestClient] = [await s.connect(`?after=${id}`), await s.subscribe(id)];
  for (const c of both) {
    await live(c);
    assert.deepEqual(
      c.messages.filter((x) => x['kind'] !== 'hello').map((x) => [x['kind'], x['id']]),
      [
        ['subscribed', id],
        ['live', id],
      ],
    );
  }
  return both;
}

/** A test on a server of its own (one test's failure leaves no state to the next). */
function onServer(name: string, body: (s: Server) => Promise<void>): () => Promise<void> {
  return async () => {
    const s = await server(name);
    try {
      await body(s);
    } finally {
      await s.close();
    }
  };
}

describe('/v1/stream after= past the newest event', () => {
  test(
    '(a) after= past the newest id is refused, in the query string and in a subscribe message, naming the newest id',
    onServer('a', async (s) => {
      await s.write(batch(1, 5));
      assert.equal(s.hub.lastId, 5);
      // The newcomer's case: a client resuming from 35 against a log whose newest event is 5.
      const q = await s.connect('?after=35&types=ZONE_FORMED');
      await refused(q, 35, 5);
      const m = await s.subscribe(35, { coins: ['BTC'] });
      await refused(m, 35, 5, ['hello']);
      // Events published later are not what the refused clients wait for: none reached them.
      await s.write(batch(6, 40));
      for (const c of [q, m]) assert.deepEqual(c.ids(), []);
      assert.equal(s.hub.size, 0, 'refused clients are gone from the fan-out');
    }),
  );

  test(
    '(b) after= the newest id is accepted and receives later live events, one past it is refused, in the query string and in a subscribe message',
    onServer('b', async (s) => {
      await s.write(batch(1, 5));
      const newest = 5;
      const [q, m] = await resumedBothWays(s, newest);
      const past = await s.connect(`?after=${newest + 1}`);
      await refused(past, newest + 1, newest);
      const pastM = await s.subscribe(newest + 1);
      await refused(pastM, newest + 1, newest, ['hello']);
      await s.write(batch(newest + 1, newest + 3));
      for (const c of [q, m]) {
        await c.until(() => c.ids().at(-1) === newest + 3, 'the live events');
        assert.deepEqual(c.ids(), range(newest + 1, newest + 3));
        assert.ok(!kinds(c).includes('error'));
        c.ws.close();
      }
    }),
  );

  test(
    '(c) an id received live ahead of its store commit is resumed from, one past it is refused, in the query string and in a subscribe message',
    onServer('c', async (s) => {
      await s.write(batch(1, 5));
      const committed = 5;
      const first = await s.connect(`?after=${committed}`);
      await live(first);
      // Detected and published at once (P0), as serveIngest's engines do before the batch commits.
      const k = committed + AHEAD;
      for (const id of range(committed + 1, k)) s.hub.detected(record(id), 'P0');
      await first.until(() => first.ids().at(-1) === k, `id ${k} live`);
      assert.deepEqual(first.ids(), range(committed + 1, k));
      assert.equal(await s.store.lastEventId(), committed, `${k} is not in the store`);
      first.ws.close();
      await first.closed;

      const [q, m] = await resumedBothWays(s, k);
      // Still uncommitted: one past it is refused, naming k (the hub's head, not the store's).
      const past = await s.connect(`?after=${k + 1}`);
      await refused(past, k + 1, k);
      // The commit lets the next ones go; the resumed clients get them, none twice.
      await s.write(batch(committed + 1, k));
      for (const id of range(k + 1, k + 2)) s.hub.detected(record(id), 'P0');
      for (const c of [q, m]) {
        await c.until(() => c.ids().at(-1) === k + 2, 'the events after k');
        assert.deepEqual(c.ids(), [k + 1, k + 2]);
        c.ws.close();
      }
    }),
  );

  test(
    'a store ahead of the hub (another writer, glass serve between polls): ids it holds are resumed from, beyond it refused',
    onServer('store-ahead', async (s) => {
      await s.write(batch(1, 5));
      // Committed to the store without the hub's knowledge, as another process writes it.
      await s.store.write(batch(6, 8));
      assert.equal(s.hub.lastId, 5);
      const beyond = await s.connect('?after=9');
      await refused(beyond, 9, 8);
      const held = await s.connect('?after=8');
      await live(held);
      assert.deepEqual(kinds(held), ['subscribed', 'live']);
      // The poll publishes them; the client resumed past them gets only what follows.
      s.hub.committed(9, batch(6, 8).events);
      await s.write(batch(9, 10));
      await held.until(() => held.ids().at(-1) === 10, 'the later events');
      assert.deepEqual(held.ids(), [9, 10]);
      held.ws.close();
    }),
  );

  test(
    'a store that holds events: ids a killed run may have published ahead of its commit are resumed from, beyond them refused',
    onServer('restarted', async (s) => {
      // A run committed 1..5 and was killed; it may have published up to 5 + AHEAD.
      await s.store.write(batch(1, 5));
      s.hub.start(await s.store.lastEventId());
      const held = await s.connect(`?after=${5 + AHEAD}`);
      await live(held);
      assert.deepEqual(
        held.messages.map((x) => [x['kind'], x['id']]),
        [
          ['subscribed', 5],
          ['live', 5],
        ],
      );
      const beyond = await s.connect(`?after=${5 + AHEAD + 1}`);
      await refused(beyond, 5 + AHEAD + 1, 5);
      held.ws.close();
    }),
  );
});

after(() => cleanup());
