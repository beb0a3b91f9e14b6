import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { withId } from '../../src/bus/nats/events.ts';
import { StoreTail } from '../../src/bus/store-tail.ts';
import { SIM_WHALES } from '../../src/cli/engines.ts';
import { ingestFile } from '../../src/store/ingest.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { EventRecord, WriteBatch } from '../../src/store/types.ts';
import { glass } from '../helpers/cli.ts';
import { freshSchemaUrl, pgUnreachable } from '../store/pg.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Real events: a short simulation replayed into PostgreSQL (the single process), read back. */
async function realEvents(dir: string): Promise<EventRecord[]> {
  const rec = join(dir, 'sim.ndjson');
  const r = glass('sim', '--hours', '2', '--wallets', '2000', '--seed', '11', '--out', rec);
  assert.equal(r.code, 0, r.stderr);
  const url = freshSchemaUrl('tailref');
  await ingestFile(url, rec, undefined, { whales: SIM_WHALES, note: () => {} });
  const s = new PostgresStore(url, { max: 1 });
  const events = await s.events({ limit: 1_000_000 });
  await s.dropSchema();
  await s.close();
  return events;
}

/** One worker's commit: some events (ids kept) and its own cursor, as src/bus/nats/worker.ts writes. */
function commit(store: PostgresStore, worker: string, events: readonly EventRecord[]): Promise<void> {
  const last = events.at(-1) as EventRecord;
  const batch: WriteBatch = {
    cursor: { source: `bus:TEST:${worker}`, position: last.id, ts: last.time, nextEventId: last.id + 1, complete: false },
    events: events.map((e) => withId(e, e.id)),
    heatmaps: [],
    positions: [],
    scores: [],
  };
  return store.write(batch);
}

test('StoreTail: concurrent commits out of id order are handed out in order, a lasting hole after the grace', async (t) => {
  const down = await pgUnreachable();
  if (down !== null) {
    t.skip(`PostgreSQL unreachable: ${down}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glass-tail-'));
  const url = freshSchemaUrl('tail');
  const store = new PostgresStore(url, { max: 2 });
  t.after(async () => {
    await store.dropSchema().catch(() => {});
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const all = (await realEvents(dir)).slice(0, 60);
  assert.equal(all.length, 60, 'the simulation makes at least 60 events');
  await store.migrate();
  let clock = 0;
  const skipped: [number, number][] = [];
  const tail = new StoreTail(store, { graceMs: 10_000, now: () => clock, onSkip: (a, b) => skipped.push([a, b]) });
  assert.equal(await tail.start(), 0);

  // Worker B commits ids 21–40 before worker A commits 1–20: nothing yet (id 1 is missing) …
  await commit(store, 'b', all.slice(20, 40));
  assert.deepEqual(await tail.next(0, 1000), []);
  // … a reader of "every id after the last" would have passed 1–20 for good here.
  assert.equal((await store.events({ afterId: 0, limit: 1000 }))[0]?.id, 21);
  clock += 500;
  await commit(store, 'a', all.slice(0, 20));
  const first = await tail.next(0, 1000);
  assert.deepEqual(
    first.map((e) => e.id),
    all.slice(0, 40).map((e) => e.id),
  );
  assert.deepEqual(
    first.map((e) => e.payload),
    all.slice(0, 40).map((e) => e.payload),
  );

  // Ids 41–45 never commit (a batch lost beyond the de-duplication window): 46–60 wait out the grace.
  await commit(store, 'b', all.slice(45, 60));
  assert.deepEqual(await tail.next(40, 1000), []);
  // A node started now follows from before the hole.
  assert.equal(await new StoreTail(store).start(), 40);
  clock += 9_999;
  assert.deepEqual(await tail.next(40, 1000), []);
  clock += 1;
  assert.deepEqual(
    (await tail.next(40, 1000)).map((e) => e.id),
    all.slice(45, 60).map((e) => e.id),
  );
  assert.deepEqual(skipped, [[41, 45]]);
});

/** Starts `glass api` and waits for the line that says where it serves. */
function startApi(url: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [MAIN, 'api', '--db', url, '--port', '0', '--log-level', 'silent', '--gap-grace', '60s'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no API line within 30 s: ${err}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /API on (http:\/\/[^/\s]+)\/v1/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, base: m[1] as string });
      }
    });
    child.on('exit', (code) => reject(new Error(`glass api exited ${code}: ${err}`)));
  });
}

test('glass api: /v1/stream delivers every id in order while workers commit out of order', async (t) => {
  const down = await pgUnreachable();
  if (down !== null) {
    t.skip(`PostgreSQL unreachable: ${down}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glass-tail-api-'));
  const url = freshSchemaUrl('tailapi');
  const store = new PostgresStore(url, { max: 2 });
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await store.dropSchema().catch(() => {});
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const all = await realEvents(dir);
  await store.migrate();
  const api = await startApi(url);
  children.push(api.child);
  const ws = new WebSocket(`${api.base.replace('http', 'ws')}/v1/stream?after=0`);
  const ids: number[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { kind: string; id: number };
    if (m.kind === 'event') ids.push(m.id);
  });
  await new Promise((r) => ws.once('open', r));
  // Three workers; each batch of ten goes to the next worker, and every round's batches commit in reverse,
  // each pause longer than the API's poll (250 ms): the newest ids are always readable before older ones.
  const batches: EventRecord[][] = [];
  for (let i = 0; i < all.length; i += 10) batches.push(all.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 3) {
    const round = batches.slice(i, i + 3).map((b, k) => ({ b, worker: `w${k}` }));
    for (const { b, worker } of round.reverse()) {
      await commit(store, worker, b);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const deadline = Date.now() + 30_000;
  while (ids.length < all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  ws.close();
  assert.deepEqual(
    ids,
    all.map((e) => e.id),
    'every id once, in order',
  );
  api.child.kill('SIGINT');
});
