import { writeFileSync } from 'node:fs';
import { plural } from '../../domain/format.ts';
import { RecordingWriter } from '../../recording/writer.ts';
import { DEFAULT_SIM } from '../../sim/config.ts';
import { Simulator } from '../../sim/simulator.ts';
import { type CommandSpec, flag, intOption, numOption, parseCommand, strOption, UsageError } from '../args.ts';
import { fmtInt, note, printJson } from '../output.ts';
import { progress } from '../progress.ts';
import { ledgerPathOf } from './import.ts';

export const simSpec: CommandSpec = {
  name: 'sim',
  summary:
    'Writes a simulated Hyperliquid recording (the same format `glass record` captures) and its ground truth:\n' +
    "every wallet's latent skill, discipline and capital, each planted syndicate and liquidation cluster.",
  usage:
    '--out F [--wallets N] [--hours H] [--seed S] [--truth T] [--syndicates K] [--clusters K] [--episodes K] [--btc-corr R] [--actors N] [--shocks K] [--json]',
  options: {
    out: { type: 'string', short: 'o' },
    wallets: { type: 'string' },
    hours: { type: 'string' },
    seed: { type: 'string' },
    truth: { type: 'string' },
    syndicates: { type: 'string' },
    clusters: { type: 'string' },
    episodes: { type: 'string' },
    'btc-corr': { type: 'string' },
    actors: { type: 'string' },
    shocks: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: [
    '--out F         recording to write (.ndjson, or .ndjson.gz for gzip)',
    `--wallets N     simulated traders (default ${DEFAULT_SIM.wallets}; up to 1,000,000)`,
    `--hours H       simulated time span (default ${DEFAULT_SIM.hours})`,
    `--seed S        seed: the same seed and options give a byte-identical file (default ${DEFAULT_SIM.seed})`,
    '--truth T       ground-truth JSON (default: F with .truth.json in place of .ndjson[.gz])',
    `--syndicates K  planted syndicates per 24 h (default ${DEFAULT_SIM.syndicatesPerDay})`,
    `--clusters K    planted liquidation clusters per 24 h (default ${DEFAULT_SIM.clustersPerDay})`,
    `--episodes K    planted market episodes per 24 h: leverage build-ups, funding extremes, decouplings from BTC, thin books (default ${DEFAULT_SIM.marketEpisodesPerDay})`,
    `--btc-corr R    correlation of the other coins' shocks with BTC's, 0 to 0.95 (default ${DEFAULT_SIM.btcCorrelation})`,
    `--actors N      planted actors, each owning 3–6 wallets funded from one and traded as one (default ${DEFAULT_SIM.actors});`,
    '                their funding transfers go beside F, in F with .ledger.ndjson (read by glass entities)',
    `--shocks K      planted price shocks per 24 h, each followed by a crowd reacting to it (default ${DEFAULT_SIM.shocksPerDay})`,
    '--json          print the summary as JSON',
  ],
  positionals: { min: 0, max: 0 },
};

export function truthPathFor(out: string): string {
  return `${out.replace(/\.gz$/, '').replace(/\.ndjson$/, '')}.truth.json`;
}

export async function simCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(simSpec, argv);
  if (p === null) return 0;
  const out = strOption(p, 'out');
  if (out === undefined) throw new UsageError('needs --out F');
  const config = {
    seed: intOption(p, 'seed', DEFAULT_SIM.seed, 0, 2 ** 32 - 1),
    wallets: intOption(p, 'wallets', DEFAULT_SIM.wallets, 10, 1_000_000),
    hours: numOption(p, 'hours', DEFAULT_SIM.hours, 0.01, 24 * 365),
    syndicatesPerDay: numOption(p, 'syndicates', DEFAULT_SIM.syndicatesPerDay, 0, 10_000),
    clustersPerDay: numOption(p, 'clusters', DEFAULT_SIM.clustersPerDay, 0, 10_000),
    marketEpisodesPerDay: numOption(p, 'episodes', DEFAULT_SIM.marketEpisodesPerDay, 0, 1_000),
    btcCorrelation: numOption(p, 'btc-corr', DEFAULT_SIM.btcCorrelation, 0, 0.95),
    actors: intOption(p, 'actors', DEFAULT_SIM.actors, 0, 1_000),
    shocksPerDay: numOption(p, 'shocks', DEFAULT_SIM.shocksPerDay, 0, 1_000),
  };
  const truthPath = strOption(p, 'truth') ?? truthPathFor(out);
  let writer: RecordingWriter;
  try {
    writer = new RecordingWriter(out);
  } catch (e) {
    throw new UsageError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // The actors' funding transfers are the venue's ledger answers: beside the recording, as `glass import` writes them.
  const ledgerOut = config.actors > 0 ? ledgerPathOf(out) : null;
  const ledger = ledgerOut === null ? null : new RecordingWriter(ledgerOut);
  const t0 = performance.now();
  const sim = new Simulator(
    config,
    (ts, msg) => writer.write(ts, 'hyperliquid', msg),
    ledger === null ? undefined : (ts, msg) => ledger.write(ts, 'hyperliquid', msg),
  );
  sim.begin();
  const total = sim.totalTicks();
  // Progress on a terminal only (GLASS_PROGRESS=1 forces it, 0 turns it off), redrawn in place.
  const shown = progress('sim');
  try {
    while (sim.advance(600)) shown.lines(writer.lines, `${((100 * sim.elapsed) / total).toFixed(0)}% of ${config.hours} h`);
  } finally {
    shown.done();
  }
  const truth = sim.truth();
  writer.close();
  ledger?.close();
  writeFileSync(truthPath, `${JSON.stringify(truth)}\n`);
  const summary = {
    out,
    truth: truthPath,
    ...config,
    lines: writer.lines,
    trades: truth.stats.trades,
    fills: truth.stats.fills,
    liquidations: truth.stats.liquidations,
    snapshots: truth.stats.snapshots,
    syndicates: truth.syndicates.length,
    clusters: truth.clusters.length,
    actors: truth.entities?.length ?? 0,
    shocks: truth.shocks?.length ?? 0,
    ledger: ledgerOut,
  };
  if (flag(p, 'json')) await printJson(summary);
  else {
    note(
      `wrote ${out}: ${fmtInt(summary.lines)} lines, ${fmtInt(summary.trades)} trades (${fmtInt(summary.fills)} fills), ` +
        `${plural(summary.liquidations, 'liquidation')}, ${plural(summary.syndicates, 'syndicate')} and ${plural(summary.clusters, 'cluster')} planted` +
        `${summary.actors > 0 ? `, ${plural(summary.actors, 'actor')} (funding in ${ledgerOut})` : ''}${summary.shocks > 0 ? `, ${plural(summary.shocks, 'price shock')}` : ''} ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s; ground truth in ${truthPath}`,
    );
  }
  return 0;
}
