import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Coin } from '../../src/domain/ids.ts';
import type { HeatmapView } from '../../src/engine/heatmap/engine.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { ingest } from '../../src/store/ingest.ts';
import { CoinMaps, encodeMap, rebuildMap } from '../../src/store/map-delta.ts';
import { MapEncoder, packedJson, packView } from '../../src/store/map-encoder.ts';
import { mapJsonText } from '../../src/store/map-json.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { parseRetention } from '../../src/store/retention.ts';
import type { Store } from '../../src/store/types.ts';
import { failingAfter } from '../helpers/failing-store.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from './pg.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-map-delta-'));
const rec = join(dir, 'sim.ndjson');
before(() => {
  const w = new RecordingWriter(rec);
  new Simulator({ wallets: 400, hours: 3, seed: 5 }, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One step of a coin's map: the buckets (by key) that hold something, the zones, the width. */
const step = fc.record({
  dt: fc.integer({ min: 0, max: 60_000 }),
  width: fc.constantFrom(0.05, 0.05, 0.05, 10, 1e-9),
  markPx: fc.double({ min: 1, max: 200, noNaN: true }),
  // Most steps move a few buckets of the previous map, some replace many.
  moves: fc.array(
    fc.record({ key: fc.integer({ min: 0, max: 60 }), long: fc.double({ min: 0, max: 1e7, noNaN: true }), gone: fc.boolean() }),
    { maxLength: 30 },
  ),
  zones: fc.array(fc.record({ lo: fc.integer({ min: 0, max: 60 }), p: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 4 }),
});

function view(time: number, s: StepT, held: Map<number, number>): HeatmapView {
  const keys = [...held.keys()].sort((a, b) => a - b);
  return {
    coin: 'ZZ' as Coin,
    time,
    markPx: s.markPx,
    bucketWidth: s.width,
    buckets: keys.map((k) => ({
      lo: 1000 + k * s.width,
      hi: 1000 + (k + 1) * s.width,
      longLiqUsd: held.get(k) as number,
      shortLiqUsd: k % 3,
      longEstimatedUsd: 0,
      shortEstimatedUsd: k / 7,
    })),
    zones: s.zones.map((z, i) => ({ id: `ZZ:${i}`, lo: 1000 + z.lo * s.width, hi: 1000 + (z.lo + 2) * s.width, probability: z.p })),
    largest: null,
    estimates: { leverage: [1, 2, 3], graded: 0 },
  } as unknown as HeatmapView;
}
type StepT = {
  dt: number;
  width: number;
  markPx: number;
  moves: { key: number; long: number; gone: boolean }[];
  zones: { lo: number; p: number }[];
};

describe('map deltas: a map stored as its changes reads back as the whole map', () => {
  test('property: at every snapshot, the map rebuilt from its delta and base is the whole map, byte for byte', () => {
    let deltas = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const state = new CoinMaps();
        const held = new Map<number, number>();
        let width = Number.NaN;
        let t = 0;
        for (const s of steps) {
          // A new width is a rebucketed map: nothing carries over.
          if (s.width !== width) held.clear();
          width = s.width;
          for (const m of s.moves) {
            if (m.gone) held.delete(m.key);
            else held.set(m.key, m.long);
          }
          t += s.dt;
          const v = view(t, s, held);
          const whole = mapJsonText(v, 4);
          const enc = encodeMap(v, 4, t, state);
          if (enc.base === null) {
            assert.equal(enc.text, whole);
            continue;
          }
          deltas++;
          const rebuilt = rebuildMap(JSON.parse(enc.base.json), enc.base.time, JSON.parse(enc.text), 'test');
          assert.equal(JSON.stringify(rebuilt), whole);
          assert.ok(enc.text.length < whole.length + 64);
        }
      }),
      { numRuns: 300, seed: 3 },
    );
    assert.ok(deltas > 100, `${deltas} deltas checked`);
  });

  test('property: a packed map encoded across a thread (map-encoder) is what the recorder wrote in place, byte for byte', () => {
    let deltas = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.boolean(), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 40 }), (steps) => {
        const state = new CoinMaps();
        const enc = new MapEncoder();
        const held = new Map<number, number>();
        let width = Number.NaN;
        let t = 0;
        for (const [s, deltasOn, roll] of steps) {
          if (s.width !== width) held.clear();
          width = s.width;
          for (const m of s.moves) {
            if (m.gone) held.delete(m.key);
            else held.set(m.key, m.long);
          }
          t += s.dt;
          const v = view(t, s, held);
          // Now and then a resumed run (its next map whole) or a bucket of another shape (packed as it is).
          const forget = roll === 0;
          if (roll === 1 && v.buckets.length > 0) (v.buckets[0] as Record<string, unknown>)['extra'] = 1;
          if (forget) state.base = null;
          const want = encodeMap(v, 4, t, state, deltasOn);
          // What reaches the writer thread is a structured clone of the packed view.
          const p = structuredClone(packView(v, 4, t, deltasOn, forget));
          assert.equal(packedJson(p), mapJsonText(v, 4));
          const got = enc.encode('ZZ', p);
          assert.equal(got.text, want.text);
          assert.equal(got.delta, want.base !== null);
          if (got.delta) deltas++;
        }
      }),
      { numRuns: 200, seed: 11 },
    );
    assert.ok(deltas > 20, `${deltas} deltas checked`);
  });

  test('after a failed write (forget) each coin’s next map is whole', () => {
    const enc = new MapEncoder();
    const held = new Map([
      [1, 5],
      [2, 6],
      [3, 7],
      [4, 8],
    ]);
    const s: StepT = { dt: 0, width: 0.05, markPx: 1, moves: [], zones: [] };
    assert.equal(enc.encode('ZZ', packView(view(1, s, held), 4, 1, true, false)).delta, false);
    held.set(2, 60);
    assert.equal(enc.encode('ZZ', packView(view(2, s, held), 4, 2, true, false)).delta, true);
    enc.forget();
    assert.equal(enc.encode('ZZ', packView(view(3, s, held), 4, 3, true, false)).delta, false);
    held.set(3, 70);
    assert.equal(enc.encode('ZZ', packView(view(4, s, held), 4, 4, true, false)).delta, true);
  });

  test('a delta whose base is not the one it was made against is refused, naming the snapshot', () => {
    const state = new CoinMaps();
    const held = new Map([
      [1, 5],
      [2, 6],
      [3, 7],
      [4, 8],
      [5, 9],
    ]);
    const s: StepT = { dt: 0, width: 0.05, markPx: 1, moves: [], zones: [] };
    const first = encodeMap(view(1, s, held), 4, 1, state);
    assert.equal(first.base, null);
    held.set(2, 60);
    const d = encodeMap(view(2, s, held), 4, 2, state);
    assert.ok(d.base !== null);
    assert.throws(
      () => rebuildMap(JSON.parse(first.text), 0, JSON.parse(d.text), 'heatmap snapshot 7'),
      /^StoreError: heatmap snapshot 7: .*of 1.*of 0$/,
    );
    assert.throws(() => rebuildMap(null, null, JSON.parse(d.text), 'heatmap snapshot 7'), /heatmap snapshot 7: .* missing$/);
  });
});

