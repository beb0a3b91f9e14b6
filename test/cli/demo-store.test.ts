import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Coin } from '../../src/domain/ids.ts';
import { openStore } from '../../src/store/open.ts';
import { type GlassChild, glassChild, MAIN } from './glass-child.ts';

/**
 * Issue 11, a newcomer's report: a second `glass demo --serve --db dd.sqlite` on one store started
 * its simulation at 2026-01-01 again, after the first run's events: venue time went back and
 * `at=` and `since=` mixed two simulations. The same demo now resumes where it stopped (the seeded
 * simulator fast-forwarded through what is stored): the store ends as one uninterrupted run's.
 * Anything that would move venue time back is refused in one line. Real child processes, SIGINT.
 */
const dir = mkdtempSync(join(tmpdir(), 'glass-demo-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SIM = ['--wallets', '300', '--hours', '4', '--seed', '5'];
const SOURCE = 'demo:seed=5:wallets=300:hours=4';

function demo(db: string, port: number, ...extra: string[]): GlassChild {
  return glassChild(['demo', '--serve', '--db', db, '--port', String(port), ...SIM, ...extra]);
}

/** Runs the demo to the end of its simulated span, then stops it. */
async function toTheEnd(db: string, port: number): Promise<string> {
  const c = demo(db, port, '--speed', '0');
  await c.waitFor(/the simulated span is over/);
  c.proc.kill('SIGINT');
  assert.equal(await c.exit, 0, c.stderr());
  return c.stderr();
}

async function content(db: string): Promise<{ events: number; hash: string; firstTime: number; complete: boolean }> {
  const s = await openStore(db);
  try {
    const h = createHash('sha256');
    let events = 0;
    let firstTime = 0;
    for (let afterId = 0; ; ) {
      const page = await s.events({ afterId, limit: 1000 });
      if (page.length === 0) break;
      for (const e of page) {
        if (events === 0) firstTime = e.time;
        // Ids 1, 2, 3 … without gap or repeat.
        assert.equal(e.id, ++events);
        h.update(JSON.stringify([e.id, e.type, e.coin, e.time, e.receivedAt, e.event]));
      }
      afterId = page.at(-1)?.id as number;
    }
    for (const c of await s.coins())
      for (const m of await s.heatmapHistory(c as Coin, 0, Number.MAX_SAFE_INTEGER, 1e6)) h.update(JSON.stringify(m));
    return { events, hash: h.digest('hex'), firstTime, complete: (await s.cursor(SOURCE))?.complete === true };
  } finally {
    await s.close();
  }
}

async function cursorPast(db: string, line: number): Promise<number> {
  for (;;) {
    const s = await openStore(db);
    try {
      const c = await s.cursor(SOURCE);
      if (c !== null && c.position > line) return c.position;
    } finally {
      await s.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('Ctrl-C and the same demo again resumes it exactly: the store is one uninterrupted run', async () => {
  const ref = join(dir, 'ref.sqlite');
  await toTheEnd(ref, 18161);
  const want = await content(ref);
  assert.ok(want.complete && want.events > 50, JSON.stringify(want));

  const db = join(dir, 'dd.sqlite');
  // 4 simulated hours at 1,800× take 8 s: stopped well before the end.
  const first = demo(db, 18162, '--speed', '1800');
  await first.waitFor(/API on/);
  const line = await cursorPast(db, 0);
  first.proc.kill('SIGINT');
  assert.equal(await first.exit, 0, first.stderr());
  const part = await content(db);
  assert.equal(part.complete, false, 'a stopped demo is not complete');
  assert.ok(part.events < want.events, `${part.events} of ${want.events} events`);

  const second = await toTheEnd(db, 18163);
  assert.match(second, /glass demo: resuming the demo in .*dd\.sqlite at 2026-01-01T\d\d:\d\d:\d\dZ \(line [\d,]+\); fast-forwarding/);
  assert.match(second, new RegExp(`resuming ${SOURCE} after line [\\d,]+`));
  assert.ok(line > 0);
  assert.deepEqual(await content(db), want, 'the same store as one uninterrupted demo');
});

test('a demo that would move venue time back is refused in one line, naming the way out', async () => {
  const db = join(dir, 'other.sqlite');
  await toTheEnd(db, 18164);
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [MAIN, 'demo', '--serve', '--db', db, '--port', '18165', ...args], { encoding: 'utf8', timeout: 60_000 });
  const other = run('--wallets', '300', '--hours', '4', '--seed', '6');
  assert.notEqual(other.status, 0);
  assert.equal(other.stderr.trim().split('\n').length, 1, other.stderr);
  assert.match(
    other.stderr,
    /already holds venue time up to 2026-01-01T0\d:\d\dZ from another run; this demo would start again at 2026-01-01T00:00Z\. Run the demo it holds with the same --seed, --wallets and --hours to resume it, or give another --db/,
  );
  const ended = run(...SIM);
  assert.notEqual(ended.status, 0);
  assert.equal(ended.stderr.trim().split('\n').length, 1, ended.stderr);
  assert.match(
    ended.stderr,
    /holds this demo \(--seed 5 --wallets 300 --hours 4\) run to its end: glass serve --db .*other\.sqlite serves it/,
  );
  assert.equal((await content(db)).complete, true);
});

test('glass demo --help tells the serving defaults', () => {
  const r = spawnSync(process.execPath, [MAIN, 'demo', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  const help = r.stdout + r.stderr;
  assert.match(help, /--hours H +simulated span \(default 24; with --serve 720, i\.e\. 30 days/);
  assert.match(help, /--speed X .*with --serve 60\)/);
});
