import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { attachEngines } from '../../src/cli/engines.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { mapJson } from '../../src/engine/heatmap/document.ts';
import type { HunterOptions } from '../../src/engine/whales/hunter.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { ingest, ingestFile } from '../../src/store/ingest.ts';
import { BucketTexts, mapJsonText } from '../../src/store/map-json.ts';
import { openStore } from '../../src/store/open.ts';
import { DEFAULT_RECORDER, Recorder } from '../../src/store/recorder.ts';
import { KEEP_ALL, parseRetention, retentionFrom } from '../../src/store/retention.ts';
import { importRealExport } from '../helpers/real-export.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'glass-recorder-'));
const rec = join(dir, 'sim.ndjson');
const other = join(dir, 'other.ndjson');
/**
 * Enough wallets and hours that the score universe is rebuilt mid-stream (every 2,000 closes),
 * moving every wallet's percentile between two of its own trades.
 */
const long = join(dir, 'long.ndjson');
let n = 0;
const fresh = () => openStore(join(dir, `s${n++}.sqlite`));
/** Every wallet a whale: tracked positions enough to check (as test/server/fixture.ts). */
const ALL_WHALES: Partial<HunterOptions> = { policy: { minAccountUsd: 0, minPositionUsd: 0 }, syndicates: { minNotionalUsd: 0 } };

