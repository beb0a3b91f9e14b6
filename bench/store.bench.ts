/**
 * Ingest throughput with the store on, as a ratio to the store off (goal ≤ 1.3×): the same
 * simulated recording through pipeline + every engine, once with nothing recorded ("off"), once
 * through the recorder into a fresh SQLite file and a fresh PostgreSQL schema ("on"), runs
 * alternating so machine noise hits both sides alike; medians reported. Wall time is the
 * throughput; process CPU time (all threads) is the cost, steadier when the machine is busy;
 * `…MainCpuRatio` is the engines' thread's alone (the store's writer thread left out); `…IdleSeconds`
 * the time its event loop waited (for the writer, or the file). PostgreSQL's
 * own CPU (the server processes) is in neither: `postgresServerCpuSeconds` is the CPU time of
 * the server backends serving this process's connections during the run (Linux, a local server
 * only: read from /proc, the backends found by their clients' ports; the server's own background
 * processes, its WAL writer and checkpointer, are left out, and so are other clients). `load` is
 * the 1-minute load average at the start and the end: on a shared machine the wall ratios move
 * with it. `…RatioOfRepeats` is the median of each repeat's own ratio (on ÷ the off run just
 * before it) and `…RatioCI95` its 95 % confidence interval (order statistics, from 6 repeats).
 *
 *   node bench/store.bench.ts [--wallets 2000] [--hours 6] [--seed 42] [--repeats 3] [--file F] [--pg URL]
 *                             [--stores sqlite,postgres]
 *
 * `--stores postgres` runs the off side and PostgreSQL only (the default: both stores).
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
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
import { benchArgs, benchUsageError, median, medianCI, round3 } from './stats.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    wallets: { type: 'string', default: '2000' },
    hours: { type: 'string', default: '6' },
    seed: { type: 'string', default: '42' },
    repeats: { type: 'string', default: '3' },
    file: { type: 'string' },
    pg: { type: 'string' },
    stores: { type: 'string', default: 'sqlite,postgres' },
  },
});
const wanted = new Set(values.stores.split(',').map((x) => x.trim()));
for (const w of wanted)
  if (w !== 'sqlite' && w !== 'postgres') benchUsageError(import.meta.filename, `--stores: ${w} is not a store (sqlite, postgres)`);
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

/**
 * CPU seconds, by pid, of the processes named `postgres` (a local server's), from /proc; null
 * where there is none to read.
 */
function serverCpu(): Map<string, number> | null {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      out.set(pid, Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9);
    } catch {
      // Gone since listed, or not ours to read.
    }
  }
  return out.size > 0 ? out : null;
}

/**
 * The local TCP ports of this process's sockets (its PostgreSQL connections among them): a
 * server backend names its client's port in its process title, `postgres: … 127.0.0.1(PORT) …`.
 */
function ownPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m !== null) inodes.add(m[1] as string);
    } catch {
      // Closed since listed.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9] as string)) ports.add(Number.parseInt((f[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports;
}

/**
 * The CPU seconds, since `before`, of the server backends serving this process's connections (the
 * store's, the writer thread's among them: opened during the run, they count from zero). Read
 * while the store is open; other clients of the same server are left out.
 */
function ownServerCpu(before: Map<string, number>): number | null {
  const now = serverCpu();
  if (now === null) return null;
  const ports = ownPorts();
  let cpu = 0;
  for (const [pid, seconds] of now) {
    let title = '';
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    const m = /\((\d+)\)/.exec(title);
    if (m !== null && ports.has(Number(m[1]))) cpu += seconds - (before.get(pid) ?? 0);
  }
  return cpu;
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
    const s0 = store instanceof PostgresStore ? serverCpu() : null;
    const r = await ingest(store, readRecordingBatches(file), file);
    const seconds = (performance.now() - t0) / 1000;
    const server = s0 === null ? null : ownServerCpu(s0);
    return {
      seconds,
      server,
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
const pgDown = wanted.has('postgres') ? await pgUnreachable(pgUrl) : 'not asked for';
const postgres = {
  name: 'postgres',
  open: () => openStore(freshSchemaUrl('bench')),
  drop: async (s: Store) => {
    if (s instanceof PostgresStore) await s.dropSchema();
    await s.close();
  },
};
if (pgDown !== null && wanted.has('postgres')) {
  process.stderr.write(
    `PostgreSQL at ${new URL(pgUrl).host} unreachable (${pgDown}): ${wanted.has('sqlite') ? 'sqlite only' : 'nothing to run'}\n`,
  );
}
const stores = [...(wanted.has('sqlite') ? [sqlite] : []), ...(pgDown === null ? [postgres] : [])];
if (stores.length === 0) process.exit(1);

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
    server: number[];
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
      server: [],
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
    if (r.server !== null) acc.server.push(r.server);
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
  // The median of the repeats' own ratios and its 95 % interval (order statistics; 6 repeats or more):
  // what the noise leaves of the figure.
  const own = r.seconds.map((v, i) => v / (offRuns[i] as number));
  figures[`${name}RatioOfRepeats`] = round3(median(own));
  const ci = medianCI(own);
  if (ci !== null) figures[`${name}RatioCI95`] = `${round3(ci[0])}–${round3(ci[1])}`;
  figures[`${name}CpuRatioRange`] = spread(r.cpu, offCpu);
  if (r.server.length > 0) figures[`${name}ServerCpuSeconds`] = round3(median(r.server));
  figures[`${name}Events`] = r.events;
  figures[`${name}Batches`] = r.batches;
  if (r.maps !== null) figures[`${name}Maps`] = r.maps;
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
