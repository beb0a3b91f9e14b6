import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { coin, type Wallet } from '../../src/domain/ids.ts';
import { EntityGraph } from '../../src/engine/syndicates/entities.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { requestWeight, WeightBudget } from '../../src/venues/hyperliquid/live/limits.ts';
import { InfoClient } from '../../src/venues/hyperliquid/live/rest.ts';
import { LiveSocket } from '../../src/venues/hyperliquid/live/socket.ts';
import { LiveSource } from '../../src/venues/hyperliquid/live/source.ts';
import { glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';
import { MockVenue } from '../helpers/mock-venue.ts';

const venue = new MockVenue();
before(() => venue.start());
after(() => venue.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How often each side of each trade of `wallet` reached the book as a position change (`tid:side`). */
function appliedTrades(p: Pipeline, wallet: string): Map<string, number> {
  const applied = new Map<string, number>();
  p.changes.subscribe((c) => {
    if (c.resolved || c.tid === null || c.wallet !== wallet) return;
    const k = `${c.tid}:${c.side}`;
    applied.set(k, (applied.get(k) ?? 0) + 1);
  });
  return applied;
}

/** Every side `wallet` took in `trades` was applied exactly once. */
function assertEachOnce(applied: Map<string, number>, trades: readonly { tid: number; users: readonly string[] }[], wallet: string): void {
  for (const t of trades) {
    if (t.users[0] === wallet) assert.equal(applied.get(`${t.tid}:B`), 1, `trade ${t.tid} B`);
    if (t.users[1] === wallet) assert.equal(applied.get(`${t.tid}:A`), 1, `trade ${t.tid} A`);
  }
}

test('the weight budget never lets a minute exceed its limit, whatever the burst', () => {
  const b = new WeightBudget(1200);
  let now = 0;
  const sent: { t: number; w: number }[] = [];
  for (let i = 0; i < 2000; i++) {
    const w = i % 7 === 0 ? requestWeight('meta') : requestWeight('clearinghouseState');
    now += b.wait(now, w);
    b.spend(now, w);
    sent.push({ t: now, w });
    const inWindow = sent.filter((s) => s.t > now - 60_000).reduce((a, s) => a + s.w, 0);
    assert.ok(inWindow <= 1200, `${inWindow} weight in the minute before ${now}`);
    now += i % 3; // requests arrive as fast as they may
  }
  assert.ok(now > 60_000 * 5, 'a burst larger than the budget is spread over minutes');
});

test('/info: 429 answers are retried with backoff; requests wait for the budget', async () => {
  let virtual = 0;
  const waits: number[] = [];
  const client = new InfoClient({
    url: venue.infoUrl,
    budget: new WeightBudget(100),
    now: () => virtual,
    sleep: async (ms) => {
      waits.push(ms);
      virtual += ms;
    },
  });
  venue.fail429 = 3;
  const r = await client.info({ type: 'meta' });
  assert.equal(client.retries, 3);
  assert.deepEqual(
    (r.response as { universe: { name: string }[] }).universe.map((u) => u.name),
    ['BTC'],
  );
  for (let i = 0; i < 10; i++) await client.info({ type: 'meta' });
  // 11 successful + 3 rejected requests of weight 20 under 100 per minute: at least two minutes of waiting.
  assert.ok(virtual >= 2 * 60_000, `waited ${virtual} ms`);
  assert.ok(client.budget.used(virtual) <= 100);
});

test('/info: an answer slower than the timeout is abandoned and retried; the retry still pays its weight', async () => {
  const client = new InfoClient({ url: venue.infoUrl, budget: new WeightBudget(1200), timeoutMs: 150, sleep: async () => {} });
  venue.delayMs = 600;
  venue.slow = 2; // the first two attempts time out; the third is answered at once
  const r = await client.info({ type: 'meta' });
  assert.equal(client.timeouts, 2);
  assert.equal(client.retries, 2);
  assert.equal(client.requests, 3);
  assert.equal(client.budget.used(Date.now()), 3 * requestWeight('meta'));
  assert.deepEqual(
    (r.response as { universe: { name: string }[] }).universe.map((u) => u.name),
    ['BTC'],
  );
});

test('live: after forced disconnects and malformed frames the book sees every trade exactly once', async () => {
  venue.run(20, 1);
  const p = new Pipeline();
  const applied = new Map<string, number>();
  p.changes.subscribe((c) => {
    if (c.resolved || c.tid === null) return;
    const k = `${c.tid}:${c.side}`;
    applied.set(k, (applied.get(k) ?? 0) + 1);
  });
  const malformed: string[] = [];
  let line = 0;
  const source = new LiveSource(
    { wsUrl: venue.wsUrl, infoUrl: venue.infoUrl, refreshEveryMs: 60_000 },
    (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }),
    () => [],
    (l) => malformed.push(l),
  );
  await source.start();
  await sleep(600);
  const firstLive = venue.trades.length;
  venue.dropAll();
  await sleep(1200);
  venue.sendMalformed();
  await sleep(300);
  venue.dropAll();
  await sleep(1200);
  venue.pause();
  await sleep(300);
  source.stop();
  assert.ok((source.socket?.connects ?? 0) >= 3, `${source.socket?.connects} connections`);
  assert.equal(source.socket?.malformed, 1);
  assert.ok(malformed.some((m) => m.includes('malformed frame')));
  assert.equal(p.rejects, 0);
  // Every trade from the first seen live onward, both sides, exactly once.
  const expected = venue.trades.slice(firstLive);
  assert.ok(expected.length > 100, `${expected.length} trades`);
  for (const t of expected) {
    for (const side of ['B', 'A']) assert.equal(applied.get(`${t.tid}:${side}`), 1, `trade ${t.tid} ${side}`);
  }
  assert.equal(p.book.stats.duplicates > 0, true, 'resubscribe batches repeated trades already seen, and they were dropped');
});

test('glass live against the mock venue runs the same pipeline as replay of what it recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-live-'));
  const file = join(dir, 'live.ndjson');
  const seeds = join(dir, 'seeds.txt');
  writeFileSync(seeds, '# always refresh\n0x1111111111111111111111111111111111111111\n');
  const before = venue.requests.filter((r) => r.type === 'clearinghouseState').length;
  venue.run(20, 1);
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
  const child = spawn(process.execPath, [
    main,
    'live',
    '--ws',
    venue.wsUrl,
    '--info',
    venue.infoUrl,
    '--duration',
    '1.5',
    '--record',
    file,
    '--json',
  ]);
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  venue.pause();
  assert.equal(code, 0);
  const live = JSON.parse(out) as Record<string, unknown>;
  const replay = glass('replay', file, '--json');
  assert.equal(replay.code, 0, replay.stderr);
  const replayed = JSON.parse(replay.stdout) as Record<string, unknown>;
  assert.ok((live['fills'] as number) > 50);
  assert.deepEqual(replayed, live);
  // The seed wallet's account was fetched over REST and recorded, so replay saw it too.
  assert.ok(venue.requests.filter((r) => r.type === 'clearinghouseState').length > before);
  assert.ok((live['events'] as { snapshot: number }).snapshot >= 1);
});

