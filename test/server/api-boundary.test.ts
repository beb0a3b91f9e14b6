import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { GlassEventType } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { EngineView } from '../../src/server/engine-view.ts';
import { ServiceMetrics } from '../../src/server/metrics.ts';
import { patternMessage, TIME_MESSAGE } from '../../src/server/schemas.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { StreamHub, viewSource } from '../../src/server/stream.ts';
import type { Store } from '../../src/store/types.ts';
import { captureLog, getJson, listen, postJson, recordInto, simulate, tempDir } from './fixture.ts';

/**
 * What a newcomer checking the API from a clean clone ran into, each over a real listening
 * server: coins and event types in any case, 400s that say what a field takes, which positions
 * /v1/positions covers, keys in URLs kept out of the log, an open server on all interfaces, the
 * ingest lag only where it means something, and the stream's query form agreeing with its
 * subscribe message.
 */

const { dir, cleanup } = tempDir('glass-api-boundary-');
const file = join(dir, 'sim.ndjson');
const db = join(dir, 'glass.sqlite');
let store: Store;
type Server = { app: { close(): Promise<unknown> }; url: string };
let overStore: Server;
let overEngines: Server;
const children: ChildProcess[] = [];

type Page = { items: Record<string, unknown>[]; next: string | null; scope?: string };
const message = (r: { body: unknown }) => (r.body as { message: string }).message;

before(async () => {
  simulate(file, { wallets: 200, hours: 1, seed: 11 });
  const r = await recordInto(db, file);
  store = r.store;
  const sv = new StoreView(store);
  // As glass serve: the stream continues the stored log.
  const metrics = new ServiceMetrics();
  const hub = new StreamHub(viewSource(sv), {}, metrics);
  hub.lastId = await store.lastEventId();
  overStore = await listen({ view: sv, store, open: true, hub, metrics });
  overEngines = await listen({
    view: new EngineView(() => ({ book: r.pipeline.book, heat: r.heat, score: r.score, policy: null }), sv),
    store,
    open: true,
  });
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await overStore.app.close();
  await overEngines.app.close();
  await store.close();
  cleanup();
});

