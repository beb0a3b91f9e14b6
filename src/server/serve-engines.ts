import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { type LedgerView, ledgerView, ServingAlerts } from '../alerts/index.ts';
import { type CommandSpec, flag, intOption, numOption, type Parsed, strOption, UsageError } from '../cli/args.ts';
import { SIM_WHALES } from '../cli/engines.ts';
import { fmtInt, note } from '../cli/output.ts';
import type { AccuracyLedger } from '../engine/ledger/ledger.ts';
import type { HunterOptions } from '../engine/whales/hunter.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { InputError } from '../recording/errors.ts';
import type { RawMessage } from '../recording/format.ts';
import type { ReadItem } from '../recording/reader.ts';
import { parseSpeed, replay } from '../recording/replay.ts';
import { DEFAULT_SIM } from '../sim/config.ts';
import { Simulator } from '../sim/simulator.ts';
import { type IngestResult, ingest } from '../store/ingest.ts';
import { describeSpec, openStore, storeSpec } from '../store/open.ts';
import { type Outbox, openOutbox } from '../store/outbox.ts';
import type { RecorderOptions } from '../store/recorder.ts';
import { retentionFrom } from '../store/retention.ts';
import type { IngestCursor, RetentionPolicy, Store, WriteBatch } from '../store/types.ts';
import { RefreshScheduler } from '../venues/hyperliquid/live/refresh.ts';
import type { LiveSource } from '../venues/hyperliquid/live/source.ts';
import { type App, buildServer, DEFAULT_BODY_LIMIT, dashboardBuilt } from './app.ts';
import { EngineView, type LiveEngines } from './engine-view.ts';
import { ServiceMetrics } from './metrics.ts';
import { StoreView } from './store-view.ts';
import { StreamHub, type StreamOptions, viewSource } from './stream.ts';
import { tapStore } from './tapped-store.ts';
import type { GlassView } from './view.ts';

/** The options every serving command takes (demo, live, replay with --serve; serve). */
export const SERVE_OPTIONS = {
  host: { type: 'string' },
  open: { type: 'boolean' },
  'no-open': { type: 'boolean' },
  cors: { type: 'string' },
  'log-level': { type: 'string' },
  'body-limit': { type: 'string' },
} as const satisfies CommandSpec['options'];

export const SERVE_HELP: readonly string[] = [
  '--port P        serve /v1 on port P (default 8080; 0: any free port)',
  '--host H        bind address (default 127.0.0.1)',
  '--open          no API key needed (read-only); the default only on 127.0.0.1 / localhost (elsewhere it warns)',
  '--no-open       API keys required even on 127.0.0.1 (glass keys create)',
  '--cors A,B      origins allowed by CORS (* for any; default none)',
  '--log-level L   fatal|error|warn|info|debug|trace|silent (JSON lines on stderr, after the serving line)',
  `--body-limit N  largest request body in bytes (default ${DEFAULT_BODY_LIMIT}); larger → 413`,
];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface ApiSettings {
  readonly port: number;
  readonly host: string;
  readonly open: boolean;
  readonly cors: readonly string[];
  readonly logLevel: string;
  readonly bodyLimit: number;
}

/** The serving options of a parsed command line, checked (a usage error names the option). */
export function apiSettings(p: Parsed, defaults: { logLevel: string }): ApiSettings {
  const host = strOption(p, 'host') ?? '127.0.0.1';
  if (flag(p, 'open') && flag(p, 'no-open')) throw new UsageError('--open and --no-open: one or the other');
  const logLevel = strOption(p, 'log-level') ?? defaults.logLevel;
  if (!LEVELS.has(logLevel)) throw new UsageError(`--log-level takes one of ${[...LEVELS].join(', ')}, got ${logLevel}`);
  const cors = (strOption(p, 'cors') ?? '').split(',').filter((o) => o.length > 0);
  for (const o of cors)
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o))
      throw new UsageError(`--cors takes origins such as http://localhost:3000 or *, got ${o}`);
  return {
    port: intOption(p, 'port', 8080, 0, 65535),
    host,
    open: flag(p, 'open') || (!flag(p, 'no-open') && LOOPBACK.has(host)),
    cors,
    logLevel,
    bodyLimit: intOption(p, 'body-limit', DEFAULT_BODY_LIMIT, 1024, 64 << 20),
  };
}

