import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartitionPipeline } from '../../src/bus/nats/partition-pipeline.ts';
import { WalletOwnerEngines } from '../../src/bus/nats/wallet-owner.ts';
import { decodeReads, encodeReads, type ReadsMessage, RemoteScores, type StreamTicks } from '../../src/bus/nats/wallet-state.ts';
import { attachEngines } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { HunterOptions } from '../../src/engine/whales/hunter.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { ALL_WHALES, simulate, tempDir } from '../server/fixture.ts';

/** Fields the accuracy ledger decides across coins (docs/scale-out.md § Exactness): not partitioned exactly. */
const LEDGER_FIELDS: Record<string, readonly string[]> = {
  WHALE_NEAR_ZONE: ['probability', 'baselineProbability', 'model', 'severity'],
  SYNDICATE_NEAR_ZONE: ['probability', 'baselineProbability', 'model', 'severity'],
};

function comparable(e: GlassEvent): string {
  const ev = { ...(e as unknown as Record<string, unknown>) };
  for (const f of LEDGER_FIELDS[e.type] ?? []) delete ev[f];
  return JSON.stringify(ev);
}

test('RemoteScores: however the owner cut, repeated or overlapped its messages, every read gets its value', () => {
  fc.assert(
    fc.property(
      // Per raw sequence: its reads as (tick, wallet, score|null), ticks ascending, each (tick, wallet) once.
      fc.array(
        fc.uniqueArray(
          fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 9 }), fc.option(fc.integer({ min: 0, max: 100 }))),
          {
            selector: ([t, w]) => `${t}:${w}`,
            maxLength: 6,
          },
        ),
        { minLength: 1, maxLength: 30 },
      ),
      fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }),
      (perSeq, cutsA, restarts) => {
        const n = perSeq.length;
        const reads = perSeq.map((rs, i) => rs.toSorted((a, b) => a[0] - b[0]).map(([t, w, s]) => [i + 1, t, w, s ?? -1] as const));
        const message = (from: number, to: number): ReadsMessage => ({ from, to, r: reads.slice(from - 1, to).flat(2) });
        // The owner's messages: cut at cutsA; a successor after each restart point republishes from an earlier point, cut anew.
        const msgs: ReadsMessage[] = [];
        const cuts = [...new Set([...cutsA.filter((c) => c < n), n])].sort((a, b) => a - b);
        let from = 1;
        for (const c of cuts) {
          msgs.push(message(from, c));
          for (const r of restarts) if (r <= c && r >= from) msgs.push(message(Math.max(1, r - 2), c));
          from = c + 1;
        }
        const ticks = { seq: 0, tick: 0 } as StreamTicks;
        const remote = new RemoteScores(ticks);
        for (const m of msgs) remote.add(decodeReads(new TextEncoder().encode(encodeReads(m))));
        assert.equal(remote.covered, n);
        remote.active = true;
        for (const rs of reads) {
          for (const [seq, tick, w, s] of rs) {
            ticks.seq = seq;
            ticks.tick = tick;
            assert.equal(remote.read(w), s < 0 ? null : s);
          }
        }
        assert.equal(remote.misses, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('RemoteScores: a gap in the wallet stream is an error naming it', () => {
  const remote = new RemoteScores({ seq: 0, tick: 0 } as StreamTicks);
  remote.add({ from: 1, to: 3, r: [] });
  assert.throws(() => remote.add({ from: 5, to: 6, r: [] }), /a gap \(reads cover raw sequences to 3, the next message starts at 5\)/);
  assert.throws(() => decodeReads(new TextEncoder().encode('{"from":1,"to":2,"r":[1,2,3]}')), /r: expected numbers, four per read/);
});

/**
 * The wallet owner and three coin partitions that take their scores from it, in one process (no
 * bus): per coin, the single process's events. With every wallet a whale the hunter and the
 * syndicate detector read scores on most changes, so a read landing on the wrong place shows.
 */
for (const [label, whales] of [['every wallet a whale', ALL_WHALES]] as const) {
  test(`wallet owner in memory (${label}): coin partitions reading its scores equal the single process`, async (t) => {
    const { dir, cleanup } = tempDir('glass-wallet-state-');
    try {
      const file = join(dir, 'sim.ndjson');
      simulate(file, { wallets: 600, hours: 4, seed: 5 });
      const single = await runSingle(file, whales);
      const coins = [...new Set(single.map((e) => e.coin))].sort();
      const parts = [0, 1, 2].map((k) => coins.filter((_, i) => i % 3 === k)).filter((p) => p.length > 0);
      const { events, misses, reads } = await runOwned(file, whales, parts);
      assert.equal(misses, 0, 'every score read was published by the owner');
      assert.ok(reads > 100, `the owner published reads (${reads})`);
      let scored = 0;
      for (const coin of coins) {
        const a = single.filter((e) => e.coin === coin && e.type !== 'CASCADE_RISK');
        const b = events.filter((e) => e.coin === coin && e.type !== 'CASCADE_RISK');
        assert.deepEqual(
          b.map((e) => e.id),
          a.map((e) => e.id),
          `${coin}: same ids in the same order`,
        );
        for (let i = 0; i < a.length; i++) assert.equal(comparable(b[i] as GlassEvent), comparable(a[i] as GlassEvent), `${coin} #${i}`);
        scored += a.filter((e) => typeof (e as { score?: unknown }).score === 'number').length;
      }
      t.diagnostic(`${single.length} events, ${reads} score reads published, ${scored} events with a score`);
      assert.ok(scored > 0, 'some events carry a score');
    } finally {
      cleanup();
    }
  });
}

async function runSingle(file: string, whales: Partial<HunterOptions>): Promise<GlassEvent[]> {
  const pipeline = new Pipeline();
  const out: GlassEvent[] = [];
  attachEngines(pipeline, whales, (e) => out.push(e));
  for await (const batch of readRecordingBatches(file)) for (const item of batch) pipeline.ingest(item);
  return out;
}

async function runOwned(
  file: string,
  whales: Partial<HunterOptions>,
  parts: readonly (readonly string[])[],
): Promise<{ events: GlassEvent[]; misses: number; reads: number }> {
  const owner = new WalletOwnerEngines(whales);
  const workers = parts.map((coins) => {
    const mine = new Set(coins);
    const p = new PartitionPipeline((c) => mine.has(c), {}, 'owner');
    const out: GlassEvent[] = [];
    attachEngines(p, whales, (e) => {
      if (mine.has(e.coin)) out.push(e);
    });
    return { p, out };
  });
  let seq = 0;
  let reads = 0;
  for await (const batch of readRecordingBatches(file)) {
    for (const item of batch) {
      seq++;
      owner.apply(seq, item, true);
      const r = owner.log.take();
      reads += r.length / 4;
      for (const w of workers) {
        const remote = w.p.remote as RemoteScores;
        remote.add({ from: seq, to: seq, r });
        w.p.ticks?.begin(seq);
        remote.active = true;
        w.p.ingest(item);
        remote.active = false;
      }
    }
  }
  return {
    events: workers.flatMap((w) => w.out),
    misses: workers.reduce((s, w) => s + (w.p.remote?.misses ?? 0), 0),
    reads,
  };
}
