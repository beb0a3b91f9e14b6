/**
 * /v1/stream under load, on loopback: N WebSocket clients (default 1,000) receive every event of
 * a replay played at full speed through `--serve`'s own wiring (ingest → store → stream). Reported:
 * p50 / p99 / max latency from the engine's emit (the recorder's `detectedAt`, a high-resolution
 * wall clock) to the client's receipt, over every (client, event) pair; then the same run with one
 * client that never reads, and the other clients' p99 beside the first run's (goal: within 10 %).
 * Events reach the stream once their batch is committed, so the latency includes the wait for the
 * commit (--commit-lines / --commit-ms) and the store write.
 *
 * The server runs in a child process (its own event loop, as in production); the clients share
 * this one. Bounded: at most --clients clients, the recording's events, --timeout seconds a run.
 *
 *   node bench/stream.bench.ts [--clients 1000] [--wallets 300] [--hours 2] [--seed 7] [--commit-lines 200] [--repeats 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { readRecordingBatches } from '../src/recording/reader.ts';
import { serveIngest } from '../src/server/serve-engines.ts';
import { childProtocol, now, percentile, replayAndStop, spawnServerChild, writeSimRecording } from './served-child.ts';
import { benchArgs, median } from './stats.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    clients: { type: 'string', default: '1000' },
    wallets: { type: 'string', default: '300' },
    hours: { type: 'string', default: '2' },
    seed: { type: 'string', default: '7' },
    'commit-lines': { type: 'string', default: '200' },
    'commit-ms': { type: 'string', default: '50' },
    repeats: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '120' },
    child: { type: 'string' },
    db: { type: 'string' },
  },
});

/** Every wallet a whale (as `glass syndicates --all-wallets`): a small simulation then has events enough. */
const ALL_WHALES = { policy: { minAccountUsd: 0, minPositionUsd: 0 }, syndicates: { minNotionalUsd: 0 } };

if (values.child !== undefined) await serverChild(values.child, values.db as string);
else await main();

/** The server: waits for "go" on stdin, then replays the recording at full speed; says "done N". */
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
  await childProtocol(served, go);
}

interface RunResult {
  readonly events: number;
  readonly replayMs: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly samples: number;
  readonly slowClosed: string | null;
}

async function oneRun(file: string, dir: string, run: number, clients: number, stalled: boolean): Promise<RunResult> {
  const db = join(dir, `run${run}.sqlite`);
  const sc = spawnServerChild(import.meta.filename, [file, '--db', db, ...forwarded()]);
  const url = (await sc.line('url ')).slice(4).replace('http', 'ws');
  // Latencies of every (client, event) pair, in one preallocated buffer.
  let lat = new Float64Array(1 << 20);
  let n = 0;
  const last = new Int32Array(clients);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`${url}/v1/stream?after=0`);
    sockets.push(ws);
    ws.on('message', (d) => {
      const t = now();
      // The id and emit time without parsing the whole message (the clients share one core).
      const s = d.toString();
      if (!s.startsWith('{"kind":"event"')) return;
      const id = Number(s.slice(s.indexOf('"id":') + 5, s.indexOf(',', s.indexOf('"id":'))));
      const k = s.indexOf('"detectedAt":') + 13;
      const detected = Number(s.slice(k, s.indexOf(',', k)));
      last[i] = id;
      if (n === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[n++] = t - detected;
    });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
  }
  let slowClosed: string | null = null;
  if (stalled) {
    const slow = new WebSocket(`${url}/v1/stream?after=0`);
    await new Promise((r) => slow.once('open', r));
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    slow.on('close', (code, reason) => {
      slowClosed = `${code} ${String(reason)}`;
    });
  }
  const { total, done } = await replayAndStop(sc, sockets, last, run, Number(values.timeout));
  const ms = done[0];
  const sorted = lat.slice(0, n).sort();
  return {
    events: total,
    replayMs: Number(ms),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[n - 1] as number,
    samples: n,
    slowClosed,
  };
}

function forwarded(): string[] {
  return ['--commit-lines', values['commit-lines'] as string, '--commit-ms', values['commit-ms'] as string];
}

async function main(): Promise<void> {
  const clients = Math.min(1000, Math.max(1, Number(values.clients)));
  const dir = mkdtempSync(join(tmpdir(), 'glass-stream-bench-'));
  try {
    const file = join(dir, 'sim.ndjson');
    writeSimRecording(file, { wallets: Number(values.wallets), hours: Number(values.hours), seed: Number(values.seed) });
    const fmt = (x: number) => x.toFixed(1);
    const plain: RunResult[] = [];
    const withSlow: RunResult[] = [];
    let run = 0;
    for (let r = 0; r < Number(values.repeats); r++) {
      // Alternating, so machine noise hits both sides alike.
      for (const stalled of [false, true]) {
        const res = await oneRun(file, dir, run++, clients, stalled);
        (stalled ? withSlow : plain).push(res);
        process.stderr.write(
          `  ${stalled ? 'one stalled client' : 'all reading       '}: ${res.events} events × ${clients} clients (${res.samples} receipts), ` +
            `replay ${res.replayMs} ms; latency p50 ${fmt(res.p50)} ms, p99 ${fmt(res.p99)} ms, max ${fmt(res.max)} ms` +
            `${stalled ? `; stalled client: ${res.slowClosed ?? 'not closed'}` : ''}\n`,
        );
      }
    }
    const p99a = median(plain.map((x) => x.p99));
    const p99b = median(withSlow.map((x) => x.p99));
    const summary = {
      clients,
      events: plain[0]?.events,
      commitLines: Number(values['commit-lines']),
      commitMs: Number(values['commit-ms']),
      p50Ms: Number(fmt(median(plain.map((x) => x.p50)))),
      p99Ms: Number(fmt(p99a)),
      maxMs: Number(fmt(median(plain.map((x) => x.max)))),
      withStalledClient: {
        p50Ms: Number(fmt(median(withSlow.map((x) => x.p50)))),
        p99Ms: Number(fmt(p99b)),
        maxMs: Number(fmt(median(withSlow.map((x) => x.max)))),
      },
      p99Change: `${(100 * (p99b / p99a - 1)).toFixed(1)} %`,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
