import { Pipeline } from '../../pipeline/pipeline.ts';
import { parseSpeed, replay } from '../../recording/replay.ts';
import { ingestFile } from '../../store/ingest.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { fmtInt, note, printJson } from '../output.ts';

export const replaySpec: CommandSpec = {
  name: 'replay',
  summary: 'Plays a recording through the same pipeline as live (normalizer → position book) and summarises it.',
  usage: 'F [--speed max|Nx] [--strict] [--json] [--db SPEC]',
  options: {
    speed: { type: 'string' },
    strict: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    db: { type: 'string' },
  },
  help: [
    '--speed S   max (default) or a multiple of recorded time, e.g. 10x',
    '--strict    stop at the first malformed line (default: report it and go on)',
    '--json      summary as one JSON document on stdout',
    '--quiet     do not list rejected lines on stderr',
    '--db SPEC   also run the engines and record their output into a store: a SQLite file or postgres://…;',
    '            a run killed midway resumes after the last committed line (nothing lost, nothing doubled)',
  ],
  positionals: { min: 1, max: 1 },
};

/** Rejected lines are listed up to this many; the count is always exact. */
const MAX_LISTED = 20;

export async function replayCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(replaySpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const speed = parseSpeed(strOption(p, 'speed') ?? 'max');
  if (speed === null) throw new UsageError('--speed takes max or a positive multiple such as 10x');
  let listed = 0;
  // In strict mode the first reject ends the run and is the error message itself.
  const quiet = flag(p, 'quiet') || flag(p, 'strict');
  const pipeline = new Pipeline({
    strict: flag(p, 'strict'),
    onReject: (r) => {
      if (!quiet && listed++ < MAX_LISTED) note(`${file}: line ${r.line}: ${r.message}`);
    },
  });
  const t0 = performance.now();
  const db = strOption(p, 'db');
  if (db !== undefined) await ingestFile(db, file, replay(file, speed), { pipeline, note });
  else for await (const batch of replay(file, speed)) for (const item of batch) pipeline.ingest(item);
  const seconds = (performance.now() - t0) / 1000;
  const summary = { file, ...pipeline.summary() };
  if (summary.messages === 0 && summary.rejects > 0) {
    throw new UsageError(`${file}: no valid message (${summary.rejects} rejected lines)`);
  }
  if (flag(p, 'json')) printJson(summary);
  else {
    process.stdout.write(
      [
        `${file}`,
        `  messages       ${fmtInt(summary.messages)} (${fmtInt(summary.rejects)} rejected, ${fmtInt(summary.venueErrors)} venue errors)`,
        `  fills          ${fmtInt(summary.fills)} (${fmtInt(summary.uncertainFills)} with uncertain direction, ${fmtInt(summary.duplicates)} duplicates dropped)`,
        `  trades         ${fmtInt(summary.events.trade)}`,
        `  wallets        ${fmtInt(summary.wallets)}`,
        `  open positions ${fmtInt(summary.openPositions)} in ${summary.coins} coins`,
        `  snapshots      ${fmtInt(summary.events.snapshot)} (${fmtInt(summary.drifts)} drifts)`,
        `  liquidations   ${fmtInt(summary.events.liquidation)}`,
        `  time           ${fmtInt(summary.messages / seconds)} messages/s`,
        '',
      ].join('\n'),
    );
  }
  if (listed > MAX_LISTED) note(`… ${listed - MAX_LISTED} more rejected lines`);
  return 0;
}