/** A stream client keeping every message. */
async function connect(url: string, path: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`);
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Record<string, unknown>));
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  return {
    ws,
    messages,
    async until(pred: (m: Record<string, unknown>[]) => boolean, what: string): Promise<void> {
      for (let i = 0; !pred(messages); i++) {
        if (i > 400) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(messages.at(-1))?.slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('coins and event types in any case, as the CLI takes them', () => {
  test('query strings and paths: btc is BTC, zone_formed is ZONE_FORMED', async () => {
    for (const s of [overStore, overEngines]) {
      const up = await getJson(`${s.url}/v1/events?coin=BTC&type=ZONE_FORMED,ZONE_SWEPT&limit=1000`);
      assert.ok((up.body as Page).items.length > 0, 'BTC has zone events');
      assert.deepEqual((await getJson(`${s.url}/v1/events?coin=btc&type=zone_formed,Zone_Swept&limit=1000`)).body, up.body);
      const map = await getJson(`${s.url}/v1/heatmap/BTC`);
      assert.equal(map.status, 200);
      assert.deepEqual((await getJson(`${s.url}/v1/heatmap/btc`)).body, map.body);
      assert.deepEqual((await getJson(`${s.url}/v1/zones/btc`)).body, (await getJson(`${s.url}/v1/zones/BTC`)).body);
      assert.deepEqual(
        (await getJson(`${s.url}/v1/positions?coin=btc&limit=1000`)).body,
        (await getJson(`${s.url}/v1/positions?coin=BTC&limit=1000`)).body,
      );
      assert.deepEqual((await getJson(`${s.url}/v1/syndicates?coin=btc`)).body, (await getJson(`${s.url}/v1/syndicates?coin=BTC`)).body);
      const ledger = await getJson(`${s.url}/v1/ledger?type=zone_formed&coin=btc`);
      assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
      assert.deepEqual(ledger.body, (await getJson(`${s.url}/v1/ledger?type=ZONE_FORMED&coin=BTC`)).body);
    }
  });

  test('POST /v1/risk takes the coin in any case', async () => {
    const body = { side: 'long', entry: 90_000, size: 1, leverage: 10 };
    const up = await postJson(`${overEngines.url}/v1/risk`, { coin: 'BTC', ...body });
    assert.equal(up.status, 200);
    const low = await postJson(`${overEngines.url}/v1/risk`, { coin: 'btc', ...body });
    assert.equal(low.status, 200);
    assert.deepEqual(low.body, up.body);
  });

  test('the stream: ?coins=btc&types=zone_formed and the subscribe message deliver the events of that coin and type', async () => {
    // The recording's most frequent type on an upper-case coin, asked for in lower case.
    const all = (await store.events({ afterId: 0, limit: 100_000 })).filter((e) => e.coin === e.coin.toUpperCase());
    const count = new Map<string, number>();
    for (const e of all) count.set(`${e.coin} ${e.type}`, (count.get(`${e.coin} ${e.type}`) ?? 0) + 1);
    const top = [...count].sort((a, b) => b[1] - a[1])[0]?.[0].split(' ') as [Coin, GlassEventType];
    const want = all.filter((e) => e.coin === top[0] && e.type === top[1]).map((e) => e.id);
    assert.ok(want.length > 1 && want.length < all.length);
    const [coin, type] = [top[0].toLowerCase(), top[1].toLowerCase()];
    const byQuery = await connect(overStore.url, `/v1/stream?after=0&coins=${coin}&types=${type}`);
    const byMessage = await connect(overStore.url, '/v1/stream');
    byMessage.ws.send(JSON.stringify({ op: 'subscribe', after: 0, coins: [coin], types: [type] }));
    for (const c of [byQuery, byMessage]) {
      await c.until((m) => m.some((x) => x['kind'] === 'live'), 'live');
      assert.deepEqual(
        c.messages.filter((x) => x['kind'] === 'event').map((x) => x['id']),
        want,
      );
      c.ws.close();
    }
  });
});

describe('a 400 names the field and what it takes', () => {
  const cases: [string, string | RegExp][] = [
    ['/v1/positions?near=foo', 'querystring/near must be zone'],
    ['/v1/wallets?sort=foo', /^querystring\/sort must be (one of: )?score\b/],
    ['/v1/events?since=yesterday', `querystring/since ${TIME_MESSAGE}`],
    ['/v1/events?at=2026-13-45T00:00:00Z', `querystring/at ${TIME_MESSAGE}`],
    ['/v1/events?type=zone%20formed', 'querystring/type must be event types, comma-separated, any case (e.g. ZONE_FORMED,zone_swept)'],
    ['/v1/events?type=nope', /^querystring\/type has an unknown event type nope; the types are WHALE_POSITION_OPENED, .*ZONE_FORMED/],
    ['/v1/events?cursor=a%20b', 'querystring/cursor must be a cursor: the `next` of the previous page'],
    ['/v1/heatmap/B%20TC', 'params/coin must be a coin symbol: letters, digits and @:/_.- (e.g. BTC, kPEPE)'],
    ['/v1/wallets/0x12', 'params/address must be a 0x address of 40 hex digits'],
    ['/v1/ledger?type=nope', /^querystring\/type has an unknown event type nope; the types are WHALE_POSITION_OPENED, .*ZONE_FORMED/],
  ];
  for (const [url, want] of cases) {
    test(`GET ${url}`, async () => {
      const r = await getJson(`${overStore.url}${url}`);
      assert.equal(r.status, 400);
      if (typeof want === 'string') assert.equal(message(r), want);
      else assert.match(message(r), want);
      assert.ok(!/[\\^$]|constant|anyOf|pattern/.test(message(r)), `no schema internals: ${message(r)}`);
    });
  }

  test('POST /v1/risk: a union of literals lists its values once; an unknown field is named', async () => {
    const side = await postJson(`${overStore.url}/v1/risk`, { coin: 'BTC', side: 'up', entry: 1, size: 1 });
    assert.equal(side.status, 400);
    assert.equal(message(side), 'body/side must be one of: long, short');
    const extra = await postJson(`${overStore.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 1, size: 1, admin: true });
    assert.equal(message(extra), 'body/admin is not a field of body; body takes coin, side, entry, size, leverage, stop, at');
  });

  test('413 names the limit', async () => {
    const r = await postJson(`${overStore.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 1, size: 1, pad: 'x'.repeat(20_000) });
    assert.equal(r.status, 413);
    assert.equal(message(r), 'request body is over the limit of 16384 bytes');
    const small = await listen({ view: new StoreView(store), store, open: true, bodyLimit: 2048 });
    try {
      const s = await postJson(`${small.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 1, size: 1, pad: 'x'.repeat(3000) });
      assert.equal(message(s), 'request body is over the limit of 2048 bytes');
    } finally {
      await small.app.close();
    }
  });

  test('the stream’s subscribe message: the same words', async () => {
    const c = await connect(overStore.url, '/v1/stream');
    c.ws.send(JSON.stringify({ op: 'subscribe', types: ['nope'] }));
    c.ws.send(JSON.stringify({ op: 'subscribe', coins: ['B TC'] }));
    c.ws.send(JSON.stringify({ types: ['ZONE_FORMED'] }));
    await c.until((m) => m.filter((x) => x['kind'] === 'error').length === 3, 'three errors');
    const errors = c.messages.filter((x) => x['kind'] === 'error').map((x) => x['message']);
    assert.match(String(errors[0]), /^subscribe\/types\/0 must be one of: WHALE_POSITION_OPENED, /);
    assert.equal(errors[1], 'subscribe/coins/0 must be a coin symbol: letters, digits and @:/_.- (e.g. BTC, kPEPE)');
    // As a request's body: the field named (was `subscribe must have required property 'op'`).
    assert.equal(errors[2], 'subscribe/op is required');
    c.ws.close();
  });

  test('every pattern a request can fail has words for its 400 (none quotes a regex)', async () => {
    const doc = (await getJson(`${overStore.url}/v1/openapi.json`)).body as Record<string, unknown>;
    const patterns = new Set<string>();
    const walk = (v: unknown, inRequest: boolean): void => {
      if (Array.isArray(v)) for (const x of v) walk(x, inRequest);
      else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'responses') continue;
          if (k === 'pattern' && typeof x === 'string' && inRequest) patterns.add(x);
          walk(x, inRequest || k === 'parameters' || k === 'requestBody');
        }
      }
    };
    walk(doc['paths'], false);
    assert.ok(patterns.size >= 5, `patterns found: ${[...patterns].join(' ')}`);
    for (const p of patterns) assert.ok(patternMessage(p) !== undefined, `no words for ${p}`);
  });
});

