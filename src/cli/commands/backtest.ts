import { evaluateCascade, type LiquidationGrading } from '../../backtest/cascade-eval.ts';
import { evaluateScore } from '../../backtest/score-eval.ts';
import { plural, tidy } from '../../domain/format.ts';
import type { EstimateAccuracy } from '../../engine/heatmap/estimate-grader.ts';
import { HORIZONS_MS, REFERENCE_HORIZON } from '../../engine/score/forward-returns.ts';
import { InputError } from '../../recording/errors.ts';
import { type CommandSpec, flag, intOption, type Parsed, parseCommand, UsageError } from '../args.ts';
import { fmtInt, printJson, printText } from '../output.ts';
import { progress } from '../progress.ts';
import { whaleSizeOptions } from '../validate.ts';

export const backtestSpec: CommandSpec = {
  name: 'backtest',
  summary:
    'Grades the engines: F → the cascade probability model and event types on a recording; --score → Nexus Score vs a simulation’s latent skill.',
  usage:
    'F [--json] [--horizon-ms H] [--min-account U] [--min-position U]  |  --score [--wallets N] [--hours H] [--seed S] [--min-trades N] [--json]',
  options: {
    score: { type: 'boolean' },
    wallets: { type: 'string' },
    hours: { type: 'string' },
    seed: { type: 'string' },
    'min-trades': { type: 'string' },
    json: { type: 'boolean' },
    'horizon-ms': { type: 'string' },
    'min-account': { type: 'string' },
    'min-position': { type: 'string' },
  },
  help: [
    'F              a recording: the model is fitted on its first half (by time) and graded on the second —',
    '               Brier score and reliability of the layered probability vs the volatility-only baseline;',
    '               per event type, how often its zone was reached within the horizon vs quiet zones',
    '--horizon-ms H the horizon (default 14400000: 4 h)',
    '--min-account U / --min-position U   the whale policy (defaults 1,000,000 / 250,000 USD)',
    '--score        simulate, score every wallet from the stream, and rank against the planted skill:',
    '               Spearman ρ of score, of each skill component and of raw PnL; top-quintile overlap;',
    '               beside them the oracle (each wallet’s realised hit rate against the hidden drift)',
    '--wallets N    simulated wallets (default 1500)',
    '--hours H      simulated span (default 336: two weeks, ~100 round trips per wallet)',
    '--seed S       simulator seed (default 1)',
    '--min-trades N wallets graded: at least N closed round trips (default 20)',
  ],
  positionals: { min: 0, max: 1 },
};

/** Fewer graded wallets than this make a rank correlation noise. */
const MIN_GRADED_WALLETS = 10;

