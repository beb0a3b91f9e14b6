import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { GlassEvent, GlassEventType, Priority } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { StreamHub, viewSource } from '../../src/server/stream.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord, Store } from '../../src/store/types.ts';
import { listen, simulate, tempDir } from './fixture.ts';

/**
 * Events reach /v1/stream as they are detected, ahead of their store commit, by tier (stream.ts):
 * the order of sends and the bound on how far ahead, checked synchronously on the hub; and the
 * resume guarantee that makes it safe, on a real serving process killed with SIGKILL.
 */
const { dir, cleanup } = tempDir('glass-stream-ahead-');
const T0 = 1_767_225_600_000;

function record(id: number, type: GlassEventType = 'ZONE_FORMED', pad = 0): EventRecord {
  const coin = 'BTC' as Coin;
  const event = { id: `${type}:${id}`, type, time: T0 + id, coin, severity: 'info', note: 'é'.repeat(pad) } as unknown as GlassEvent;
  return { id, type, coin, time: T0 + id, receivedAt: T0 + id, detectedAt: T0 + id, event, payload: JSON.stringify(event) };
}

interface Client {
  readonly ws: WebSocket;
  readonly events: Record<string, unknown>[];
  until(pred: () => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  const events: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    if (m['kind'] === 'event') events.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<void>((r) => ws.on('close', () => r()));
  return new Promise((res, rej) => {
    ws.once('open', () =>
      res({
        ws,
        events,
        async until(pred, what) {
          const deadline = Date.now() + 60_000;
          while (!pred()) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${events.length} events`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 200);
            });
          }
        },
        async close() {
          ws.close();
          await closed;
        },
      }),
    );
    ws.once('error', rej);
  });
}

const ids = (c: Client) => c.events.map((m) => m['id'] as number);

describe('the hub publishes by tier, ahead of the commit, ids in order', () => {
  let store: Store;
  let url: string;
  let close: () => Promise<unknown>;
  let hub: StreamHub;
  /** The hub's clock (publishedAt, the tiers' delays), moved by hand. */
  let clock = 1_000;
  before(async () => {
    store = await openStore(join(dir, 'hub.sqlite'));
    const view = new StoreView(store);
    const metrics = new ServiceMetrics();
    hub = new StreamHub(viewSource(view), { ringSize: 64, aheadMax: 4, clock: () => clock, tierDelayMs: { P1: 10, P2: 50 } }, metrics);
    const s = await listen({ view, store, open: true, hub, metrics });
    url = `${s.url.replace('http', 'ws')}/v1/stream`;
    close = () => s.app.close();
  });
  after(async () => {
    await close();
    await store.close();
  });

  test('P2 waits for its window, P1 for the end of the synchronous stretch, P0 goes at once with what was queued before it', async () => {
    hub.start(10);
    const c = await connect(`${url}?after=10`);
    const at = (id: number, p: Priority) => hub.detected(record(id), p);
    at(9, 'P0'); // at or below the stored log (a resumed source's replayed line): not published again
    assert.equal(hub.lastId, 10);
    at(11, 'P2');
    at(12, 'P2');
    assert.equal(hub.lastId, 10, 'P2: not yet');
    at(13, 'P1');
    assert.equal(hub.lastId, 10, 'P1: not inside the stretch');
    await Promise.resolve();
    assert.equal(hub.lastId, 13, 'P1 out after the stretch, with the P2s before it');
    at(14, 'P2');
    at(15, 'P0');
    assert.equal(hub.lastId, 14, 'P0 out at once with the P2 before it, as far as the bound lets it (10 + 4)');
    hub.committed(12, []);
    assert.equal(hub.lastId, 15, 'a commit moves the bound: the held P0 goes');
    at(16, 'P0');
    at(17, 'P0');
    assert.equal(hub.lastId, 15, 'held: 16 and 17 are past committed 11 + 4');
    hub.committed(16, [record(16), record(17), record(18)]);
    assert.equal(hub.lastId, 18, 'committed events not published ahead go out with the commit, once');
    await c.until(() => ids(c).at(-1) === 18, 'id 18');
    assert.deepEqual(ids(c), [11, 12, 13, 14, 15, 16, 17, 18], 'every id once, in order');
    for (const m of c.events) assert.equal(m['publishedAt'], 1_000);
    await c.close();
  });

  test('inside one long synchronous stretch, a P1 goes at the first tick 10 ms after it was queued, a P2 after 50 ms', async () => {
    hub.committed(19, []);
    const c = await connect(`${url}?after=${hub.lastId}`);
    clock = 2_000;
    hub.detected(record(19), 'P2');
    clock = 2_049;
    hub.tick();
    assert.equal(hub.lastId, 18, 'the P2 has waited 49 ms');
    hub.detected(record(20), 'P1');
    clock = 2_050;
    hub.tick();
    assert.equal(hub.lastId, 20, 'the P2 is due, the P1 after it goes along');
    hub.detected(record(21), 'P1');
    clock = 2_059;
    hub.tick();
    assert.equal(hub.lastId, 20);
    clock = 2_060;
    hub.tick();
    assert.equal(hub.lastId, 21, 'the P1 is due');
    await c.until(() => ids(c).at(-1) === 21, 'id 21');
    assert.deepEqual(ids(c), [19, 20, 21]);
    assert.deepEqual(
      c.events.map((m) => m['publishedAt']),
      [2_050, 2_050, 2_060],
      'publishedAt: the moment each left',
    );
    await c.close();
  });

  test('large and multi-byte messages (16- and 64-bit frame lengths) reach a client taking everything and a filtered one intact', async () => {
    hub.committed(22, []);
    const every = await connect(`${url}?after=${hub.lastId}`);
    const some = await connect(`${url}?after=${hub.lastId}&types=ZONE_SWEPT`);
    // Two-byte characters: the frame's length is in bytes, not in characters (an event message is never under 126).
    const pads = [0, 60, 200, 40_000];
    const sent = pads.map((pad, i) => record(22 + i, i % 2 === 0 ? 'ZONE_SWEPT' : 'ZONE_FORMED', pad));
    for (const r of sent) hub.detected(r, 'P0');
    const want = sent.map((r) => r.id);
    await every.until(() => ids(every).at(-1) === want.at(-1), 'the last one');
    await some.until(() => ids(some).length === 2, 'the two ZONE_SWEPT');
    assert.deepEqual(ids(every), want);
    assert.deepEqual(ids(some), [want[0], want[2]]);
    assert.deepEqual(
      every.events.map((m) => m['event']),
      sent.map((r) => r.event),
    );
    await every.close();
    await some.close();
  });
});

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, 'ahead-child.ts');

interface Child {
  readonly proc: ChildProcess;
  line(prefix: string): Promise<string>;
}

function child(args: readonly string[]): Child {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  let exited = false;
  proc.on('exit', () => {
    exited = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    proc,
    async line(prefix) {
      for (;;) {
        const l = lines.find((x) => x.startsWith(prefix));
        if (l !== undefined) return l.slice(prefix.length);
        if (exited) throw new Error(`the child exited before saying ${prefix}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

/** What must not change between two deliveries of one id: everything but the wall-clock hops. */
const content = (m: Record<string, unknown>) => JSON.stringify([m['id'], m['type'], m['coin'], m['time'], m['receivedAt'], m['event']]);

test('kill -9 after events went out ahead of their commit: the resumed run sends the same ids with the same payloads', {
  timeout: 180_000,
}, async (t) => {
  const rec = join(dir, 'sim.ndjson');
  simulate(rec, { wallets: 400, hours: 4, seed: 3 });
  const db = join(dir, 'ahead.sqlite');
  let lines = 0;
  for await (const l of createInterface({ input: (await import('node:fs')).createReadStream(rec) })) if (l.length > 0) lines++;
  // One commit at 30 % of the recording; the child stops reading at 55 %: the events of the lines
  // between are published, never committed.
  const commitLines = Math.floor(0.3 * lines);
  const hangAfter = Math.floor(0.55 * lines);
  const a = child(['--file', rec, '--db', db, '--commit-lines', String(commitLines), '--hang-after', String(hangAfter)]);
  const first = await connect(`${(await a.line('url ')).replace('http', 'ws')}/v1/stream?after=0`);
  a.proc.stdin?.write('go\n');
  const published = Number(await a.line('hung '));
  await first.until(() => ids(first).at(-1) === published, `id ${published}`);
  const exited = new Promise((r) => a.proc.on('exit', r));
  a.proc.kill('SIGKILL');
  await exited;
  const seen = [...first.events];
  await first.close().catch(() => {});

  const s = await openStore(db);
  const committed = await s.lastEventId();
  await s.close();
  t.diagnostic(`${lines} lines; published up to id ${published}, committed up to ${committed} when killed`);
  assert.ok(committed > 0, 'the first commit landed');
  assert.ok(published > committed, 'some events went out ahead of their commit and were lost with the process');
  assert.deepEqual(
    ids({ events: seen } as Client),
    Array.from({ length: published }, (_, i) => i + 1),
    'ids 1, 2, 3 … in order, once each',
  );

  // Restarted on the same input and store: it resumes after the committed line and goes on to the end.
  const b = child(['--file', rec, '--db', db, '--commit-lines', String(commitLines)]);
  const wsUrl = `${(await b.line('url ')).replace('http', 'ws')}/v1/stream`;
  // The client that saw everything up to `published` resumes from there; another reads from the last committed id.
  const resumed = await connect(`${wsUrl}?after=${published}`);
  const again = await connect(`${wsUrl}?after=${committed}`);
  b.proc.stdin?.write('go\n');
  const end = Number(await b.line('done '));
  await resumed.until(() => ids(resumed).at(-1) === end, `id ${end} (resumed)`);
  await again.until(() => ids(again).at(-1) === end, `id ${end}`);
  b.proc.stdin?.write('stop\n');
  await new Promise((r) => b.proc.on('exit', r));
  assert.deepEqual(
    ids(resumed),
    Array.from({ length: end - published }, (_, i) => published + i + 1),
    'the resumed client: every later id once, in order',
  );
  const lost = seen.filter((m) => (m['id'] as number) > committed);
  const redone = again.events.filter((m) => (m['id'] as number) <= published);
  assert.equal(redone.length, lost.length);
  assert.deepEqual(redone.map(content), lost.map(content), 'the lost events came back with the same ids and payloads');

  // And the store holds them so: the log is the one an uninterrupted run writes (crash.test.ts).
  const s2 = await openStore(db);
  const stored = await s2.events({ afterId: committed, limit: published - committed });
  await s2.close();
  assert.deepEqual(
    stored.map((r) => JSON.stringify([r.id, r.type, r.coin, r.time, r.receivedAt, r.event])),
    lost.map(content),
  );
  await resumed.close();
  await again.close();
});

after(() => cleanup());
