import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { openStore } from '../../src/store/open.ts';
import { MockVenue } from '../helpers/mock-venue.ts';
import { getJson, simulate, tempDir } from './fixture.ts';

const run = promisify(execFile);
const { dir, cleanup } = tempDir('glass-serve-cmd-');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  cleanup();
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly firstLine: string;
  stderr(): string;
  exit: Promise<number | null>;
}

/** Starts `glass …` and waits for the line that says where the API is. */
function start(args: readonly string[]): Promise<Started> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no API line within 30 s: ${err}`)), 30_000);
    child.stdout?.resume();
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /API on (http:\/\/[^/\s]+)\/v1/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, firstLine: err.split('\n')[0] as string, stderr: () => err, exit });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before serving: ${err}`));
    });
  });
}

async function until<T>(f: () => Promise<T | null>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const file = join(dir, 'sim.ndjson');
before(() => simulate(file, { wallets: 300, hours: 2, seed: 11 }));

test('glass demo --port P serves /v1 while simulating, says so on its first line, and stops cleanly on SIGTERM', async () => {
  const s = await start(['demo', '--port', '0', '--wallets', '200', '--speed', '3600']);
  assert.match(
    s.firstLine,
    /^glass demo: (dashboard http:\/\/127\.0\.0\.1:\d+\/ · )?API on http:\/\/127\.0\.0\.1:\d+\/v1 \(open read-only/,
  );
  const coins = await until(async () => {
    const r = await getJson(`${s.url}/v1/coins`);
    const items = (r.body as { items: { coin: string }[] }).items;
    return items.length > 0 ? items : null;
  }, 'coins with a map');
  assert.ok(coins.some((c) => c.coin === 'BTC'));
  const h1 = (await getJson(`${s.url}/v1/health`)).body as { mode: string; uptimeS: number };
  assert.equal(h1.mode, 'engines');
  // Still simulating: the map's time moves on.
  const t1 = ((await getJson(`${s.url}/v1/heatmap/BTC`)).body as { time: number }).time;
  await until(
    async () => (((await getJson(`${s.url}/v1/heatmap/BTC`)).body as { time: number }).time > t1 ? true : null),
    'simulated time to move',
  );
  s.child.kill('SIGTERM');
  assert.equal(await s.exit, 0);
  assert.match(s.stderr(), /glass demo: stopped after \d+ events/);
});

test('glass serve follows a store another process writes: the stream gets every event in order', async () => {
  const db = join(dir, 'shared.sqlite');
  // The store exists (migrated) before the server opens it.
  await (await openStore(db)).close();
  const s = await start(['serve', '--db', db, '--port', '0', '--log-level', 'silent']);
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream?after=0`);
  const ids: number[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as { kind: string; id: number };
    if (m.kind === 'event') ids.push(m.id);
  });
  await new Promise((r) => ws.once('open', r));
  await run(process.execPath, ['src/cli/main.ts', 'replay', file, '--db', db, '--quiet']);
  const total = await until(async () => {
    const h = (await getJson(`${s.url}/v1/health`)).body as { lastEventId: number };
    return h.lastEventId > 0 && ids.length === h.lastEventId ? h.lastEventId : null;
  }, 'every event on the stream');
  assert.deepEqual(
    ids,
    Array.from({ length: total }, (_, i) => i + 1),
  );
  // The store's alert rules are served too (docs/alerts.md): none stored yet.
  const rules = await getJson(`${s.url}/v1/alerts`);
  assert.equal(rules.status, 200);
  assert.deepEqual((rules.body as { rules: unknown[] }).rules, []);
  ws.close();
  s.child.kill('SIGINT');
  assert.equal(await s.exit, 0);
});

test('glass live --serve: the venue’s stream through the engines into the store, served while it runs', async () => {
  const venue = new MockVenue();
  await venue.start();
  venue.run(50, 2);
  try {
    const db = join(dir, 'live.sqlite');
    const s = await start([
      'live',
      '--serve',
      '--port',
      '0',
      '--db',
      db,
      '--ws',
      venue.wsUrl,
      '--info',
      venue.infoUrl,
      '--coins',
      'BTC',
      '--duration',
      '6',
    ]);
    const btc = await until(async () => {
      const r = await getJson(`${s.url}/v1/heatmap/BTC`);
      return r.status === 200 ? (r.body as { markPx: number }) : null;
    }, 'a BTC map');
    assert.ok(btc.markPx > 0);
    const h = await until(async () => {
      const b = (await getJson(`${s.url}/v1/health`)).body as { mode: string; ingestLagMs: number | null };
      return b.ingestLagMs === null ? null : b;
    }, 'an ingest lag');
    assert.equal(h.mode, 'engines');
    assert.ok((h.ingestLagMs as number) >= 0 && (h.ingestLagMs as number) < 60_000);
    const metrics = (await getJson(`${s.url}/v1/metrics`)).body as string;
    assert.match(metrics, /^glass_store_batch_seconds_count [1-9]\d*$/m);
    assert.equal(await s.exit, 0);
    // What it served is in the store for `glass serve` afterwards.
    const after = await start(['serve', '--db', db, '--port', '0', '--log-level', 'silent']);
    const stored = await getJson(`${after.url}/v1/heatmap/BTC`);
    assert.equal(stored.status, 200);
    after.child.kill('SIGTERM');
    assert.equal(await after.exit, 0);
  } finally {
    await venue.close();
  }
});

test('serving options are checked: one line naming the option', async () => {
  await assert.rejects(run(process.execPath, ['src/cli/main.ts', 'serve', '--port', '99999']), (e: { stderr: string; code: number }) => {
    assert.equal(e.stderr, 'glass serve: --port takes a whole number from 0 to 65535, got 99999\n');
    assert.equal(e.code, 2);
    return true;
  });
  await assert.rejects(
    run(process.execPath, ['src/cli/main.ts', 'serve', '--open', '--no-open', '--db', join(dir, 'x.sqlite')]),
    (e: { stderr: string }) => {
      assert.match(e.stderr, /--open and --no-open: one or the other/);
      return true;
    },
  );
  const missing = join(dir, 'missing.sqlite');
  await assert.rejects(run(process.execPath, ['src/cli/main.ts', 'serve', '--db', missing]), (e: { stderr: string; code: number }) => {
    assert.match(e.stderr, /^glass serve: no store at .*missing\.sqlite \(glass replay F --db/);
    // As keys and every command given a file that is not there: 1 (2 is a malformed command line).
    assert.equal(e.code, 1);
    return true;
  });
});