test('glass live --track with a bad address is a one-line error naming the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-live-'));
  const seeds = join(dir, 'seeds.txt');
  writeFileSync(seeds, '0x1111111111111111111111111111111111111111\nnot-an-address\n');
  const r = glass('live', '--ws', venue.wsUrl, '--info', venue.infoUrl, '--track', seeds, '--duration', '0.2');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /line 2: not a wallet address: not-an-address/);
});

test('glass live --node-fills follows the node directory: blocks appended while it runs reach the pipeline once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-live-node-'));
  const hour = join(dir, '9');
  writeFileSync(hour, '');
  const fix = readFixture('hyperliquid/userFills-2023.json') as { request: { user: string }; response: { time: number }[] };
  const fills = fix.response.toSorted((a, b) => a.time - b.time).slice(0, 40);
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
  const child = spawn(process.execPath, [
    main,
    'live',
    '--ws',
    venue.wsUrl,
    '--info',
    venue.infoUrl,
    '--node-fills',
    dir,
    '--duration',
    '2',
    '--json',
  ]);
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  // Append only once the tail has taken its place at the end of the file (a loaded machine may
  // take seconds to start the child); what was there before it started is not news to it.
  await new Promise<void>((resolve) => {
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('following node fills')) resolve();
    });
  });
  fills.forEach((f, i) => {
    const line = JSON.stringify({
      block_number: i,
      block_time: new Date(f.time).toISOString(),
      local_time: new Date(f.time).toISOString(),
      events: [[fix.request.user, f]],
    });
    appendFileSync(hour, `${line}\n`);
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0);
  const s = JSON.parse(out) as { events: { fill: number }; rejects: number };
  assert.equal(s.events.fill, 40);
  assert.equal(s.rejects, 0);
});