/** Builds the API and listens; the URL it serves. A port in use is one clear line. */
export async function startApi(
  s: ApiSettings,
  parts: { view: GlassView; store: Store; hub: StreamHub; metrics: ServiceMetrics },
  db?: string,
): Promise<{ app: App; url: string; port: number; alerts: Outbox | undefined }> {
  // /v1/alerts keeps its rules in the store's alert tables; an in-memory store has none to share.
  const alerts = storeSpec(db) === ':memory:' ? undefined : await openOutbox(db);
  // Structured logs go to stderr: stdout stays for what a command prints, and the first line a
  // person sees is the command's own serving line (fastify's JSON "Server listening" is held back).
  const app = await buildServer({
    ...parts,
    alerts,
    open: s.open,
    cors: s.cors,
    logLevel: s.logLevel,
    bodyLimit: s.bodyLimit,
    logStream: process.stderr,
  });
  if (alerts !== undefined) app.addHook('onClose', () => alerts.close());
  const level = app.log.level;
  const chatty = level === 'info' || level === 'debug' || level === 'trace';
  if (chatty) app.log.level = 'warn';
  try {
    await app.listen({ port: s.port, host: s.host });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`port ${s.port} is in use; pick another with --port`, { cause: e });
    if (code === 'EACCES') throw new InputError(`port ${s.port} needs privileges here; pick another with --port`, { cause: e });
    throw new InputError(`cannot serve on ${s.host}:${s.port}: ${code ?? (e as Error).message}`, { cause: e });
  } finally {
    if (chatty) app.log.level = level;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : s.port;
  // A URL one can open: on all interfaces (0.0.0.0, ::) that is this machine's loopback (exposureLines says the rest).
  const host = ALL_INTERFACES.has(s.host) ? '127.0.0.1' : s.host.includes(':') ? `[${s.host}]` : s.host;
  return { app, url: `http://${host}:${port}`, port, alerts };
}

/** Bind addresses that listen on every interface. */
const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']);

/** This machine's first non-loopback IPv4 address (null: none), for the URL others reach it at. */
function networkAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

/**
 * The lines after the serving line when the API is reachable beyond this machine: where (on all
 * interfaces, the address others use) and, when it is open (no key needed), a warning.
 */
