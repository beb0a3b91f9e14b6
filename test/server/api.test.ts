import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { tidy } from '../../src/domain/format.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { mapJson } from '../../src/engine/heatmap/document.ts';
import { withCurrentScore } from '../../src/engine/score/engine.ts';
import { EngineView, livePosition } from '../../src/server/engine-view.ts';
import { positionOut, StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { noisyNumbers } from '../helpers/noise.ts';
import { getJson, listen, type Played, play, postJson, recordInto, simulate, tempDir } from './fixture.ts';

const run = promisify(execFile);
const { dir, cleanup } = tempDir('glass-api-');
const file = join(dir, 'sim.ndjson');
let store: Store;
let played: Played;
/** The API over the store alone (`glass serve`) and over the engines that wrote it (`--serve`). */
let overStore: { app: { close(): Promise<unknown> }; url: string };
let overEngines: { app: { close(): Promise<unknown> }; url: string };

type Json = Record<string, unknown> & { items: Record<string, unknown>[]; next: string | null };

/** Every page of a list endpoint, following `next`. */
async function allPages(url: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: string | null = null;
  for (let i = 0; i < 10_000; i++) {
    const r = await getJson(`${url}${next === null ? '' : `${url.includes('?') ? '&' : '?'}cursor=${next}`}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as Json;
    out.push(...b.items);
    next = b.next;
    if (next === null) return out;
  }
  throw new Error('pagination did not end');
}

/** JSON round trip: what the API can possibly say about a value. */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

before(async () => {
  simulate(file, { wallets: 300, hours: 2, seed: 7 });
  const r = await recordInto(join(dir, 'glass.sqlite'), file);
  store = r.store;
  played = await play(file);
  const sv = new StoreView(store);
  overStore = await listen({ view: sv, store, open: true });
  overEngines = await listen({
    view: new EngineView(() => ({ book: r.pipeline.book, heat: r.heat, score: r.score, policy: null }), sv),
    store,
    open: true,
  });
});

after(async () => {
  await overStore.app.close();
  await overEngines.app.close();
  await store.close();
  cleanup();
});

describe('each endpoint against the engines’ own answers for the same recording', () => {
  test('GET /v1/coins: every coin the heatmap has, with its mark', async () => {
    for (const s of [overStore, overEngines]) {
      const items = await allPages(`${s.url}/v1/coins?limit=2`);
      assert.deepEqual(
        items.map((c) => c['coin']),
        played.heat.coinList(),
      );
      for (const c of items) {
        const v = played.heat.view(c['coin'] as string);
        assert.ok(v !== null);
        assert.equal(c['markPx'], mapJson(v, played.heat.liq.tables.szDecimals(v.coin)).markPx);
        assert.equal(c['zones'], v.zones.length);
      }
    }
  });

  test('GET /v1/heatmap/{coin} is `glass heatmap --json`, from the store and from the engines', async () => {
    for (const coin of played.heat.coinList()) {
      const v = played.heat.view(coin);
      assert.ok(v !== null);
      const cli = wire(mapJson(v, played.heat.liq.tables.szDecimals(coin)));
      for (const s of [overStore, overEngines]) {
        const r = await getJson(`${s.url}/v1/heatmap/${coin}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, cli, `${coin} from ${s === overStore ? 'the store' : 'the engines'}`);
      }
    }
  });

  test('GET /v1/heatmap/{coin}?history= adds the price × time grid', async () => {
    const s = await getJson(`${overStore.url}/v1/heatmap/BTC?history=60`);
    const hist = (s.body as { history: { time: number }[] }).history;
    const snaps = await store.heatmapHistory('BTC' as Coin, 0, Number.MAX_SAFE_INTEGER, 100_000);
    assert.ok(hist.length > 10 && hist.length <= 60);
    // One row a minute, ascending, each the minute's last stored map.
    const lastOfMinute = new Map(snaps.map((x) => [Math.floor(x.time / 60_000), x.time]));
    for (let i = 0; i < hist.length; i++) {
      const h = hist[i] as { time: number };
      assert.equal(lastOfMinute.get(Math.floor(h.time / 60_000)), h.time);
      if (i > 0) assert.ok(Math.floor(h.time / 60_000) > Math.floor((hist[i - 1] as { time: number }).time / 60_000));
    }
    // Engines that keep no grid of their own (a live run's default) answer with the stored rows.
    const e = await getJson(`${overEngines.url}/v1/heatmap/BTC?history=60`);
    assert.deepEqual((e.body as { history: unknown }).history, hist);
  });

  test('GET /v1/zones/{coin}: the heatmap’s zones', async () => {
    for (const coin of played.heat.coinList()) {
      const v = played.heat.view(coin);
      assert.ok(v !== null);
      const cli = wire(mapJson(v, played.heat.liq.tables.szDecimals(coin)));
      for (const s of [overStore, overEngines]) {
        const r = (await getJson(`${s.url}/v1/zones/${coin}`)).body as { zones: unknown; markPx: number };
        assert.deepEqual(r.zones, cli.zones);
        assert.equal(r.markPx, cli.markPx);
      }
    }
  });

  test('GET /v1/positions: every open position with its liquidation price, paged by cursor', async () => {
    // The engines' positions exactly (what the filters read), and as the API writes them (rounded as glass positions --json).
    const exact = played.heat
      .positions()
      .map(livePosition)
      .sort((a, b) => (a.wallet === b.wallet ? (a.coin < b.coin ? -1 : 1) : a.wallet < b.wallet ? -1 : 1));
    const out = (ps: typeof exact) => wire(ps.map(positionOut));
    const engine = out(exact);
    assert.ok(engine.length > 20);
    assert.deepEqual(await allPages(`${overEngines.url}/v1/positions?limit=7`), engine);
    // Rounded: prices by the venue's rule, USD to the cent (the engines' own numbers carry float noise).
    assert.ok(exact.some((p, i) => p.liquidationPx !== engine[i]?.liquidationPx));
    assert.deepEqual(noisyNumbers(JSON.stringify(engine)), []);
    for (const p of engine) {
      assert.equal(p.notionalUsd, Math.round(p.notionalUsd * 100) / 100);
      // At most 5 significant figures, an integer price always allowed (the venue's rule).
      const px = p.liquidationPx;
      if (px !== null && !Number.isInteger(px)) assert.equal(px, Number(px.toPrecision(5)));
    }
    const btc = await allPages(`${overEngines.url}/v1/positions?coin=BTC&minNotional=10000&limit=1000`);
    assert.deepEqual(btc, out(exact.filter((p) => p.coin === 'BTC' && p.notionalUsd >= 10_000)));
    const one = engine[0] as (typeof engine)[number];
    assert.deepEqual(
      await allPages(`${overEngines.url}/v1/positions?wallet=${one.wallet.toUpperCase().replace('0X', '0x')}`),
      engine.filter((p) => p.wallet === one.wallet),
    );
    // near=zone: exactly the positions whose liquidation price falls inside one of the coin's zones.
    const near = await allPages(`${overEngines.url}/v1/positions?near=zone&limit=5`);
    const inZone = exact.filter((p) =>
      (played.heat.view(p.coin)?.zones ?? []).some((z) => p.liquidationPx !== null && p.liquidationPx >= z.lo && p.liquidationPx <= z.hi),
    );
    assert.ok(inZone.length > 0);
    assert.deepEqual(
      near.map((p) => `${p['wallet']}:${p['coin']}`),
      inZone.map((p) => `${p.wallet}:${p.coin}`),
    );
    // Over the store: the tracked wallets' latest snapshots, paged the same way, each as the
    // engines hold that position at the end (its liquidation price kept current).
    const stored = await store.positions({ limit: 100_000 });
    assert.ok(stored.length > 0);
    assert.deepEqual(await allPages(`${overStore.url}/v1/positions?limit=1`), wire(stored.map(positionOut)));
    const live = new Map(exact.map((p) => [`${p.wallet}:${p.coin}`, p]));
    for (const p of stored) {
      const e = live.get(`${p.wallet}:${p.coin}`);
      assert.deepEqual(
        { szi: p.szi, liquidationPx: p.liquidationPx, leverage: p.leverage, estimated: p.estimated },
        e === undefined ? null : { szi: e.szi, liquidationPx: e.liquidationPx, leverage: e.leverage, estimated: e.estimated },
        `${p.wallet} ${p.coin}`,
      );
    }
  });

  test('GET /v1/wallets and /v1/wallets/{address}: the Nexus Score table and one wallet’s profile', async () => {
    const table = played.score.table(1);
    const items = await allPages(`${overEngines.url}/v1/wallets?sort=score&limit=40`);
    assert.equal(items.length, table.length);
    items.forEach((w, i) => {
      const t = table[i];
      assert.ok(t !== undefined);
      assert.deepEqual(
        { rank: w['rank'], wallet: w['wallet'], score: w['score'], trades: w['trades'], components: w['components'] },
        wire({ rank: i + 1, wallet: t.wallet, score: t.score, trades: t.trades, components: t.components }),
      );
    });
    const top = table[0];
    assert.ok(top !== undefined);
    const profile = played.score.profile(top.wallet);
    assert.ok(profile !== null);
    const d = (await getJson(`${overEngines.url}/v1/wallets/${top.wallet}`)).body as Record<string, unknown>;
    assert.equal(d['score'], profile.score);
    // The history is the score after each bet, then the score now at the time the answer is for.
    assert.deepEqual(d['history'], wire(withCurrentScore(profile, d['time'] as number).history));
    assert.deepEqual((d['history'] as unknown[]).at(-1), { time: d['time'], score: d['score'] });
    // The trades that moved it as `glass score --wallet --json` prints them (tidy), with no float noise.
    assert.deepEqual(d['movers'], wire(tidy(profile.movers)));
    assert.ok((d['movers'] as unknown[]).length > 0);
    assert.deepEqual(noisyNumbers(JSON.stringify(d)), []);
    // Over the store: the engines' table too (the recorder keeps every score current), then one
    // wallet's history as stored.
    const fromStore = await allPages(`${overStore.url}/v1/wallets?limit=25`);
    assert.deepEqual(
      fromStore.map((w) => ({ rank: w['rank'], wallet: w['wallet'], score: w['score'], trades: w['trades'], components: w['components'] })),
      table.map((t, i) => wire({ rank: i + 1, wallet: t.wallet, score: t.score, trades: t.trades, components: t.components })),
    );
    const scores = await store.scores({ limit: 100_000 });
    const w = scores[0];
    assert.ok(w !== undefined);
    const sd = (await getJson(`${overStore.url}/v1/wallets/${w.wallet}`)).body as Record<string, unknown>;
    assert.deepEqual(
      sd['history'],
      (await store.scoreHistory(w.wallet)).map((h) => ({ time: h.time, score: h.score })),
    );
  });

  test('GET /v1/events: the engines’ events in emit order, ids 1…n, filtered and paged', async () => {
    assert.ok(played.events.length > 10);
    for (const s of [overStore, overEngines]) {
      const all = await allPages(`${s.url}/v1/events?limit=4`);
      assert.deepEqual(
        all.map((e) => e['event']),
        wire(played.events),
      );
      assert.deepEqual(
        all.map((e) => e['id']),
        played.events.map((_, i) => i + 1),
      );
    }
    const zones = await allPages(`${overStore.url}/v1/events?type=ZONE_FORMED,ZONE_SWEPT&coin=BTC`);
    assert.deepEqual(
      zones.map((e) => e['event']),
      wire(played.events.filter((e) => (e.type === 'ZONE_FORMED' || e.type === 'ZONE_SWEPT') && e.coin === 'BTC')),
    );
    const mid = (played.events[Math.floor(played.events.length / 2)] as GlassEvent).time;
    const since = await allPages(`${overStore.url}/v1/events?since=${new Date(mid).toISOString()}`);
    assert.deepEqual(
      since.map((e) => e['event']),
      wire(played.events.filter((e) => e.time >= mid)),
    );
  });

  test('GET /v1/syndicates: one episode per SYNDICATE_DETECTED, members from its updates', async () => {
    const detected = played.events.filter((e) => e.type === 'SYNDICATE_DETECTED');
    const items = await allPages(`${overStore.url}/v1/syndicates?limit=1`);
    assert.equal(items.length, detected.length);
    // Outcomes (returns: ratios of marks) at the documented precision, as every other answer.
    assert.ok(items.some((s) => s['outcome'] !== null && s['outcome'] !== undefined));
    assert.deepEqual(noisyNumbers(JSON.stringify(items)), []);
    for (const d of detected) {
      const s = items.find((x) => x['syndicateId'] === d.syndicateId);
      assert.ok(s !== undefined);
      const updates = played.events.filter((e) => e.type === 'SYNDICATE_UPDATED' && e.syndicateId === d.syndicateId);
      const last = updates[updates.length - 1] ?? d;
      assert.equal(s['memberCount'], last.type === 'SYNDICATE_UPDATED' || last.type === 'SYNDICATE_DETECTED' ? last.memberCount : -1);
      assert.equal(
        (s['members'] as unknown[]).length,
        d.members.length + updates.reduce((n, u) => n + (u.type === 'SYNDICATE_UPDATED' ? u.joined.length : 0), 0),
      );
    }
  });

  test('POST /v1/risk is `glass risk --json` for the posted position', async () => {
    // `glass risk` reads whales by the default policy: engines run with it, served in-process.
    const own = await play(file, Number.POSITIVE_INFINITY, {});
    const view = new EngineView(
      () => ({ book: own.pipeline.book, heat: own.heat, score: own.score, policy: own.hunter.policy }),
      new StoreView(store),
    );
    const srv = await listen({ view, store, open: true });
    try {
      const mark = own.heat.coinState('BTC')?.mark;
      assert.ok(mark !== undefined && mark > 0);
      for (const [side, entry, lev, stop] of [
        ['long', Math.round(mark), 20, null],
        ['short', Math.round(mark * 1.01), 10, Math.round(mark * 1.05)],
      ] as const) {
        const args = [
          'src/cli/main.ts',
          'risk',
          file,
          '--coin',
          'BTC',
          '--side',
          side,
          '--entry',
          String(entry),
          '--size',
          '2',
          '--leverage',
          String(lev),
          '--json',
        ];
        if (stop !== null) args.push('--stop', String(stop));
        const cli = JSON.parse((await run(process.execPath, args)).stdout) as Record<string, unknown>;
        const body = { coin: 'BTC', side, entry, size: 2, leverage: lev, ...(stop === null ? {} : { stop }) };
        const r = await postJson(`${srv.url}/v1/risk`, body);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const { coin: _c, time: _t, markPx: _m, ...advice } = r.body as Record<string, unknown>;
        // A zone's id counts the zones its coin has formed, which depends on how often the engines
        // on the pipeline asked for zones (the CLI runs no Whale Hunter): the zones themselves agree.
        const noIds = (a: Record<string, unknown>) => ({
          ...a,
          zonesInPath: (a['zonesInPath'] as Record<string, unknown>[]).map(({ id: _id, ...z }) => z),
        });
        assert.deepEqual(noIds(advice), noIds(cli));
      }
    } finally {
      await srv.app.close();
    }
    // Over the store: the same position against the stored map (mark, zones) of the last moment.
    const s = await postJson(`${overStore.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 90_000, size: 2, leverage: 20 });
    assert.equal(s.status, 200);
    const map = await store.heatmap('BTC' as Coin);
    assert.equal((s.body as Record<string, unknown>)['markPx'], map?.map['markPx']);
  });

  test('GET /v1/health and /v1/metrics', async () => {
    const h = (await getJson(`${overEngines.url}/v1/health`)).body as Record<string, unknown>;
    assert.equal(h['status'], 'ok');
    assert.equal(h['mode'], 'engines');
    assert.equal(h['lastEventId'], played.events.length);
    assert.equal(h['lastEventTime'], played.events[played.events.length - 1]?.time);
    const m = await getJson(`${overStore.url}/v1/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
    for (const name of ['glass_ingest_lag_seconds', 'glass_events_per_second', 'glass_store_batch_seconds', 'glass_ws_clients']) {
      assert.match(m.body as string, new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });
});

describe('at=: what Glass knew then equals a replay stopped at that time', () => {
  test('heatmap, zones and events at stored snapshot times, as epoch ms and as ISO 8601', async () => {
    const snaps = await store.heatmapHistory('SOL' as Coin, 0, Number.MAX_SAFE_INTEGER, 100_000);
    const picks = [snaps[8], snaps[Math.floor(snaps.length / 2)], snaps[snaps.length - 3]];
    for (const s of picks) {
      assert.ok(s !== undefined);
      const then = await play(file, s.time);
      for (const coin of ['SOL', 'BTC']) {
        const v = then.heat.view(coin);
        assert.ok(v !== null);
        const cli = wire(mapJson(v, then.heat.liq.tables.szDecimals(coin)));
        for (const srv of [overStore, overEngines]) {
          const sol = await getJson(`${srv.url}/v1/heatmap/${coin}?at=${s.time}`);
          // The other coin's newest map at or before that time: its own last snapshot.
          if (coin === 'SOL') assert.deepEqual(sol.body, cli);
          else assert.ok((sol.body as { time: number }).time <= s.time);
          const iso = await getJson(`${srv.url}/v1/zones/${coin}?at=${new Date(s.time).toISOString()}`);
          if (coin === 'SOL') assert.deepEqual((iso.body as { zones: unknown }).zones, cli.zones);
        }
      }
      const events = await allPages(`${overEngines.url}/v1/events?at=${s.time}&limit=10`);
      assert.deepEqual(
        events.map((e) => e['event']),
        wire(then.events),
      );
      // Nothing after `at`, whatever the endpoint.
      const wallets = await allPages(`${overStore.url}/v1/wallets?at=${s.time}&limit=100`);
      for (const w of wallets) assert.ok((w['time'] as number) <= s.time);
      const positions = await allPages(`${overStore.url}/v1/positions?at=${s.time}&limit=100`);
      for (const p of positions) assert.ok((p['time'] as number) <= s.time);
    }
  });

  test('before the first map there is none: 404', async () => {
    const r = await getJson(`${overStore.url}/v1/heatmap/BTC?at=1000`);
    assert.equal(r.status, 404);
    assert.match((r.body as { message: string }).message, /no map for coin BTC at 1000/);
  });
});

describe('bad input: 400 naming the field; unknown: 404; oversized: 413; failures: no internals', () => {
  const cases: [string, RegExp][] = [
    ['/v1/events?limit=5000', /^querystring\/limit must be <= 1000$/],
    ['/v1/events?limit=abc', /^querystring\/limit must be integer$/],
    ['/v1/events?type=NOT_A_TYPE', /^querystring\/type has an unknown event type NOT_A_TYPE; the types are WHALE_POSITION_OPENED, /],
    ['/v1/events?cursor=zzzz', /^querystring\/cursor is not a cursor this API issued$/],
    ['/v1/events?at=yesterday', /^querystring\/at must be epoch ms or an ISO 8601 time \(e\.g\. /],
    ['/v1/events?at=2026-13-45T00:00:00Z', /^querystring\/at must be epoch ms or an ISO 8601 time \(e\.g\. /],
    ['/v1/events?since=soon', /^querystring\/since must be epoch ms or an ISO 8601 time \(e\.g\. /],
    ['/v1/wallets/0x1234', /^params\/address must be a 0x address of 40 hex digits$/],
    ['/v1/positions?minNotional=-5', /^querystring\/minNotional must be >= 0$/],
    ['/v1/positions?near=wallet', /^querystring\/near must be zone$/],
    ['/v1/heatmap/BTC?history=99999', /^querystring\/history must be <= 1440$/],
    ['/v1/coins?cursor=eyJpZCI6M30', /^querystring\/cursor is not a cursor of this list$/],
  ];
  for (const [url, msg] of cases) {
    test(`GET ${url} → 400`, async () => {
      const r = await getJson(`${overStore.url}${url}`);
      assert.equal(r.status, 400);
      assert.match((r.body as { message: string }).message, msg);
    });
  }

  test('POST /v1/risk with a bad body → 400 naming the field', async () => {
    const missing = await postJson(`${overEngines.url}/v1/risk`, { coin: 'BTC', entry: 1, size: 1 });
    assert.equal(missing.status, 400);
    assert.match((missing.body as { message: string }).message, /^body\/side is required$/);
    const neg = await postJson(`${overEngines.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: -1, size: 1 });
    assert.match((neg.body as { message: string }).message, /^body\/entry must be > 0$/);
    const extra = await postJson(`${overEngines.url}/v1/risk`, { coin: 'BTC', side: 'long', entry: 1, size: 1, admin: true });
    assert.match(
      (extra.body as { message: string }).message,
      /^body\/admin is not a field of body; body takes coin, side, entry, size, leverage, stop, at$/,
    );
    const notJson = await postJson(`${overEngines.url}/v1/risk`, '{"coin": ');
    assert.equal(notJson.status, 400);
    const unknown = await postJson(`${overEngines.url}/v1/risk`, { coin: 'NOPE', side: 'long', entry: 1, size: 1 });
    assert.equal(unknown.status, 404);
  });

  test('unknown routes and coins → 404', async () => {
    assert.equal((await getJson(`${overStore.url}/v1/nothing`)).status, 404);
    assert.equal((await getJson(`${overStore.url}/v1/heatmap/NOPE`)).status, 404);
    assert.equal((await getJson(`${overEngines.url}/v1/wallets/0x${'ab'.repeat(20)}`)).status, 404);
  });

  test('a body over the limit → 413', async () => {
    const big = { coin: 'BTC', side: 'long', entry: 1, size: 1, pad: 'x'.repeat(20_000) };
    const r = await postJson(`${overEngines.url}/v1/risk`, big);
    assert.equal(r.status, 413);
    assert.equal((r.body as { statusCode: number }).statusCode, 413);
  });

  test('a failing store → 500 with no message, stack or path from inside', async () => {
    const path = join(dir, 'closed.sqlite');
    const broken = await openStore(path);
    const s = await listen({ view: new StoreView(broken), store: broken, open: true });
    await broken.close();
    try {
      const r = await getJson(`${s.url}/v1/events`);
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      assert.ok(!JSON.stringify(r.body).includes(dir));
    } finally {
      await s.app.close();
    }
  });
});

test('the OpenAPI 3.1 document lists every route, with the schemas that validate them', async () => {
  const r = await getJson(`${overStore.url}/v1/openapi.json`);
  assert.equal(r.status, 200);
  const doc = r.body as {
    openapi: string;
    paths: Record<string, Record<string, { parameters?: { name: string; schema: { maximum?: number } }[] }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  const routes: [string, string][] = [
    ['/v1', 'get'],
    ['/v1/coins', 'get'],
    ['/v1/heatmap/{coin}', 'get'],
    ['/v1/zones/{coin}', 'get'],
    ['/v1/positions', 'get'],
    ['/v1/wallets', 'get'],
    ['/v1/wallets/{address}', 'get'],
    ['/v1/events', 'get'],
    ['/v1/syndicates', 'get'],
    ['/v1/risk', 'post'],
    ['/v1/health', 'get'],
    ['/v1/metrics', 'get'],
    ['/v1/stream', 'get'],
    ['/v1/ledger', 'get'],
  ];
  for (const [path, method] of routes) assert.ok(doc.paths[path]?.[method] !== undefined, `${method} ${path}`);
  assert.equal(Object.keys(doc.paths).length, routes.length);
  const limit = doc.paths['/v1/events']?.['get']?.parameters?.find((p) => p.name === 'limit');
  assert.equal(limit?.schema.maximum, 1000);
});