test('after a gap the trade batch cannot cover, the tracked wallet’s own fills over the gap fill it: every trade of it applied once', async () => {
  const tracked = '0xbb160cb61e694570f9d570f9fcde7c61dd2143ad';
  venue.snapshotSize = 3; // the resubscribe batch reaches back only 3 trades: not over the gap
  venue.run(20, 1);
  const p = new Pipeline();
  const applied = appliedTrades(p, tracked);
  let line = 0;
  const source = new LiveSource(
    { wsUrl: venue.wsUrl, infoUrl: venue.infoUrl, refreshEveryMs: 60_000 },
    (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }),
    () => [],
    () => {},
    () => [tracked],
  );
  await source.start();
  await sleep(500);
  const firstLive = venue.trades.length;
  venue.dropAll();
  await sleep(1500);
  venue.pause();
  await sleep(500);
  source.stop();
  venue.snapshotSize = 100;
  assert.ok(source.backfills >= 1, 'userFillsByTime was asked');
  const mine = venue.trades.slice(firstLive).filter((t) => t.users.includes(tracked));
  assert.ok(mine.length >= 5, `${mine.length} trades of the tracked wallet`);
  assertEachOnce(applied, mine, tracked);
  // Unknown, its position is the sum of every trade of it from the first one applied (trades
  // before the connection are not the book's to know without an account snapshot).
  const first = Math.min(...[...applied.keys()].map((k) => Number(k.split(':')[0])));
  let expected = 0;
  for (const t of venue.trades) {
    if (t.tid < first) continue;
    if (t.users[0] === tracked) expected += Number(t.sz);
    if (t.users[1] === tracked) expected -= Number(t.sz);
  }
  const pos = p.book.position(tracked as Wallet, coin('BTC'))!;
  // When a back-filled fill arrived before any newer live trade of the wallet, its startPosition
  // set the position absolutely: then it is the venue's own figure (the coin's unfilled trade gap
  // may still mark it uncertain afterwards). Either way nothing is missing or counted twice.
  const absolute = venue.positionOf(tracked);
  assert.ok(
    Math.abs(pos.szi - expected) < 1e-9 || Math.abs(pos.szi - absolute) < 1e-9,
    `book ${pos.szi} (known ${pos.known}); trades since the first applied ${expected}; venue ${absolute}`,
  );
});