export function exposureLines(cmd: string, s: ApiSettings, port: number): string[] {
  const out: string[] = [];
  if (ALL_INTERFACES.has(s.host)) {
    const lan = networkAddress();
    out.push(`  listening on all interfaces (${s.host})${lan === null ? '' : `: from the network http://${lan}:${port}/v1`}`);
  }
  if (s.open && !LOOPBACK.has(s.host)) {
    out.push(
      `glass ${cmd}: warning: --open on ${s.host}: anyone who can reach port ${port} reads the API without a key (without --open, keys are required: glass keys create)`,
    );
  }
  return out;
}

/** The first line a serving command prints: where the API is and how to get in. */
export function servingLine(cmd: string, url: string, s: ApiSettings): string {
  // The dashboard first: it is what a person opens; the API line is what a program reads.
  const page = dashboardBuilt() ? `dashboard ${url}/ · ` : '';
  return `glass ${cmd}: ${page}API on ${url}/v1 (${s.open ? 'open read-only, no key needed' : 'API key required: glass keys create'}; stream ${url.replace(/^http/, 'ws')}/v1/stream; spec ${url}/v1/openapi.json)`;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function stopSignal(): { readonly stopped: boolean; readonly promise: Promise<void> } {
  const state = { stopped: false, promise: Promise.resolve() };
  state.promise = new Promise<void>((res) => {
    const done = () => {
      state.stopped = true;
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      res();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  return state;
}

export interface Served {
  readonly app: App;
  readonly url: string;
  readonly pipeline: Pipeline;
  /** The engines ingest() runs (null until it has attached them). */
  engines(): LiveEngines | null;
  readonly hub: StreamHub;
  readonly store: Store;
  /** Resolves when the input is done (or stopped) and its last batch committed. */
  readonly done: Promise<IngestResult>;
  close(): Promise<void>;
}

export interface ServeIngestOptions {
  readonly cmd: string;
  /** The --db value (default: GLASS_DATABASE_URL, else ./glass.sqlite). */
  readonly db: string | undefined;
  readonly source: string;
  readonly items: AsyncIterable<readonly ReadItem[]>;
  readonly settings: ApiSettings;
  readonly whales?: Partial<HunterOptions>;
  /** Ingest commits at least this often (ms) … */
  readonly commitMs?: number;
  /** … or after this many lines (events reach the stream as they are detected, ahead of the commit). */
  readonly commitLines?: number;
  /** Stream options (tests and the bench shrink them). */
  readonly stream?: Partial<StreamOptions>;
  /** The recorder's options (the bench gives it a high-resolution clock). */
  readonly recorder?: Partial<RecorderOptions>;
  readonly quiet?: boolean;
  /** Receive times are wall-clock (live): the ingest lag means something. */
  readonly wallClock?: boolean;
  /** Rows older than this are pruned as ingest goes (--retention / GLASS_RETENTION). */
  readonly retention?: RetentionPolicy;
  /** True once the input was stopped (Ctrl-C) rather than ended: the cursor stays incomplete, a restart resumes. */
  readonly stopped?: () => boolean;
  /** Told the source's stored cursor and the log's last id before anything is served or read; a throw refuses the run. */
  readonly prepare?: (store: Store, cursor: IngestCursor | null, lastEventId: number) => Promise<void>;
}

/**
 * The shared wiring of `--serve`: the engines run through ingest() into the store (one
 * transaction per batch, with the cursor), each event goes to the stream as it is detected (by
 * tier, ahead of its commit: stream.ts), and the API answers "now" from the engines and `at=` from
 * the store. Listening starts before the first line.
 */
export async function serveIngest(o: ServeIngestOptions): Promise<Served> {
  const store = await openStore(o.db);
  const metrics = new ServiceMetrics();
  const storeView = new StoreView(store);
  const hub = new StreamHub(viewSource(storeView), o.stream ?? {}, metrics);
  const tapped = tapStore(store, hub, metrics, o.wallClock === true);
  // The stream continues the stored log. A resumed source replays its committed lines to rebuild
  // the engines: their events (ids at or below the stored ones) are not published again. A new
  // source after a store that holds events starts its ids past the ones a crashed run may have
  // published ahead of its commit (at most hub.ahead), so no id a client holds is ever reused.
  const [resumable, lastStored] = await Promise.all([store.cursor(o.source), store.lastEventId()])
    .then(async (r) => {
      await o.prepare?.(store, r[0], r[1]);
      return r;
    })
    .catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
  hub.start(lastStored);
  const firstEventId = o.recorder?.firstEventId ?? (resumable === null && lastStored > 0 ? lastStored + 1 + hub.ahead : undefined);
  const pipeline = new Pipeline();
  // Between the engines' steps, the stream publishes what has waited its tier's delay (a long backlog stretch).
  pipeline.market.subscribe(() => hub.tick());
  // The engines ingest() attaches, told by its onEngines before the first line.
  let live: LiveEngines | null = null;
  const view = new EngineView(
    () => live,
    storeView,
    () => {
      const t = tapped.lastReceived();
      return o.wallClock === true && t === t ? Date.now() - t : null;
    },
  );
  const { app, url, port, alerts } = await startApi(o.settings, { view, store, hub, metrics }, o.db).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  if (o.quiet !== true) {
    note(servingLine(o.cmd, url, o.settings));
    note(`  store ${describeSpec(storeSpec(o.db))}`);
  }
  for (const line of exposureLines(o.cmd, o.settings, port)) note(line);
  // Heatmap deltas for the coins clients asked for, once a second.
  const deltas = setInterval(() => {
    for (const coin of hub.heatmapCoins()) {
      view
        .heatmap(coin, {})
        .then((m) => {
          if (m !== null) hub.publishHeatmap(m);
        })
        .catch((e: unknown) => app.log.warn({ err: e }, 'heatmap delta failed'));
    }
  }, 1000);
  deltas.unref();
  // Alerts of the rules stored through /v1/alerts: enqueued before their batch commits, delivered in-process.
  const alerting = alerts === undefined ? null : servingAlerts(alerts, app, () => live?.ledger ?? null, o.wallClock === true);
  await alerting?.start();
  const done = ingest(alerting === null ? tapped.store : alertingStore(tapped.store, alerting), o.items, o.source, {
    pipeline,
    whales: o.whales ?? {},
    everyMs: o.commitMs ?? 250,
    ...(o.commitLines === undefined ? {} : { everyLines: o.commitLines }),
    // Every event to the stream as the recorder makes it (its id and payload text), before the commit.
    recorder: {
      ...o.recorder,
      ...(firstEventId === undefined ? {} : { firstEventId }),
      onRecord: (r, e) => hub.detected(r, e.priority),
    },
    ...(o.retention === undefined ? {} : { retention: o.retention }),
    ...(o.stopped === undefined ? {} : { stopped: o.stopped }),
    onEngines: (e) => {
      live = { book: pipeline.book, heat: e.heat, score: e.score, policy: e.hunter.policy, ledger: e.ledger };
    },
    onResume: (c) => note(`  resuming ${o.source} after line ${c.position} (${c.nextEventId - (c.firstEventId ?? 1)} events kept)`),
  });
  let closed = false;
  return {
    app,
    url,
    pipeline,
    engines: () => live,
    hub,
    store,
    done,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(deltas);
      await done.catch(() => {});
      await alerting?.stop();
      await app.close();
      await store.close();
    },
  };
}

/** The serving process's alerts: the engines' ledger as the rules' view, failures in the server's log. */
function servingAlerts(outbox: Outbox, app: App, ledger: () => AccuracyLedger | null, wallClock: boolean): ServingAlerts {
  let view: { of: AccuracyLedger; view: LedgerView } | null = null;
  return new ServingAlerts(outbox, {
    wallClock,
    ledger: () => {
      const l = ledger();
      if (l === null) return null;
      if (view?.of !== l) view = { of: l, view: ledgerView(l) };
      return view.view;
    },
    onResult: (r) => {
      if (r.state !== 'delivered') app.log.warn({ key: r.row.key, state: r.state, detail: r.detail }, 'alert not delivered');
    },
    warn: (message, err) => app.log.warn({ err }, message),
  });
}

/** The store, its writes preceded by their events' alerts going into the outbox (in batch order). */
function alertingStore(inner: Store, alerting: ServingAlerts): Store {
  const write = async (batch: WriteBatch): Promise<void> => {
    await alerting.enqueue(batch.events);
    return inner.write(batch);
  };
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'write') return write;
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Yields the items until `stop` says so. */
async function* until(items: AsyncIterable<readonly ReadItem[]>, stop: { readonly stopped: boolean }): AsyncGenerator<readonly ReadItem[]> {
  for await (const b of items) {
    if (stop.stopped) return;
    yield b;
  }
}

/** Simulated days a serving demo runs when --hours is not given (then it serves what it has). */
export const SERVING_DEMO_HOURS = 30 * 24;

/**
 * The simulator as recording items, paced to `speed` simulated seconds per wall second (0: flat
 * out). Lines up to `resume.after` (a stored run of the same demo) come flat out: ingest replays
 * them with their output discarded, and the pace starts where that run stopped.
 */
async function* simItems(
  config: { seed: number; wallets: number; hours: number },
  speed: number,
  stop: { readonly stopped: boolean },
  resume: { readonly after: number } = { after: 0 },
): AsyncGenerator<RawMessage[]> {
  let line = 0;
  let buf: RawMessage[] = [];
  const sim = new Simulator(config, (ts, msg) => buf.push({ line: ++line, ts, venue: 'hyperliquid', msg }));
  sim.begin();
  const step = speed > 0 ? Math.max(1, Math.round(speed / 10)) : 300;
  let next = performance.now();
  for (;;) {
    const catchingUp = line < resume.after;
    const more = sim.advance(catchingUp ? 300 : step);
    if (buf.length > 0) {
      yield buf;
      buf = [];
    }
    if (!more || stop.stopped) return;
    if (catchingUp) next = performance.now();
    if (speed > 0 && line >= resume.after) {
      // Paced on a schedule, so the work between steps does not slow simulated time down.
      next += (1000 * step) / speed;
      const wait = next - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    } else await new Promise((r) => setImmediate(r));
  }
}

/** `glass demo --serve` / `--port P`: the simulator at a watchable pace into the store, served until stopped. */
export async function serveDemo(p: Parsed, config: { seed: number; wallets: number; hours: number }): Promise<number> {
  const settings = apiSettings(p, { logLevel: 'warn' });
  const speed = numOption(p, 'speed', 60, 0, 1e9);
  const hours = p.values['hours'] === undefined ? SERVING_DEMO_HOURS : config.hours;
  const stop = stopSignal();
  const db = strOption(p, 'db') ?? ':memory:';
  const resume = { after: 0 };
  // One source per simulation: the same demo on the same store resumes it where it stopped (the
  // simulator is seeded: it fast-forwards through the stored lines); any other is refused when the
  // store already holds later venue time (see demoCheck).
  const served = await serveIngest({
    cmd: 'demo',
    db,
    source: `demo:seed=${config.seed}:wallets=${config.wallets}:hours=${hours}`,
    items: simItems({ ...config, hours }, speed, stop, resume),
    settings,
    retention: retentionFrom(strOption(p, 'retention')),
    whales: SIM_WHALES,
    stopped: () => stop.stopped,
    prepare: async (store, cursor, last) => {
      await demoCheck(store, cursor, last, db, { ...config, hours });
      resume.after = cursor?.position ?? 0;
      if (cursor !== null)
        note(
          `glass demo: resuming the demo in ${describeSpec(db)} at ${new Date(cursor.ts).toISOString().slice(0, 19)}Z ` +
            `(line ${fmtInt(cursor.position)}); fast-forwarding to it first`,
        );
    },
  });
  note(
    `glass demo: ${fmtInt(config.wallets)} simulated wallets, seed ${config.seed}, ${speed > 0 ? `${speed}× real time` : 'flat out'}; Ctrl-C stops`,
  );
  const progress = setInterval(() => {
    if (flag(p, 'quiet')) return;
    const s = served.pipeline.summary();
    note(
      `  ${fmtInt(s.messages)} messages  ${fmtInt(s.fills)} fills  ${fmtInt(s.openPositions)} open positions  ` +
        `${fmtInt(served.hub.lastId)} events  ${served.hub.size} stream clients`,
    );
  }, 10_000);
  progress.unref();
  const r = await served.done;
  if (!stop.stopped) {
    note(`glass demo: the simulated span is over (${fmtInt(r.written)} events); serving until stopped`);
    await stop.promise;
  }
  clearInterval(progress);
  await served.close();
  note(`glass demo: stopped after ${fmtInt(served.hub.lastId)} events`);
  return 0;
}

/**
 * A serving demo goes into a store only where it keeps venue time going forward: a store holding
 * this very demo, stopped before its end (resumed), or one whose newest time is before the
 * simulation's start (empty, or an older recording). Anything else is refused in one line that
 * names the way out.
 */
async function demoCheck(
  store: Store,
  cursor: IngestCursor | null,
  last: number,
  db: string,
  config: { seed: number; wallets: number; hours: number },
): Promise<void> {
  const where = describeSpec(db);
  const same = `--seed ${config.seed} --wallets ${config.wallets} --hours ${config.hours}`;
  if (cursor?.complete === true)
    throw new UsageError(`${where} holds this demo (${same}) run to its end: glass serve --db ${where} serves it; or give another --db`);
  if (cursor !== null && last >= cursor.nextEventId)
    throw new UsageError(
      `${where}: another source wrote events after this demo (${same}) stopped, so it cannot resume there; give another --db`,
    );
  if (cursor !== null) return;
  let newest = Number.NEGATIVE_INFINITY;
  if (last > 0) for (const e of await store.events({ afterId: last - 1, limit: 1 })) newest = Math.max(newest, e.time);
  for (const c of await store.coins()) newest = Math.max(newest, (await store.heatmap(c))?.time ?? newest);
  if (newest >= DEFAULT_SIM.start)
    throw new UsageError(
      `${where} already holds venue time up to ${new Date(newest).toISOString().slice(0, 16)}Z from another run; this demo would start again at ` +
        `${new Date(DEFAULT_SIM.start).toISOString().slice(0, 16)}Z. Run the demo it holds with the same --seed, --wallets and --hours to resume it, or give another --db`,
    );
}

/** `glass replay F --serve`: the recording into the store (resuming a killed run), served until stopped. */
export async function serveReplay(p: Parsed, file: string): Promise<number> {
  const settings = apiSettings(p, { logLevel: 'warn' });
  const speed = parseSpeed(strOption(p, 'speed') ?? 'max');
  if (speed === null) throw new UsageError('--speed takes max or a positive multiple such as 10x');
  const stop = stopSignal();
  const served = await serveIngest({
    cmd: 'replay',
    db: strOption(p, 'db'),
    source: resolve(file),
    items: until(replay(file, speed), stop),
    settings,
    retention: retentionFrom(strOption(p, 'retention')),
    stopped: () => stop.stopped,
  });
  const r = await served.done.catch(async (e: unknown) => {
    await served.close();
    throw e;
  });
  if (r.interrupted)
    note(`${file}: stopped after line ${fmtInt(r.line)} (${fmtInt(r.events)} events in the store); run it again to resume`);
  else if (r.resumed?.complete === true) note(`${file}: already in the store (${fmtInt(r.events)} events); serving it`);
  else if (r.resumed !== null)
    note(
      `${file}: resumed after line ${fmtInt(r.resumed.position)}, ${fmtInt(r.events)} events in the store (${fmtInt(r.written)} new); serving until stopped`,
    );
  else note(`${file}: ${fmtInt(r.written)} events written; serving until stopped`);
  if (!stop.stopped) await stop.promise;
  await served.close();
  return 0;
}

/** Messages pushed by a callback source, taken as batches by ingest(). */
class ItemQueue implements AsyncIterable<RawMessage[]> {
  private buf: RawMessage[] = [];
  private wake: (() => void) | null = null;
  private done = false;

  push(m: RawMessage): void {
    this.buf.push(m);
    this.wake?.();
    this.wake = null;
  }

  close(): void {
    this.done = true;
    this.wake?.();
    this.wake = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RawMessage[]> {
    for (;;) {
      if (this.buf.length > 0) {
        const b = this.buf;
        this.buf = [];
        yield b;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
  }
}

/** `glass live`'s source runner (src/cli/commands/live.ts): runs until the duration or an interrupt. */
export type RunSource = (
  p: Parsed,
  sink: (ts: number, msg: unknown) => void,
  picker: (n: number) => readonly string[],
  backfill?: () => readonly string[],
  users?: readonly string[],
) => Promise<LiveSource>;

/** `glass live --serve`: the venue's stream through the engines into the store, served while it runs. */
export async function serveLive(p: Parsed, runSource: RunSource): Promise<number> {
  for (const o of ['record', 'track', 'node-fills']) {
    if (p.values[o] !== undefined)
      throw new UsageError(`--serve does not take --${o} yet (run glass live --${o} and glass serve side by side)`);
  }
  const settings = apiSettings(p, { logLevel: 'warn' });
  const queue = new ItemQueue();
  const served = await serveIngest({
    cmd: 'live',
    db: strOption(p, 'db'),
    source: `live:hyperliquid:${new Date().toISOString()}`,
    items: queue,
    settings,
    retention: retentionFrom(strOption(p, 'retention')),
    wallClock: true,
  });
  const book = served.pipeline.book;
  // The REST budget goes where `glass live` spends it, read from the running engines.
  const scheduler = new RefreshScheduler({
    book,
    score: (w) => served.engines()?.score.scoreNow(w) ?? null,
    zoneDistance: (slot) => {
      const heat = served.engines()?.heat;
      if (heat === undefined) return Number.NaN;
      const liq = heat.liqOf(slot);
      let best = Number.NaN;
      for (const z of heat.zones(book.coins.name(book.coinOf(slot)))) {
        const d = Math.abs(liq - z.peakPx) / liq;
        if (!(d >= best)) best = d;
      }
      return best;
    },
    seeds: [],
    minAgeMs: 60_000,
  });
  let line = 0;
  try {
    await runSource(
      p,
      (ts, msg) => queue.push({ line: ++line, ts, venue: 'hyperliquid', msg }),
      (n) => scheduler.pick(n, Date.now()),
      () => scheduler.ranked(10, Number.POSITIVE_INFINITY),
    );
  } finally {
    queue.close();
    await served.close();
  }
  note(`glass live: ${fmtInt(line)} messages, ${fmtInt(served.hub.lastId)} events in the store`);
  return 0;
}
