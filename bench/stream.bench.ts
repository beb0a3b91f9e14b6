/**
 * /v1/stream under load, on loopback: N WebSocket clients (default 1,000) receive every event of
 * a replay played at full speed through `--serve`'s own wiring (ingest → engines → stream as
 * detected, the store committing behind). Latency: the engine's emit (the recorder's `detectedAt`,
 * a high-resolution wall clock) to the client's receipt, over every (client, event) pair.
 *
 * Does one client that stops reading change the others' p99? Runs come in pairs, N clients and
 * one more that reads (A) or never reads (B), alternated A B, B A, A B …, each run on a fresh
 * server; reported: the others' p50 / p99 / max, their p99 B ÷ A per pair with the
 * median and spread of those ratios, and the server's work B ÷ A: its process CPU, the CPU its
 * thread spent publishing (serialise, ring, hand to every client's socket; preemption by other
 * processes not counted) and its socket sends. Kinds (--stall):
 *   within    the replay as given (--hours; 733 events, 0.8 MB a client by default): the kernel's
 *             socket buffers (~4 MB on loopback) take all of it, the server never sees backpressure;
 *   overflow  a longer replay (--overflow-hours; ~10,000 events, 11 MB a client by default) with
 *             --overflow-clients clients: past the kernel's ~4 MB and the server's 4 MB bound the
 *             stalled client is closed mid-run (1008 slow consumer: resume from id N).
 *   none      the control (A/A): as within, but the extra client of B reads too; the spread of its
 *             "B ÷ A" is the bench's own noise at the machine's load.
 *
 * Processes: the server runs in a child process; the reading clients in --client-threads worker
 * threads (bench/stream-clients.ts); the stalled client and the bookkeeping on the main thread. All
 * share the machine's cores: say the load average with the figures. Bounded: at most 1,000
 * clients, --pairs / --overflow-pairs pairs, --timeout seconds a run, no new pair past --budget
 * seconds (the defaults took 565 s on this 2-core machine at load average 10–15).
 *
 *   node bench/stream.bench.ts [--stall within,overflow|none] [--pairs 7] [--clients 1000]
 *        [--overflow-pairs 3] [--overflow-clients 100] [--overflow-hours 18] [--client-threads 1]
 *        [--wallets 300] [--hours 2] [--seed 7] [--commit-lines 200] [--commit-ms 50]
 *        [--timeout 120] [--budget 900] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { readRecordingBatches } from '../src/recording/reader.ts';
import { serveIngest } from '../src/server/serve-engines.ts';
import { DEFAULT_STREAM } from '../src/server/stream.ts';
import { now, percentile, spawnServerChild, writeSimRecording } from './served-child.ts';
import { benchArgs, benchUsageError, median } from './stats.ts';
import type { ClientsData, ClientsReply } from './stream-clients.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    stall: { type: 'string', default: 'within,overflow' },
    pairs: { type: 'string', default: '7' },
    clients: { type: 'string', default: '1000' },
    'overflow-clients': { type: 'string', default: '100' },
    'overflow-pairs': { type: 'string', default: '3' },
    'client-threads': { type: 'string', default: '1' },
    wallets: { type: 'string', default: '300' },
    hours: { type: 'string', default: '2' },
    'overflow-hours': { type: 'string', default: '18' },
    seed: { type: 'string', default: '7' },
    'commit-lines': { type: 'string', default: '200' },
    'commit-ms': { type: 'string', default: '50' },
    timeout: { type: 'string', default: '120' },
    budget: { type: 'string', default: '900' },
    json: { type: 'boolean', default: false },
    child: { type: 'string' },
    db: { type: 'string' },
  },
});

/** A positive integer option, or the usage with the option named. */
function int(name: keyof typeof values, lo: number, hi: number): number {
  const x = Number(values[name]);
  if (!Number.isInteger(x) || x < lo || x > hi) benchUsageError(import.meta.filename, `--${name} must be an integer from ${lo} to ${hi}`);
  return x;
}

/** Every wallet a whale (as `glass syndicates --all-wallets`): a small simulation then has events enough. */
const ALL_WHALES = { policy: { minAccountUsd: 0, minPositionUsd: 0 }, syndicates: { minNotionalUsd: 0 } };

