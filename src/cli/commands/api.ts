import { busNames, loadClusterConfig, parseDuration } from '../../bus/nats/config.ts';
import { StoreTail } from '../../bus/store-tail.ts';
import { SERVE_HELP, SERVE_OPTIONS } from '../../server/serve-engines.ts';
import { type CommandSpec, parseCommand, strOption, UsageError } from '../args.ts';
import { note } from '../output.ts';
import { serveCommand } from './serve.ts';

export const apiSpec: CommandSpec = {
  name: 'api',
  summary: 'Scale-out: a stateless /v1 API and /v1/stream node over the shared PostgreSQL store (run any number).',
  usage: '[--db URL] [--config C] [--port P] [--host H] [--gap-grace D]',
  options: {
    db: { type: 'string' },
    config: { type: 'string' },
    port: { type: 'string' },
    'gap-grace': { type: 'string' },
    ...SERVE_OPTIONS,
  },
  help: [
    '--db URL     the shared PostgreSQL store (default GLASS_DATABASE_URL)',
    '--config C   cluster settings file (JSON; default GLASS_CONFIG); the environment overrides it',
    '--gap-grace D  how long /v1/stream waits for an event id another worker has not committed yet (default 10s)',
    ...SERVE_HELP,
    'Holds no state of its own: every node answers from the store, and /v1/stream resumes by event id on any',
    "node (an event's id is its sequence on the <PREFIX>_EVENTS stream, the same in the store on every node).",
    'Workers commit concurrently: the stream hands out ids in order without gaps, waiting up to --gap-grace for a',
    'missing one (docs/scale-out.md).',
  ],
  positionals: { min: 0, max: 0 },
};

/** `glass serve` over the cluster's store: the same routes, the stream following the store's event log. */
export async function apiCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(apiSpec, argv);
  if (p === null) return 0;
  const env = { ...process.env };
  const db = strOption(p, 'db');
  if (db !== undefined) env.GLASS_DATABASE_URL = db;
  const cfg = loadClusterConfig(strOption(p, 'config'), env);
  busNames(cfg.prefix);
  if (cfg.databaseUrl === null || !/^postgres(ql)?:\/\//i.test(cfg.databaseUrl)) {
    throw new UsageError("glass api serves the cluster's PostgreSQL store: give --db postgres://… or GLASS_DATABASE_URL");
  }
  const grace = parseDuration(strOption(p, 'gap-grace') ?? '10s', '--gap-grace');
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--db' || a === '--config' || a === '--gap-grace') i++;
    else if (!a.startsWith('--db=') && !a.startsWith('--config=') && !a.startsWith('--gap-grace=')) rest.push(a);
  }
  return serveCommand(
    ['--db', cfg.databaseUrl, ...rest],
    (store) =>
      new StoreTail(store, {
        graceMs: grace,
        onSkip: (from, to) => note(`glass api: event ids ${from}–${to} not committed within ${grace} ms; the stream goes on without them`),
      }),
  );
}
