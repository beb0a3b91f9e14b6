/**
 * The harness the stream benches share (stream.bench.ts, latency.bench.ts): the server runs in a
 * child process (its own event loop, as in production) that says `url U`, starts its replay on
 * `go`, says `done <last event id> <ms> …` when it is done and ends on `stop`; the parent opens the
 * clients, waits for them to read every event and stops the child.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { WebSocket } from 'ws';
import { RecordingWriter } from '../src/recording/writer.ts';
import type { Served } from '../src/server/serve-engines.ts';
import { Simulator } from '../src/sim/simulator.ts';

/** High-resolution wall clock (ms), comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

/** A simulated recording written to `file`. */
export function writeSimRecording(file: string, o: { wallets: number; hours: number; seed: number }): void {
  const w = new RecordingWriter(file);
  new Simulator(o, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
}

/** The q-quantile of sorted samples (the sample at its rank, as the benches report it). */
export function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/**
 * The child's side, once `served` is up: says its url, then on each `go` calls `go` (which lets
 * the replay start) and says `done <last event id> <ms of the replay>` and what `more` adds; ends
 * on `stop`, closing the server.
 */
export async function childProtocol(
  served: Served,
  go: () => void,
  more: (r: Awaited<Served['done']>) => string = () => '',
): Promise<void> {
  process.stdout.write(`url ${served.url}\n`);
  const lines = createInterface({ input: process.stdin });
  for await (const l of lines) {
    if (l === 'go') {
      const t0 = now();
      go();
      const r = await served.done;
      process.stdout.write(`done ${served.hub.lastId} ${(now() - t0).toFixed(0)}${more(r)}\n`);
    }
    if (l === 'stop') break;
  }
  await served.close();
  process.stdin.destroy();
}

/** The parent's side of one child: its process and the first line it says that starts with a prefix. */
export interface ServerChild {
  readonly child: ChildProcess;
  line(prefix: string): Promise<string>;
}

/** Runs `script --child …args` with its stdin and stdout piped to this process. */
export function spawnServerChild(script: string, args: readonly string[]): ServerChild {
  const child = spawn(process.execPath, [script, '--child', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  out.on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  const line = async (prefix: string): Promise<string> => {
    for (;;) {
      const l = lines.find((x) => x.startsWith(prefix));
      if (l !== undefined) return l;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { child, line };
}

/**
 * Says `go`, waits for the child's `done` and then for every client to have read the last event
 * (`last[i]`: the id client i read last), at most `timeoutSec`; then closes the clients and stops
 * the child. Returns the last event id and the `done` line's other words (the replay's ms first).
 */
export async function replayAndStop(
  sc: ServerChild,
  sockets: readonly WebSocket[],
  last: Int32Array,
  run: number,
  timeoutSec: number,
): Promise<{ total: number; done: string[] }> {
  sc.child.stdin?.write('go\n');
  const [, lastId, ...done] = (await sc.line('done ')).split(' ');
  const total = Number(lastId);
  const deadline = Date.now() + timeoutSec * 1000;
  while (last.some((x) => x < total)) {
    if (Date.now() > deadline)
      throw new Error(`run ${run}: clients still behind after --timeout (${last.filter((x) => x < total).length} of ${last.length})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const ws of sockets) ws.terminate();
  sc.child.stdin?.write('stop\n');
  await new Promise((r) => sc.child.on('exit', r));
  return { total, done };
}