/**
 * The server: says `url U`; on `go` replays the recording at full speed and says
 * `done <last id> <replay ms>`; on `stats` says `stats <cpu ms since go> <socket sends since go>
 * <slow clients closed> <largest client backlog bytes at replay end> <publishing CPU ms>`; ends on `stop`.
 */
async function serverChild(file: string, db: string): Promise<void> {
  let go = () => {};
  const started = new Promise<void>((r) => {
    go = r;
  });
  async function* gated() {
    await started;
    yield* readRecordingBatches(file);
  }
  const served = await serveIngest({
    cmd: 'bench',
    db,
    source: file,
    items: gated(),
    settings: { port: 0, host: '127.0.0.1', open: true, cors: [], logLevel: 'silent', bodyLimit: 16_384 },
    whales: ALL_WHALES,
    commitLines: Number(values['commit-lines']),
    commitMs: Number(values['commit-ms']),
    recorder: { clock: now },
    quiet: true,
  });
  process.stdout.write(`url ${served.url}\n`);
  let cpu0 = process.cpuUsage();
  let sends0 = 0;
  let publish0 = 0;
  // The hub's publishing (serialise, ring, hand to every client's socket), timed in CPU of this
  // thread: preemption by other processes on a loaded machine does not count.
  let publishCpu = 0;
  const hub = served.hub as unknown as { flush(): void };
  const flush = hub.flush;
  hub.flush = function (this: unknown) {
    const t = process.threadCpuUsage();
    flush.call(this);
    const d = process.threadCpuUsage(t);
    publishCpu += (d.user + d.system) / 1000;
  };
  let backlogMax = 0;
  for await (const l of createInterface({ input: process.stdin })) {
    if (l === 'go') {
      cpu0 = process.cpuUsage();
      sends0 = served.hub.counters.sends;
      publish0 = publishCpu;
      const t0 = now();
      go();
      await served.done;
      backlogMax = served.hub.backlog().maxBytes;
      process.stdout.write(`done ${served.hub.lastId} ${(now() - t0).toFixed(0)}\n`);
    } else if (l === 'stats') {
      const cpu = process.cpuUsage(cpu0);
      const h = served.hub.counters;
      process.stdout.write(
        `stats ${((cpu.user + cpu.system) / 1000).toFixed(0)} ${h.sends - sends0} ${h.slowClosed} ${backlogMax} ${(publishCpu - publish0).toFixed(1)}\n`,
      );
    } else if (l === 'stop') break;
  }
  await served.close();
  process.stdin.destroy();
}

interface RunResult {
  readonly stalled: boolean;
  readonly events: number;
  readonly replayMs: number;
  /** Bytes each reading client received. */
  readonly bytesPerClient: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  /** The server process's CPU from `go` until every reading client had every event (ms). */
  readonly serverCpuMs: number;
  readonly sends: number;
  /** CPU of the server's thread in the hub's publishing: serialise, ring, hand to every client's socket (ms). */
  readonly publishCpuMs: number;
  /** The largest unsent backlog a client socket held in the server when the replay ended (bytes). */
  readonly backlogMax: number;
  /** What became of the stalled client: its close code and reason, or `open`. */
  readonly stalledEnd: string | null;
}

