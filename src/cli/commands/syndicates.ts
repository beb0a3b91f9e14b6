import { fmtUsd, tidy } from '../../domain/format.ts';
import type { SyndicateEvent } from '../../domain/glass-event.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { SyndicateDetector } from '../../engine/syndicates/detector.ts';
import { DEFAULT_WHALE_POLICY, WhalePolicy } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, intOption, numOption, parseCommand, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printNdjson, printText } from '../output.ts';

export const syndicatesSpec: CommandSpec = {
  name: 'syndicates',
  summary:
    'Syndicate events in a recording: ≥ N distinct whales making directional trades the same way on one coin within a window.\n' +
    'By default only whales count, as for every whale event: an account of at least $1M or a position of at least\n' +
    '$250k, market makers never. A crowd of small traders buying one move is not a syndicate.',
  usage:
    'F [--json] [--window-ms 60000] [--min-wallets 3] [--min-notional USD] [--min-score S] [--min-account USD] [--min-position USD] [--all-wallets] [--include-market-makers]',
  options: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'window-ms': { type: 'string' },
    'min-wallets': { type: 'string' },
    'min-notional': { type: 'string' },
    'min-score': { type: 'string' },
    'min-account': { type: 'string' },
    'min-position': { type: 'string' },
    'all-wallets': { type: 'boolean' },
    'include-market-makers': { type: 'boolean' },
  },
  help: [
    'F                 a recording',
    '--json            NDJSON, one event per line: SYNDICATE_DETECTED with the founding members, SYNDICATE_UPDATED',
    '                  with only what changed (the joining wallets, the notional added, the new totals)',
    '--window-ms W     the span the wallets must fall within, and a joiner of the last one (default 60000)',
    '--min-wallets N   distinct wallets (default 3)',
    '--min-notional U  count only directional trades of at least U USD',
    '--min-score S     count only wallets whose Nexus Score is at least S',
    `--min-account U   a wallet is a whale with an account of at least U USD (default ${DEFAULT_WHALE_POLICY.minAccountUsd})`,
    `--min-position U  … or a position of at least U USD (default ${DEFAULT_WHALE_POLICY.minPositionUsd})`,
    '--all-wallets     every wallet counts, whatever its size (market makers still excluded)',
    '--include-market-makers  count wallets that are almost always the passive side (default: excluded)',
  ],
  positionals: { min: 1, max: 1 },
};

export async function syndicatesCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(syndicatesSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const events: SyndicateEvent[] = [];
  const minScore = p.values['min-score'] === undefined ? null : numOption(p, 'min-score', 0, 0, 100);
  const all = flag(p, 'all-wallets');
  if (all && (p.values['min-account'] !== undefined || p.values['min-position'] !== undefined))
    throw new UsageError('--all-wallets counts every wallet: drop --min-account / --min-position, or drop --all-wallets');
  // Whales only, by the policy every whale event uses; --all-wallets drops the size floor.
  const size = all
    ? { minAccountUsd: 0, minPositionUsd: 0 }
    : {
        minAccountUsd: numOption(p, 'min-account', DEFAULT_WHALE_POLICY.minAccountUsd, 0, 1e15),
        minPositionUsd: numOption(p, 'min-position', DEFAULT_WHALE_POLICY.minPositionUsd, 0, 1e15),
      };
  const json = flag(p, 'json');
  await playFile(
    file,
    (pl) => {
      const score = new ScoreEngine(pl.book);
      const policy = new WhalePolicy(pl.book, (w) => score.scoreNow(w), {
        ...size,
        excludeMarketMakers: !flag(p, 'include-market-makers'),
      });
      const detector = new SyndicateDetector(
        (e) => {
          // Written at once; playFile waits for the reader between read batches.
          if (json) void printNdjson(tidy(e));
          else events.push(e);
        },
        (w) => score.scoreNow(w),
        {
          windowMs: intOption(p, 'window-ms', 60_000, 1, 86_400_000),
          minWallets: intOption(p, 'min-wallets', 3, 2, 1000),
          minNotionalUsd: numOption(p, 'min-notional', 0, 0, 1e15),
          minScore,
          tracked: (c) => policy.tracked(c),
        },
      );
      pl.attach(score);
      pl.changes.subscribe((c) => policy.observe(c));
      pl.attach(detector);
    },
    { strict: flag(p, 'strict') },
  );
  if (json) return 0;
  const detected = events.filter((e) => e.type === 'SYNDICATE_DETECTED');
  const last = new Map(events.map((e) => [e.syndicateId, e]));
  const lines = [`${detected.length} syndicates (${events.length - detected.length} updates)`];
  for (const d of detected) {
    const e = last.get(d.syndicateId) ?? d;
    lines.push(
      `  ${new Date(e.firstTime).toISOString()}  ${e.coin.padEnd(6)} ${e.direction.padEnd(5)} ${String(e.memberCount).padStart(3)} wallets  ` +
        `${fmtUsd(e.notionalUsd)}  mean score ${e.meanScore === null ? '—' : e.meanScore.toFixed(1)}`,
    );
  }
  await printText(`${lines.join('\n')}\n`);
  return 0;
}
