/**
 * Ingest throughput with the store on, as a ratio to the store off (goal ≤ 1.3×): the same
 * simulated recording through pipeline + every engine, once with nothing recorded ("off"), once
 * through the recorder into a fresh SQLite file and a fresh PostgreSQL schema ("on"), runs
 * alternating so machine noise hits both sides alike; medians reported. Wall time is the
 * throughput; process CPU time (all threads) is the cost, steadier when the machine is busy;
 * `…MainCpuRatio` is the engines' thread's alone (the store's writer thread left out); `…IdleSeconds`
 * the time its event loop waited (for the writer, or the file). PostgreSQL's
 * own CPU (the server process) is in neither. `load` is the 1-minute load average at the start
 * and the end: on a shared machine the wall ratios move with it.
 *
 *   node bench/store.bench.ts [--wallets 2000] [--hours 6] [--seed 42] [--repeats 3] [--file F] [--pg URL]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { attachEngines } from '../src/cli/engines.ts';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../src/recording/reader.ts';
import { ingest } from '../src/store/ingest.ts';
import { openStore } from '../src/store/open.ts';
import { PostgresStore } from '../src/store/postgres.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import type { Store } from '../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../test/store/pg.ts';
import { ensureRecording } from './replay.bench.ts';
import { benchArgs, median, round3 } from './stats.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    wallets: { type: 'string', default: '2000' },
    hours: { type: 'string', default: '6' },
    seed: { type: 'string', default: '42' },
    repeats: { type: 'string', default: '3' },
    file: { type: 'string' },
    pg: { type: 'string' },
  },
});
const wallets = Number(values.wallets);
const hours = Number(values.hours);
const seed = Number(values.seed);
const repeats = Number(values.repeats);
const file = values.file ?? join(tmpdir(), `glass-store-bench-${wallets}w-${hours}h-${seed}.ndjson`);
await ensureRecording(file, wallets, hours, seed);
const dir = mkdtempSync(join(tmpdir(), 'glass-store-bench-'));

/** CPU seconds of the whole process (every thread: the SQLite writer thread counts). */
function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds of this thread: the engines' (and the recorder's). */
function mainCpu(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
}

async function off(): Promise<{ seconds: number; cpu: number; mainCpu: number; idle: number; lines: number }> {
  const t0 = performance.now();
  const c0 = cpu();
  const m0 = mainCpu();
  const e0 = performance.eventLoopUtilization();
  const p = new Pipeline();
  attachEngines(p);
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  return {
    seconds: (performance.now() - t0) / 1000,
    cpu: cpu() - c0,
    mainCpu: mainCpu() - m0,
    idle: performance.eventLoopUtilization(e0).idle / 1000,
    lines: p.messages + p.rejects,
  };
}

async function on(open: () => Promise<Store>, drop: (s: Store) => Promise<void>) {
  const store = await open();
  try {
    const t0 = performance.now();
    const c0 = cpu();
    const m0 = mainCpu();
    const e0 = performance.eventLoopUtilization();
    const r = await ingest(store, readRecordingBatches(file), file);
    const seconds = (performance.now() - t0) / 1000;
    return {
      seconds,
      cpu: cpu() - c0,
      mainCpu: mainCpu() - m0,
      idle: performance.eventLoopUtilization(e0).idle / 1000,
      events: r.written,
      batches: r.batches,
      writeSeconds: r.writeMs / 1000,
      maps: maps(store),
    };
  } finally {
    await drop(store);
  }
}

/** The maps a SQLite store holds: how many, how many as deltas, their text's size. */
function maps(s: Store): string | null {
  if (!(s instanceof SqliteStore)) return null;
  const db = new DatabaseSync(s.path, { readOnly: true });
  try {
    const sql = 'SELECT COUNT(*) AS n, SUM(delta) AS d, SUM(LENGTH(map)) AS bytes FROM heatmap_snapshots';
    const r = db.prepare(sql).get() as { n: number; d: number; bytes: number };
    return `${r.n} maps, ${r.d} as deltas, ${(r.bytes / 1e6).toFixed(1)} MB`;
  } finally {
    db.close();
  }
}

