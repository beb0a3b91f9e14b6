/**
 * /v1/stream under load, on loopback: N WebSocket clients (default 1,000) receive every event of
 * a replay played at full speed through `--serve`'s own wiring (ingest → engines → stream as
 * detected, the store committing behind). Latency: the engine's emit (the recorder's `detectedAt`,
 * a high-resolution wall clock) to the client's receipt, over every (client, event) pair.
 *
 * Does one client that stops reading change the others' p99? Runs come in pairs, N clients and
 * one more that reads (A) or never reads (B), alternated A B, B A, A B …, each run on a fresh
 * server; with several kinds, their pairs interleave (a pair of each kind in turn), so that drift
 * in the machine's load hits the control as much as the stall. Reported per kind: the others'
 * p50 / p99 / max (the p99 over every (client, event) pair, as the issue states it; also per
 * client, the median client's own p99, and per event, the p99 of the events' median latency: all
 * three move together, the tail is the fan-out's, not a few clients'); their p99 B ÷ A per pair,
 * as the median with a distribution-free 95 % confidence interval, the geometric mean with a
 * 95 % interval (t on the logarithms) and the range; B ÷ A of the server's work (process CPU, the CPU its thread spent publishing: serialise,
 * ring, hand to every client's socket; its socket sends), of the clients' thread CPU and of the
 * machine's CPU; and each run's TCP counters (/proc/net/netstat: receive windows closed and
 * probed, loss probes, receive queues pruned). Kinds (--stall):
 *   within    the replay as given (--hours; 733 events, 0.8 MB a client by default): the kernel's
 *             socket buffers (~4 MB on loopback) take all of it, the server never sees backpressure;
 *   overflow  a longer replay (--overflow-hours; ~10,000 events, 11 MB a client by default) with
 *             --overflow-clients clients: past the kernel's ~4 MB the stalled client's socket holds
 *             more than the hub's `behindBytes` (256 KB) and it falls behind: never written to again
 *             (its sends stop: see sendsExtra), closed only if it drains nothing for 30 s or the
 *             ring drops what it misses.
 *   none      the control (A/A): as within, but the extra client of B reads too; the spread of its
 *             "B ÷ A" is the bench's own noise at the machine's load.
 *
 * The noise, and the options against it. All reading clients share one thread, which falls behind
 * the server in some runs and not in others; with the machine's default receive buffers (128 KB to
 * start) the sockets of a run that falls behind have their windows closed and reopened by probes
 * hundreds to thousands of times (TCPToZeroWindowAdv, TCPWinProbe) and its p99 is 2–4× that of a
 * run where none closes. Which runs do is chance, so the p99 of single runs is bimodal. --netns runs the bench in a network namespace of its own
 * (`unshare -n`, root only): its own loopback and TCP counters, its sockets' receive buffers 4 MB
 * from the start (net.ipv4.tcp_rmem there; the machine's own setting untouched), no window ever
 * closes, the stalled client's 0.8 MB included. --pin keeps the server on the first core and the
 * clients on the second. --extra-process puts the extra client in a process of its own
 * (bench/stream-extra.ts), apart from the reading clients' process. --design twin runs a pair's A and B at once, side by side, each with its
 * N clients (tried against load drift: the two compete for the cores, noisier than sequential).
 *
 * Processes: the server runs in a child process; the reading clients in --client-threads worker
 * threads (bench/stream-clients.ts); the extra client and the bookkeeping on the main thread. All
 * share the machine's cores: say the load average with the figures. Bounded: at most 1,000
 * clients, --pairs / --overflow-pairs pairs, --timeout seconds a run, no new pair past --budget
 * seconds (a run took 5–25 s on this 2-core machine at load average 2–12).
 *
 *   node bench/stream.bench.ts [--stall within,overflow|none] [--pairs 7] [--clients 1000]
 *        [--netns] [--pin] [--extra-process] [--design sequential|twin]
 *        [--overflow-pairs 3] [--overflow-clients 100] [--overflow-hours 18] [--client-threads 1]
 *        [--wallets 300] [--hours 2] [--seed 7] [--commit-lines 200] [--commit-ms 50]
 *        [--timeout 120] [--budget 900] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { readRecordingBatches } from '../src/recording/reader.ts';
import { serveIngest } from '../src/server/serve-engines.ts';
import { DEFAULT_STREAM } from '../src/server/stream.ts';
import { now, percentile, type ServerChild, spawnServerChild, writeSimRecording } from './served-child.ts';
import { benchArgs, benchUsageError, median } from './stats.ts';
import type { ClientsData, ClientsReply } from './stream-clients.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    stall: { type: 'string', default: 'within,overflow' },
    design: { type: 'string', default: 'sequential' },
    pin: { type: 'boolean', default: false },
    netns: { type: 'boolean', default: false },
    'extra-process': { type: 'boolean', default: false },
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
 * <slow clients closed> <largest client backlog bytes at replay end> <publishing CPU ms> … <clients
 * that fell behind>`; ends on `stop`.
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
  // …and in wall time: what it took with whatever preempted or blocked the thread meanwhile.
  let publishWall = 0;
  // Per event published: detection → handed to every client's socket (the end of its flush), on
  // the server's side of the sockets.
  let handed: number[] = [];
  const inner = served.hub as unknown as { queue: readonly { id: number; detectedAt: number }[]; lastId: number };
  hub.flush = function (this: unknown) {
    const w = performance.now();
    const t = process.threadCpuUsage();
    const before = inner.lastId;
    const queued = inner.queue;
    flush.call(this);
    const d = process.threadCpuUsage(t);
    publishCpu += (d.user + d.system) / 1000;
    publishWall += performance.now() - w;
    const end = now();
    for (const r of queued) if (r.id > before && r.id <= inner.lastId) handed.push(end - r.detectedAt);
  };
  const handedP99 = () => (handed.length === 0 ? Number.NaN : percentile(Float64Array.from(handed).sort(), 0.99));
  // The server's event loop delay over the replay (how late its callbacks ran).
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let backlogMax = 0;
  for await (const l of createInterface({ input: process.stdin })) {
    if (l === 'go') {
      cpu0 = process.cpuUsage();
      sends0 = served.hub.counters.sends;
      publish0 = publishCpu;
      publishWall = 0;
      handed = [];
      loop.reset();
      loop.enable();
      const t0 = now();
      go();
      await served.done;
      backlogMax = served.hub.backlog().maxBytes;
      loop.disable();
      process.stdout.write(`done ${served.hub.lastId} ${(now() - t0).toFixed(0)}\n`);
    } else if (l === 'stats') {
      const cpu = process.cpuUsage(cpu0);
      const h = served.hub.counters;
      process.stdout.write(
        `stats ${((cpu.user + cpu.system) / 1000).toFixed(0)} ${h.sends - sends0} ${h.slowClosed} ${backlogMax} ${(publishCpu - publish0).toFixed(1)} ${publishWall.toFixed(1)} ${(loop.percentile(99) / 1e6).toFixed(1)} ${handedP99().toFixed(1)} ${h.fellBehind}\n`,
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
  /** The median over the reading clients of each one's own p99 (ms). */
  readonly clientP99: number;
  /** The p99 over the events of each event's median latency across the reading clients (ms): the fan-out's own tail. */
  readonly eventP99: number;
  readonly max: number;
  readonly samples: number;
  /** The server process's CPU from `go` until every reading client had every event (ms). */
  readonly serverCpuMs: number;
  readonly sends: number;
  /** Clients the hub took off the fan-out for holding more than `behindBytes` unsent (times). */
  readonly fellBehind: number;
  /** CPU of the server's thread in the hub's publishing: serialise, ring, hand to every client's socket (ms). */
  readonly publishCpuMs: number;
  /** The same publishing in wall time (ms), and the p99 of the server's event loop delay over the replay (ms). */
  readonly publishWallMs: number;
  readonly loopDelayP99Ms: number;
  /** p99 over the events of detection → handed to every client's socket, in the server (ms). */
  readonly handedP99Ms: number;
  /** The largest unsent backlog a client socket held in the server when the replay ended (bytes). */
  readonly backlogMax: number;
  /** What became of the stalled client: its close code and reason, or `open`. */
  readonly stalledEnd: string | null;
  /** CPU of the reading clients' worker threads from their `open` to their last receipt (ms). */
  readonly clientCpuMs: number;
  /** From `go` to the last receipt of the last event by any reading client (ms). */
  readonly drainMs: number;
  /** The whole machine's CPU from `go` until every reading client had every event (/proc/stat, ms): busy (not idle), of which system and softirq. */
  readonly machine: MachineCpu;
  /** The machine's TCP counters over the same span (tcpCounters). */
  readonly tcp: Record<string, number>;
}

