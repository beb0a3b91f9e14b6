import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Coin } from '../../src/domain/ids.ts';
import { Rng } from '../../src/sim/rng.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { Store } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';

/**
 * kill -9 at random moments: `glass replay F --db X` run as a real child process, SIGKILLed at
 * random delays five times and restarted each time until it finishes, must leave the same event
 * log (count and content hash), heatmap snapshots and scores as one uninterrupted run.
 */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const KILLS = 5;
const dir = mkdtempSync(join(tmpdir(), 'glass-crash-'));
const rec = join(dir, 'sim.ndjson');

before(() => {
  const r = spawnSync(process.execPath, [MAIN, 'sim', '--out', rec, '--wallets', '400', '--hours', '4', '--seed', '3'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
});
// GLASS_KEEP_CRASH_DIR=1 keeps the recording and stores for a look after a failure.
after(() => {
  if (process.env.GLASS_KEEP_CRASH_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`crash test files kept in ${dir}\n`);
});

function replay(spec: string): ChildProcess {
  return spawn(process.execPath, [MAIN, 'replay', rec, '--db', spec, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
}

/**
 * One `glass replay F --db spec`; with a kill point, SIGKILLed `extraMs` after the store's cursor
 * first shows `line` or later (polled through `watch`), wherever the child is by then: reading,
 * replaying below its cursor, or inside a transaction.
 */
function run(spec: string, kill: { line: number; extraMs: number; watch: Store } | null): Promise<Exit> {
  const t0 = performance.now();
  const child = replay(spec);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let exited = false;
  let timer: NodeJS.Timeout | null = null;
  const poll = async (): Promise<void> => {
    if (exited || kill === null) return;
    const c = await kill.watch.cursor(rec);
    if (exited) return;
    if (c !== null && c.position >= kill.line) timer = setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
    else timer = setTimeout(() => void poll(), 20);
  };
  void poll();
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      if (timer !== null) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: performance.now() - t0 });
    });
  });
}

interface Dump {
  events: number;
  eventHash: string;
  heatmaps: number;
  heatmapHash: string;
  scores: number;
  scoreHash: string;
  positions: number;
  positionHash: string;
}

/** What the store holds, hashed; detectedAt (wall clock) is the one field left out. */
async function dump(s: Store): Promise<Dump> {
  const ev = createHash('sha256');
  let events = 0;
  let after = 0;
  for (;;) {
    const page = await s.events({ afterId: after, limit: 500 });
    if (page.length === 0) break;
    for (const e of page) {
      ev.update(JSON.stringify([e.id, e.type, e.coin, e.time, e.receivedAt, e.event]));
      assert.equal(e.id, ++events, 'ids are 1, 2, 3 … without gap or repeat');
    }
    after = page.at(-1)?.id as number;
  }
  const hm = createHash('sha256');
  let heatmaps = 0;
  for (const c of await s.coins()) {
    for (const h of await s.heatmapHistory(c as Coin, 0, Number.MAX_SAFE_INTEGER, 1_000_000)) {
      hm.update(JSON.stringify(h));
      heatmaps++;
    }
  }
  const sc = createHash('sha256');
  let scores = 0;
  for (const w of await s.scores({ limit: 1_000_000 })) {
    for (const h of await s.scoreHistory(w.wallet)) {
      sc.update(JSON.stringify(h));
      scores++;
    }
  }
  const ps = createHash('sha256');
  const open = await s.positions({ limit: 1_000_000 });
  for (const p of open) ps.update(JSON.stringify(p));
  return {
    events,
    eventHash: ev.digest('hex'),
    heatmaps,
    heatmapHash: hm.digest('hex'),
    scores,
    scoreHash: sc.digest('hex'),
    positions: open.length,
    positionHash: ps.digest('hex'),
  };
}

async function dumpOf(spec: string): Promise<Dump> {
  const s = await openStore(spec);
  try {
    return await dump(s);
  } finally {
    await s.close();
  }
}

async function crashTest(t: { diagnostic: (m: string) => void }, a: string, b: string): Promise<void> {
  const clean = await run(a, null);
  assert.equal(clean.code, 0, clean.stderr);
  const want = await dumpOf(a);
  assert.ok(want.events >= 100, `the recording should produce a few hundred events, got ${want.events}`);

  // Kill k lands a random 0–400 ms after the committed cursor first passes a random line in the
  // k-th of KILLS slices of the first 90 % of the recording: each restart resumes from a later
  // cursor, and the extra delay puts the kill anywhere (replaying, reading, mid-transaction).
  const lines = readFileSync(rec, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;
  // Seeded: the kill points are random but the same lines on every run.
  const seeded = new Rng(3);
  const random = () => seeded.next();
  const watch = await openStore(b);
  let kills = 0;
  let runs = 0;
  const resumes: string[] = [];
  try {
    for (;;) {
      const slice = (0.9 * lines) / KILLS;
      const kill = kills < KILLS ? { line: Math.floor(slice * (kills + random())), extraMs: 400 * random(), watch } : null;
      const r = await run(b, kill);
      runs++;
      resumes.push(...r.stderr.split('\n').filter((l) => l.startsWith('resuming after')));
      if (r.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      assert.equal(r.code, 0, r.stderr);
      if (kills >= KILLS) break;
      // It finished before the kill landed: a run on a complete store writes nothing; go on killing.
      assert.match(r.stderr, /already in .*nothing written|events? in [\d,]+ batch(es)?/);
    }
  } finally {
    await watch.close();
  }
  const got = await dumpOf(b);
  t.diagnostic(`${kills} kills, ${runs} runs; resumes: ${resumes.join('; ') || 'none'}`);
  t.diagnostic(`uninterrupted: ${JSON.stringify(want)}`);
  t.diagnostic(`killed:        ${JSON.stringify(got)}`);
  assert.deepEqual(got, want);
  assert.ok(resumes.length > 0, 'at least one kill landed after a commit and was resumed');
}

describe('kill -9 and restart give the uninterrupted event log', () => {
  test('sqlite', async (t) => {
    await crashTest(t, join(dir, 'a.sqlite'), join(dir, 'b.sqlite'));
  });

  test('postgres', async (t) => {
    const down = await pgUnreachable();
    if (down !== null) {
      t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
      return;
    }
    const a = freshSchemaUrl('crash_a');
    const b = freshSchemaUrl('crash_b');
    try {
      await crashTest(t, a, b);
    } finally {
      for (const url of [a, b]) {
        const s = new PostgresStore(url, { max: 1 });
        await s.dropSchema();
        await s.close();
      }
    }
  });
});