export async function backtestCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(backtestSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0];
  if (file !== undefined) return cascade(p, file);
  if (!flag(p, 'score')) throw new UsageError('give a recording F, or --score');
  const r = evaluateScore(
    {
      wallets: intOption(p, 'wallets', 1500, 50, 1_000_000),
      hours: intOption(p, 'hours', 336, 1, 24 * 365),
      seed: intOption(p, 'seed', 1, 0, 2 ** 31),
    },
    intOption(p, 'min-trades', 20, 1, 100_000),
  );
  if (r.wallets < MIN_GRADED_WALLETS) {
    throw new InputError(
      `too little data to grade the score: ${fmtInt(r.wallets)} of ${plural(r.sim.wallets, 'simulated wallet')} closed at least ${plural(r.minTrades, 'round trip')} ` +
        `in ${r.sim.hours} h; a rank correlation needs at least ${MIN_GRADED_WALLETS} (more --hours or --wallets, or a lower --min-trades)`,
    );
  }
  if (flag(p, 'json')) {
    await printJson(tidy(r));
    return 0;
  }
  const s = r.spearman;
  const q = r.topQuintile;
  await printText(
    [
      `simulated ${plural(r.sim.wallets, 'wallet')} × ${r.sim.hours} h (seed ${r.sim.seed}) in ${r.seconds} s`,
      `graded ${plural(r.wallets, 'trader')} with ≥ ${plural(r.minTrades, 'closed round trip')} (median ${fmtInt(r.medianTrades)})`,
      'Spearman ρ with latent skill:',
      `  Nexus Score        ${s.score}`,
      `  accuracy alone     ${s.accuracy}`,
      `  risk-adjusted      ${s.riskAdjusted}`,
      `  raw PnL            ${s.rawPnl}`,
      `  realised hit rate  ${s.realisedHitRate}   (price moved their way at ${(HORIZONS_MS[REFERENCE_HORIZON] as number) / 60_000} min)`,
      `  oracle             ${s.oracleHitRate}   (hit rate against the hidden drift: the ceiling)`,
      `true top quintile recovered: score ${q.score}, raw PnL ${q.rawPnl}, oracle ${q.oracleHitRate}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function cascade(p: Parsed, file: string): Promise<number> {
  const policy = whaleSizeOptions(p);
  // Two passes over the file (fit, then grade): progress shows each on stderr when it is a terminal.
  const horizon = intOption(p, 'horizon-ms', 4 * 3600_000, 60_000, 30 * 86_400_000);
  const shown = progress(file, { countsLines: false });
  const r = await evaluateCascade(file, { policy }, horizon, { onRead: (b, size) => shown.read(b, size) }).finally(() => shown.done());
  if (flag(p, 'json')) {
    await printJson(tidy(r));
    return 0;
  }
  const lines = [
    `zone assessments: ${fmtInt(r.samples.train)} to fit, ${fmtInt(r.samples.test)} to grade (horizon ${duration(r.horizonMs)})`,
    `fitted: intercept ${r.coefficients.intercept}, baseline ${r.coefficients.baseline}, flow ${r.coefficients.flow}, syndicates ${r.coefficients.syndicates}`,
    `Brier (held-out half): model ${r.test.brierModel}, volatility baseline ${r.test.brierBaseline} (recalibrated ${r.test.brierRecalibratedBaseline}); zones reached ${r.test.hitRate}`,
    `quiet zones (no whale or syndicate toward them): ${fmtInt(r.quietZones.n)}, reached ${r.quietZones.reached}, mean baseline ${r.quietZones.meanBaseline}`,
    'per event type (held-out half): n, share whose zone was reached, mean baseline',
    `  ${'event'.padEnd(20)} ${'n'.padStart(7)}  ${'reached'.padStart(7)}  ${'baseline'.padStart(8)}`,
    ...Object.entries(r.events).map(
      ([t, v]) => `  ${t.padEnd(20)} ${fmtInt(v.n).padStart(7)}  ${share(v.reached).padStart(7)}  ${share(v.meanBaseline).padStart(8)}`,
    ),
    estimatesLine(r.estimatedLiquidations),
    liquidationLine(r.estimatedAtLiquidation),
    'reliability (model): forecast → observed (n)',
    ...r.test.reliabilityModel.map(
      (b) => `  ${b.lo.toFixed(1)}–${b.hi.toFixed(1)}  ${share(b.forecast)} → ${share(b.observed)} (${fmtInt(b.n)})`,
    ),
  ];
  await printText(`${lines.join('\n')}\n`);
  return 0;
}

/** A share or probability in a column: 3 decimals always (`1.000`, `0.082`), `—` for none. */
function share(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '—' : x.toFixed(3);
}

/** A horizon as people say it: `4 h`, `10 min`, `90 s`. */
function duration(ms: number): string {
  if (ms % 3600_000 === 0) return `${ms / 3600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toPrecision(6))} s`;
}

/**
 * The learned leverage against the 10× prior, on the positions the venue liquidated (walking
 * forward): the 10× prior → learned from earlier liquidations → also cut by the position's own
 * survival (what the map files), and the Kaplan–Meier variant beside it.
 */
function liquidationLine(g: LiquidationGrading): string {
  const m = g.model;
  if (m.priced === 0) return 'estimated liquidation prices vs real liquidation fills: no estimated position was liquidated';
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);
  const steps = (f: (a: EstimateAccuracy) => number | null) => [g.prior, g.deathsOnly, m].map((a) => pct(f(a))).join(' → ');
  return (
    `estimated liquidation prices vs real liquidation fills (${fmtInt(m.priced)}, leverage learned on earlier ones only): ` +
    `median |error| ${pct(g.prior.medianAbsRelErr)} at 10× → ${pct(g.deathsOnly.medianAbsRelErr)} learned from liquidations → ` +
    `${pct(m.medianAbsRelErr)} with survival (deaths weighed by survivals, Kaplan–Meier: ${pct(g.kaplanMeier.medianAbsRelErr)}); ` +
    `90th percentile ${steps((a) => a.p90AbsRelErr)}; within 1 % ${steps((a) => a.within1Pct)}; within 5 % ${steps((a) => a.within5Pct)}`
  );
}

function estimatesLine(e: EstimateAccuracy): string {
  if (e.n === 0) return 'estimated liquidation prices: none was later priced by a snapshot';
  const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);
  return (
    `estimated liquidation prices vs exact at the account's next snapshot: ${fmtInt(e.n)} graded; of the ${fmtInt(e.priced)} priced by both, ` +
    `median |error| ${pct(e.medianAbsRelErr)}, 90th percentile ${pct(e.p90AbsRelErr)}, median bias ${pct(e.medianRelErr)}, ` +
    `within 1 % ${pct(e.within1Pct)}, within 5 % ${pct(e.within5Pct)}; no price where there is one ${fmtInt(e.missed)}, ` +
    `a price where there is none ${fmtInt(e.spurious)}, neither ${fmtInt(e.bothNone)}`
  );
}
