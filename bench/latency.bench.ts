/**
 * Latency per priority tier (docs/events.md): a simulated recording replayed PACED at a fast real
 * market's rate (default 1,000 trades a second of wall time) through `--serve`'s own wiring
 * (ingest → engines → store → /v1/stream), with N WebSocket clients (default 100) reading.
 *
 * Each line is stamped with the wall time it is due (its receive time, as the socket stamps it
 * live: the pacer is this run's adapter edge), so every event's `receivedAt` is a wall reading.
 * Reported per tier, over the run's events (all hops on one high-resolution wall clock):
 *   - receive → detect: the recorder's `detectedAt` (the engines' emit) minus `receivedAt`;
 *   - receive → publish: the stream's `publishedAt` (the event into the ring and onto every
 *     client's socket, ahead of its store commit, by tier: src/server/stream.ts) minus `receivedAt`;
 *   - receive → client: each client's receipt minus `receivedAt`, over every (client, event) pair;
 *   - and the two hops the stream owns: detect → publish (`publishedAt − detectedAt`, per event:
 *     the tier's wait) and publish → client (receipt − `publishedAt`, every pair: socket, loopback,
 *     and this process's own turn among the clients).
 * Targets (p99): P0 < 100 ms, P1 < 500 ms, P2 < 2 s. The load average is reported with the figures.
 *
 * The server runs in a child process (its own event loop, as in production); the clients share
 * this one. Bounded: --seconds of paced replay, --clients clients, --timeout seconds per run.
 *
 *   node bench/latency.bench.ts [--rate 1000] [--clients 100] [--seconds 30] [--warmup 3] [--wallets 2000]
 *       [--hours 6] [--seed 11] [--commit-ms 250] [--commit-lines 2000] [--repeats 2] [--ahead 10000]
 *
 * --ahead N: events the stream publishes past the last committed one at most (the `--serve`
 * default 10,000); --ahead 0 publishes each event only once its store batch has committed (the
 * wiring before issue 16's change, for an A/B on the same machine). The server's CPU time is
 * reported with each run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { SIM_WHALES } from '../src/cli/engines.ts';
import type { Priority } from '../src/domain/glass-event.ts';
import { type ReadItem, readRecordingBatches } from '../src/recording/reader.ts';
import { serveIngest } from '../src/server/serve-engines.ts';
import { childProtocol, now, percentile, replayAndStop, spawnServerChild, writeSimRecording } from './served-child.ts';
import { median } from './stats.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    wallets: { type: 'string', default: '2000' },
    hours: { type: 'string', default: '6' },
    seed: { type: 'string', default: '11' },
    'commit-lines': { type: 'string', default: '2000' },
    'commit-ms': { type: 'string', default: '250' },
    repeats: { type: 'string', default: '2' },
    ahead: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '120' },
    child: { type: 'string' },
    db: { type: 'string' },
  },
});

const TARGET: Record<Priority, number> = { P0: 100, P1: 500, P2: 2000 };
const TIERS: readonly Priority[] = ['P0', 'P1', 'P2'];

/** Trades in a recording line: a `trades` frame's entries (its `"tid":`s); 0 for anything else. */
function tradesIn(item: ReadItem): number {
  let text: string;
  if ('bytes' in item) text = item.bytes.toString('utf8', item.msgFrom, item.msgTo);
  else if ('msg' in item) text = JSON.stringify(item.msg);
  else return 0;
  if (!text.includes('"channel":"trades"')) return 0;
  let n = 0;
  for (let i = text.indexOf('"tid":'); i >= 0; i = text.indexOf('"tid":', i + 6)) n++;
  return n;
}

/**
 * The recording paced at `rate` trades per second of wall time, for at most `seconds`: each line
 * stamped with the wall time it is due (when a socket would have received it), and handed over
 * then. When the engines fall behind, lines queue with their due stamps: the wait counts.
 */
async function* paced(file: string, rate: number, seconds: number, started: Promise<void>): AsyncGenerator<ReadItem[]> {
  await started;
  const t0 = now();
  let trades = 0;
  let pending: ReadItem[] = [];
  for await (const batch of readRecordingBatches(file)) {
    for (const item of batch) {
      const due = t0 + (trades / rate) * 1000;
      if (due - t0 > seconds * 1000) {
        if (pending.length > 0) yield pending;
        return;
      }
      const wait = due - now();
      if (wait > 1) {
        if (pending.length > 0) yield pending;
        pending = [];
        await new Promise((r) => setTimeout(r, wait));
      }
      pending.push('ts' in item ? { ...item, ts: due } : item);
      trades += tradesIn(item);
    }
  }
  if (pending.length > 0) yield pending;
}

