import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { toWallet, type Wallet } from '../../domain/ids.ts';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { RecordError } from '../../recording/errors.ts';
import { RecordingWriter } from '../../recording/writer.ts';
import { SERVE_HELP, SERVE_OPTIONS, serveLive } from '../../server/serve-engines.ts';
import { NodeFillsTail } from '../../venues/hyperliquid/live/node-tail.ts';
import { RefreshScheduler } from '../../venues/hyperliquid/live/refresh.ts';
import { VenueUnreachable } from '../../venues/hyperliquid/live/rest.ts';
import { LiveSource, MAINNET } from '../../venues/hyperliquid/live/source.ts';
import { type CommandSpec, flag, numOption, type Parsed, parseCommand, strOption, UsageError } from '../args.ts';
import { attachEngines, describe } from '../engines.ts';
import { fmtInt, note, out, printJson } from '../output.ts';
import { runSummary, summaryText } from '../summary.ts';

const OPTIONS = {
  ws: { type: 'string' },
  info: { type: 'string' },
  coins: { type: 'string' },
  duration: { type: 'string' },
  venue: { type: 'string' },
} as const;

const HELP = [
  `--ws URL       the venue WebSocket (default ${MAINNET.ws}; testnet or a local server work the same)`,
  `--info URL     the venue REST base, /info is appended (default ${MAINNET.info})`,
  '--coins A,B    follow these perps only (default: every listed perp from meta)',
  '--duration S   stop after S seconds (default: run until interrupted)',
];

export const liveSpec: CommandSpec = {
  name: 'live',
  summary: 'The venue’s live stream through the pipeline and every engine (the same path as replay); --record keeps the raw messages.',
  usage: '[--venue hyperliquid] [--ws URL] [--info URL] [--coins A,B] [--duration S] [--record F] [--json]',
  options: {
    ...OPTIONS,
    record: { type: 'string' },
    json: { type: 'boolean' },
    track: { type: 'string' },
    'node-fills': { type: 'string' },
    serve: { type: 'boolean' },
    port: { type: 'string' },
    db: { type: 'string' },
    retention: { type: 'string' },
    ...SERVE_OPTIONS,
  },
  help: [
    ...HELP,
    '--serve        record the engines into the store (--db, default ./glass.sqlite) and serve the /v1 API and stream while live',
    '--retention R  prune the store as it is written: events=30d,heatmaps=7d,positions=7d,scores=90d (default GLASS_RETENTION, else keep all)',
    ...SERVE_HELP,
    '--record F     also write every raw message to F (the recording format; .gz compresses)',
    '--track FILE   wallets (one address per line) whose accounts are always refreshed first; the first 10 also on their own userFills channel',
    "--node-fills D also follow a non-validator node's node_fills_by_block directory D (every fill of the venue)",
    '--json         the final summary as JSON',
  ],
  positionals: { min: 0, max: 0 },
};

export const recordSpec: CommandSpec = {
  name: 'record',
  summary: 'Records the venue’s live messages in the recording format (replay them with glass replay).',
  usage: '--out F [--ws URL] [--info URL] [--coins A,B] [--duration S]',
  options: { ...OPTIONS, out: { type: 'string' } },
  help: ['--out F        the recording to write (.gz compresses)', ...HELP],
  positionals: { min: 0, max: 0 },
};

/** An operator's seed list: one address per line, # comments; a bad line is a usage error naming it. */
function seedList(file: string | undefined): Wallet[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--track ${file}: ${(e as Error).message}`);
  }
  return text.split('\n').flatMap((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line.length === 0) return [];
    const w = toWallet(line);
    if (w === null) throw new UsageError(`--track ${file}: line ${i + 1}: not a wallet address: ${line}`);
    return [w];
  });
}

/** Wallets whose fills are fetched over a gap: each costs one userFillsByTime (weight 20 + items/20). */
const BACKFILL_WALLETS = 10;

/** Runs the source until the duration elapses or the process is interrupted. */
async function runSource(
  p: Parsed,
  sink: (ts: number, msg: unknown) => void,
  picker: (n: number) => readonly string[],
  backfill: () => readonly string[] = () => [],
  users: readonly string[] = [],
): Promise<LiveSource> {
  const venue = strOption(p, 'venue') ?? 'hyperliquid';
  if (venue !== 'hyperliquid') throw new UsageError(`--venue: only hyperliquid, not ${venue}`);
  const coins = strOption(p, 'coins')
    ?.split(',')
    .filter((c) => c.length > 0);
  const source = new LiveSource(
    {
      wsUrl: strOption(p, 'ws') ?? MAINNET.ws,
      infoUrl: strOption(p, 'info') ?? MAINNET.info,
      users,
      ...(coins === undefined ? {} : { coins }),
    },
    sink,
    picker,
    (line) => note(line),
    backfill,
  );
  // --duration counts from the start, connecting included: a venue that never answers is given
  // up at the end of it (each retry said on stderr meanwhile), not after the client's own retries.
  const seconds = p.values['duration'] === undefined ? Number.POSITIVE_INFINITY : numOption(p, 'duration', 0, 0.1, 1e9);
  let stop = () => {};
  const stopped = new Promise<void>((done) => {
    stop = done;
  });
  const timer = Number.isFinite(seconds) ? setTimeout(stop, seconds * 1000) : null;
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const span = Number.isFinite(seconds) ? `within --duration ${seconds} s` : 'before the interrupt';
  try {
    void stopped.then(() => source.stop());
    try {
      await source.start();
    } catch (e) {
      if (e instanceof VenueUnreachable && e.aborted)
        throw new VenueUnreachable(e.endpoint, e.reason, e.attempts, true, `no answer ${span}`);
      throw e;
    }
    await stopped;
  } finally {
    source.stop();
    if (timer !== null) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  const ws = source.socket;
  if (ws !== null && ws.connects === 0 && ws.failedAttempts > 0) {
    throw new VenueUnreachable(strOption(p, 'ws') ?? MAINNET.ws, 'could not connect', ws.failedAttempts, true, `never connected ${span}`);
  }
  return source;
}

/**
 * The recording is opened at its first message: a venue that never answers leaves no empty file
 * (and an existing file is not truncated for nothing). Whether it can be written is checked at once.
 */
class LazyRecording {
  private readonly path: string;
  private writer: RecordingWriter | null = null;

  constructor(path: string) {
    this.path = path;
    try {
      accessSync(dirname(resolve(path)), constants.W_OK);
    } catch (e) {
      throw new UsageError(`${path}: cannot write there (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }

  get lines(): number {
    return this.writer?.lines ?? 0;
  }

  write(ts: number, msg: unknown): void {
    this.writer ??= new RecordingWriter(this.path);
    this.writer.write(ts, 'hyperliquid', msg);
  }

  close(): void {
    this.writer?.close();
  }
}