function clientsWorker(data: ClientsData): { worker: Worker; next: () => Promise<ClientsReply> } {
  const worker = new Worker(new URL('./stream-clients.ts', import.meta.url), { workerData: data });
  const inbox: ClientsReply[] = [];
  const waiters: (() => void)[] = [];
  worker.on('message', (m: ClientsReply) => {
    inbox.push(m);
    for (const w of waiters.splice(0)) w();
  });
  worker.on('error', (e) => {
    process.stderr.write(`clients worker: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
  const next = async (): Promise<ClientsReply> => {
    while (inbox.length === 0) await new Promise<void>((r) => waiters.push(r));
    return inbox.shift() as ClientsReply;
  };
  return { worker, next };
}

async function oneRun(file: string, dir: string, run: number, clients: number, threads: number, stalled: boolean): Promise<RunResult> {
  const db = join(dir, `run${run}.sqlite`);
  const sc = spawnServerChild(import.meta.filename, [
    file,
    '--db',
    db,
    '--commit-lines',
    values['commit-lines'] as string,
    '--commit-ms',
    values['commit-ms'] as string,
  ]);
  const url = (await sc.line('url ')).slice(4).replace('http', 'ws');
  const workers = Array.from({ length: threads }, (_, k) =>
    clientsWorker({ url, count: Math.floor(clients / threads) + (k < clients % threads ? 1 : 0) }),
  );
  for (const w of workers) if ((await w.next()).kind !== 'open') throw new Error(`run ${run}: a clients worker did not open`);
  // One more client on this thread in both runs of a pair, so that the runs differ in one thing
  // only: whether it reads (its own receipts are not among the others' latencies).
  let stalledEnd: string | null = null;
  const extra = new WebSocket(`${url}/v1/stream?after=0`, { perMessageDeflate: false });
  await new Promise((r) => extra.once('open', r));
  extra.on('error', () => {});
  const slow = stalled ? extra : null;
  if (slow !== null) {
    // Never reads again: what the server sends piles up in the kernel's buffers, then the server's.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    stalledEnd = 'open';
    slow.on('close', (code, reason) => {
      if (code !== 1006) stalledEnd = `closed ${code} ${String(reason)}`;
    });
  }
  // Every subscription settled before the replay starts.
  await new Promise((r) => setTimeout(r, 500));
  sc.child.stdin?.write('go\n');
  const [, lastId, replayMs] = (await sc.line('done ')).split(' ');
  const total = Number(lastId);
  for (const w of workers) w.worker.postMessage({ total, timeoutMs: Number(values.timeout) * 1000 });
  const replies: Extract<ClientsReply, { kind: 'done' }>[] = [];
  for (const w of workers) {
    const m = await w.next();
    if (m.kind !== 'done') throw new Error(`run ${run}: ${m.kind === 'behind' ? m.behind : '?'} clients still behind after --timeout`);
    replies.push(m);
  }
  sc.child.stdin?.write('stats\n');
  const [, cpuMs, sends, slowClosed, backlogMax, publishCpuMs] = (await sc.line('stats ')).split(' ');
  if (slow !== null) {
    // The server's close frame comes after all it queued: the stalled client reads again to see it.
    const closed = new Promise((r) => slow.once('close', r));
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    if (slowClosed !== '0') await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
    if (stalledEnd === 'open')
      stalledEnd = slowClosed === '0' ? 'never cut' : 'cut by the server, its close frame not read (the socket ended 30 s after the close)';
  }
  extra.terminate();
  sc.child.stdin?.write('stop\n');
  await new Promise((r) => sc.child.on('exit', r));
  const n = replies.reduce((t, m) => t + m.n, 0);
  const bytes = replies.reduce((t, m) => t + m.bytes, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const m of replies) {
    all.set(m.latencies, at);
    at += m.n;
  }
  all.sort();
  return {
    stalled,
    events: total,
    replayMs: Number(replayMs),
    bytesPerClient: bytes / clients,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    max: all[n - 1] as number,
    samples: n,
    serverCpuMs: Number(cpuMs),
    publishCpuMs: Number(publishCpuMs),
    sends: Number(sends),
    backlogMax: Number(backlogMax),
    stalledEnd,
  };
}

const fmt = (x: number) => x.toFixed(1);
const pct = (r: number) => `${r >= 1 ? '+' : ''}${(100 * (r - 1)).toFixed(1)} %`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const within = int('clients', 1, 1000);
  const over = int('overflow-clients', 1, 1000);
  const threads = int('client-threads', 1, 8);
  const withinPairs = int('pairs', 1, 50);
  const overPairs = int('overflow-pairs', 1, 50);
  const budgetMs = int('budget', 10, 3600) * 1000;
  const kinds = String(values.stall).split(',');
  for (const k of kinds)
    if (k !== 'within' && k !== 'overflow' && k !== 'none')
      benchUsageError(import.meta.filename, `--stall takes within, overflow, none or a list of them (got ${k})`);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'glass-stream-bench-'));
  const out: Record<string, unknown> = {
    clientThreads: threads,
    bound: DEFAULT_STREAM.maxBufferedBytes,
    commitLines: Number(values['commit-lines']),
  };
  try {
    let run = 0;
    for (const kind of kinds) {
      const big = kind === 'overflow';
      const hours = big ? Number(values['overflow-hours']) : Number(values.hours);
      const clients = big ? over : within;
      const pairs = big ? overPairs : withinPairs;
      const file = join(dir, `sim-${kind}.ndjson`);
      writeSimRecording(file, { wallets: Number(values.wallets), hours, seed: Number(values.seed) });
      const loadBefore = load();
      process.stderr.write(
        `stall ${kind}: ${clients} clients, ${values.wallets} wallets, ${hours} h simulated; load average ${loadBefore}\n`,
      );
      const done: [RunResult, RunResult][] = [];
      for (let p = 0; p < pairs; p++) {
        if (Date.now() - t0 > budgetMs) {
          process.stderr.write(`  --budget reached: ${done.length} pairs\n`);
          break;
        }
        // A B, B A, A B …: drift in the machine's load hits both sides alike.
        const order = p % 2 === 0 ? [false, true] : [true, false];
        const pair: { readonly isB: boolean; readonly r: RunResult }[] = [];
        for (const isB of order) pair.push({ isB, r: await oneRun(file, dir, run++, clients, threads, isB && kind !== 'none') });
        const a = (pair.find((x) => !x.isB) as { r: RunResult }).r;
        const b = (pair.find((x) => x.isB) as { r: RunResult }).r;
        done.push([a, b]);
        const line = (r: RunResult) =>
          `p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} max ${fmt(r.max)} ms, server CPU ${r.serverCpuMs} ms, publishing CPU ${fmt(r.publishCpuMs)} ms, ${r.sends} sends`;
        process.stderr.write(
          `  pair ${p + 1} (${order[0] ? 'B A' : 'A B'}): ${a.events} events, ${(a.bytesPerClient / 1e6).toFixed(2)} MB a client; ` +
            `A ${line(a)}; B ${line(b)}; stalled client: ${b.stalledEnd ?? 'none, B reads too'}, server-side backlog at replay end ${b.backlogMax} B; ` +
            `p99 B/A ${pct(b.p99 / a.p99)}, CPU B/A ${pct(b.serverCpuMs / a.serverCpuMs)}, publishing CPU B/A ${pct(b.publishCpuMs / a.publishCpuMs)}; load ${load()}\n`,
        );
      }
      const ratios = done.map(([a, b]) => b.p99 / a.p99);
      const cpu = done.map(([a, b]) => b.serverCpuMs / a.serverCpuMs);
      const fan = done.map(([a, b]) => b.publishCpuMs / a.publishCpuMs);
      const spread = (rs: number[]) => ({
        median: pct(median(rs)),
        min: pct(Math.min(...rs)),
        max: pct(Math.max(...rs)),
        pairs: rs.map(pct),
      });
      const side = (rs: RunResult[]) => ({
        p50Ms: Number(fmt(median(rs.map((r) => r.p50)))),
        p99Ms: Number(fmt(median(rs.map((r) => r.p99)))),
        maxMs: Number(fmt(median(rs.map((r) => r.max)))),
        serverCpuMs: median(rs.map((r) => r.serverCpuMs)),
        publishCpuMs: Number(fmt(median(rs.map((r) => r.publishCpuMs)))),
      });
      const summary = {
        clients,
        events: done[0]?.[0].events,
        mbPerClient: Number(((done[0]?.[0].bytesPerClient ?? 0) / 1e6).toFixed(2)),
        pairs: done.length,
        allReading: side(done.map((d) => d[0])),
        oneStalled: side(done.map((d) => d[1])),
        stalledClient: [...new Set(done.map((d) => d[1].stalledEnd))],
        othersP99Change: spread(ratios),
        serverCpuChange: spread(cpu),
        publishCpuChange: spread(fan),
        sendsExtra: done.map(([a, b]) => b.sends - a.sends),
        load: { before: loadBefore, after: load() },
      };
      out[kind] = summary;
      process.stderr.write(
        `stall ${kind}: others' p99 with ÷ without the stalled client, median of ${done.length} pairs ${summary.othersP99Change.median} ` +
          `(${summary.othersP99Change.min} … ${summary.othersP99Change.max}); server CPU ${summary.serverCpuChange.median}, publishing CPU ${summary.publishCpuChange.median}; ` +
          `all reading p50 ${summary.allReading.p50Ms} p99 ${summary.allReading.p99Ms} max ${summary.allReading.maxMs} ms; load ${load()}\n`,
      );
    }
    out['seconds'] = Math.round((Date.now() - t0) / 1000);
    process.stdout.write(`${JSON.stringify(out, null, values.json ? 0 : 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child !== undefined) await serverChild(values.child, values.db as string);
else await main();
