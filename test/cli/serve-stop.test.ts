import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Coin } from '../../src/domain/ids.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { glassChild, MAIN } from './glass-child.ts';

/**
 * Issue 11, a newcomer's report: Ctrl-C on `glass replay F --serve` marked the source complete
 * (the paced input ended early and was taken for the end of the recording), and the next start
 * took that complete cursor for a resumable one, ingested past it and never committed its last
 * lines (stuck at complete=0 short of the end). Real child processes, real SIGINT.
 */
const dir = mkdtempSync(join(tmpdir(), 'glass-serve-stop-'));
const rec = join(dir, 'r.ndjson');
let lines = 0;

before(() => {
  const r = spawnSync(process.execPath, [MAIN, 'sim', '--out', rec, '--wallets', '400', '--hours', '3', '--seed', '3'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  lines = readFileSync(rec, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
});
after(() => rmSync(dir, { recursive: true, force: true }));

const glass = glassChild;

/** Resolves once the store's cursor for the recording is at `line` or later. */
async function cursorAt(spec: string, line: number): Promise<void> {
  for (;;) {
    const s = await openStore(spec);
    try {
      const c = await s.cursor(resolve(rec));
      if (c !== null && c.position >= line) return;
    } finally {
      await s.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The event log and maps, hashed (detectedAt, wall clock, left out). */
async function content(spec: string): Promise<{ events: number; hash: string; complete: boolean; position: number }> {
  const s = await openStore(spec);
  try {
    const h = createHash('sha256');
    let events = 0;
    let afterId = 0;
    for (;;) {
      const page = await s.events({ afterId, limit: 1000 });
      if (page.length === 0) break;
      for (const e of page) {
        h.update(JSON.stringify([e.id, e.type, e.coin, e.time, e.receivedAt, e.event]));
        events++;
      }
      afterId = page.at(-1)?.id as number;
    }
    for (const c of await s.coins())
      for (const m of await s.heatmapHistory(c as Coin, 0, Number.MAX_SAFE_INTEGER, 1e6)) h.update(JSON.stringify(m));
    const c = await s.cursor(resolve(rec));
    return { events, hash: h.digest('hex'), complete: c?.complete === true, position: c?.position ?? 0 };
  } finally {
    await s.close();
  }
}

test('Ctrl-C on replay --serve leaves the cursor open; the next start resumes to the end and says so', async () => {
  const ref = join(dir, 'ref.sqlite');
  const r = spawnSync(process.execPath, [MAIN, 'replay', rec, '--db', ref, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const want = await content(ref);
  assert.ok(want.complete && want.position === lines && want.events > 20, JSON.stringify(want));

  const db = join(dir, 'served.sqlite');
  // Paced: 3 recorded hours at 300× take 36 s, so it is stopped well before the end.
  const first = glass(['replay', rec, '--serve', '--db', db, '--port', '18151', '--speed', '300x']);
  await first.waitFor(/API on/);
  await cursorAt(db, 1);
  first.proc.kill('SIGINT');
  assert.equal(await first.exit, 0, first.stderr());
  const stopped = await content(db);
  assert.equal(stopped.complete, false, 'an interrupted source is not complete');
  assert.match(first.stderr(), /stopped after line [\d,]+ \([\d,]+ events in the store\); run it again to resume/);
  assert.ok(stopped.position > 0 && stopped.position < lines, `stopped at line ${stopped.position} of ${lines}`);

  const second = glass(['replay', rec, '--serve', '--db', db, '--port', '18152']);
  await second.waitFor(/serving until stopped|already in the store/);
  second.proc.kill('SIGINT');
  assert.equal(await second.exit, 0, second.stderr());
  assert.match(second.stderr(), new RegExp(`resuming .* after line ${stopped.position.toLocaleString('en-US')}`.replaceAll(',', ',?')));
  assert.match(second.stderr(), new RegExp(`resumed after line [\\d,]+, ${want.events.toLocaleString('en-US')} events in the store`));
  assert.deepEqual(await content(db), want, 'the same store as one uninterrupted run');
});

test('a complete source whose input goes on past it is refused, not half-resumed', async () => {
  const db = join(dir, 'complete.sqlite');
  const all = readFileSync(rec, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => ({ line: i + 1, ...(JSON.parse(l) as { ts: number; venue: string; msg: unknown }) }));
  const items = async function* (n: number) {
    for (let i = 0; i < n; i += 500) yield all.slice(i, Math.min(n, i + 500)) as never;
  };
  const store: Store = await openStore(db);
  try {
    // What an interrupted run of an older Glass left: the first part, marked complete.
    await ingest(store, items(1000), 'src');
    assert.equal((await store.cursor('src'))?.complete, true);
    await assert.rejects(ingest(store, items(all.length), 'src'), /complete up to line 1000, but the input goes on past it/);
    const c = await store.cursor('src');
    assert.equal(c?.position, 1000);
    assert.equal(c?.complete, true);
  } finally {
    await store.close();
  }
});
