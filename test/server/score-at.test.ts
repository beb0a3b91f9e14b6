import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ScoreEngine, type WalletScore } from '../../src/engine/score/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { type ReadItem, readRecordingBatches } from '../../src/recording/reader.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { Store } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../store/pg.ts';
import { ALL_WHALES, getJson, listen, simulate, tempDir } from './fixture.ts';

/**
 * "`at=` answers equal a replay stopped at that time", for wallet scores: for a time T, the
 * API's list and each wallet's score are the score table `glass score` gives on the recording cut
 * after the line of the last score tick at or before T (docs/score.md, "The score at a time").
 */

const run = promisify(execFile);
const { dir, cleanup } = tempDir('glass-score-at-');
const file = join(dir, 'sim.ndjson');
let lines: string[] = [];
const items: ReadItem[] = [];
/** Score ticks: the venue time each is for, and how many input lines it had seen. */
let ticks: { time: number; lines: number }[] = [];

/**
 * The ticks as the recorder takes them (docs/score.md): at each multiple M of 5 minutes of receive
 * time, before the first line received after M (so the tick holds the lines with ts ≤ M), stamped
 * M; and at the end of input, stamped the last line's receive time.
 */
function scoreTicks(all: readonly ReadItem[], everyMs = 5 * 60_000): { time: number; lines: number }[] {
  const out: { time: number; lines: number }[] = [];
  let boundary = Number.NaN;
  let lastTs = 0;
  all.forEach((it, i) => {
    const ts = it instanceof RecordError ? lastTs : it.ts;
    if (boundary !== boundary) boundary = Math.ceil(ts / everyMs) * everyMs;
    else if (ts > boundary) {
      const at = Math.ceil(ts / everyMs) * everyMs - everyMs;
      out.push({ time: at, lines: i });
      boundary = at + everyMs;
    }
    lastTs = ts;
  });
  // The end of input is a tick too (the store's last records are the engines' table at the end).
  out.push({ time: lastTs, lines: all.length });
  return out;
}

/** What `glass score` answers on the first `n` lines (its engine, fed as it feeds it). */
function scoredAfter(n: number): ScoreEngine {
  const p = new Pipeline();
  const e = new ScoreEngine(p.book);
  p.attach(e);
  for (const it of items.slice(0, n)) p.ingest(it);
  return e;
}

/** The tick an answer at `t` is for (undefined: before the first). */
function tickAt(t: number): { time: number; lines: number } | undefined {
  return ticks.filter((k) => k.time <= t).at(-1);
}

const row = (w: WalletScore) => ({
  wallet: w.wallet,
  score: w.score,
  confidence: w.confidence,
  trades: w.trades,
  components: w.components,
});
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

