import type { SyndicateEvent } from '../../domain/glass-event.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { SyndicateDetector } from '../../engine/syndicates/detector.ts';
import { WhalePolicy } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, intOption, numOption, parseCommand } from '../args.ts';
import { playFile } from '../load.ts';
import { fmtInt, printNdjson } from '../output.ts';

export const syndicatesSpec: CommandSpec = {
  name: 'syndicates',
  summary: 'Syndicate events in a recording: ≥ N distinct wallets making directional trades the same way on one coin within a window.',
  usage:
    'F [--json] [--window-ms 60000] [--min-wallets 3] [--min-notional USD] [--min-score S] [--min-account USD] [--include-market-makers]',
  options: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'window-ms': { type: 'string' },
    'min-wallets': { type: 'string' },
    'min-notional': { type: 'string' },
    'min-score': { type: 'string' },
    'min-account': { type: 'string' },
    'include-market-makers': { type: 'boolean' },
  },
  help: [
    'F                 a recording',
    '--json            NDJSON: one SYNDICATE_DETECTED / SYNDICATE_UPDATED event per line',
    '--window-ms W     the span the wallets must fall within, and a joiner of the last one (default 60000)',
    '--min-wallets N   distinct wallets (default 3)',
    '--min-notional U  count only directional trades of at least U USD',
    '--min-score S     count only wallets whose Nexus Score is at least S',
    '--min-account U   count only wallets whose last account snapshot was at least U USD',
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
  await playFile(
    file,
    (pl) => {
      const score = new ScoreEngine(pl.book);
      const policy = new WhalePolicy(pl.book, (w) => score.scoreNow(w), {
        // With --min-account only accounts that large count; without it every wallet does.
        minAccountUsd: numOption(p, 'min-account', 0, 0, 1e15),
        minPositionUsd: p.values['min-account'] === undefined ? 0 : Number.POSITIVE_INFINITY,
        excludeMarketMakers: !flag(p, 'include-market-makers'),
      });
      const detector = new SyndicateDetector(
        (e) => {
          events.push(e);
          if (flag(p, 'json')) printNdjson(e);
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
  if (flag(p, 'json')) return 0;
  const detected = events.filter((e) => e.type === 'SYNDICATE_DETECTED');
  const last = new Map(events.map((e) => [e.syndicateId, e]));
  const lines = [`${detected.length} syndicates (${events.length - detected.length} updates)`];
  for (const d of detected) {
    const e = last.get(d.syndicateId) ?? d;
    lines.push(
      `  ${new Date(e.firstTime).toISOString()}  ${e.coin.padEnd(6)} ${e.direction.padEnd(5)} ${String(e.members.length).padStart(3)} wallets  ` +
        `$${fmtInt(e.notionalUsd)}  mean score ${e.meanScore === null ? '—' : e.meanScore.toFixed(1)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
