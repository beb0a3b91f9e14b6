import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import { attachEngines } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import type { ScoreEngine } from '../../src/engine/score/engine.ts';
import type { HunterOptions, WhaleHunter } from '../../src/engine/whales/hunter.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { RawMessage } from '../../src/recording/format.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { type App, buildServer, type ServerOptions } from '../../src/server/app.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';

/** A temporary directory removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small simulated recording (the simulator's scale of whales). */
export function simulate(path: string, opts: { wallets: number; hours: number; seed: number }): void {
  const w = new RecordingWriter(path);
  new Simulator(opts, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
}

/**
 * Every wallet counts as a whale (as `glass syndicates --all-wallets`): a small simulation then
 * has whale events, syndicates and tracked positions enough to check every endpoint.
 */
export const ALL_WHALES: Partial<HunterOptions> = { policy: { minAccountUsd: 0, minPositionUsd: 0 }, syndicates: { minNotionalUsd: 0 } };

/** The recording through ingest() into a fresh SQLite store: the engines as the file leaves them. */
export async function recordInto(
  dbPath: string,
  file: string,
): Promise<{ store: Store; heat: HeatmapEngine; score: ScoreEngine; pipeline: Pipeline }> {
  const store = await openStore(dbPath);
  const r = await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES });
  return { store, heat: r.heat, score: r.score, pipeline: r.pipeline };
}

export interface Played {
  readonly pipeline: Pipeline;
  readonly heat: HeatmapEngine;
  readonly score: ScoreEngine;
  readonly hunter: WhaleHunter;
  readonly events: GlassEvent[];
}

/** Plays the recording through the engines on their own, stopping after the last line with ts ≤ until. */
export async function play(file: string, until = Number.POSITIVE_INFINITY, whales: Partial<HunterOptions> = ALL_WHALES): Promise<Played> {
  const pipeline = new Pipeline();
  const events: GlassEvent[] = [];
  const e = attachEngines(pipeline, whales, (x) => events.push(x));
  outer: for await (const batch of readRecordingBatches(file)) {
    for (const item of batch) {
      if ((item as RawMessage).ts > until) break outer;
      pipeline.ingest(item);
    }
  }
  return { pipeline, heat: e.heat, score: e.score, hunter: e.hunter, events };
}

/** A server listening on a free loopback port. */
export async function listen(opts: Omit<ServerOptions, 'logLevel'> & { logLevel?: string }): Promise<{ app: App; url: string }> {
  const app = await buildServer({ logLevel: 'silent', ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { app, url: `http://127.0.0.1:${addr.port}` };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(url, { headers });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (metrics): the text itself.
  }
  return { status: r.status, body, headers: r.headers };
}

export async function postJson(
  url: string,
  data: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const r = await fetch(url, {
    method: 'POST',
    body: typeof data === 'string' ? data : JSON.stringify(data),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status: r.status, body, headers: r.headers };
}

/** The server's log lines, as written to its log stream. */
export function captureLog(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, sink };
}

/** A /v1/stream client for the tests: every message kept in order, a wait on a condition, its close. */
export interface StreamTestClient {
  readonly ws: WebSocket;
  readonly messages: Record<string, unknown>[];
  /** Ids of the events received, in order. */
  readonly ids: () => number[];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Its TCP socket: paused, nothing is read from the kernel. */
  readonly raw: { pause(): void; resume(): void };
  /** Resolves once `pred` holds (checked at each message, and every 200 ms); throws after `timeoutMs` naming `what`. */
  until(pred: (m: Record<string, unknown>[]) => boolean, what: string): Promise<void>;
}

/** Connects to `wsUrl` (ws://…/v1/stream?…); resolves once open. */
export function streamClient(wsUrl: string, timeoutMs = 60_000): Promise<StreamTestClient> {
  const ws = new WebSocket(wsUrl);
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((res) =>
    ws.on('close', (code, reason) => res({ code, reason: String(reason) })),
  );
  const c: StreamTestClient = {
    ws,
    messages,
    ids: () => messages.filter((m) => m['kind'] === 'event').map((m) => m['id'] as number),
    closed,
    get raw() {
      return (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    },
    async until(pred, what) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(messages)) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(messages.at(-1))?.slice(0, 200)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
  return new Promise((res, rej) => {
    ws.once('open', () => res(c));
    ws.once('error', rej);
  });
}