describe('answers the router, the validator, the body parser and the key check gave in their own words: the documented shape, naming the field', () => {
  /** The documented error body, `{statusCode, error, message}` (docs/api.md), and nothing else: no fastify `code`, no stack. */
  function documented(r: { status: number; body: unknown }, status: number, want: string | RegExp): string {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.ok(r.body !== null && typeof r.body === 'object', `a JSON object: ${String(r.body).slice(0, 200)}`);
    const body = r.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode'], JSON.stringify(body).slice(0, 300));
    assert.equal(body['statusCode'], status);
    assert.equal(body['error'], STATUS_CODES[status]);
    const text = String(body['message']);
    if (typeof want === 'string') assert.equal(text, want);
    else assert.match(text, want);
    assert.ok(!/FST_|\n\s+at /.test(text), `no fastify code or stack: ${text}`);
    return text;
  }

  test('a path that is not valid %-encoding: 400 naming the path parameter, the input echoed at most 40 characters', async () => {
    const encoding = 'is not valid percent-encoding (UTF-8 bytes as %XX)';
    documented(await getJson(`${overStore.url}/v1/heatmap/%ZZ`), 400, `params/coin ${encoding}: %ZZ`);
    documented(await getJson(`${overStore.url}/v1/zones/%C3%28`), 400, `params/coin ${encoding}: %C3%28`);
    documented(await getJson(`${overStore.url}/v1/wallets/%ZZ`), 400, `params/address ${encoding}: %ZZ`);
    // In no parameter (no such route): the path, shortened.
    documented(await getJson(`${overStore.url}/v1/nothing%ZZ`), 400, `path ${encoding}: /v1/nothing%ZZ`);
    const long = `%ZZ${'A'.repeat(3000)}`;
    const text = documented(await getJson(`${overStore.url}/v1/heatmap/${long}`), 400, `params/coin ${encoding}: ${long.slice(0, 40)}…`);
    assert.ok(!text.includes('A'.repeat(41)));
  });

  test('a 3,000-character coin: 400 naming params/coin and its length, never the URL echoed', async () => {
    const coin = 'A'.repeat(3000);
    const r = await getJson(`${overStore.url}/v1/heatmap/${coin}`);
    const text = documented(r, 400, 'params/coin is 3000 characters long; a path parameter takes at most 200');
    assert.ok(!text.includes('AAAA'));
    // Within the router's limit, the schema's: in words, not the validator's `must NOT have more than`.
    documented(await getJson(`${overStore.url}/v1/heatmap/${'A'.repeat(40)}`), 400, 'params/coin must be at most 32 characters');
  });

  test('an empty parameter: must not be empty (not the validator’s `must NOT have fewer than 1 characters`)', async () => {
    documented(await getJson(`${overStore.url}/v1/positions?coin=`), 400, 'querystring/coin must not be empty');
  });

  test('a parameter given twice: said so (not `must be string`, `must be integer`)', async () => {
    documented(await getJson(`${overStore.url}/v1/positions?near=zone&near=zone`), 400, 'querystring/near is given more than once');
    documented(await getJson(`${overStore.url}/v1/events?limit=1&limit=2`), 400, 'querystring/limit is given more than once');
    documented(
      await getJson(`${overStore.url}/v1/events?type=zone_formed&type=zone_swept`),
      400,
      'querystring/type is given more than once',
    );
  });

  test('a missing field: body/entry is required (not `body must have required property`); a missing body named', async () => {
    documented(await postJson(`${overStore.url}/v1/risk`, { coin: 'BTC', side: 'long', size: 1 }), 400, 'body/entry is required');
    const none = await fetch(`${overStore.url}/v1/risk`, { method: 'POST' });
    documented({ status: none.status, body: await none.json() }, 400, 'body is required: a JSON object, Content-Type: application/json');
  });

  test('a body that is not JSON: 415 naming application/json', async () => {
    const body = { coin: 'BTC', side: 'long', entry: 1, size: 1 };
    const text = await postJson(`${overStore.url}/v1/risk`, body, { 'content-type': 'text/plain' });
    documented(text, 415, 'Content-Type text/plain is not taken: send the body as JSON, Content-Type: application/json');
    const form = await postJson(`${overStore.url}/v1/risk`, 'coin=BTC', { 'content-type': 'application/x-www-form-urlencoded' });
    documented(form, 415, /^Content-Type application\/x-www-form-urlencoded is not taken: .*application\/json$/);
    // JSON still reads.
    assert.equal((await postJson(`${overEngines.url}/v1/risk`, body, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  });

  test('an unknown event type reads the same on /v1/ledger as on /v1/events', async () => {
    const ledger = await getJson(`${overStore.url}/v1/ledger?type=FOO`);
    const events = await getJson(`${overStore.url}/v1/events?type=FOO`);
    documented(ledger, 400, /^querystring\/type has an unknown event type FOO; the types are WHALE_POSITION_OPENED, .*ZONE_FORMED/);
    assert.deepEqual(ledger.body, events.body);
  });

  test('Authorization: Basic: 401 saying the key goes as Authorization: Bearer or x-api-key', async () => {
    const s = await listen({ view: new StoreView(store), store, open: false });
    try {
      const credential = Buffer.from('user:glass_notAKeyThisServerReads').toString('base64');
      const r = await getJson(`${s.url}/v1/coins`, { authorization: `Basic ${credential}` });
      const text = documented(
        r,
        401,
        'Authorization: Basic is not read: send the API key as Authorization: Bearer <key> or x-api-key: <key>',
      );
      assert.ok(!text.includes(credential));
      // No scheme at all: nothing echoed (the value may be the key itself).
      const bare = await getJson(`${s.url}/v1/coins`, { authorization: 'glass_bareKeyWithoutScheme' });
      documented(bare, 401, 'the Authorization header is not read: send the API key as Authorization: Bearer <key> or x-api-key: <key>');
      // Nothing sent: as before.
      documented(await getJson(`${s.url}/v1/coins`), 401, 'missing API key: send it as x-api-key or Authorization: Bearer');
    } finally {
      await s.app.close();
    }
  });
});

describe('GET /v1/positions says which positions it covers', () => {
  test('scope: all from running engines, tracked from the store and at any at=; the document says so', async () => {
    const live = (await getJson(`${overEngines.url}/v1/positions?limit=1`)).body as Page;
    assert.equal(live.scope, 'all');
    const time = (await store.heatmap('BTC' as Coin))?.time;
    assert.ok(time !== undefined);
    assert.equal(((await getJson(`${overEngines.url}/v1/positions?limit=1&at=${time}`)).body as Page).scope, 'tracked');
    assert.equal(((await getJson(`${overStore.url}/v1/positions?limit=1`)).body as Page).scope, 'tracked');
    type Op = {
      description?: string;
      responses: { 200: { content: { 'application/json': { schema: { properties: { scope: { description: string } } } } } } };
    };
    const doc = (await getJson(`${overStore.url}/v1/openapi.json`)).body as { paths: Record<string, Record<string, Op>> };
    const op = doc.paths['/v1/positions']?.['get'];
    assert.match(op?.description ?? '', /`scope`.*`all`.*`tracked`/s);
    const scope = op?.responses[200].content['application/json'].schema.properties.scope;
    assert.match(scope?.description ?? '', /^all: every open position .*; tracked: the positions of the wallets the Whale Hunter tracks/);
  });
});

describe('a key sent in the URL', () => {
  test('is refused with a line saying where keys go, and never reaches the log, whatever the route or answer', async () => {
    const secret = 'glass_SECRETinTheQueryString0123456789abcd';
    for (const open of [false, true]) {
      const { lines, sink } = captureLog();
      const s = await listen({ view: new StoreView(store), store, open, logLevel: 'trace', logStream: sink });
      try {
        const r = await getJson(`${s.url}/v1/coins?key=${secret}`);
        if (open) assert.equal(r.status, 200);
        else {
          assert.equal(r.status, 401);
          assert.match(message(r), /^an API key goes in a header \(x-api-key or Authorization: Bearer\), never the URL/);
        }
        await getJson(`${s.url}/v1/nothing?api_key=${secret}`);
        await getJson(`${s.url}/v1/health?token=${secret}&x=1`);
        await getJson(`${s.url}/v1/events?limit=abc&apiKey=${secret}`);
        await getJson(`${s.url}/v1/heatmap/NOPE?access_token=${secret}`);
        await new Promise<void>((res) => {
          const c = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream?after=0&key=${secret}`);
          c.on('open', () => {
            c.close();
            res();
          });
          c.on('error', () => res());
        });
      } finally {
        await s.app.close();
      }
      const log = lines.join('');
      assert.ok(lines.length >= 10, 'requests were logged');
      assert.ok(!log.includes(secret), 'the key is never logged');
      assert.match(log, /"url":"\/v1\/coins\?key=\[redacted\]"/);
      assert.match(log, /"url":"\/v1\/health\?token=\[redacted\]&x=1"/);
    }
  });
});

describe('the ingest lag: only where it means something, the same in /v1/health and /v1/metrics', () => {
  test('a replay or a store: no sample (never a false 0) and null in health; live: the same value in both', async () => {
    for (const s of [overStore, overEngines]) {
      const h = (await getJson(`${s.url}/v1/health`)).body as { ingestLagMs: number | null };
      assert.equal(h.ingestLagMs, null);
      const m = (await getJson(`${s.url}/v1/metrics`)).body as string;
      assert.match(m, /^# HELP glass_ingest_lag_seconds Live ingest only .*not the wall clock$/m);
      assert.match(m, /^# TYPE glass_ingest_lag_seconds gauge$/m);
      assert.doesNotMatch(m, /^glass_ingest_lag_seconds /m);
    }
    // Engines fed wall-clock receive times (glass live --serve): 1.5 s behind.
    let lag: number | null = 1500;
    const sv = new StoreView(store);
    const live = await listen({
      view: new EngineView(
        () => null,
        sv,
        () => lag,
      ),
      store,
      open: true,
    });
    try {
      assert.equal(((await getJson(`${live.url}/v1/health`)).body as { ingestLagMs: number }).ingestLagMs, 1500);
      assert.match((await getJson(`${live.url}/v1/metrics`)).body as string, /^glass_ingest_lag_seconds 1\.5$/m);
      // No message ingested yet (a reconnect): absent again, not the last value.
      lag = null;
      assert.doesNotMatch((await getJson(`${live.url}/v1/metrics`)).body as string, /^glass_ingest_lag_seconds /m);
    } finally {
      await live.app.close();
    }
  });
});

describe('the stream: the query form subscribes as the message does', () => {
  test('?heatmap=btc&types= is heatmap deltas alone, as {"types":[],"heatmap":["btc"]}', async () => {
    const byQuery = await connect(overStore.url, '/v1/stream?after=0&heatmap=btc&types=');
    const byMessage = await connect(overStore.url, '/v1/stream');
    byMessage.ws.send(JSON.stringify({ op: 'subscribe', after: 0, types: [], heatmap: ['btc'] }));
    for (const c of [byQuery, byMessage]) {
      await c.until((m) => m.some((x) => x['kind'] === 'live') && m.some((x) => x['kind'] === 'heatmap'), 'live and the map');
      const sub = c.messages.find((x) => x['kind'] === 'subscribed');
      assert.deepEqual([sub?.['types'], sub?.['heatmap']], [[], ['BTC']]);
      const map = c.messages.find((x) => x['kind'] === 'heatmap');
      assert.equal(map?.['coin'], 'BTC');
      assert.equal(c.messages.filter((x) => x['kind'] === 'event').length, 0, 'no events');
      c.ws.close();
    }
  });
});

describe('--host 0.0.0.0', () => {
  /** `glass serve` on all interfaces: its stderr once the serving lines are out, and its API. */
  async function serveAll(extra: string[], last: RegExp): Promise<{ child: ChildProcess; err: () => string; url: string }> {
    const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--db', db, '--host', '0.0.0.0', '--port', '0', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /API on (http:\/\/[^/\s]+)\/v1/.exec(err);
        if (m !== null && last.test(err)) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    return { child, err: () => err, url };
  }

  test('--open: a warning on stderr, and URLs one can open', async () => {
    const s = await serveAll(['--open', '--log-level', 'silent'], /warning: .*\n/);
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(!s.err().includes('//0.0.0.0'), `no 0.0.0.0 URL:\n${s.err()}`);
      assert.equal((await fetch(`${s.url}/v1/coins`)).status, 200);
      const port = new URL(s.url).port;
      assert.match(
        s.err(),
        new RegExp(`^glass serve: warning: --open on 0\\.0\\.0\\.0: anyone who can reach port ${port} reads the API without a key`, 'm'),
      );
      const lan = new RegExp(
        `^ {2}listening on all interfaces \\(0\\.0\\.0\\.0\\)(: from the network (http://[0-9.]+:${port})/v1)?$`,
        'm',
      ).exec(s.err());
      assert.ok(lan !== null, s.err());
      if (lan[2] !== undefined) assert.equal((await fetch(`${lan[2]}/v1/health`)).status, 200);
    } finally {
      s.child.kill('SIGTERM');
    }
  });

  test('without --open: keys required, no warning', async () => {
    const s = await serveAll(['--log-level', 'silent'], /listening on all interfaces.*\n/);
    try {
      assert.equal((await fetch(`${s.url}/v1/coins`)).status, 401);
      assert.doesNotMatch(s.err(), /warning/);
    } finally {
      s.child.kill('SIGTERM');
    }
  });
});

describe('a coin whose case normalising cannot reach', () => {
  test('kpepe reads as KPEPE: the 404 names kPEPE', async () => {
    const time = 1_767_225_600_000;
    const map = { coin: 'kPEPE', time, markPx: 0.01, bucketWidth: 0.0001, buckets: [], zones: [] };
    await store.write({
      cursor: { source: 'api-boundary-test', position: 1, ts: time, nextEventId: (await store.lastEventId()) + 1 },
      events: [],
      heatmaps: [{ coin: 'kPEPE' as Coin, time, reason: 'cadence', map: map as unknown as Record<string, unknown> }],
      positions: [],
      scores: [],
    });
    assert.equal((await getJson(`${overStore.url}/v1/heatmap/kPEPE`)).status, 200);
    const low = await getJson(`${overStore.url}/v1/heatmap/kpepe`);
    assert.equal(low.status, 404);
    assert.equal(message(low), 'no map for coin KPEPE; did you mean kPEPE?');
    assert.equal(message(await getJson(`${overStore.url}/v1/zones/kpepe`)), 'no map for coin KPEPE; did you mean kPEPE?');
  });
});
