/**
 * Latency per priority tier (docs/events.md): a simulated recording replayed PACED at a fast real
 * market's rate (default 1,000 trades a second of wall time) through `--serve`'s own wiring
 * (ingest → engines → store → /v1/stream), with N WebSocket clients (default 100) reading.
 *
 * Each line is stamped with the wall clock when the pacer hands it to the pipeline (its receive
 * time, as the socket stamps it live), so every event's `receivedAt` is a wall reading. Reported
 * per tier, over the run's events:
 *   - receive → publish: the recorder's `detectedAt` (a high-resolution wall clock at the engines'
 *     emit: the event leaving the engine) minus `receivedAt`;
 *   - receive → client: each client's receipt minus `receivedAt`, over every (client, event) pair
 *     (events go out once their batch is committed: the commit cadence is part of it).
 * Targets (p99): P0 < 100 ms, P1 < 500 ms, P2 < 2 s.
 *
 * The server runs in a child process (its own event loop, as in production); the clients share
 * this one. Bounded: --seconds of paced replay, --clients clients, --timeout seconds per run.
 *
 *   node bench/latency.bench.ts [--rate 1000] [--clients 100] [--seconds 30] [--warmup 3] [--wallets 2000]
 *       [--hours 6] [--seed 11] [--commit-ms 250] [--commit-lines 2000] [--repeats 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    quiet: true,
  });
  await childProtocol(served, go, (r) => ` ${r.written}`);
}

interface TierStats {
  n: number;
  publishP50: number;
  publishP99: number;
  clientP50: number;
  clientP99: number;
  clientMax: number;
}

interface RunResult {
  readonly events: number;
  readonly replayMs: number;
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
  const publish: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const client: Record<Priority, Samples> = { P0: new Samples(), P1: new Samples(), P2: new Samples() };
  const last = new Int32Array(clients);
  const sockets: WebSocket[] = [];
  // Events caused in the first seconds (the recording's opening burst of account snapshots, all due at once) are not measured.
  let measureFrom = Number.POSITIVE_INFINITY;
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`${url}/v1/stream?after=0`);
    sockets.push(ws);
    ws.on('message', (d) => {
      const t = now();
      const s = d.toString();
      if (!s.startsWith('{"kind":"event"')) return;
      const p = s.indexOf('"priority":"');
      const tier = (p < 0 ? 'P2' : s.slice(p + 12, p + 14)) as Priority;
      const received = field(s, 'receivedAt');
      last[i] = field(s, 'id');
      if (received < measureFrom) return;
      client[tier]?.push(t - received);
      // receive → publish once per event (client 0 sees them all).
      if (i === 0) publish[tier]?.push(field(s, 'detectedAt') - received);
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
    const pub = publish[t].sorted();
    const cli = client[t].sorted();
    tiers[t] =
      pub.length === 0
        ? null
        : {
            n: pub.length,
            publishP50: percentile(pub, 0.5),
            publishP99: percentile(pub, 0.99),
            clientP50: percentile(cli, 0.5),
            clientP99: percentile(cli, 0.99),
            clientMax: cli[cli.length - 1] as number,
          };
  }
  return { events: total, replayMs: Number(ms), tiers };
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
          : `${t} (${s.n}): publish p50 ${fmt(s.publishP50)} p99 ${fmt(s.publishP99)} ms, client p50 ${fmt(s.clientP50)} p99 ${fmt(s.clientP99)} ms`;
      });
      process.stderr.write(`  run ${r + 1}: ${res.events} events, ${res.replayMs} ms paced; ${parts.join('; ')}\n`);
    }
    const summary: Record<string, unknown> = {
      rate: Number(values.rate),
      clients,
      seconds: Number(values.seconds),
      commitMs: Number(values['commit-ms']),
      commitLines: Number(values['commit-lines']),
      repeats: runs.length,
    };
    for (const t of TIERS) {
      const of = (k: keyof TierStats) => runs.flatMap((x) => (x.tiers[t] === null ? [] : [(x.tiers[t] as TierStats)[k]]));
      const p99s = of('clientP99');
      summary[t] =
        p99s.length === 0
          ? null
          : {
              events: of('n'),
              publishP50Ms: fmt(median(of('publishP50'))),
              publishP99Ms: fmt(median(of('publishP99'))),
              clientP50Ms: fmt(median(of('clientP50'))),
              clientP99Ms: fmt(median(p99s)),
              clientP99Spread: [fmt(Math.min(...p99s)), fmt(Math.max(...p99s))],
              targetP99Ms: TARGET[t],
              met: median(p99s) < TARGET[t],
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