async function allWallets(url: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let next: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const r = await getJson(`${url}${next === null ? '' : `&cursor=${next}`}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as { items: Record<string, unknown>[]; next: string | null };
    out.push(...b.items);
    next = b.next;
    if (next === null) return out;
  }
  throw new Error('pagination did not end');
}

/**
 * The first tick at which a wallet scored at the tick before has no score (its bet, over as far
 * as the earlier cut could tell, went on with a position open), found by one engine asked at every
 * tick (asIfEnded: test/score/as-if-ended.test.ts checks it against cut replays).
 */
function firstUnscoring(): number | undefined {
  const p = new Pipeline();
  const e = new ScoreEngine(p.book);
  p.attach(e);
  let before = new Set<string>();
  let k = 0;
  for (const [i, it] of items.entries()) {
    p.ingest(it);
    const tick = ticks[k];
    if (tick === undefined || tick.lines !== i + 1) continue;
    k++;
    const now = new Set<string>(e.asIfEnded(() => e.table(1)).map((w) => w.wallet));
    if ([...before].some((w) => !now.has(w))) return tick.time;
    before = now;
  }
  return undefined;
}

/** Times to ask at: ticks early, middle and late, between two ticks, just before one, before any, after the end. */
function timesToAsk(): number[] {
  const k = (i: number) => ticks[Math.max(0, Math.min(ticks.length - 1, i))] as { time: number };
  const mid = Math.floor(ticks.length / 2);
  const unscoring = firstUnscoring();
  assert.ok(unscoring !== undefined, 'the recording has a wallet scored at one tick and not at the next');
  return [
    unscoring - 1,
    unscoring,
    k(0).time - 1,
    k(1).time,
    k(3).time,
    Math.floor((k(mid).time + k(mid + 1).time) / 2),
    k(mid + 2).time - 1,
    k(ticks.length - 3).time + 1,
    k(ticks.length - 1).time,
    k(ticks.length - 1).time + 3_600_000,
  ];
}

/** Every wallet's score at each time, over a store that ingested the recording, against the engines on the cut input. */
async function compareAt(store: Store): Promise<{ compared: number; unscored: number }> {
  const s = await listen({ view: new StoreView(store), store, open: true });
  let compared = 0;
  let unscored = 0;
  try {
    const seen = new Map<string, number>();
    const times = timesToAsk();
    for (const t of times) {
      const tick = tickAt(t);
      const engine = tick === undefined ? null : scoredAfter(tick.lines);
      const table = engine === null ? [] : engine.table(1);
      const got = await allWallets(`${s.url}/v1/wallets?at=${t}&limit=37`);
      assert.deepEqual(
        got.map((w) => ({
          rank: w['rank'],
          wallet: w['wallet'],
          score: w['score'],
          confidence: w['confidence'],
          trades: w['trades'],
          components: w['components'],
        })),
        wire(table.map((w, i) => ({ rank: i + 1, ...row(w) }))),
        `the list at ${t} (tick ${tick?.time}, ${tick?.lines} lines)`,
      );
      for (const w of got) assert.ok((w['time'] as number) <= t);
      // One wallet at a time: every wallet of the table, and every wallet scored at an earlier
      // time that is not now (404, as `glass score --wallet` has no score for it then).
      for (const w of table) {
        const d = await getJson(`${s.url}/v1/wallets/${w.wallet}?at=${t}`);
        assert.equal(d.status, 200);
        const b = d.body as Record<string, unknown>;
        assert.deepEqual(
          { wallet: b['wallet'], score: b['score'], confidence: b['confidence'], trades: b['trades'], components: b['components'] },
          wire(row(w)),
          `${w.wallet} at ${t}`,
        );
        assert.deepEqual((b['history'] as unknown[]).at(-1), { time: b['time'], score: b['score'] });
        seen.set(w.wallet, t);
        compared++;
      }
      const now = new Set<string>(table.map((w) => w.wallet));
      for (const [w] of seen) {
        if (now.has(w)) continue;
        assert.equal((await getJson(`${s.url}/v1/wallets/${w}?at=${t}`)).status, 404, `${w} at ${t}: no score then`);
        unscored++;
      }
    }
  } finally {
    await s.app.close();
  }
  return { compared, unscored };
}

before(async () => {
  simulate(file, { wallets: 300, hours: 2, seed: 7 });
  for await (const b of readRecordingBatches(file)) items.push(...b);
  ticks = scoreTicks(items);
  const { readFileSync } = await import('node:fs');
  lines = readFileSync(file, 'utf8').split('\n');
});

after(() => cleanup());

describe('wallet scores at= equal the engines on the input cut at that time', () => {
  test('the recording has score ticks to ask at', () => {
    assert.ok(ticks.length >= 12, `${ticks.length} ticks`);
    assert.equal(lines.filter((l) => l.length > 0).length, items.length);
  });

  test('SQLite: every wallet, at ticks, between them, before the first and after the last', async () => {
    const store = await openStore(join(dir, 'glass.sqlite'));
    try {
      await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
      const { compared, unscored } = await compareAt(store);
      assert.ok(compared > 200, `${compared} wallet answers compared`);
      // The recording has wallets scored at one tick and not at a later one (a bet that went on).
      assert.ok(unscored > 0, 'a wallet scored earlier and not later was asked for');
    } finally {
      await store.close();
    }
  });

  test('`glass score` on the cut recording answers what at= answers', async () => {
    const tick = ticks[Math.floor(ticks.length / 2)];
    assert.ok(tick !== undefined);
    const cut = join(dir, 'cut.ndjson');
    writeFileSync(cut, `${lines.slice(0, tick.lines).join('\n')}\n`);
    const store = await openStore(join(dir, 'cli.sqlite'));
    try {
      await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
      const s = await listen({ view: new StoreView(store), store, open: true });
      try {
        const api = await allWallets(`${s.url}/v1/wallets?at=${tick.time + 1}&limit=100`);
        const { stdout } = await run(process.execPath, ['src/cli/main.ts', 'score', cut, '--json', '--min-trades', '1'], {
          maxBuffer: 1 << 26,
        });
        const cli = JSON.parse(stdout) as Record<string, unknown>[];
        assert.ok(cli.length > 20);
        assert.deepEqual(
          api.map((w) => ({
            wallet: w['wallet'],
            score: w['score'],
            confidence: w['confidence'],
            trades: w['trades'],
            components: w['components'],
          })),
          cli,
        );
      } finally {
        await s.app.close();
      }
    } finally {
      await store.close();
    }
  });

  test('PostgreSQL: the same', async (t) => {
    const down = await pgUnreachable();
    if (down !== null) {
      t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
      return;
    }
    const store = await openStore(freshSchemaUrl('scoreat'));
    try {
      await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
      const { compared } = await compareAt(store);
      assert.ok(compared > 200, `${compared} wallet answers compared`);
    } finally {
      if (store instanceof PostgresStore) await store.dropSchema();
      await store.close();
    }
  });
});