test('live subscriptions: trades and activeAssetCtx per coin, allMids, userFills and ledger updates for the tracked wallets; their fills and the trades apply each trade once', async () => {
  const tracked = '0xbb160cb61e694570f9d570f9fcde7c61dd2143ad';
  const before = venue.subscriptions.length;
  // The tracked wallet's ledger (the documented shape, not captured): its transfers reach the entity graph.
  const doc = readFixture('hyperliquid/userNonFundingLedgerUpdates.documented.json') as { request: { user: string }; response: unknown[] };
  venue.ledger.set(tracked, JSON.parse(JSON.stringify(doc.response).replaceAll(doc.request.user, tracked)) as unknown[]);
  const graph = new EntityGraph();
  venue.run(20, 1);
  const p = new Pipeline();
  p.attach(graph);
  const applied = appliedTrades(p, tracked);
  let line = 0;
  const kinds = new Map<string, number>();
  const source = new LiveSource({ wsUrl: venue.wsUrl, infoUrl: venue.infoUrl, refreshEveryMs: 60_000, users: [tracked] }, (ts, msg) => {
    const ch = (msg as { channel?: string }).channel ?? 'info';
    kinds.set(ch, (kinds.get(ch) ?? 0) + 1);
    p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg });
  });
  await source.start();
  for (let waited = 0; venue.subscriptions.length - before < 5 && waited < 10_000; waited += 20) await sleep(20);
  await sleep(100);
  // Trades before the subscriptions answered are history (the resubscribe batch, the userFills
  // snapshot): the ones after are the live ones checked here.
  const firstLive = venue.trades.length;
  await sleep(1000);
  venue.pause();
  await sleep(200);
  source.stop();
  assert.deepEqual(
    venue.subscriptions.slice(before).map((s) => `${String(s['type'])}:${String(s['coin'] ?? s['user'] ?? '')}`),
    ['allMids:', 'trades:BTC', `userFills:${tracked}`, `userNonFundingLedgerUpdates:${tracked}`, 'activeAssetCtx:BTC'],
  );
  // Its ledger snapshot: 7 money movements (of 9 updates), 4 of them to or from other wallets — one entity.
  assert.equal(p.counts.transfer, 7);
  assert.equal(graph.stream.counts.transfers, 4);
  assert.ok(graph.clusters()[0]?.wallets.includes(tracked as Wallet));
  assert.ok((kinds.get('userFills') ?? 0) >= 2, `${kinds.get('userFills')} userFills frames`);
  assert.equal(kinds.get('activeAssetCtx'), 1);
  assert.ok(p.counts.fill > 0 && p.counts.mark > 0 && p.counts.funding > 0, JSON.stringify(p.counts));
  // The wallet's trades arrive twice (trades channel and its own fills): each applies once.
  const mine = venue.trades.slice(firstLive).filter((t) => t.users.includes(tracked));
  assert.ok(mine.length >= 5, `${mine.length} trades of the tracked wallet`);
  assertEachOnce(applied, mine, tracked);
  assert.ok(p.book.stats.duplicates > 0, 'the second copy of each was recognised');
});

test('a half-open connection (open, but silent: no data, no pong) is noticed within the stale limit and replaced', async () => {
  const notes: string[] = [];
  let trades = 0;
  let atStale = -1;
  const socket = new LiveSocket(
    { url: venue.wsUrl, subscriptions: [{ type: 'trades', coin: 'BTC' }], pingMs: 50, staleMs: 300, backoffMs: 10, maxBackoffMs: 20 },
    (_ts, msg) => {
      const m = msg as { channel?: string; data?: { state?: string; reason?: string } };
      if (m.channel === 'glass:connection') notes.push(`${m.data?.state}: ${m.data?.reason}`);
      // The link comes back as the client gives up on it (before its reconnect subscribes).
      if (m.data?.reason?.startsWith('stale') === true) {
        atStale = trades;
        venue.silent = false;
      }
      if (m.channel === 'trades') trades++;
    },
  );
  venue.run(20, 1);
  socket.start();
  let silentAt = 0;
  try {
    for (let waited = 0; trades < 3 && waited < 5000; waited += 20) await sleep(20);
    venue.silent = true;
    await sleep(60); // a frame already on the wire still lands
    silentAt = trades;
    for (let waited = 0; !notes.some((n) => n.startsWith('closed: stale')) && waited < 5000; waited += 20) await sleep(20);
    assert.equal(atStale, silentAt, 'nothing arrived while the link was silent');
    for (let waited = 0; trades < silentAt + 3 && waited < 5000; waited += 20) await sleep(20);
  } finally {
    socket.stop();
    venue.pause();
    venue.silent = false;
  }
  assert.deepEqual(notes.slice(0, 3), ['open: connected', 'closed: stale: no message within the stale limit', 'open: connected']);
  assert.equal(socket.connects, 2);
  assert.ok(trades >= silentAt + 3, 'data flows again on the new connection');
});
