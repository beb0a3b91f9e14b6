import { type CommandSpec, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { printJson } from '../output.ts';
import { progress } from '../progress.ts';

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary:
    'The benchmark suite: replay throughput (normalizer + position book) against bare JSON.parse, the engines on decoded events, the heatmap at 1M positions, the Nexus Score at 200k wallets × 50 trades.',
  usage: '[--only replay|heatmap|score|whales] [--wallets N] [--hours H] [--seed S] [--positions P] [--repeats R]',
  options: {
    only: { type: 'string' },
    positions: { type: 'string' },
    wallets: { type: 'string' },
    hours: { type: 'string' },
    seed: { type: 'string' },
    repeats: { type: 'string' },
  },
  help: [
    '--wallets N   wallets in the simulated recording (default 16000: about 1,000,000 fills in 24 h on the current simulator)',
    '--hours H     simulated span (default 24)',
    '--seed S      simulator seed (default 42)',
    '--positions P heatmap: open positions (default 1000000), and as many position changes',
    '--repeats R   measurements per figure, median reported (default 3)',
    '--only X      run one suite: replay, heatmap, score or whales (score: --wallets defaults to 200000)',
  ],
  positionals: { min: 0, max: 0 },
};

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(benchSpec, argv);
  if (p === null) return 0;
  const only = strOption(p, 'only');
  if (only !== undefined && !['replay', 'heatmap', 'score', 'whales'].includes(only)) {
    throw new UsageError(`--only: replay, heatmap, score or whales, not ${only}`);
  }
  const repeats = intOption(p, 'repeats', 3, 1, 20);
  const out: Record<string, unknown> = { node: process.version };
  // Each suite runs for tens of seconds: say which one is running (stderr, on a terminal only).
  const suites = ['replay', 'whales', 'score', 'heatmap'].filter((s) => only === undefined || only === s);
  const shown = progress('bench');
  const stage = (name: string) => shown.stage(`${name} suite (${suites.indexOf(name) + 1} of ${suites.length})`);
  if (only === undefined || only === 'replay') {
    stage('replay');
    const { replayBench } = await import('../../../bench/replay.bench.ts');
    out['replay'] = await replayBench({
      wallets: intOption(p, 'wallets', 16000, 10, 1_000_000),
      hours: intOption(p, 'hours', 24, 1, 24 * 30),
      seed: intOption(p, 'seed', 42, 0, 2 ** 31),
      repeats,
    });
  }
  if (only === undefined || only === 'whales') {
    stage('whales');
    const { whalesBench } = await import('../../../bench/whales.bench.ts');
    out['whales'] = await whalesBench({
      wallets: intOption(p, 'wallets', 16000, 10, 1_000_000),
      hours: intOption(p, 'hours', 24, 1, 24 * 30),
      seed: intOption(p, 'seed', 42, 0, 2 ** 31),
      repeats,
    });
  }
  if (only === undefined || only === 'score') {
    stage('score');
    const { scoreBench } = await import('../../../bench/score.bench.ts');
    const wallets = only === 'score' ? intOption(p, 'wallets', 200_000, 100, 10_000_000) : 200_000;
    out['score'] = scoreBench({ wallets, trades: 50, repeats });
  }
  if (only === undefined || only === 'heatmap') {
    stage('heatmap');
    const { heatmapBench } = await import('../../../bench/heatmap.bench.ts');
    const positions = intOption(p, 'positions', 1_000_000, 1000, 10_000_000);
    out['heatmap'] = heatmapBench({ positions, changes: positions, repeats });
  }
  shown.done();
  await printJson(out);
  return 0;
}
