import { readFileSync } from 'node:fs';
import { StrictModeError } from '../pipeline/pipeline.ts';
import { InputError, RecordError } from '../recording/errors.ts';
import { StoreSpecError } from '../store/errors.ts';
import { DecodeError } from '../venues/decode.ts';
import { VenueHttpError, VenueUnreachable } from '../venues/hyperliquid/live/rest.ts';
import { LiveLimitError } from '../venues/hyperliquid/live/source.ts';
import type { CommandSpec } from './args.ts';
import { UsageError } from './args.ts';
import { alertsCommand, alertsSpec } from './commands/alerts.ts';
import { apiCommand, apiSpec } from './commands/api.ts';
import { backtestCommand, backtestSpec } from './commands/backtest.ts';
import { benchCommand, benchSpec } from './commands/bench.ts';
import { clusterCommand, clusterSpec } from './commands/cluster.ts';
import { demoCommand, demoSpec } from './commands/demo.ts';
import { entitiesCommand, entitiesSpec } from './commands/entities.ts';
import { eventsCommand, eventsSpec } from './commands/events.ts';
import { heatmapCommand, heatmapSpec } from './commands/heatmap.ts';
import { importCommand, importSpec } from './commands/import.ts';
import { ingestCommand, ingestSpec } from './commands/ingest.ts';
import { keysCommand, keysSpec } from './commands/keys.ts';
import { ledgerCommand, ledgerSpec } from './commands/ledger.ts';
import { liqpxCommand, liqpxSpec } from './commands/liqpx.ts';
import { liveCommand, liveSpec, recordCommand, recordSpec } from './commands/live.ts';
import { positionsCommand, positionsSpec } from './commands/positions.ts';
import { replayCommand, replaySpec } from './commands/replay.ts';
import { riskCommand, riskSpec } from './commands/risk.ts';
import { scoreCommand, scoreSpec } from './commands/score.ts';
import { serveCommand, serveSpec } from './commands/serve.ts';
import { simCommand, simSpec } from './commands/sim.ts';
import { syndicatesCommand, syndicatesSpec } from './commands/syndicates.ts';
import { workerCommand, workerSpec } from './commands/worker.ts';
import { note, out, PipeClosed } from './output.ts';
import { normalizeCaseOptions } from './validate.ts';

interface Command {
  readonly spec: CommandSpec;
  readonly run: (argv: readonly string[]) => Promise<number>;
}

const COMMANDS: readonly Command[] = [
  { spec: demoSpec, run: demoCommand },
  { spec: simSpec, run: simCommand },
  { spec: replaySpec, run: replayCommand },
  { spec: liveSpec, run: liveCommand },
  { spec: recordSpec, run: recordCommand },
  { spec: importSpec, run: importCommand },
  { spec: liqpxSpec, run: liqpxCommand },
  { spec: eventsSpec, run: eventsCommand },
  { spec: heatmapSpec, run: heatmapCommand },
  { spec: positionsSpec, run: positionsCommand },
  { spec: scoreSpec, run: scoreCommand },
  { spec: syndicatesSpec, run: syndicatesCommand },
  { spec: entitiesSpec, run: entitiesCommand },
  { spec: riskSpec, run: riskCommand },
  { spec: backtestSpec, run: backtestCommand },
  { spec: ledgerSpec, run: ledgerCommand },
  { spec: alertsSpec, run: alertsCommand },
  { spec: benchSpec, run: benchCommand },
  { spec: serveSpec, run: serveCommand },
  { spec: keysSpec, run: keysCommand },
  { spec: ingestSpec, run: ingestCommand },
  { spec: workerSpec, run: workerCommand },
  { spec: apiSpec, run: apiCommand },
  { spec: clusterSpec, run: clusterCommand },
];

/** Longest description `glass --help` gives a command on its one line. */
const BRIEF_MAX = 110;

/**
 * A command's line in `glass --help`: a one-line summary as it is; of a summary written as a
 * paragraph (several lines), its first sentence, whole, or when that does not fit one line what
 * comes before its first colon ("Writes a simulated Hyperliquid recording … and its ground truth.");
 * `glass <command> --help` has the rest.
 */
export function brief(summary: string): string {
  if (!summary.includes('\n')) return summary;
  const text = summary.replace(/\s*\n\s*/g, ' ').trim();
  const first = /^.*?[.!?](?=\s|$)/s.exec(text)?.[0] ?? text;
  if (first.length <= BRIEF_MAX) return first;
  const colon = first.indexOf(': ');
  return colon > 0 ? `${first.slice(0, colon)}.` : first;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    'glass: liquidation heatmaps, wallet track records and syndicates for perpetual futures',
    '',
    'usage: glass <command> [options]   (glass <command> --help for its options; glass --version)',
    '',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${brief(c.spec.summary)}`),
    '',
    'Long work shows progress on stderr when it is a terminal (GLASS_PROGRESS=1 forces it, GLASS_PROGRESS=0 turns it off).',
    '',
  ].join('\n');
}

/** User errors are one line on stderr and a non-zero exit; only bugs print a stack. */
function userMessage(e: unknown): string | null {
  if (e instanceof UsageError || e instanceof InputError || e instanceof StrictModeError) return e.message;
  if (e instanceof RecordError || e instanceof DecodeError) return e.message;
  if (e instanceof VenueUnreachable || e instanceof VenueHttpError || e instanceof LiveLimitError) return e.message;
  return null;
}

/** The package's version, from the package.json beside src/. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

export async function main(argv: readonly string[]): Promise<number> {
  // A reader that goes away (`glass … | head -1`) ends the command quietly (see output.ts);
  // a closed stderr is no reason to fail either.
  out.watch();
  process.stderr.on('error', () => {});
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out.write(`glass ${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.spec.name === name);
  if (cmd === undefined) {
    process.stderr.write(`glass: unknown command "${name}" (glass --help lists them)\n`);
    return 2;
  }
  try {
    // `--coin btc` and `--type whale_position_opened` mean what they say in every command.
    const code = await cmd.run(normalizeCaseOptions(rest));
    await out.drained();
    return code;
  } catch (e) {
    if (e instanceof PipeClosed) return 0;
    const msg = userMessage(e);
    if (msg === null) throw e;
    // Messages are written to stand alone; the prefix is added here, once.
    const own = `glass ${name}`;
    const text = msg.startsWith(`${own}: `) ? msg.slice(own.length + 2) : msg.startsWith(`${own} `) ? msg.slice(own.length + 1) : msg;
    note(`${own}: ${text}`);
    return e instanceof UsageError || e instanceof StoreSpecError ? 2 : 1;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