/** The server: waits for "go" on stdin, then replays the recording paced; says "done N ms". */
async function serverChild(file: string, db: string): Promise<void> {
  let go = () => {};
  const started = new Promise<void>((r) => {
    go = r;
  });
  const served = await serveIngest({
    cmd: 'bench',
    db,
    source: file,
    items: paced(file, Number(values.rate), Number(values.seconds), started),
    settings: { port: 0, host: '127.0.0.1', open: true, cors: [], logLevel: 'silent', bodyLimit: 16_384 },
    whales: SIM_WHALES,
    commitLines: Number(values['commit-lines']),
    commitMs: Number(values['commit-ms']),
    recorder: { clock: now },
    stream: { clock: now, aheadMax: Number(values.ahead) },
    quiet: true,
  });
  // The server's CPU time over its life (engines, store hand-over, stream), ms.
  await childProtocol(served, go, (r) => {
    const cpu = process.cpuUsage();
    return ` ${r.written} ${((cpu.user + cpu.system) / 1000).toFixed(0)}`;
  });
}

interface TierStats {
  n: number;
  detectP50: number;
  detectP99: number;
  waitP50: number;
  waitP99: number;
  deliverP50: number;
  deliverP99: number;
  publishP50: number;
  publishP99: number;
  clientP50: number;
  clientP99: number;
  clientMax: number;
}

interface RunResult {
  readonly events: number;
  readonly replayMs: number;
  /** The server process's CPU time (user + system, ms). */
  readonly serverCpuMs: number;
  readonly tiers: Record<Priority, TierStats | null>;
}

/** A growable sample buffer. */
class Samples {
  a = new Float64Array(1 << 16);
  n = 0;
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = x;
  }
  sorted(): Float64Array {
    return this.a.slice(0, this.n).sort();
  }
}

/** How every event message starts (stream.ts, eventText): its id follows. */
const EVENT_HEAD = '{"kind":"event","id":';

/** A number after `"key":` in a message, without parsing the whole message (the clients share one core). */
function field(s: string, key: string): number {
  const k = s.indexOf(`"${key}":`) + key.length + 3;
  let e = k;
  while (e < s.length && s[e] !== ',' && s[e] !== '}') e++;
  return Number(s.slice(k, e));
}

async function oneRun(file: string, dir: string, run: number, clients: number): Promise<RunResult> {
  const db = join(dir, `run${run}.sqlite`);
  const sc = spawnServerChild(import.meta.filename, [file, '--db', db, ...forwarded()]);
  const url = (await sc.line('url ')).slice(4).replace('http', 'ws');
  const detect: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const wait: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const deliver: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const publish: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const client: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const last = new Int32Array(clients);
  const seen = new Map<number, { tier: Priority; received: number; published: number }>();
  const sockets: WebSocket[] = [];
  // Events caused in the first seconds (the recording's opening burst of account snapshots, all due at once) are not measured.
  let measureFrom = Number.POSITIVE_INFINITY;
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`${url}/v1/stream?after=0`);
    sockets.push(ws);
    ws.on('message', (d: Buffer) => {
      const t = now();
      // The id from the message's head without decoding it; the rest once per event, by whichever
      // client has it first (the 100 clients share this process's one core: its own delay counts).
      if (d.length < EVENT_HEAD.length || d.toString('latin1', 0, EVENT_HEAD.length) !== EVENT_HEAD) return;
      let id = 0;
      for (let k = EVENT_HEAD.length; k < d.length && d[k] !== 0x2c; k++) id = id * 10 + ((d[k] as number) - 0x30);
      last[i] = id;
      let info = seen.get(id);
      if (info === undefined) {
        const s = d.toString();
        const p = s.indexOf('"priority":"');
        info = {
          tier: (p < 0 ? 'P2' : s.slice(p + 12, p + 14)) as Priority,
          received: field(s, 'receivedAt'),
          published: field(s, 'publishedAt'),
        };
        seen.set(id, info);
        if (info.received >= measureFrom) {
          // receive → detect, → publish, and detect → publish once per event.
          const detected = field(s, 'detectedAt');
          detect[info.tier]?.push(detected - info.received);
          publish[info.tier]?.push(info.published - info.received);
          wait[info.tier]?.push(info.published - detected);
        }
      }
      if (info.received >= measureFrom) {
        client[info.tier]?.push(t - info.received);
        deliver[info.tier]?.push(t - info.published);
      }
    });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
  }
  measureFrom = now() + Number(values.warmup) * 1000;
  const { total, done } = await replayAndStop(sc, sockets, last, run, Number(values.timeout));
  const ms = done[0];
  const tiers = {} as Record<Priority, TierStats | null>;
  for (const t of TIERS) {
    const det = detect[t].sorted();
    const wt = wait[t].sorted();
    const dl = deliver[t].sorted();
    const pub = publish[t].sorted();
    const cli = client[t].sorted();
    tiers[t] =
      pub.length === 0
        ? null
        : {
            n: pub.length,
            detectP50: percentile(det, 0.5),
            detectP99: percentile(det, 0.99),
            waitP50: percentile(wt, 0.5),
            waitP99: percentile(wt, 0.99),
            deliverP50: percentile(dl, 0.5),
            deliverP99: percentile(dl, 0.99),
            publishP50: percentile(pub, 0.5),
            publishP99: percentile(pub, 0.99),
            clientP50: percentile(cli, 0.5),
            clientP99: percentile(cli, 0.99),
            clientMax: cli[cli.length - 1] as number,
          };
  }
  return { events: total, replayMs: Number(ms), serverCpuMs: Number(done[2]), tiers };
}

