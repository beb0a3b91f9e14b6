import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { hashSecret } from '../../src/server/auth.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { captureLog, getJson, listen, postJson, tempDir } from './fixture.ts';

const run = promisify(execFile);
const { dir, cleanup } = tempDir('glass-access-');
const db = join(dir, 'glass.sqlite');
let store: Store;

/** `glass keys …` against the test store, as a user runs it. */
async function keys(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['src/cli/main.ts', 'keys', ...args, '--db', db]);
}

async function createKey(name: string, rate?: number): Promise<{ id: string; secret: string }> {
  const { stdout } = await keys('create', '--name', name, '--json', ...(rate === undefined ? [] : ['--rate', String(rate)]));
  return JSON.parse(stdout) as { id: string; secret: string };
}

const HOSTILE = `'); DROP TABLE api_keys; -- <script>alert("x")</script> \u0000 ünïcødé "quoted" \\ back`;

before(async () => {
  store = await openStore(db);
});
after(async () => {
  await store.close();
  cleanup();
});

describe('API keys: glass keys create|list|revoke, sent as x-api-key or Bearer', () => {
  test('missing or invalid key → 401; a valid one in either header → 200; health needs none', async () => {
    const k = await createKey('reader');
    assert.match(k.secret, /^glass_[A-Za-z0-9_-]{32}$/);
    const s = await listen({ view: new StoreView(store), store, open: false });
    try {
      const none = await getJson(`${s.url}/v1/coins`);
      assert.equal(none.status, 401);
      assert.match((none.body as { message: string }).message, /missing API key/);
      const wrong = await getJson(`${s.url}/v1/coins`, { 'x-api-key': `${k.secret}x` });
      assert.equal(wrong.status, 401);
      assert.match((wrong.body as { message: string }).message, /invalid or revoked API key/);
      assert.equal((await getJson(`${s.url}/v1/coins`, { 'x-api-key': k.secret })).status, 200);
      assert.equal((await getJson(`${s.url}/v1/coins`, { authorization: `Bearer ${k.secret}` })).status, 200);
      assert.equal((await postJson(`${s.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 1, size: 1 })).status, 401);
      assert.equal((await getJson(`${s.url}/v1/health`)).status, 200);
    } finally {
      await s.app.close();
    }
  });

  test('only the SHA-256 of the secret is stored; list never shows it; revoke ends the key', async () => {
    const k = await createKey('to revoke');
    const stored = (await store.keys()).find((x) => x.id === k.id);
    assert.ok(stored !== undefined);
    assert.equal(stored.hash, hashSecret(k.secret));
    assert.ok(!JSON.stringify(await store.keys()).includes(k.secret));
    const listed = await keys('list', '--json');
    assert.ok(!listed.stdout.includes(k.secret) && !listed.stdout.includes(stored.hash));
    await keys('revoke', k.id);
    const after = JSON.parse((await keys('list', '--json')).stdout) as { id: string; revokedAt: number | null }[];
    assert.ok((after.find((x) => x.id === k.id)?.revokedAt ?? 0) > 0);
    const s = await listen({ view: new StoreView(store), store, open: false });
    try {
      assert.equal((await getJson(`${s.url}/v1/coins`, { 'x-api-key': k.secret })).status, 401);
    } finally {
      await s.app.close();
    }
    await assert.rejects(keys('revoke', 'key_nonexistent'), (e: { stderr: string; code: number }) => {
      assert.match(e.stderr, /no active key key_nonexistent/);
      assert.equal(e.code, 1);
      return true;
    });
  });

  test('over the key’s rate → 429 with Retry-After; other keys unaffected', async () => {
    const slow = await createKey('three a minute', 3);
    const other = await createKey('other');
    const s = await listen({ view: new StoreView(store), store, open: false });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await getJson(`${s.url}/v1/coins`, { 'x-api-key': slow.secret })).status, 200);
      const over = await getJson(`${s.url}/v1/coins`, { 'x-api-key': slow.secret });
      assert.equal(over.status, 429);
      const retry = Number(over.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 60, `retry-after ${over.headers.get('retry-after')}`);
      assert.match((over.body as { message: string }).message, /rate limit: 3 requests a minute/);
      assert.equal((await getJson(`${s.url}/v1/coins`, { 'x-api-key': other.secret })).status, 200);
    } finally {
      await s.app.close();
    }
    // Usage per key and minute reaches the store (written on a cadence and at close): refused requests count.
    const minute = Math.floor(Date.now() / 60_000);
    assert.equal(await store.usage(slow.id, minute - 2, minute), 4);
    assert.equal(await store.usage(other.id, minute - 2, minute), 1);
  });

  test('open read-only mode: no key needed, but a key that is sent must be valid', async () => {
    const s = await listen({ view: new StoreView(store), store, open: true });
    try {
      assert.equal((await getJson(`${s.url}/v1/coins`)).status, 200);
      assert.equal((await getJson(`${s.url}/v1/coins`, { 'x-api-key': 'glass_not_a_key' })).status, 401);
    } finally {
      await s.app.close();
    }
  });

  test('no secret in the logs: the key id is, the secret and the headers are not', async () => {
    const k = await createKey('logged');
    const { lines, sink } = captureLog();
    const s = await listen({ view: new StoreView(store), store, open: false, logLevel: 'trace', logStream: sink });
    try {
      await getJson(`${s.url}/v1/coins`, { 'x-api-key': k.secret });
      await getJson(`${s.url}/v1/coins`, { authorization: `Bearer ${k.secret}` });
      await getJson(`${s.url}/v1/coins`, { 'x-api-key': `${k.secret}-wrong` });
    } finally {
      await s.app.close();
    }
    const log = lines.join('');
    assert.ok(lines.length >= 6, 'request and response lines were logged');
    for (const l of lines) JSON.parse(l);
    assert.ok(log.includes(k.id));
    assert.ok(!log.includes(k.secret), 'the secret is never logged');
    assert.ok(!/x-api-key|authorization/i.test(log), 'no auth header is logged');
  });

  test('the stream: a browser sends its key as a subprotocol beside glass.v1; without it 401; the key is never logged', async () => {
    const k = await createKey('browser');
    const { lines, sink } = captureLog();
    const s = await listen({ view: new StoreView(store), store, open: false, logLevel: 'trace', logStream: sink });
    const ws = s.url.replace(/^http/, 'ws');
    /** What a browser's `new WebSocket(url, protocols)` does: resolves with the agreed protocol, or the refusal. */
    const open = (protocols: string[]) =>
      new Promise<string>((resolve) => {
        const c = new WebSocket(`${ws}/v1/stream?after=0`, protocols);
        c.onopen = () => {
          resolve(`open ${c.protocol}`);
          c.close();
        };
        c.onerror = () => resolve('refused');
      });
    try {
      assert.equal(await open(['glass.v1', `glass.key.${k.secret}`]), 'open glass.v1');
      assert.equal(await open(['glass.v1']), 'refused');
      assert.equal(await open(['glass.v1', `glass.key.${k.secret}x`]), 'refused');
    } finally {
      await s.app.close();
    }
    assert.ok(!lines.join('').includes(k.secret), 'the secret is never logged');
  });

  test('CORS: only the configured origins', async () => {
    const s = await listen({ view: new StoreView(store), store, open: true, cors: ['http://dash.example'] });
    try {
      const ok = await fetch(`${s.url}/v1/coins`, { headers: { origin: 'http://dash.example' } });
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://dash.example');
      const other = await fetch(`${s.url}/v1/coins`, { headers: { origin: 'http://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const pre = await fetch(`${s.url}/v1/risk`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://dash.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-api-key',
        },
      });
      assert.ok(pre.status === 204 || pre.status === 200);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'http://dash.example');
    } finally {
      await s.app.close();
    }
  });
});

describe('SQL- and script-looking strings are stored and returned verbatim', () => {
  test('a key name through glass keys create and list', async () => {
    const k = await createKey(HOSTILE.replace('\u0000', ''));
    const listed = JSON.parse((await keys('list', '--json')).stdout) as { id: string; name: string }[];
    assert.equal(listed.find((x) => x.id === k.id)?.name, HOSTILE.replace('\u0000', ''));
    assert.ok((await store.keys()).length >= 2, 'the keys table is still there');
  });

  test('event content through the store and GET /v1/events', async () => {
    const coin = `X'); DROP TABLE events;--` as Coin;
    const event = {
      id: `<script>alert(1)</script>${HOSTILE}`,
      type: 'SYNDICATE_DETECTED',
      time: 1_700_000_000_000,
      coin,
      severity: 'notice',
      syndicateId: `"; DELETE FROM events WHERE 1=1; --`,
      direction: 'long',
      memberCount: 0,
      notionalUsd: 1,
      meanScore: null,
      firstTime: 1_700_000_000_000,
      members: [],
    } as unknown as GlassEvent;
    const id = (await store.lastEventId()) + 1;
    await store.write({
      cursor: { source: 'hostile', position: 1, ts: 1_700_000_000_000, nextEventId: id + 1 },
      events: [{ id, type: 'SYNDICATE_DETECTED', coin, time: 1_700_000_000_000, receivedAt: 1_700_000_000_000, detectedAt: 1, event }],
      heatmaps: [],
      positions: [],
      scores: [],
    });
    const s = await listen({ view: new StoreView(store), store, open: true });
    try {
      const r = await fetch(`${s.url}/v1/events?type=SYNDICATE_DETECTED`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await r.json()) as { items: { coin: string; event: Record<string, unknown> }[] };
      const got = body.items.find((e) => e.coin === coin);
      assert.ok(got !== undefined);
      assert.deepEqual(got.event, JSON.parse(JSON.stringify(event)));
      const syn = (await getJson(`${s.url}/v1/syndicates`)).body as { items: { syndicateId: string; coin: string }[] };
      assert.equal(syn.items.find((x) => x.coin === coin)?.syndicateId, `"; DELETE FROM events WHERE 1=1; --`);
      // A hostile value where the API takes a name is refused by the schema, naming the field.
      const bad = await getJson(`${s.url}/v1/events?coin=${encodeURIComponent("BTC' OR '1'='1")}`);
      assert.equal(bad.status, 400);
      assert.match(
        (bad.body as { message: string }).message,
        /^querystring\/coin must be a coin symbol: letters, digits and @:\/_.- \(e\.g\. BTC, kPEPE\)$/,
      );
    } finally {
      await s.app.close();
    }
  });
});
