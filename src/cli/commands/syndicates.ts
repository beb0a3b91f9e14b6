import { fmtUsd, tidy } from '../../domain/format.ts';
import type { SyndicateEvent, WalletEvidence } from '../../domain/glass-event.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { BaselineRecorder } from '../../engine/syndicates/baseline.ts';
import {
  DEFAULT_SYNDICATES,
  SIGNIFICANT_SURPRISE,
  SyndicateDetector,
  type SyndicateOptions,
  significantSyndicates,
} from '../../engine/syndicates/detector.ts';
import { EntityGraph } from '../../engine/syndicates/entities.ts';
import { DEFAULT_WHALE_POLICY, WhalePolicy } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, intOption, numOption, type Parsed, parseCommand, strOption, UsageError } from '../args.ts';
import { stamped } from '../engines.ts';
import { playFile } from '../load.ts';
import { printNdjson, printText } from '../output.ts';
import { progress } from '../progress.ts';
import { walletSizeFloor } from '../validate.ts';
import { type FundingRead, readFunding } from './entities.ts';

export const syndicatesSpec: CommandSpec = {
  name: 'syndicates',
  summary:
    'Syndicate events in a recording: ≥ N distinct entities (wallets one actor controls count once) making directional\n' +
    'trades the same way on one coin within a window, far beyond what chance would bring together, not a reaction to\n' +
    'a price move, each member having taken liquidity. By default only whales count, as for every whale event: an\n' +
    'account of at least $1M or a position of at least $250k, market makers never.',
  usage:
    'F [--json] [--baseline [--seeds 5]] [--min-surprise 6] [--reactions] [--include-passive] [--wallets-as-entities] [--bare]\n' +
    '  [--ledger L] [--window-ms 60000] [--min-wallets 3] [--min-notional USD] [--min-score S] [--min-account USD] [--min-position USD]\n' +
    '  [--all-wallets] [--include-market-makers]',
  options: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    baseline: { type: 'boolean' },
    seeds: { type: 'string' },
    'min-surprise': { type: 'string' },
    reactions: { type: 'boolean' },
    'include-passive': { type: 'boolean' },
    'wallets-as-entities': { type: 'boolean' },
    bare: { type: 'boolean' },
    ledger: { type: 'string' },
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
    '--baseline        also run the same detector with each wallet’s entries shifted by hours (prices kept): real vs',
    '                  shifted counts, the rate at which chance alone makes syndicates',
    '--seeds N         shifted runs for --baseline (default 5)',
    `--min-surprise S  report an episode once chance puts it at p ≤ 10^−S (default ${SIGNIFICANT_SURPRISE}; 0: at --min-wallets)`,
    '--reactions       report episodes that follow a price move of several σ too (class "reaction")',
    '--include-passive count members whose resting orders were filled by someone else’s sweep',
    '--wallets-as-entities  count wallets, not entities',
    '--bare            the bare rule: every episode of --min-wallets wallets (= --min-surprise 0 --reactions',
    '                  --include-passive --wallets-as-entities)',
    '--ledger L        ledger updates (funding links) to read (default: F with .ledger.ndjson, when it exists; none: no file)',
    '--window-ms W     the span the wallets must fall within, and a joiner of the last one (default 60000)',
    '--min-wallets N   distinct entities (default 3)',
    '--min-notional U  count only directional trades of at least U USD',
    '--min-score S     count only wallets whose Nexus Score is at least S',
    `--min-account U   a wallet is a whale with an account of at least U USD (default ${DEFAULT_WHALE_POLICY.minAccountUsd})`,
    `--min-position U  … or a position of at least U USD (default ${DEFAULT_WHALE_POLICY.minPositionUsd})`,
    '--all-wallets     every wallet counts, whatever its size (market makers still excluded)',
    '--include-market-makers  count wallets that are almost always the passive side (default: excluded)',
  ],
  positionals: { min: 1, max: 1 },
};

/** The detector's options from the command's flags (entities: the graph to count them by, or null). */
export function syndicateOptions(p: Parsed, entities: EntityGraph | null): Partial<SyndicateOptions> {
  const bare = flag(p, 'bare');
  const minScore = p.values['min-score'] === undefined ? null : numOption(p, 'min-score', 0, 0, 100);
  return {
    ...significantSyndicates(entities ?? undefined),
    windowMs: intOption(p, 'window-ms', DEFAULT_SYNDICATES.windowMs, 1, 86_400_000),
    minWallets: intOption(p, 'min-wallets', DEFAULT_SYNDICATES.minWallets, 2, 1000),
    minNotionalUsd: numOption(p, 'min-notional', 0, 0, 1e15),
    minScore,
    minSurprise: bare ? 0 : numOption(p, 'min-surprise', SIGNIFICANT_SURPRISE, 0, 300),
    reactions: bare || flag(p, 'reactions'),
    countPassive: bare || flag(p, 'include-passive'),
    entities,
  };
}

/** A fresh entity graph with the ledger's funding links, or null when wallets count as entities. */
export function entityGraph(p: Parsed, funding: FundingRead | null): EntityGraph | null {
  if (flag(p, 'bare') || flag(p, 'wallets-as-entities')) return null;
  const g = new EntityGraph();
  if (funding !== null) g.fundingBatch(funding.transfers);
  return g;
}