function forwarded(): string[] {
  return [
    '--commit-lines',
    values['commit-lines'] as string,
    '--commit-ms',
    values['commit-ms'] as string,
    '--rate',
    values.rate as string,
    '--seconds',
    values.seconds as string,
    '--ahead',
    values.ahead as string,
  ];
}

async function main(): Promise<void> {
  const clients = Math.min(1000, Math.max(1, Number(values.clients)));
  const dir = mkdtempSync(join(tmpdir(), 'glass-latency-bench-'));
  try {
    const file = join(dir, 'sim.ndjson');
    writeSimRecording(file, { wallets: Number(values.wallets), hours: Number(values.hours), seed: Number(values.seed) });
    const fmt = (x: number) => Number(x.toFixed(1));
    const runs: RunResult[] = [];
    for (let r = 0; r < Number(values.repeats); r++) {
      const res = await oneRun(file, dir, r, clients);
      runs.push(res);
      const parts = TIERS.map((t) => {
        const s = res.tiers[t];
        return s === null
          ? `${t}: none`
          : `${t} (${s.n}): detect p50 ${fmt(s.detectP50)} p99 ${fmt(s.detectP99)} ms, publish p50 ${fmt(s.publishP50)} p99 ${fmt(s.publishP99)} ms, client p50 ${fmt(s.clientP50)} p99 ${fmt(s.clientP99)} ms (detect → publish p50 ${fmt(s.waitP50)} p99 ${fmt(s.waitP99)}, publish → client p50 ${fmt(s.deliverP50)} p99 ${fmt(s.deliverP99)} ms)`;
      });
      const load = loadavg().map((x) => x.toFixed(1));
      process.stderr.write(
        `  run ${r + 1} (load ${load.join(' ')}): ${res.events} events, ${res.replayMs} ms paced, server CPU ${res.serverCpuMs} ms; ${parts.join('; ')}\n`,
      );
    }
    const summary: Record<string, unknown> = {
      rate: Number(values.rate),
      clients,
      seconds: Number(values.seconds),
      commitMs: Number(values['commit-ms']),
      commitLines: Number(values['commit-lines']),
      ahead: Number(values.ahead),
      serverCpuMs: runs.map((x) => x.serverCpuMs),
      repeats: runs.length,
      loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
    };
    for (const t of TIERS) {
      const of = (k: keyof TierStats) => runs.flatMap((x) => (x.tiers[t] === null ? [] : [(x.tiers[t] as TierStats)[k]]));
      const p99s = of('clientP99');
      summary[t] =
        p99s.length === 0
          ? null
          : {
              events: of('n'),
              detectP50Ms: fmt(median(of('detectP50'))),
              detectP99Ms: fmt(median(of('detectP99'))),
              detectToPublishP50Ms: fmt(median(of('waitP50'))),
              detectToPublishP99Ms: fmt(median(of('waitP99'))),
              publishToClientP50Ms: fmt(median(of('deliverP50'))),
              publishToClientP99Ms: fmt(median(of('deliverP99'))),
              publishP50Ms: fmt(median(of('publishP50'))),
              publishP99Ms: fmt(median(of('publishP99'))),
              clientP50Ms: fmt(median(of('clientP50'))),
              clientP99Ms: fmt(median(p99s)),
              clientP99Spread: [fmt(Math.min(...p99s)), fmt(Math.max(...p99s))],
              targetP99Ms: TARGET[t],
              met: median(p99s) < TARGET[t],
              publishMet: median(of('publishP99')) < TARGET[t],
            };
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Last: the classes and functions above are initialised by now.
if (values.child !== undefined) await serverChild(values.child, values.db as string);
else await main();
