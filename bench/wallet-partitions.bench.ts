/**
 * Does splitting the wallet owner by wallet hash split its work? CPU seconds per pass over one
 * simulated recording (the cluster bench's: `glass-cluster-bench-<h>h-<w>w-<seed>.ndjson`), the
 * recording read into memory first, engines only (no bus, no store):
 *
 *   node bench/wallet-partitions.bench.ts [--hours 2] [--wallets 2000] [--seed 11] [--repeats 3] [--parts 2,4]
 *
 * - owner: the single wallet owner's engines (book, score engine, whale hunter on every coin, reads);
 * - book: the pipeline's normalizer and book alone (what every partition repeats);
 * - book+score: the book and the whole score engine (what the partitions split among them);
 * - partition i/n: the book and the score engine for the wallets hashing to i mod n;
 * - merger n: the owner's engines with the merge of n partitions' evidence in place of the score engine.
 * Passes alternate within each repeat; medians of `--repeats`, with min–max. CPU is process.cpuUsage
 * (user + system) around the pass.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WalletOwnerEngines } from '../src/bus/nats/wallet-owner.ts';
import { WalletPartitionEngines } from '../src/bus/nats/wallet-partition.ts';
import { ScoreEngine } from '../src/engine/score/engine.ts';
import { EvidenceMerge, RECORD } from '../src/engine/score/merge.ts';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { type ReadItem, readRecordingBatches } from '../src/recording/reader.ts';
import { ensureRecording } from './replay.bench.ts';
import { median } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string', default: '2' },
    wallets: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '11' },
    repeats: { type: 'string', default: '3' },
    parts: { type: 'string', default: '2,4' },
    /** Time only the passes whose name contains one of these (comma-separated); the partitions' records for a merger are made untimed. */
    only: { type: 'string' },
  },
});

const file = join(tmpdir(), `glass-cluster-bench-${args.hours}h-${args.wallets}w-${args.seed}.ndjson`);
await ensureRecording(file, Number(args.wallets), Number(args.hours), Number(args.seed));
const items: ReadItem[] = [];
for await (const batch of readRecordingBatches(file)) items.push(...batch);
const parts = (args.parts as string).split(',').map(Number);

function cpu<T>(f: () => T): { s: number; out: T } {
  const c0 = process.cpuUsage();
  const out = f();
  const c = process.cpuUsage(c0);
  return { s: (c.user + c.system) / 1e6, out };
}

const passes: Record<string, () => unknown> = {
  owner: () => {
    const o = new WalletOwnerEngines();
    for (let i = 0; i < items.length; i++) {
      o.apply(i + 1, items[i] as ReadItem, true);
      o.log.take();
    }
  },
  book: () => {
    const p = new Pipeline();
    p.changes.subscribe(() => {});
    for (const item of items) p.ingest(item);
  },
  'book+score': () => {
    const p = new Pipeline();
    p.attach(new ScoreEngine(p.book));
    for (const item of items) p.ingest(item);
  },
};
/** Each partition's records per line, for the merger's pass (made in the partition passes, kept only when a merger is timed). */
const made = new Map<number, Float64Array[][]>();
const only = args.only === undefined ? null : (args.only as string).split(',');
const keep = only === null || only.some((o) => 'merger'.includes(o) || o.startsWith('merger'));
for (const n of parts) {
  for (let i = 0; i < n; i++) {
    passes[`partition ${i}/${n}`] = () => {
      const p = new WalletPartitionEngines(i, n);
      const out = items.map((item) => {
        p.apply(item);
        return p.log.take();
      });
      if (keep) {
        const all = made.get(n) ?? [];
        all[i] = out;
        made.set(n, all);
      }
      return out.reduce((s, r) => s + r.length / RECORD, 0);
    };
  }
  passes[`merger ${n}`] = () => {
    const recs = made.get(n) as Float64Array[][];
    const merge = new EvidenceMerge(n);
    const o = new WalletOwnerEngines({}, { merge });
    for (let i = 0; i < items.length; i++) {
      for (let k = 0; k < n; k++) merge.add(k, (recs[k] as Float64Array[])[i] as Float64Array);
      o.apply(i + 1, items[i] as ReadItem, true);
      o.log.take();
    }
  };
}

const repeats = Number(args.repeats);
const times: Record<string, number[]> = {};
const records: Record<string, unknown> = {};
const timed = Object.entries(passes).filter(([name]) => only === null || only.some((o) => name.includes(o)));
// Warm-up (the first pass runs cold code); the partitions' records when a merger is timed.
for (const [name, f] of Object.entries(passes)) if ((keep && name.startsWith('partition')) || timed.some(([n]) => n === name)) f();
for (let r = 0; r < repeats; r++) {
  for (const [name, f] of timed) {
    const { s, out } = cpu(f);
    const t = times[name] ?? [];
    t.push(s);
    times[name] = t;
    if (typeof out === 'number') records[name] = out;
  }
}
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2));
console.log(`recording ${file}: ${items.length} lines; load average ${load.join(' ')}; CPU s per pass, median (min–max) of ${repeats}`);
const owner = times.owner === undefined ? Number.NaN : median(times.owner);
for (const [name, t] of Object.entries(times)) {
  const m = median(t);
  const rec = records[name] === undefined ? '' : `, ${records[name]} evidence records`;
  console.log(
    `${name.padEnd(16)} ${m.toFixed(3)} (${Math.min(...t).toFixed(3)}–${Math.max(...t).toFixed(3)})  ${(m / owner).toFixed(2)}× the owner${rec}`,
  );
}
