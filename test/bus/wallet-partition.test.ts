import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { WalletOwnerEngines } from '../../src/bus/nats/wallet-owner.ts';
import { decodeEvidence, encodeEvidence, RemoteEvidence, WalletPartitionEngines } from '../../src/bus/nats/wallet-partition.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { EvidenceMerge, R, RECORD } from '../../src/engine/score/merge.ts';
import type { HunterOptions } from '../../src/engine/whales/hunter.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { type ReadItem, readRecordingBatches } from '../../src/recording/reader.ts';
import { Recorder } from '../../src/store/recorder.ts';
import type { ScoreRecord } from '../../src/store/types.ts';
import { ALL_WHALES, simulate, tempDir } from '../server/fixture.ts';

/**
 * The wallet owner split by wallet hash, in one process (no bus): n partitions run the score
 * engine's per-wallet part for their wallets, the merger (the owner's engines with the merge in
 * place of the score engine) applies their evidence; every score read the owner publishes and
 * every score record it writes equal the single owner's. Every wallet a whale, so the hunter and
 * the syndicate detector read scores on most changes.
 */
test('wallet partitions + merger in memory: the single owner’s score reads and score records', async (t) => {
  const { dir, cleanup } = tempDir('glass-wallet-partition-');
  try {
    const file = join(dir, 'sim.ndjson');
    simulate(file, { wallets: 600, hours: 4, seed: 5 });
    const items: ReadItem[] = [];
    for await (const batch of readRecordingBatches(file)) items.push(...batch);
    const single = runOwner(items, ALL_WHALES, null);
    assert.ok(single.reads.length > 400, `the owner read scores (${single.reads.length / 4})`);
    assert.ok(single.scores.length > 100, `the owner recorded scores (${single.scores.length})`);
    t.diagnostic(`${items.length} lines, ${single.reads.length / 4} score reads, ${single.scores.length} score records`);
    for (const n of [2, 3]) {
      const parts = Array.from({ length: n }, (_, i) => runPartition(items, i, n));
      const merged = runOwner(items, ALL_WHALES, parts);
      const records = parts.map((p) => p.reduce((s, r) => s + r.length / RECORD, 0));
      const phase1 = parts.reduce((s, p) => s + p.reduce((a, r) => a + count(r, 1), 0), 0);
      t.diagnostic(`n=${n}: evidence records per partition ${records.join(', ')} (abandoned-trip phase: ${phase1})`);
      assert.ok(
        records.every((k) => k > 0),
        'every partition scored some wallets',
      );
      assert.equal(merged.reads.length, single.reads.length, `n=${n}: as many reads`);
      for (let i = 0; i < single.reads.length; i += 4)
        assert.deepEqual(merged.reads.slice(i, i + 4), single.reads.slice(i, i + 4), `n=${n}: read #${i / 4} (seq, tick, wallet, score)`);
      assert.deepEqual(merged.scores, single.scores, `n=${n}: the same score records`);
      assert.equal(merged.versions, single.versions, `n=${n}: the same score versions after every line`);
    }
  } finally {
    cleanup();
  }
});

test('RemoteEvidence: however a partition cut, repeated or overlapped its messages, the merge gets each record once, in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(3), { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 4 }),
      (perSeq, cutsA, restarts) => {
        const n = perSeq.length;
        // Records of raw sequence s: call s, a running number in R.a.
        let id = 0;
        const bySeq = perSeq.map((k, i) =>
          Array.from({ length: k }, () => {
            const r = new Float64Array(RECORD);
            r[R.call] = i + 1;
            r[R.seq] = i + 1;
            r[R.a] = ++id;
            return r;
          }),
        );
        const message = (from: number, to: number) => {
          const rs = bySeq.slice(from - 1, to).flat();
          const records = new Float64Array(rs.length * RECORD);
          for (let j = 0; j < rs.length; j++) records.set(rs[j] as Float64Array, j * RECORD);
          return decodeEvidence(encodeEvidence({ from, to, records }));
        };
        const merge = new EvidenceMerge(1);
        const remote = new RemoteEvidence(merge, 0);
        const cuts = [...new Set([...cutsA.filter((c) => c < n), n])].sort((a, b) => a - b);
        let from = 1;
        for (const c of cuts) {
          remote.add(message(from, c));
          for (const r of restarts) if (r <= c && r >= from) remote.add(message(Math.max(1, r - 2), c));
          from = c + 1;
        }
        assert.equal(remote.covered, n);
        const got: number[] = [];
        for (let call = 1; call <= n; call++) merge.at(call, (buf, o) => got.push(buf[o + R.a] as number));
        assert.deepEqual(
          got,
          Array.from({ length: id }, (_, i) => i + 1),
        );
        assert.equal(merge.pending, 0);
      },
    ),
    { numRuns: 300 },
  );
  const remote = new RemoteEvidence(new EvidenceMerge(2), 1);
  remote.add({ from: 1, to: 3, records: new Float64Array(0) });
  assert.throws(
    () => remote.add({ from: 5, to: 6, records: new Float64Array(0) }),
    /wallet evidence 1: a gap \(evidence covers raw sequences to 3, the next message starts at 5\)/,
  );
  assert.throws(
    () => decodeEvidence(encodeEvidence({ from: 1, to: 1, records: new Float64Array(1) })),
    /records: expected 21 numbers each/,
  );
  assert.throws(() => decodeEvidence(new Uint8Array(12)), /a message of 12 bytes/);
});

function count(r: Float64Array, phase: number): number {
  let c = 0;
  for (let o = 0; o < r.length; o += RECORD) if (r[o + R.phase] === phase) c++;
  return c;
}

/** One partition over the recording: its records per line. */
function runPartition(items: readonly ReadItem[], index: number, of: number): Float64Array[] {
  const p = new WalletPartitionEngines(index, of);
  return items.map((item) => {
    p.apply(item);
    return p.log.take();
  });
}

/** The owner (parts null) or the merger of the partitions' records: its reads, score records, and the score version after each line. */
function runOwner(
  items: readonly ReadItem[],
  whales: Partial<HunterOptions>,
  parts: readonly Float64Array[][] | null,
): { reads: number[]; scores: ScoreRecord[]; versions: string } {
  const merge = parts === null ? undefined : new EvidenceMerge(parts.length);
  const owner = new WalletOwnerEngines(whales, merge === undefined ? {} : { merge });
  // Score ticks unsettled for both: the merger holds no bets to settle (docs/scale-out.md).
  const rec = new Recorder(
    owner.pipeline,
    { heat: new HeatmapEngine(owner.pipeline.book), score: owner.score },
    { firstEventId: 1, settleScores: false },
  );
  const reads: number[] = [];
  const versions: number[] = [];
  let lastTs = 0;
  items.forEach((item, i) => {
    if (merge !== undefined && parts !== null) {
      for (let k = 0; k < parts.length; k++) merge.add(k, (parts[k] as Float64Array[])[i] as Float64Array);
    }
    const ts = item instanceof RecordError ? lastTs : item.ts;
    rec.beginLine(ts);
    owner.apply(i + 1, item, true);
    rec.endLine();
    lastTs = ts;
    reads.push(...owner.log.take());
    versions.push(owner.score.version);
  });
  if (merge !== undefined) assert.equal(merge.pending, 0, 'every record applied');
  return { reads, scores: rec.take().scores, versions: versions.join(',') };
}
