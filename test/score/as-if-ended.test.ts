import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { ReadItem } from '../../src/recording/reader.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { simulate, tempDir } from '../server/fixture.ts';

/**
 * `asIfEnded` answers what the engine answers at the end of the input cut there (a fresh engine
 * fed the same lines, then asked), and leaves the engine as it was: the run it was asked in ends
 * with the same table, profiles and trades as a run never asked.
 */
test('asIfEnded: the table of the input cut here, and nothing changed for what follows', async () => {
  const { dir, cleanup } = tempDir('glass-as-if-ended-');
  try {
    const file = join(dir, 'sim.ndjson');
    simulate(file, { wallets: 150, hours: 2, seed: 5 });
    const items: ReadItem[] = [];
    for await (const b of readRecordingBatches(file)) items.push(...b);
    const engineOf = (p: Pipeline) => {
      const e = new ScoreEngine(p.book);
      p.attach(e);
      return e;
    };
    // Cut points: every 97th line (uneven, so some fall inside a millisecond's fills) and the last.
    const cuts = new Set<number>();
    for (let i = 300; i < items.length; i += 97) cuts.add(i);
    cuts.add(items.length);
    const asked = new Pipeline();
    const probed = engineOf(asked);
    const tables = new Map<number, unknown>();
    const profiles = new Map<number, unknown>();
    items.forEach((it, i) => {
      asked.ingest(it);
      if (!cuts.has(i + 1)) return;
      probed.asIfEnded(() => {
        const t = probed.table(1);
        tables.set(i + 1, t);
        const top = t[0];
        if (top !== undefined) profiles.set(i + 1, probed.profile(top.wallet));
      });
    });
    const never = new Pipeline();
    const plain = engineOf(never);
    for (const it of items) never.ingest(it);
    // The run asked along the way ends as the run never asked.
    assert.deepEqual(probed.table(1), plain.table(1));
    for (const s of plain.table(1).slice(0, 20)) assert.deepEqual(probed.profile(s.wallet), plain.profile(s.wallet));
    let compared = 0;
    for (const [n, table] of tables) {
      if (n % 3 !== 0 && n !== items.length) continue; // a third of the cuts: each is a fresh replay
      const cut = new Pipeline();
      const fresh = engineOf(cut);
      for (const it of items.slice(0, n)) cut.ingest(it);
      const want = fresh.table(1);
      assert.deepEqual(table, want, `cut after line ${n}`);
      const top = want[0];
      if (top !== undefined) assert.deepEqual(profiles.get(n), fresh.profile(top.wallet), `profile, cut after line ${n}`);
      compared++;
    }
    assert.ok(compared >= 5, `${compared} cuts compared`);
  } finally {
    cleanup();
  }
});