export async function liveCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(liveSpec, argv);
  if (p === null) return 0;
  if (flag(p, 'serve')) return serveLive(p, runSource);
  const pipeline = new Pipeline({ onReject: (r) => note(`rejected: ${r.message}`) });
  const engines = attachEngines(pipeline);
  const file = strOption(p, 'record');
  const writer = file === undefined ? null : new LazyRecording(file);
  let line = 0;
  const b = pipeline.book;
  const seeds = seedList(strOption(p, 'track'));
  const scheduler = new RefreshScheduler({
    book: b,
    score: (w) => engines.score.scoreNow(w),
    zoneDistance: (s) => {
      const liq = engines.heat.liqOf(s);
      let best = Number.NaN;
      for (const z of engines.heat.zones(b.coins.name(b.coinOf(s)))) {
        const d = Math.abs(liq - z.peakPx) / liq;
        if (!(d >= best)) best = d;
      }
      return best;
    },
    seeds,
    minAgeMs: 60_000,
  });
  const picker = (n: number) => scheduler.pick(n, Date.now());
  const onMessage = (ts: number, msg: unknown) => {
    writer?.write(ts, msg);
    pipeline.ingest({ line: ++line, ts, venue: 'hyperliquid', msg });
    if (!flag(p, 'json')) for (const e of engines.recent.take()) note(describe(e));
  };
  const nodeDir = strOption(p, 'node-fills');
  const tail =
    nodeDir === undefined
      ? null
      : new NodeFillsTail(nodeDir, (item) => {
          if (item instanceof RecordError) note(`${nodeDir}: line ${item.line}: ${item.reason}`);
          else onMessage(item.ts, item.msg);
        });
  tail?.start();
  // Said once the tail holds its place, so whoever appends next knows it will be read.
  if (nodeDir !== undefined) note(`live: following node fills under ${nodeDir}`);
  // After a disconnect, the most important wallets' own fills over the gap (ranked, ignoring the refresh age).
  const backfill = () => scheduler.ranked(BACKFILL_WALLETS, Number.POSITIVE_INFINITY);
  // The first ten seeds also get their own userFills channel (the venue's per-user limit).
  let source: LiveSource;
  try {
    source = await runSource(p, onMessage, picker, backfill, seeds);
  } finally {
    tail?.stop();
    writer?.close();
  }
  // The same summary `glass replay F` prints for the recording, in text as in JSON.
  const s = runSummary(file, pipeline.summary());
  if (flag(p, 'json')) await printJson(s);
  else {
    await out.line(summaryText(file ?? 'live', s));
    note(
      `live: ${source.socket?.connects ?? 0} connections, ${source.socket?.malformed ?? 0} malformed frames, ${source.rest.requests} REST requests`,
    );
  }
  return 0;
}

export async function recordCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(recordSpec, argv);
  if (p === null) return 0;
  const file = strOption(p, 'out');
  if (file === undefined) throw new UsageError('needs --out F');
  const writer = new LazyRecording(file);
  let source: LiveSource;
  try {
    source = await runSource(
      p,
      (ts, msg) => writer.write(ts, msg),
      () => [],
    );
  } finally {
    writer.close();
  }
  note(`recorded ${fmtInt(writer.lines)} messages to ${file} (${source.socket?.connects ?? 0} connections)`);
  return 0;
}
