import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attachEngines } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { mapJson } from '../../src/engine/heatmap/document.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { StoreError } from '../../src/store/errors.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import type { EventRecord, Store } from '../../src/store/types.ts';
import { failingAfter } from '../helpers/failing-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-ingest-'));
const rec = join(dir, 'sim.ndjson');
const other = join(dir, 'other.ndjson');
let n = 0;
const fresh = () => openStore(join(dir, `s${n++}.sqlite`));

function simulate(path: string, seed: number): void {
  const w = new RecordingWriter(path);
  new Simulator({ wallets: 400, hours: 2, seed }, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
}

before(() => {
  simulate(rec, 3);
  simulate(other, 4);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function allEvents(s: Store): Promise<EventRecord[]> {
  return s.events({ limit: 1_000_000 });
}

/** Ignores the wall-clock field. */
const content = (es: readonly EventRecord[]) => es.map(({ detectedAt: _, ...rest }) => rest);

describe('ingest: recording → engines → recorder → store', () => {
  test('the log is every event the engines emit, in order, ids 1…n, with the message receive time', async () => {
    // The engines' own answer: the same recording, attachEngines alone.
    const emitted: GlassEvent[] = [];
    const p = new Pipeline();
    const engines = attachEngines(p, {}, (e) => emitted.push(e));
    const coins = new Set<string>();
    for await (const b of readRecordingBatches(rec)) for (const item of b) p.ingest(item);
    for (const c of engines.heat.coinList()) coins.add(c);

    const s = await fresh();
    try {
      await ingest(s, readRecordingBatches(rec), 'a', { everyLines: 500 });
      const got = await allEvents(s);
      assert.ok(got.length > 50, `a few dozen events at least, got ${got.length}`);
      assert.deepEqual(
        got.map((e) => e.id),
        got.map((_, i) => i + 1),
      );
      assert.deepEqual(
        got.map((e) => e.event),
        emitted,
      );
      for (const e of got) {
        assert.equal(e.time, e.event.time);
        assert.ok(
          e.receivedAt >= e.time - 60_000 && e.receivedAt <= e.time + 60_000,
          'receive time is the causing line’s, near the venue time',
        );
      }
      assert.deepEqual(await s.coins(), [...coins].sort());
    } finally {
      await s.close();
    }
  });

  test('final heatmap snapshots are the `glass heatmap --json` document of the end state', async () => {
    const s = await fresh();
    try {
      const r = await ingest(s, readRecordingBatches(rec), 'a');
      for (const c of r.heat.coinList()) {
        const view = r.heat.view(c);
        assert.ok(view !== null);
        const want = mapJson(view, r.heat.liq.tables.szDecimals(c));
        const got = await s.heatmap(c as Coin);
        assert.equal(got?.reason, 'final');
        assert.deepEqual(got?.map, JSON.parse(JSON.stringify(want)));
      }
      // Cadence and zone-event snapshots before it, each no later than the venue time of its batch.
      const hist = await s.heatmapHistory(r.heat.coinList()[0] as Coin, 0, Number.MAX_SAFE_INTEGER, 10_000);
      assert.ok(hist.some((h) => h.reason === 'cadence') && hist.some((h) => h.reason === 'zone-event'));
      for (const h of hist) assert.ok((h.map.time as number) <= h.time, 'a snapshot never claims a time before what it holds');
    } finally {
      await s.close();
    }
  });

  test('a write that fails midway, then a restart: the same log, heatmaps and scores as one clean run', async () => {
    const clean = await fresh();
    const crashed = await fresh();
    try {
      await ingest(clean, readRecordingBatches(rec), 'a', { everyLines: 700 });
      await assert.rejects(ingest(failingAfter(crashed, 4), readRecordingBatches(rec), 'a', { everyLines: 700 }), /simulated crash/);
      const mid = await crashed.cursor('a');
      assert.equal(mid?.position, 4 * 700);
      const resumed: number[] = [];
      // A different commit cadence on restart changes nothing.
      await ingest(crashed, readRecordingBatches(rec), 'a', { everyLines: 333, onResume: (c) => resumed.push(c.position) });
      assert.deepEqual(resumed, [2800]);
      assert.deepEqual(content(await allEvents(crashed)), content(await allEvents(clean)));
      for (const c of await clean.coins()) {
        assert.deepEqual(
          await crashed.heatmapHistory(c, 0, Number.MAX_SAFE_INTEGER, 10_000),
          await clean.heatmapHistory(c, 0, Number.MAX_SAFE_INTEGER, 10_000),
        );
      }
      const top = await clean.scores({ limit: 10_000 });
      assert.ok(top.length > 10);
      assert.deepEqual(await crashed.scores({ limit: 10_000 }), top);
      for (const w of top.slice(0, 20)) assert.deepEqual(await crashed.scoreHistory(w.wallet), await clean.scoreHistory(w.wallet));
      assert.deepEqual(await crashed.positions({ limit: 10_000 }), await clean.positions({ limit: 10_000 }));
      // Run again on a complete store: nothing written.
      const last = await crashed.lastEventId();
      const again = await ingest(crashed, readRecordingBatches(rec), 'a');
      assert.equal(again.written, 0);
      assert.equal(await crashed.lastEventId(), last);
    } finally {
      await clean.close();
      await crashed.close();
    }
  });

  test('two sources in one store: the second continues the ids and resumes on its own numbering', async () => {
    const s = await fresh();
    try {
      const a = await ingest(s, readRecordingBatches(rec), 'a');
      const n = a.written;
      await assert.rejects(ingest(failingAfter(s, 2), readRecordingBatches(other), 'b', { everyLines: 1000 }), /simulated crash/);
      assert.equal((await s.cursor('b'))?.firstEventId, n + 1);
      const kept: number[] = [];
      const b = await ingest(s, readRecordingBatches(other), 'b', { onResume: (c) => kept.push(c.nextEventId - (c.firstEventId ?? 1)) });
      assert.equal(kept.length, 1);
      const all = await allEvents(s);
      assert.deepEqual(
        all.map((e) => e.id),
        all.map((_, i) => i + 1),
      );
      assert.equal(all.length, n + (kept[0] as number) + b.written);
      // The second source alone, into its own store: the same events, numbered from 1.
      const alone = await fresh();
      try {
        await ingest(alone, readRecordingBatches(other), 'b');
        assert.deepEqual(
          (await allEvents(alone)).map((e) => e.event),
          all.slice(n).map((e) => e.event),
        );
      } finally {
        await alone.close();
      }
    } finally {
      await s.close();
    }
  });

  test('resuming on a different input is refused, naming the line and the counts', async () => {
    const s = await fresh();
    try {
      await assert.rejects(ingest(failingAfter(s, 3), readRecordingBatches(rec), 'a', { everyLines: 1000 }), /simulated crash/);
      await assert.rejects(
        ingest(s, readRecordingBatches(other), 'a'),
        (e: unknown) => e instanceof StoreError && /up to line 3000 gave \d+ events, the store holds \d+/.test(e.message),
      );
    } finally {
      await s.close();
    }
  });
});