/** Every stored map of every coin, and the map at moments between them (point-in-time reads). */
async function everything(s: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const c of await s.coins()) {
    const all = await s.heatmapHistory(c, 0, Number.MAX_SAFE_INTEGER, 1_000_000);
    out.push(all);
    // A read at each stored time and just before it, and pages of the history from the middle.
    for (let i = 0; i < all.length; i += 7) {
      const t = all[i]?.time as number;
      out.push(await s.heatmap(c, t), await s.heatmap(c, t - 1), await s.heatmapHistory(c, t, t + 3_600_000, 25));
    }
  }
  return out;
}

async function compare(open: () => Promise<Store>, drop: (s: Store) => Promise<void>): Promise<void> {
  const deltas = await open();
  const whole = await open();
  try {
    await ingest(deltas, readRecordingBatches(rec), 'a', { everyLines: 700 });
    await ingest(whole, readRecordingBatches(rec), 'a', { everyLines: 700, recorder: { mapDeltas: false } });
    assert.deepEqual(await everything(deltas), await everything(whole));
    // Retention keeps each coin's newest map before the cut and the whole map its deltas need.
    const policy = parseRetention('heatmaps=40m');
    await deltas.prune(policy);
    await whole.prune(policy);
    const newest = Math.max(...(await Promise.all((await whole.coins()).map(async (c) => (await whole.heatmap(c))?.time ?? 0))));
    for (const c of await whole.coins()) {
      for (let at = newest - 40 * 60_000; at <= newest; at += 61_000)
        assert.deepEqual(await deltas.heatmap(c, at), await whole.heatmap(c, at));
      assert.deepEqual(
        await deltas.heatmapHistory(c, newest - 40 * 60_000, newest, 10_000),
        await whole.heatmapHistory(c, newest - 40 * 60_000, newest, 10_000),
      );
    }
  } finally {
    await drop(deltas);
    await drop(whole);
  }
}

describe('map deltas through the stores: the same answers as whole maps', () => {
  let n = 0;
  test('sqlite: every map and every point-in-time read equal, before and after retention', async () => {
    const paths: string[] = [];
    await compare(
      () => {
        const p = join(dir, `s${n++}.sqlite`);
        paths.push(p);
        return openStore(p);
      },
      (s) => s.close(),
    );
    // The deltas were there to be read back: most maps are stored as one.
    const db = new DatabaseSync(paths[0] as string, { readOnly: true });
    try {
      const r = db.prepare('SELECT SUM(delta) AS d, COUNT(*) AS n FROM heatmap_snapshots').get() as { d: number; n: number };
      assert.ok(r.d > r.n / 3, `${r.d} of ${r.n} maps stored as deltas`);
    } finally {
      db.close();
    }
  });

  test('a run resumed on a store of whole maps (an older Glass) reads back the same maps', async () => {
    const older = await openStore(join(dir, `s${n++}.sqlite`));
    const whole = await openStore(join(dir, `s${n++}.sqlite`));
    try {
      // The older run stops after 6 batches (a crash between two commits), the new one resumes it.
      const stopping = failingAfter(older, 6);
      const opts = { everyLines: 700, recorder: { mapDeltas: false } };
      await assert.rejects(ingest(stopping, readRecordingBatches(rec), 'a', opts), /simulated crash/);
      const r = await ingest(older, readRecordingBatches(rec), 'a', { everyLines: 700 });
      assert.ok(r.resumed !== null);
      await ingest(whole, readRecordingBatches(rec), 'a', opts);
      assert.deepEqual(await everything(older), await everything(whole));
    } finally {
      await older.close();
      await whole.close();
    }
  });

  test('postgres: every map and every point-in-time read equal, before and after retention', async (t) => {
    const down = await pgUnreachable();
    if (down !== null) {
      t.skip(`PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
      return;
    }
    await compare(
      () => openStore(freshSchemaUrl('delta')),
      async (s) => {
        if (s instanceof PostgresStore) await s.dropSchema();
        await s.close();
      },
    );
  });
});