function simulate(path: string, seed: number, hours = 2, wallets = 300): void {
  const w = new RecordingWriter(path);
  new Simulator({ wallets, hours, seed }, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
}

before(() => {
  simulate(rec, 7);
  simulate(other, 8);
  simulate(long, 42, 6, 2000);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('recorder: what the store holds keeps up with the engines', () => {
  test('the map text is JSON.stringify(mapJson(…)) byte for byte, for every coin on every 200th line', async () => {
    const p = new Pipeline();
    const e = attachEngines(p);
    // Each coin's bucket texts carried from one map to the next, as the recorder does.
    const texts = new Map<string, BucketTexts>();
    let checked = 0;
    for await (const b of readRecordingBatches(rec)) {
      for (const item of b) {
        p.ingest(item);
        if (item.line % 200 !== 0) continue;
        for (const c of e.heat.coinList()) {
          const v = e.heat.view(c);
          if (v === null) continue;
          const szd = e.heat.liq.tables.szDecimals(c);
          const want = JSON.stringify(mapJson(v, szd));
          assert.equal(mapJsonText(v, szd), want);
          const t = texts.get(c) ?? new BucketTexts();
          texts.set(c, t);
          assert.equal(mapJsonText(v, szd, t), want);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `${checked} maps compared`);
  });

  test('at every score tick, the wallets’ newest records are the engines’ table as if the input ended there', async () => {
    const p = new Pipeline();
    const box: { r?: Recorder } = {};
    const e = attachEngines(p, {}, (x) => box.r?.onEvent(x));
    const r = new Recorder(p, e);
    box.r = r;
    const recorded = new Map<string, { score: number; confidence: number; trades: number; components: Record<string, number> }>();
    let ticks = 0;
    let compared = 0;
    let lastTs = Number.NaN;
    for await (const b of readRecordingBatches(long)) {
      for (const item of b) {
        const ts = item instanceof RecordError ? lastTs : item.ts;
        // A tick is taken before the first line received later than the line that made it due.
        r.beginLine(ts);
        const out = r.take();
        if (out.scores.length > 0) {
          assert.notEqual(ts, lastTs, 'a tick falls between lines of different receive times');
          for (const s of out.scores)
            recorded.set(s.wallet, { score: s.score, confidence: s.confidence, trades: s.trades, components: { ...s.components } });
          ticks++;
          const table = e.score.asIfEnded(() => e.score.table(1));
          for (const t of table) {
            assert.deepEqual(
              recorded.get(t.wallet),
              { score: t.score, confidence: t.confidence, trades: t.trades, components: t.components },
              t.wallet,
            );
            compared++;
          }
          // Every other wallet with a record says it has no score now.
          const scored = new Set<string>(table.map((t) => t.wallet));
          for (const [w, s] of recorded) if (!scored.has(w)) assert.equal(s.trades, 0, `${w} has no score now`);
        }
        lastTs = ts;
        p.ingest(item);
        r.endLine();
        assert.equal(r.take().scores.length, 0, 'scores are recorded at ticks only');
      }
    }
    assert.ok(ticks > 10 && compared > 1000, `${ticks} ticks, ${compared} wallet scores compared`);
  });

  test('on the 2023 export, a tick that nothing moved is skipped, and at every tick the newest records still are the engines’ table', async () => {
    // The real export's first 30,000 lines (about a week): stretches of marks with no fill between ticks.
    const full = importRealExport({ out: join(dir, 'real.ndjson') });
    const part = join(dir, 'real-part.ndjson');
    writeFileSync(part, `${readFileSync(full, 'utf8').split('\n').slice(0, 30_000).join('\n')}\n`);
    const p = new Pipeline();
    const box: { r?: Recorder } = {};
    const e = attachEngines(p, {}, (x) => box.r?.onEvent(x));
    const r = new Recorder(p, e);
    box.r = r;
    const every = DEFAULT_RECORDER.scoreEveryMs;
    const recorded = new Map<string, { score: number; confidence: number; trades: number; components: Record<string, number> }>();
    let ticks = 0;
    let still = 0;
    let compared = 0;
    let lastTs = Number.NaN;
    let version = Number.NaN;
    for await (const b of readRecordingBatches(part)) {
      for (const item of b) {
        const ts = item instanceof RecordError ? lastTs : item.ts;
        r.beginLine(ts);
        for (const s of r.take().scores)
          recorded.set(s.wallet, { score: s.score, confidence: s.confidence, trades: s.trades, components: { ...s.components } });
        // The recorder's tick: before the first line received after a multiple of the cadence.
        if (Math.ceil(ts / every) > Math.ceil(lastTs / every)) {
          ticks++;
          if (e.score.settledVersion === version) still++;
          version = e.score.settledVersion;
          const table = e.score.asIfEnded(() => e.score.table(1));
          for (const t of table) {
            assert.deepEqual(
              recorded.get(t.wallet),
              { score: t.score, confidence: t.confidence, trades: t.trades, components: t.components },
              `${t.wallet} at ${new Date(ts).toISOString()}`,
            );
            compared++;
          }
          const scored = new Set<string>(table.map((t) => t.wallet));
          for (const [w, s] of recorded) if (!scored.has(w)) assert.equal(s.trades, 0, `${w} has no score now`);
          assert.equal(e.score.settledVersion, version, 'asking as if ended moves nothing');
        }
        lastTs = ts;
        p.ingest(item);
        r.endLine();
      }
    }
    // Most ticks of the week are skipped, and skipped ones are checked too.
    assert.ok(
      ticks > 1000 && still > ticks / 2 && compared > 10_000,
      `${ticks} ticks, ${still} skipped, ${compared} wallet scores compared`,
    );
  });

  test('at the end the store’s scores are the engines’ table: score, trades, confidence, components', async () => {
    const s = await fresh();
    try {
      const r = await ingest(s, readRecordingBatches(rec), 'a');
      const table = r.score.table(1);
      assert.ok(table.length > 50);
      const stored = await s.scores({ limit: 100_000 });
      assert.deepEqual(
        stored.map((x) => ({ wallet: x.wallet, score: x.score, trades: x.trades, confidence: x.confidence, components: x.components })),
        table.map((x) => ({ wallet: x.wallet, score: x.score, trades: x.trades, confidence: x.confidence, components: x.components })),
      );
    } finally {
      await s.close();
    }
  });

  test('tracked positions: a liquidation price, leverage or estimate that moves later is recorded again', async () => {
    const s = await fresh();
    try {
      const r = await ingest(s, readRecordingBatches(rec), 'a', { whales: ALL_WHALES });
      const stored = await s.positions({ limit: 100_000 });
      assert.ok(stored.length > 20, `${stored.length} tracked open positions`);
      const engine = new Map(r.heat.positions().map((p) => [`${p.wallet}:${p.coin}`, p]));
      let reRecorded = 0;
      for (const x of stored) {
        const p = engine.get(`${x.wallet}:${x.coin}`);
        assert.ok(p !== undefined, `${x.wallet} ${x.coin} is open in the store, closed in the engines`);
        assert.deepEqual(
          { szi: x.szi, liquidationPx: x.liquidationPx, leverage: x.leverage, estimated: x.estimated },
          { szi: p.szi, liquidationPx: p.liquidationPx, leverage: p.leverage, estimated: p.estimated },
          `${x.wallet} ${x.coin}`,
        );
        const hist = (await s.positions({ wallet: x.wallet, coin: x.coin as Coin, limit: 10 })).length;
        assert.equal(hist, 1);
      }
      // Re-records exist (the same size, a new liquidation price) and are bounded: at most one
      // per positionEveryMs per position, unless it crossed a zone or closed.
      const all = await allPositionRows(s);
      const byKey = new Map<string, typeof all>();
      for (const x of all) byKey.set(`${x.wallet}:${x.coin}`, [...(byKey.get(`${x.wallet}:${x.coin}`) ?? []), x]);
      for (const rows of byKey.values()) {
        for (let i = 1; i < rows.length; i++) {
          const a = rows[i - 1] as (typeof all)[number];
          const b = rows[i] as (typeof all)[number];
          if (a.szi === b.szi && a.liquidationPx !== b.liquidationPx) reRecorded++;
        }
      }
      assert.ok(reRecorded > 0, 'some liquidation prices moved without a trade');
      assert.ok(all.length < 20 * stored.length, `${all.length} position rows for ${stored.length} positions`);
    } finally {
      await s.close();
    }
  });

  test('onEngines hands over the engines ingest runs, before the first line', async () => {
    const s = await fresh();
    try {
      let seen: { heat: unknown; score: unknown; lines: number } | null = null;
      const p = new Pipeline();
      const r = await ingest(s, readRecordingBatches(rec), 'a', {
        pipeline: p,
        onEngines: (e) => {
          seen = { heat: e.heat, score: e.score, lines: p.messages };
        },
      });
      assert.ok(seen !== null);
      const got = seen as { heat: unknown; score: unknown; lines: number };
      assert.equal(got.heat, r.heat);
      assert.equal(got.score, r.score);
      assert.equal(got.lines, 0);
    } finally {
      await s.close();
    }
  });

  test('ingestFile: a second recording into the same store continues the ids', async () => {
    const path = join(dir, `two${n++}.sqlite`);
    const notes: string[][] = [[], [], []];
    const a = await ingestFile(path, rec, readRecordingBatches(rec), { note: (l) => notes[0]?.push(l) });
    const b = await ingestFile(path, other, readRecordingBatches(other), { note: (l) => notes[1]?.push(l) });
    // Both simulations start at the same venue time: the second interleaves its timeline with the first's, and is told so.
    assert.ok(!notes[0]?.some((l) => l.startsWith('note: the store already held')));
    assert.match(
      notes[1]?.at(-1) ?? '',
      new RegExp(
        `^note: the store already held ${a.written} events up to \\S+Z; this input's events start earlier, at \\S+Z, so the event log`,
      ),
    );
    // Run again (complete: nothing written): nothing new interleaves.
    await ingestFile(path, other, readRecordingBatches(other), { note: (l) => notes[2]?.push(l) });
    assert.ok(!notes[2]?.some((l) => l.startsWith('note:')), notes[2]?.join('\n'));
    const s = await openStore(path);
    try {
      const ids = (await s.events({ limit: 1_000_000 })).map((e) => e.id);
      assert.equal(ids.length, a.written + b.written);
      assert.deepEqual(
        ids,
        ids.map((_, i) => i + 1),
      );
      assert.equal((await s.cursor(other))?.firstEventId, a.written + 1);
    } finally {
      await s.close();
    }
  });
});

async function allPositionRows(s: Awaited<ReturnType<typeof fresh>>) {
  // Every row, oldest first: the snapshot history at each stored time (positions() answers the newest ≤ at).
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync((s as unknown as { path: string }).path, { readOnly: true });
  try {
    return db.prepare('SELECT wallet, coin, time, szi, liquidation_px AS liquidationPx FROM position_snapshots ORDER BY id').all() as {
      wallet: string;
      coin: string;
      time: number;
      szi: number;
      liquidationPx: number | null;
    }[];
  } finally {
    db.close();
  }
}

describe('retention: configured, run as ingest goes, at most once a minute of wall time', () => {
  test('--retention / GLASS_RETENTION parse, errors name the table and the source', () => {
    assert.deepEqual(parseRetention('events=30d,heatmaps=7d,positions=12h,scores=forever'), {
      eventsMs: 30 * 86_400_000,
      heatmapsMs: 7 * 86_400_000,
      positionsMs: 12 * 3_600_000,
      scoresMs: null,
    });
    assert.deepEqual(parseRetention(''), KEEP_ALL);
    assert.throws(() => parseRetention('events=30d,trades=1d'), /^InputError|--retention: expected table=age .* got trades=1d$/);
    assert.throws(() => parseRetention('events=0d'), /--retention: events must keep more than 0/);
    assert.throws(
      () => retentionFrom(undefined, { GLASS_RETENTION: 'events=soon' }),
      /^.*GLASS_RETENTION: expected table=age.*got events=soon$/,
    );
    assert.deepEqual(retentionFrom(undefined, { GLASS_RETENTION: 'heatmaps=90m' }), { ...KEEP_ALL, heatmapsMs: 90 * 60_000 });
    assert.deepEqual(retentionFrom('events=1h', { GLASS_RETENTION: 'heatmaps=90m' }), { ...KEEP_ALL, eventsMs: 3_600_000 });
    assert.equal(retentionFrom(undefined, {}), undefined);
  });

  test('ingest prunes after batches, once per retentionEveryMs of its clock, and what is left is the window', async () => {
    const s = await fresh();
    const keep = await fresh();
    try {
      let t = 0;
      const passes: Record<string, number>[] = [];
      // Each clock read is 1 ms of "wall time" (ingest reads it about once a line): with a pass at
      // most every 2 s, one pass per four 500-line batches or so, and one at the end.
      const clock = () => (t += 1);
      const policy = parseRetention('events=30m,heatmaps=20m');
      await ingest(s, readRecordingBatches(rec), 'a', {
        everyLines: 500,
        everyMs: Number.POSITIVE_INFINITY,
        clock,
        retention: policy,
        retentionEveryMs: 2000,
        onPrune: (d) => passes.push(d),
      });
      await ingest(keep, readRecordingBatches(rec), 'a', { everyLines: 500 });
      const batches = (await s.cursor('a'))?.position ?? 0;
      assert.ok(passes.length >= 2, `${passes.length} passes`);
      assert.ok(passes.length < batches / 500, 'not after every batch');
      assert.ok(passes.some((d) => (d['events'] ?? 0) > 0 && (d['heatmap_snapshots'] ?? 0) > 0));
      const all = await keep.events({ limit: 1_000_000 });
      const newest = Math.max(...all.map((e) => e.time));
      const left = await s.events({ limit: 1_000_000 });
      // After the last pass (the end of input): exactly the last 30 minutes of events.
      assert.ok(left.length > 0 && left.length < all.length);
      assert.deepEqual(
        left.map((e) => e.id),
        all.filter((e) => e.time >= newest - 30 * 60_000).map((e) => e.id),
      );
      // Tables without a window are whole; maps keep each coin's newest before the cut.
      assert.deepEqual(await s.scores({ limit: 100_000 }), await keep.scores({ limit: 100_000 }));
      for (const c of await keep.coins()) assert.deepEqual(await s.heatmap(c), await keep.heatmap(c));
    } finally {
      await s.close();
      await keep.close();
    }
  });

  test('glass replay F --db S --retention events=30m: the store keeps the window; a bad value is one line', async () => {
    const path = join(dir, `cli${n++}.sqlite`);
    await run(process.execPath, ['src/cli/main.ts', 'replay', rec, '--db', path, '--retention', 'events=30m', '--quiet']);
    const s = await openStore(path);
    try {
      const left = await s.events({ limit: 1_000_000 });
      const newest = Math.max(...left.map((e) => e.time));
      assert.ok(left.length > 0);
      for (const e of left) assert.ok(e.time >= newest - 30 * 60_000, `event ${e.id} at ${e.time} is older than the window`);
    } finally {
      await s.close();
    }
    const bad = await run(process.execPath, ['src/cli/main.ts', 'replay', rec, '--db', path, '--retention', 'events=soon']).catch(
      (e: { stderr: string; code: number }) => e,
    );
    assert.ok('code' in bad && bad.code !== 0);
    assert.match(bad.stderr, /--retention: expected table=age/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