export async function syndicatesCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(syndicatesSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const events: SyndicateEvent[] = [];
  // Whales only, by the policy every whale event uses; --all-wallets drops the size floor.
  const size = walletSizeFloor(p);
  if (p.values['seeds'] !== undefined && !flag(p, 'baseline')) throw new UsageError('--seeds is for --baseline');
  const json = flag(p, 'json');
  const seeds = intOption(p, 'seeds', 5, 1, 100);
  const funding = await readFunding(file, strOption(p, 'ledger'));
  const graph = entityGraph(p, funding);
  const opts = syndicateOptions(p, graph);
  const recorder = flag(p, 'baseline') ? new BaselineRecorder() : null;
  let detector: SyndicateDetector | null = null;
  await playFile(
    file,
    (pl) => {
      const score = new ScoreEngine(pl.book);
      const policy = new WhalePolicy(pl.book, (w) => score.scoreNow(w), {
        ...size,
        excludeMarketMakers: !flag(p, 'include-market-makers'),
      });
      const minScore = opts.minScore ?? null;
      const d = new SyndicateDetector(
        (made) => {
          // As `glass events` has it: rounded, with the causing message's receive time in its hops.
          const e = stamped(pl, made);
          // Written at once; playFile waits for the reader between read batches.
          if (json) void printNdjson(tidy(e));
          else events.push(e);
        },
        (w) => score.scoreNow(w),
        { ...opts, tracked: (c) => policy.tracked(c) },
      );
      detector = d;
      // The recording's own ledger updates (funding links) reach the entity graph as they come.
      if (graph !== null) pl.attach(graph);
      // … and the shifted runs' graphs, at the same stream times (funding links are not shifted).
      if (recorder !== null && graph !== null) pl.market.subscribe((e) => recorder.onMarket(e));
      pl.attach(score);
      pl.changes.subscribe((c) => {
        policy.observe(c);
        recorder?.add(c, policy.tracked(c) && (minScore === null || (score.scoreNow(c.walletId) ?? Number.NEGATIVE_INFINITY) >= minScore));
      });
      pl.attach(d);
    },
    { strict: flag(p, 'strict') },
  );
  const real = (detector as SyndicateDetector | null)?.detected ?? 0;
  const shifted: number[] = [];
  if (recorder !== null) {
    // Progress, not a note: on a terminal only (GLASS_PROGRESS=1 forces it, 0 turns it off).
    const shown = progress('syndicates');
    try {
      for (let s = 1; s <= seeds; s++) {
        shown.stage(`baseline: shifted run ${s} of ${seeds}`);
        shifted.push(recorder.replay(s, { ...opts, entities: entityGraph(p, funding) }));
      }
    } finally {
      shown.done();
    }
  }
  if (json) {
    if (recorder !== null) await printNdjson({ baseline: { real, shifted, meanShifted: mean(shifted), spanMs: recorder.span } });
    return 0;
  }
  const detected = events.filter((e) => e.type === 'SYNDICATE_DETECTED');
  const last = new Map(events.map((e) => [e.syndicateId, e]));
  const members = new Map<string, WalletEvidence[]>();
  for (const e of events)
    members.set(e.syndicateId, [...(members.get(e.syndicateId) ?? []), ...(e.type === 'SYNDICATE_DETECTED' ? e.members : e.joined)]);
  const lines = [`${detected.length} syndicates (${events.length - detected.length} updates)`];
  if (recorder !== null) {
    lines.push(
      `baseline: ${real} with the wallets as they traded, ${mean(shifted).toFixed(1)} on average with each wallet's entries shifted by hours ` +
        `(${shifted.join(', ')}; ${seeds} seeds)`,
    );
  }
  for (const d of detected) {
    const e = last.get(d.syndicateId) ?? d;
    lines.push(
      `  ${new Date(e.firstTime).toISOString()}  ${e.coin.padEnd(6)} ${e.direction.padEnd(5)} ${String(e.memberCount).padStart(3)} wallets ` +
        `${String(e.entities ?? e.memberCount).padStart(3)} entities  ${fmtUsd(e.notionalUsd)}  surprise ${(e.surprise ?? 0).toFixed(1)} ` +
        `(p ${fmtP(e.pValue ?? 1)})  ${e.class ?? 'unclear'}  mean score ${e.meanScore === null ? '—' : e.meanScore.toFixed(1)}`,
    );
    lines.push(`      ${memberLine(members.get(d.syndicateId) ?? [])}`);
  }
  await printText(`${lines.join('\n')}\n`);
  return 0;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** A p-value as people read it: 0.031, 2e-7. */
export function fmtP(p: number): string {
  if (p >= 0.001) return p.toPrecision(2);
  const [m, e] = p.toExponential(0).split('e');
  return `${m}e${e}`;
}

/** The members, short: `0x1234…cdef $1.2M`, wallets of one entity grouped under its name. */
function memberLine(ms: readonly WalletEvidence[]): string {
  const short = (w: string) => `${w.slice(0, 6)}…${w.slice(-4)}`;
  const loose: string[] = [];
  const grouped = new Map<string, string[]>();
  for (const m of ms) {
    const s = `${short(m.wallet)} ${fmtUsd(m.notionalUsd)}`;
    if (m.entity === undefined) loose.push(s);
    else grouped.set(m.entity, [...(grouped.get(m.entity) ?? []), s]);
  }
  const parts = [...loose];
  for (const [entity, ws] of grouped) parts.push(`${entity.slice(0, 10)}…: [${ws.join(', ')}]`);
  const shown = parts.slice(0, 8);
  return parts.length > 8 ? `${shown.join(', ')}, … ${parts.length - 8} more` : shown.join(', ');
}