/** The machine's CPU time by kind, summed over its cores (ms; /proc/stat counts in 1/100 s). */
interface MachineCpu {
  readonly busy: number;
  readonly system: number;
  readonly softirq: number;
}

function machineCpu(): MachineCpu {
  let line = '';
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  } catch {
    return { busy: Number.NaN, system: Number.NaN, softirq: Number.NaN };
  }
  // cpu  user nice system idle iowait irq softirq steal …
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number) => (f[i] ?? 0) * 10;
  return { busy: at(0) + at(1) + at(2) + at(5) + at(6) + at(7), system: at(2), softirq: at(6) };
}

/** The machine's TCP counters (/proc/net/netstat TcpExt) that tell a stalled or slow receiver: queue pruning and collapsing, zero windows and their probes, loss probes. */
const TCP_COUNTERS = [
  'PruneCalled',
  'TCPRcvCollapsed',
  'TCPToZeroWindowAdv',
  'TCPWinProbe',
  'TCPLossProbes',
  'TCPMemoryPressures',
] as const;

function tcpCounters(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'));
    const keys = (lines[0] ?? '').split(' ');
    const vals = (lines[1] ?? '').split(' ');
    for (const k of TCP_COUNTERS) out[k] = Number(vals[keys.indexOf(k)]);
  } catch {}
  return out;
}

