import { existsSync } from 'node:fs';
import { plural, tidy } from '../../domain/format.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { SyndicateDetector } from '../../engine/syndicates/detector.ts';
import type { EntityGraph } from '../../engine/syndicates/entities.ts';
import { type Flow, fundingOf, matchFlows, type Transfer } from '../../engine/syndicates/funding.ts';
import { DEFAULT_WHALE_POLICY, WhalePolicy } from '../../engine/whales/policy.ts';
import { InputError } from '../../recording/errors.ts';
import { parseRecordLine, readLineBatches } from '../../recording/reader.ts';
import { DecodeError } from '../../venues/decode.ts';
import { LEDGER_UPDATES } from '../../venues/hyperliquid/ledger-updates.ts';
import { HyperliquidNormalizer } from '../../venues/hyperliquid/normalizer.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printNdjson, printText } from '../output.ts';
import { walletSizeFloor } from '../validate.ts';
import { ledgerPathOf } from './import.ts';
import { entityGraph, syndicateOptions } from './syndicates.ts';

/** Funding links read from a ledger file, and what was in it. */
export interface FundingRead {
  readonly path: string;
  readonly transfers: readonly Transfer[];
  readonly flows: number;
  readonly matched: number;
}

/** Whether a recorded message is a ledger update (the /info answer or the WebSocket channel). */
function isLedgerUpdate(msg: unknown): boolean {
  if (typeof msg !== 'object' || msg === null) return false;
  if ('channel' in msg) return msg.channel === LEDGER_UPDATES;
  const req = 'request' in msg ? msg.request : null;
  return typeof req === 'object' && req !== null && 'type' in req && req.type === LEDGER_UPDATES;
}

/**
 * The ledger updates beside recording `file` (or at `explicit`): transfers between wallets, and
 * withdrawals matched to deposits. Null when there is none (no explicit path and no F.ledger.ndjson).
 * Read by the venue's normalizer, as the stream's are (other messages in the file are passed over);
 * a malformed update is one line naming the file, line and field.
 */
export async function readFunding(file: string, explicit: string | undefined): Promise<FundingRead | null> {
  if (explicit === 'none') return null;
  const path = explicit ?? ledgerPathOf(file);
  if (!existsSync(path)) {
    if (explicit !== undefined) throw new UsageError(`--ledger ${explicit}: no such file`);
    return null;
  }
  const transfers: Transfer[] = [];
  const flows: Flow[] = [];
  let line = 0;
  const normalizer = new HyperliquidNormalizer();
  for await (const batch of readLineBatches(path)) {
    for (const text of batch) {
      line++;
      const r = parseRecordLine(text, line);
      if (r === null) continue;
      if (!('msg' in r)) throw new InputError(`${path}: line ${line}: ${r.message}`);
      if (!isLedgerUpdate(r.msg)) continue;
      try {
        normalizer.normalize(r.msg, r.ts, (e) => {
          const f = e.type === 'transfer' ? fundingOf(e) : null;
          if (f === null) return;
          if ('transfer' in f) transfers.push(f.transfer);
          else flows.push(f.flow);
        });
      } catch (e) {
        if (e instanceof DecodeError) throw new InputError(`${path}: line ${line}: ${e.message}`);
        throw e;
      }
    }
  }
  const matched = matchFlows(flows);
  return { path, transfers: [...transfers, ...matched], flows: flows.length, matched: matched.length };
}

