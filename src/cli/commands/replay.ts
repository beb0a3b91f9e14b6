import { plural } from '../../domain/format.ts';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { InputError } from '../../recording/errors.ts';
import { type ReadItem, TruncatedInput } from '../../recording/reader.ts';
import { parseSpeed, replay } from '../../recording/replay.ts';
import { SERVE_HELP, SERVE_OPTIONS, serveReplay } from '../../server/serve-engines.ts';
import { ingestFile } from '../../store/ingest.ts';
import { retentionFrom } from '../../store/retention.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { fmtInt, note, out, printJson } from '../output.ts';
import { type Progress, progress, progressWanted } from '../progress.ts';
import { runSummary, summaryText } from '../summary.ts';

export const replaySpec: CommandSpec = {
  name: 'replay',
  summary: 'Plays a recording through the same pipeline as live (normalizer → position book) and summarises it.',
  usage: 'F [--speed max|Nx] [--strict] [--json] [--db SPEC] [--serve [--port P]]',
  options: {
    speed: { type: 'string' },
    strict: { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    db: { type: 'string' },
    retention: { type: 'string' },
    serve: { type: 'boolean' },
    port: { type: 'string' },
    ...SERVE_OPTIONS,
  },
  help: [
    '--speed S   max (default) or a multiple of recorded time, e.g. 10x',
    '--strict    stop at the first malformed line (default: report it and go on)',
    '--json      summary as one JSON document on stdout',
    '--quiet     do not list rejected lines on stderr',
    '--db SPEC   also run the engines and record their output into a store: a SQLite file or postgres://…;',
    '            a run killed midway resumes after the last committed line (nothing lost, nothing doubled)',
    '--retention R  prune the store as it is written: events=30d,heatmaps=7d,positions=7d,scores=90d (default GLASS_RETENTION, else keep all)',
    '--serve     record into the store (--db, default ./glass.sqlite) and serve the /v1 API and stream until stopped',
    ...SERVE_HELP,
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
  if (flag(p, 'serve')) return serveReplay(p, file);
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
  const retention = retentionFrom(strOption(p, 'retention'));
  const shown = progress(file);
  const items = played(replay(file, speed, { onRead: (b, size) => shown.read(b, size) }), shown, speed.kind !== 'max');
  try {
    if (db !== undefined) await ingestFile(db, file, items, { pipeline, note, ...(retention === undefined ? {} : { retention }) });
    else for await (const batch of items) for (const item of batch) pipeline.ingest(item);
  } catch (e) {
    // A broken .gz: what came before the break is played and summarised; --strict makes it an error.
    if (!(e instanceof TruncatedInput)) throw e;
    if (flag(p, 'strict')) throw new InputError(`${e.where} (--strict)`, { cause: e });
    note(e.message);
  } finally {
    shown.done();
  }
  const seconds = (performance.now() - t0) / 1000;
  const summary = runSummary(file, pipeline.summary());
  if (summary.messages === 0 && summary.rejects > 0) {
    throw new InputError(`${file}: no valid message (${plural(summary.rejects, 'rejected line')})`);
  }
  if (flag(p, 'json')) await printJson(summary);
  else {
    // The summary is what `glass live --record F` printed for the same messages; how fast this
    // run went is a note beside it.
    await out.line(summaryText(file, summary));
    if (!quiet && progressWanted()) note(`replay: ${fmtInt(summary.messages / seconds)} messages/s`);
  }
  if (listed > MAX_LISTED) note(`… ${plural(listed - MAX_LISTED, 'more rejected line')}`);
  return 0;
}

/** The batches as read, counted for the progress line (with the recorded time reached when paced). */
async function* played(batches: AsyncGenerator<ReadItem[]>, shown: Progress, paced: boolean): AsyncGenerator<ReadItem[]> {
  let lines = 0;
  for await (const batch of batches) {
    lines += batch.length;
    const last = batch[batch.length - 1];
    shown.lines(lines, paced && last !== undefined && 'ts' in last ? `at ${new Date(last.ts).toISOString().slice(0, 19)}Z` : undefined);
    yield batch;
  }
}
