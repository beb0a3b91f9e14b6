import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { COMPONENTS } from '../../src/engine/score/universe.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { ReadItem } from '../../src/recording/reader.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { simulate, tempDir } from '../server/fixture.ts';

const STRIDE = 3 + COMPONENTS.length;

/** peekAll's row of every wallet below n is peekInto's, bit for bit (zeros where peekInto answers false). */
function assertPeekAll(engine: ScoreEngine, n: number, where: string): number {
  const all = engine.peekAll(n).slice(0, n * STRIDE);
  const one = new Float64Array(STRIDE);
  let scored = 0;
  for (let w = 0; w < n; w++) {
    const ok = engine.peekInto(w, one);
    if (ok) scored++;
    for (let i = 0; i < STRIDE; i++) {
      const want = ok ? (one[i] as number) : 0;
      const got = all[w * STRIDE + i] as number;
      assert.ok(Object.is(got, want), `${where}: wallet ${w}, column ${i}: ${got} ≠ ${want}`);
    }
  }
  return scored;
}

/**
 * The store's score tick reads every wallet with `peekAll` (what the rebuild just computed, each
 * member's percentile from the universe's own ranking) where it read `peekInto` one wallet at a
 * time: at random points of a simulated recording, live, rebuilt, and inside `asIfEnded` with
 * each of its modes, the two give the same numbers.
 */
test('peekAll equals peekInto wallet by wallet, live and inside asIfEnded, at random cuts', async () => {
  const { dir, cleanup } = tempDir('glass-peek-all-');
  try {
    const file = join(dir, 'sim.ndjson');
    simulate(file, { wallets: 120, hours: 2, seed: 11 });
    const items: ReadItem[] = [];
    for await (const b of readRecordingBatches(file)) items.push(...b);
    let compared = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: items.length }), { minLength: 4, maxLength: 10 }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 10, maxLength: 10 }),
        (cutList, modes) => {
          // The random cuts, and the end of the recording in every run: cuts drawn all early (few
          // wallets scored yet) left the comparison short of wallets to compare in some seeds.
          const cuts = new Set([...cutList, items.length]);
          const p = new Pipeline();
          const e = new ScoreEngine(p.book);
          p.attach(e);
          let k = 0;
          items.forEach((it, i) => {
            p.ingest(it);
            if (!cuts.has(i + 1)) return;
            const n = p.book.wallets.size + 2;
            const [settle, history] = modes[k++ % modes.length] as [boolean, boolean];
            assertPeekAll(e, n, `live, line ${i + 1}`);
            compared += e.asIfEnded(() => assertPeekAll(e, n, `asIfEnded(${settle}, ${history}), line ${i + 1}`), settle, history);
            assertPeekAll(e, n, `after asIfEnded, line ${i + 1}`);
            e.refresh();
            assertPeekAll(e, n, `refreshed, line ${i + 1}`);
          });
        },
      ),
      { numRuns: 4 },
    );
    assert.ok(compared > 100, `${compared} scored wallets compared`);
  } finally {
    cleanup();
  }
});

/** asIfEnded inside asIfEnded: the inner one puts back only what it changed, the outer the rest. */
test('asIfEnded nests: the inner answer is the outer one, and both are put back', async () => {
  const { dir, cleanup } = tempDir('glass-peek-all-nest-');
  try {
    const file = join(dir, 'sim.ndjson');
    simulate(file, { wallets: 80, hours: 1, seed: 3 });
    const items: ReadItem[] = [];
    for await (const b of readRecordingBatches(file)) items.push(...b);
    const p = new Pipeline();
    const e = new ScoreEngine(p.book);
    p.attach(e);
    const q = new Pipeline();
    const plain = new ScoreEngine(q.book);
    q.attach(plain);
    items.forEach((it, i) => {
      p.ingest(it);
      q.ingest(it);
      if ((i + 1) % 211 !== 0) return;
      const outer = e.asIfEnded(() => {
        const first = e.table(1);
        const inner = e.asIfEnded(() => e.table(1));
        assert.deepEqual(inner, first, `line ${i + 1}`);
        assert.deepEqual(e.table(1), first, `line ${i + 1}, after the inner`);
        return first;
      });
      assert.deepEqual(
        outer,
        plain.asIfEnded(() => plain.table(1)),
        `line ${i + 1}`,
      );
    });
    assert.deepEqual(e.table(1), plain.table(1));
  } finally {
    cleanup();
  }
});