export const entitiesSpec: CommandSpec = {
  name: 'entities',
  summary:
    'Wallets that act as one in a recording: funding links from the ledger (F.ledger.ndjson, and the ledger updates the\n' +
    'recording itself carries: glass live --track subscribes to them), mirrored entries (same lane\n' +
    'within seconds, sizes within 15 %) and co-entries repeated far beyond chance. Each cluster with its evidence and\n' +
    'confidence. The same wallets count as in `glass syndicates` (whales by default; --all-wallets: everyone).',
  usage: 'F [--json] [--ledger L] [--all-wallets] [--min-account USD] [--min-position USD] [--include-market-makers]',
  options: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    ledger: { type: 'string' },
    'all-wallets': { type: 'boolean' },
    'min-account': { type: 'string' },
    'min-position': { type: 'string' },
    'include-market-makers': { type: 'boolean' },
  },
  help: [
    'F                 a recording',
    '--json            one line per entity: {entity, wallets, confidence, links: [{a, b, kind, count, surprise, time}]}',
    '--ledger L        ledger updates to read funding links from (default: F with .ledger.ndjson, when it exists; none: no file)',
    '--all-wallets     every wallet’s entries count, whatever its size (market makers still excluded)',
    `--min-account U   a whale has an account of at least U USD (default ${DEFAULT_WHALE_POLICY.minAccountUsd})`,
    `--min-position U  … or a position of at least U USD (default ${DEFAULT_WHALE_POLICY.minPositionUsd})`,
    '--include-market-makers  count wallets that are almost always the passive side',
  ],
  positionals: { min: 1, max: 1 },
};

export async function entitiesCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(entitiesSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const size = walletSizeFloor(p);
  const funding = await readFunding(file, strOption(p, 'ledger'));
  const graph = entityGraph(p, funding);
  if (graph === null) throw new UsageError('internal: no entity graph');
  await playFile(
    file,
    (pl) => {
      const score = new ScoreEngine(pl.book);
      const policy = new WhalePolicy(pl.book, (w) => score.scoreNow(w), {
        ...size,
        excludeMarketMakers: !flag(p, 'include-market-makers'),
      });
      // The syndicate detector feeds the graph the entries it counts; its events are not wanted here.
      const d = new SyndicateDetector(
        () => {},
        () => null,
        { ...syndicateOptions(p, graph), tracked: (c) => policy.tracked(c) },
      );
      // The recording's own ledger updates link wallets as they come (before the entries after them).
      pl.attach(graph);
      pl.attach(score);
      pl.changes.subscribe((c) => policy.observe(c));
      pl.attach(d);
    },
    { strict: flag(p, 'strict') },
  );
  graph.finishFunding();
  const clusters = graph.clusters();
  if (flag(p, 'json')) {
    for (const c of clusters) await printNdjson(tidy(c));
    return 0;
  }
  const lines = [
    `${plural(clusters.length, 'entity', 'entities')} of two or more wallets (${plural(
      clusters.reduce((n, c) => n + c.wallets.length, 0),
      'wallet',
    )})` +
      (funding === null
        ? '; no ledger updates beside the recording: no funding links from a file'
        : `; ${plural(funding.transfers.length, 'funding link')} from ${funding.path} (${funding.matched} matched withdrawal → deposit)`) +
      streamNote(graph),
  ];
  for (const c of clusters) {
    const kinds = new Map<string, number>();
    for (const l of c.links) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
    lines.push(
      `  ${c.entity}  ${c.wallets.length} wallets  confidence ${c.confidence.toFixed(c.confidence > 0.999 ? 6 : 3)}  ` +
        [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
    );
    for (const l of c.links) {
      const what =
        l.kind === 'funding'
          ? 'paid'
          : `${l.count} ${l.kind === 'mirrored' ? 'mirrored entries' : 'co-entries'} (surprise ${l.surprise.toFixed(1)}) with`;
      lines.push(`      ${l.a} ${what} ${l.b}  ${new Date(l.time).toISOString()}`);
    }
  }
  await printText(`${lines.join('\n')}\n`);
  return 0;
}

/** What the recording's own ledger updates gave (nothing when it carries none). */
function streamNote(graph: EntityGraph): string {
  const c = graph.stream.counts;
  if (c.transfers + c.flows === 0) return '';
  return `; ${c.transfers + c.matched} funding links from the recording's ledger updates (${c.transfers} transfers, ${c.matched} matched withdrawal → deposit)`;
}