const cpuSince = (a: MachineCpu): MachineCpu => {
  const b = machineCpu();
  return { busy: b.busy - a.busy, system: b.system - a.system, softirq: b.softirq - a.softirq };
};

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

/** The extra client: reads, or (stalled) never reads until `resume`; `end`: what became of a stalled one. */
interface Extra {
  readonly stalled: boolean;
  end: string;
  /** Reads again; resolves when the server's close reaches it. */
  resume(): Promise<void>;
  terminate(): void;
}

/**
 * The extra client, on this thread or (--extra-process) in a process of its own
 * (bench/stream-extra.ts), so that whether it reads cannot touch the reading clients' process.
 */
async function openExtra(url: string, stalled: boolean): Promise<Extra> {
  if (values['extra-process']) {
    const p = spawnServerChild(new URL('./stream-extra.ts', import.meta.url).pathname, [url, stalled ? 'stall' : 'read']);
    await p.line('open');
    const x: Extra = {
      stalled,
      end: 'open',
      resume: async () => {
        p.child.stdin?.write('resume\n');
        const l = await p.line('closed ');
        x.end = l;
      },
      terminate: () => p.child.stdin?.end(),
    };
    return x;
  }
  const ws = new WebSocket(`${url}/v1/stream?after=0`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  ws.on('error', () => {});
  const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  // Never reads again: what the server sends piles up in the kernel's buffers, then the server's.
  if (stalled) socket.pause();
  const x: Extra = {
    stalled,
    end: 'open',
    resume: () => {
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      socket.resume();
      return closed;
    },
    terminate: () => ws.terminate(),
  };
  ws.on('close', (code, reason) => {
    if (code !== 1006) x.end = `closed ${code} ${String(reason)}`;
  });
  return x;
}

/**
 * One run: a server per entry of `stalls`, started together on the same recording (side by side
 * they share the machine's load of the moment), each with `clients` reading clients and one extra
 * client that reads or, where `stalls` says so, never reads.
 */
async function runServers(
  file: string,
  dir: string,
  run: number,
  clients: number,
  threads: number,
  stalls: readonly boolean[],
): Promise<RunResult[]> {
  const sides: {
    sc: ServerChild;
    workers: ReturnType<typeof clientsWorker>[];
    extra: Extra;
  }[] = [];
  for (const [s, stalled] of stalls.entries()) {
    const sc = spawnServerChild(import.meta.filename, [
      file,
      '--db',
      join(dir, `run${run}-${s}.sqlite`),
      '--commit-lines',
      values['commit-lines'] as string,
      '--commit-ms',
      values['commit-ms'] as string,
    ]);
    const url = (await sc.line('url ')).slice(4).replace('http', 'ws');
    // --pin: the server (every thread of it) on the first core, the clients on the second.
    if (values.pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(sc.child.pid)], { stdio: 'ignore' });
    const workers = Array.from({ length: threads }, (_, k) =>
      clientsWorker({ url, count: Math.floor(clients / threads) + (k < clients % threads ? 1 : 0) }),
    );
    for (const w of workers) if ((await w.next()).kind !== 'open') throw new Error(`run ${run}: a clients worker did not open`);
    // One more client on this thread, reading or not, so that the runs compared differ in one
    // thing only: whether it reads (its own receipts are not among the others' latencies).
    const extra = await openExtra(url, stalled);
    sides.push({ sc, workers, extra });
  }
  // Every subscription settled before the replay starts.
  await new Promise((r) => setTimeout(r, 500));
  const machine0 = machineCpu();
  const tcp0 = tcpCounters();
  const go = now();
  for (const x of sides) x.sc.child.stdin?.write('go\n');
  const out = await Promise.all(
    sides.map(async ({ sc, workers }) => {
      const [, lastId, replayMs] = (await sc.line('done ')).split(' ');
      const total = Number(lastId);
      for (const w of workers) w.worker.postMessage({ total, timeoutMs: Number(values.timeout) * 1000 });
      const replies: Extract<ClientsReply, { kind: 'done' }>[] = [];
      for (const w of workers) {
        const m = await w.next();
        if (m.kind !== 'done') throw new Error(`run ${run}: ${m.kind === 'behind' ? m.behind : '?'} clients still behind after --timeout`);
        replies.push(m);
      }
      return { total, replayMs: Number(replayMs), replies };
    }),
  );
  const machine = cpuSince(machine0);
  const tcp1 = tcpCounters();
  const tcp = Object.fromEntries(TCP_COUNTERS.map((k) => [k, (tcp1[k] ?? 0) - (tcp0[k] ?? 0)]));
  const results: RunResult[] = [];
  for (const [s, { sc, extra }] of sides.entries()) {
    const { total, replayMs, replies } = out[s] as (typeof out)[number];
    sc.child.stdin?.write('stats\n');
    const [, cpuMs, sends, slowClosed, backlogMax, publishCpuMs, publishWallMs, loopDelayP99Ms, handedP99Ms, fellBehind] = (
      await sc.line('stats ')
    ).split(' ');
    if (extra.stalled) {
      // The server's close frame comes after all it queued: the stalled client reads again to see it.
      const closed = extra.resume();
      if (slowClosed !== '0') await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      if (extra.end === 'open')
        extra.end =
          slowClosed === '0'
            ? `never cut (${fellBehind} fell behind)`
            : 'cut by the server, its close frame not read (the socket ended 30 s after the close)';
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
    const { clientP99, eventP99 } = otherStats(replies, total);
    all.sort();
    results.push({
      stalled: stalls[s] as boolean,
      events: total,
      replayMs,
      bytesPerClient: bytes / clients,
      p50: percentile(all, 0.5),
      p99: percentile(all, 0.99),
      clientP99,
      eventP99,
      max: all[n - 1] as number,
      samples: n,
      serverCpuMs: Number(cpuMs),
      publishCpuMs: Number(publishCpuMs),
      publishWallMs: Number(publishWallMs),
      loopDelayP99Ms: Number(loopDelayP99Ms),
      handedP99Ms: Number(handedP99Ms),
      sends: Number(sends),
      fellBehind: Number(fellBehind),
      backlogMax: Number(backlogMax),
      stalledEnd: extra.stalled ? extra.end : null,
      clientCpuMs: replies.reduce((t, m) => t + m.cpuMs, 0),
      drainMs: Math.max(...replies.map((m) => m.lastAt)) - go,
      machine,
      tcp,
    });
  }
  return results;
}

/**
 * The others' p99 taken two more ways than over every (client, event) pair: per client (the median
 * client's own p99) and per event (the p99 of the events' median latency across clients). The
 * workers number their clients from 0 each: a worker's clients follow the previous worker's.
 */
function otherStats(replies: readonly Extract<ClientsReply, { kind: 'done' }>[], total: number): { clientP99: number; eventP99: number } {
  const perClient: number[][] = [];
  const perEvent: number[][] = Array.from({ length: total + 1 }, () => []);
  let base = 0;
  for (const m of replies) {
    let top = base;
    for (let i = 0; i < m.n; i++) {
      const c = base + (m.who[i] as number);
      if (c + 1 > top) top = c + 1;
      const mine = perClient[c] ?? [];
      perClient[c] = mine;
      mine.push(m.latencies[i] as number);
      perEvent[m.ids[i] as number]?.push(m.latencies[i] as number);
    }
    base = Math.max(base, top);
  }
  const p = (xs: number[], q: number) => percentile(Float64Array.from(xs).sort(), q);
  const clients = perClient.filter((xs) => xs !== undefined && xs.length > 0).map((xs) => p(xs, 0.99));
  const events = perEvent.filter((xs) => xs.length > 0).map((xs) => p(xs, 0.5));
  return { clientP99: median(clients), eventP99: p(events, 0.99) };
}

const fmt = (x: number) => x.toFixed(1);

/**
 * The geometric mean of ratios with a 95 % confidence interval (Student's t on their logarithms;
 * t ≈ 1.96 + 2.4 / (n − 1), within 1 % of the table from n = 5).
 */
function geoMean(rs: readonly number[]): { mean: number; ci95: [number, number] } {
  const ls = rs.map(Math.log);
  const n = ls.length;
  const m = ls.reduce((t, x) => t + x, 0) / n;
  if (n < 2) return { mean: Math.exp(m), ci95: [Math.exp(m), Math.exp(m)] };
  const sd = Math.sqrt(ls.reduce((t, x) => t + (x - m) ** 2, 0) / (n - 1));
  const h = ((1.96 + 2.4 / (n - 1)) * sd) / Math.sqrt(n);
  return { mean: Math.exp(m), ci95: [Math.exp(m - h), Math.exp(m + h)] };
}

/**
 * A distribution-free 95 % confidence interval of the median of `xs` (order statistics: the
 * k-th smallest and k-th largest, k the largest rank with P(Binomial(n, ½) < k) ≤ 2.5 %); the
 * whole range when there are too few samples (n < 6).
 */
function medianCi(xs: readonly number[]): [number, number] {
  const s = xs.toSorted((a, b) => a - b);
  const n = s.length;
  let k = 0;
  let below = 0;
  let c = 2 ** -n;
  // below: P(X ≤ i - 1); grow k while P(X < k + 1) stays ≤ 2.5 %.
  for (let i = 0; i < n; i++) {
    if (below + c > 0.025) break;
    below += c;
    k = i + 1;
    c = (c * (n - i)) / (i + 1);
  }
  if (k === 0) return [s[0] as number, s[n - 1] as number];
  return [s[k - 1] as number, s[n - k] as number];
}
const pct = (r: number) => `${r >= 1 ? '+' : ''}${(100 * (r - 1)).toFixed(1)} %`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const within = int('clients', 1, 1000);
  const over = int('overflow-clients', 1, 1000);
  const threads = int('client-threads', 1, 8);
  const withinPairs = int('pairs', 1, 200);
  const overPairs = int('overflow-pairs', 1, 50);
  const budgetMs = int('budget', 10, 3600) * 1000;
  const kinds = String(values.stall).split(',');
  const design = String(values.design);
  if (design !== 'twin' && design !== 'sequential')
    benchUsageError(import.meta.filename, `--design takes twin or sequential (got ${design})`);
  const twin = design === 'twin';
  if (values.pin) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  for (const k of kinds)
    if (k !== 'within' && k !== 'overflow' && k !== 'none')
      benchUsageError(import.meta.filename, `--stall takes within, overflow, none or a list of them (got ${k})`);
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'glass-stream-bench-'));
  const out: Record<string, unknown> = {
    design,
    pin: values.pin,
    netns: process.env['GLASS_STREAM_BENCH_NETNS'] !== undefined,
    extraProcess: values['extra-process'],
    clientThreads: threads,
    bound: DEFAULT_STREAM.maxBufferedBytes,
    commitLines: Number(values['commit-lines']),
  };
  try {
    let run = 0;
    const plans = kinds.map((kind) => {
      const big = kind === 'overflow';
      const hours = big ? Number(values['overflow-hours']) : Number(values.hours);
      const file = join(dir, `sim-${kind}.ndjson`);
      writeSimRecording(file, { wallets: Number(values.wallets), hours, seed: Number(values.seed) });
      const clients = big ? over : within;
      process.stderr.write(`stall ${kind}: ${clients} clients, ${values.wallets} wallets, ${hours} h simulated\n`);
      return { kind, file, clients, pairs: big ? overPairs : withinPairs, done: [] as [RunResult, RunResult][] };
    });
    const loadBefore = load();
    process.stderr.write(`load average ${loadBefore}\n`);
    // The kinds' pairs interleaved (a pair of each kind in turn, the kinds' order rotating): drift
    // in the machine's load over the bench hits every kind alike, the control too.
    const rounds = Math.max(...plans.map((k) => k.pairs));
    let stop = false;
    for (let p = 0; p < rounds && !stop; p++) {
      for (let j = 0; j < plans.length; j++) {
        const plan = plans[(p + j) % plans.length] as (typeof plans)[number];
        if (p >= plan.pairs) continue;
        if (Date.now() - t0 > budgetMs) {
          process.stderr.write(`  --budget reached after ${p} rounds\n`);
          stop = true;
          break;
        }
        // A B, B A, A B …: in turn first (sequential) or the first server started (twin).
        const order = p % 2 === 0 ? [false, true] : [true, false];
        const stall = (isB: boolean) => isB && plan.kind !== 'none';
        const rs = twin
          ? await runServers(plan.file, dir, run++, plan.clients, threads, order.map(stall))
          : [
              ...(await runServers(plan.file, dir, run++, plan.clients, threads, [stall(order[0] as boolean)])),
              ...(await runServers(plan.file, dir, run++, plan.clients, threads, [stall(order[1] as boolean)])),
            ];
        const a = rs[order.indexOf(false)] as RunResult;
        const b = rs[order.indexOf(true)] as RunResult;
        plan.done.push([a, b]);
        const line = (r: RunResult) =>
          `p50 ${fmt(r.p50)} p99 ${fmt(r.p99)} (per client ${fmt(r.clientP99)}, per event ${fmt(r.eventP99)}) max ${fmt(r.max)} ms, drain ${r.drainMs.toFixed(0)} ms, server CPU ${r.serverCpuMs} ms, ` +
          `publishing CPU ${fmt(r.publishCpuMs)} wall ${fmt(r.publishWallMs)} ms, server loop delay p99 ${fmt(r.loopDelayP99Ms)} ms, detect → handed to every socket p99 ${fmt(r.handedP99Ms)} ms, fell behind ${r.fellBehind}, clients CPU ${r.clientCpuMs.toFixed(0)} ms, machine busy ${r.machine.busy} ms (softirq ${r.machine.softirq}), TCP ${Object.entries(
            r.tcp,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(' ')}`;
        process.stderr.write(
          `  ${plan.kind} pair ${p + 1} (${order[0] ? 'B A' : 'A B'}): ${a.events} events, ${(a.bytesPerClient / 1e6).toFixed(2)} MB a client; ` +
            `A ${line(a)}; B ${line(b)}; stalled client: ${b.stalledEnd ?? 'none, B reads too'}, server-side backlog at replay end ${b.backlogMax} B; ` +
            `p99 B/A ${pct(b.p99 / a.p99)}, server CPU B/A ${pct(b.serverCpuMs / a.serverCpuMs)}, machine busy B/A ${pct(b.machine.busy / a.machine.busy)}; load ${load()}\n`,
        );
      }
    }
    for (const { kind, clients, done } of plans) {
      if (done.length === 0) continue;
      const ratios = done.map(([a, b]) => b.p99 / a.p99);
      const spread = (rs: number[]) => {
        const ci = medianCi(rs);
        const g = geoMean(rs);
        return {
          median: pct(median(rs)),
          ci95: ci.map(pct),
          geoMean: pct(g.mean),
          geoCi95: g.ci95.map(pct),
          min: pct(Math.min(...rs)),
          max: pct(Math.max(...rs)),
          pairs: rs.map(pct),
        };
      };
      const side = (rs: RunResult[]) => ({
        p50Ms: Number(fmt(median(rs.map((r) => r.p50)))),
        p99Ms: Number(fmt(median(rs.map((r) => r.p99)))),
        maxMs: Number(fmt(median(rs.map((r) => r.max)))),
        serverCpuMs: median(rs.map((r) => r.serverCpuMs)),
        publishCpuMs: Number(fmt(median(rs.map((r) => r.publishCpuMs)))),
      });
      const of = (f: (r: RunResult) => number) => spread(done.map(([a, b]) => f(b) / f(a)));
      const summary = {
        clients,
        events: done[0]?.[0].events,
        mbPerClient: Number(((done[0]?.[0].bytesPerClient ?? 0) / 1e6).toFixed(2)),
        pairs: done.length,
        allReading: side(done.map((d) => d[0])),
        oneStalled: side(done.map((d) => d[1])),
        stalledClient: [...new Set(done.map((d) => d[1].stalledEnd))],
        othersP99Change: spread(ratios),
        othersClientP99Change: of((r) => r.clientP99),
        othersEventP99Change: of((r) => r.eventP99),
        othersP50Change: of((r) => r.p50),
        drainChange: of((r) => r.drainMs),
        serverCpuChange: of((r) => r.serverCpuMs),
        publishCpuChange: of((r) => r.publishCpuMs),
        publishWallChange: of((r) => r.publishWallMs),
        loopDelayP99Change: of((r) => r.loopDelayP99Ms),
        handedP99Change: of((r) => r.handedP99Ms),
        clientCpuChange: of((r) => r.clientCpuMs),
        machineBusyChange: of((r) => r.machine.busy),
        sendsExtra: done.map(([a, b]) => b.sends - a.sends),
        runs: done.map(([a, b]) =>
          [a, b].map(({ p50, p99, clientP99, eventP99, max, drainMs, serverCpuMs, clientCpuMs, machine, tcp, replayMs }) => ({
            p50,
            p99,
            clientP99,
            eventP99,
            max,
            drainMs,
            serverCpuMs,
            clientCpuMs,
            machine,
            tcp,
            replayMs,
          })),
        ),
      };
      out[kind] = summary;
      process.stderr.write(
        `stall ${kind}: others' p99 with ÷ without the stalled client, median of ${done.length} pairs ${summary.othersP99Change.median} ` +
          `(95 % CI of the median ${summary.othersP99Change.ci95.join(' … ')}; geometric mean ${summary.othersP99Change.geoMean}, 95 % CI ${summary.othersP99Change.geoCi95.join(' … ')}; ` +
          `pairs ${summary.othersP99Change.min} … ${summary.othersP99Change.max}); ` +
          `per client p99 ${summary.othersClientP99Change.median} (CI ${summary.othersClientP99Change.ci95.join(' … ')}), ` +
          `per event p99 ${summary.othersEventP99Change.median} (CI ${summary.othersEventP99Change.ci95.join(' … ')}); ` +
          `p50 ${summary.othersP50Change.median}, server CPU ${summary.serverCpuChange.median}, machine busy ${summary.machineBusyChange.median}; ` +
          `all reading p50 ${summary.allReading.p50Ms} p99 ${summary.allReading.p99Ms} max ${summary.allReading.maxMs} ms\n`,
      );
    }
    out['load'] = { before: loadBefore, after: load() };
    out['seconds'] = Math.round((Date.now() - t0) / 1000);
    process.stdout.write(`${JSON.stringify(out, null, values.json ? 0 : 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * --netns: the bench again in a network namespace of its own (`unshare -n`, root only): its own
 * loopback, its own TCP counters, and its sockets' receive buffers starting at 4 MB
 * (net.ipv4.tcp_rmem there; the machine's own setting is not touched).
 */
function inOwnNetns(): never {
  const args = process.argv.slice(2).filter((a) => a !== '--netns');
  const script = `ip link set lo up && sysctl -qw net.ipv4.tcp_rmem="4096 4194304 33554432" && exec "$0" "$@"`;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', script, process.execPath, import.meta.filename, ...args], {
    stdio: 'inherit',
    env: { ...process.env, GLASS_STREAM_BENCH_NETNS: '1' },
  });
  if (r.error !== undefined || r.status === null)
    benchUsageError(import.meta.filename, `--netns: unshare -n failed (${r.error?.message ?? r.signal})`);
  process.exit(r.status);
}

if (values.child !== undefined) await serverChild(values.child, values.db as string);
else if (values.netns && process.env['GLASS_STREAM_BENCH_NETNS'] === undefined) inOwnNetns();
else await main();