let n = 0;
const sqlite = {
  name: 'sqlite',
  open: () => openStore(join(dir, `b${n++}.sqlite`)),
  drop: (s: Store) => s.close(),
};
const pgUrl = values.pg ?? PG_URL;
const pgDown = await pgUnreachable(pgUrl);
const postgres = {
  name: 'postgres',
  open: () => openStore(freshSchemaUrl('bench')),
  drop: async (s: Store) => {
    if (s instanceof PostgresStore) await s.dropSchema();
    await s.close();
  },
};
if (pgDown !== null) process.stderr.write(`PostgreSQL at ${new URL(pgUrl).host} unreachable (${pgDown}): sqlite only\n`);
const stores = pgDown === null ? [sqlite, postgres] : [sqlite];

const offRuns: number[] = [];
const offCpu: number[] = [];
const offMain: number[] = [];
const offIdle: number[] = [];
const onRuns: Record<
  string,
  {
    seconds: number[];
    cpu: number[];
    main: number[];
    idle: number[];
    write: number[];
    events: number;
    batches: number;
    maps: string | null;
  }
> = {};
const loadAtStart = loadavg()[0] as number;
let lines = 0;
await off(); // warm-up: JIT, page cache
for (let i = 0; i < repeats; i++) {
  const o = await off();
  offRuns.push(o.seconds);
  offCpu.push(o.cpu);
  offMain.push(o.mainCpu);
  offIdle.push(o.idle);
  lines = o.lines;
  for (const s of stores) {
    const r = await on(s.open, s.drop);
    const acc = onRuns[s.name] ?? {
      seconds: [],
      cpu: [],
      main: [],
      idle: [],
      write: [],
      events: r.events,
      batches: r.batches,
      maps: r.maps,
    };
    onRuns[s.name] = acc;
    acc.seconds.push(r.seconds);
    acc.cpu.push(r.cpu);
    acc.main.push(r.mainCpu);
    acc.idle.push(r.idle);
    acc.write.push(r.writeSeconds);
  }
}
rmSync(dir, { recursive: true, force: true });

const offS = median(offRuns);
const figures: Record<string, number | string> = {
  file,
  lines,
  repeats,
  offSeconds: round3(offS),
  offLinesPerSec: Math.round(lines / offS),
  offCpuSeconds: round3(median(offCpu)),
  offMainCpuSeconds: round3(median(offMain)),
  offIdleSeconds: round3(median(offIdle)),
  load: `${loadAtStart.toFixed(2)} → ${(loadavg()[0] as number).toFixed(2)}`,
};
for (const [name, r] of Object.entries(onRuns)) {
  const s = median(r.seconds);
  figures[`${name}Seconds`] = round3(s);
  figures[`${name}LinesPerSec`] = Math.round(lines / s);
  figures[`${name}WriteSeconds`] = round3(median(r.write));
  figures[`${name}Ratio`] = round3(s / offS);
  figures[`${name}CpuSeconds`] = round3(median(r.cpu));
  figures[`${name}CpuRatio`] = round3(median(r.cpu) / median(offCpu));
  figures[`${name}MainCpuRatio`] = round3(median(r.main) / median(offMain));
  // The engines' thread's CPU seconds: a change that also speeds the engines (the off run) moves the ratio less than this.
  figures[`${name}MainCpuSeconds`] = round3(median(r.main));
  // The engines' thread's event loop idle: waiting for the writer (two batches in flight, the last
  // commit at the end) or for the file (the off run's idle is the file's alone).
  figures[`${name}IdleSeconds`] = round3(median(r.idle));
  // Each repeat's own ratio (on / the off run just before it): the spread the noise makes.
  const spread = (on: number[], base: number[]) => {
    const x = on.map((v, i) => v / (base[i] as number)).sort((a, b) => a - b);
    return `${round3(x[0] as number)}–${round3(x[x.length - 1] as number)}`;
  };
  figures[`${name}RatioRange`] = spread(r.seconds, offRuns);
  figures[`${name}CpuRatioRange`] = spread(r.cpu, offCpu);
  figures[`${name}Events`] = r.events;
  figures[`${name}Batches`] = r.batches;
  if (r.maps !== null) figures[`${name}Maps`] = r.maps;
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
