import { fmtPct, fmtPx, fmtUsd, plural, tidy } from '../../domain/format.ts';
import { RANKED_MIN_TRADES, ScoreEngine, type WalletProfile, withCurrentScore } from '../../engine/score/engine.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { fmtInt, printJson, printText } from '../output.ts';
import { walletOption } from '../validate.ts';

export const scoreSpec: CommandSpec = {
  name: 'score',
  summary: 'Nexus Score (0–100) with its components for every wallet with closed round trips in a recording.',
  usage: 'F [--json] [--min-trades N] [--wallet W] [--top K]',
  options: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'min-trades': { type: 'string' },
    wallet: { type: 'string' },
    top: { type: 'string' },
  },
  help: [
    'F              a recording (or a userFills response file)',
    '--json         [{wallet, score, confidence, trades, components: {accuracy, riskAdjusted, sizing, behaviour}}], highest first',
    `--min-trades N only wallets with at least N closed round trips (default ${RANKED_MIN_TRADES}: an established`,
    '               record; with fewer a score is mostly the population prior, and a few lucky trades',
    '               would top the list. --min-trades 1 ranks every scored wallet)',
    '--wallet W     one wallet’s profile (any number of trades): score, components, the evidence behind them, score',
    '               history, the trades that moved it most. The same score the ranking gives the wallet',
    '--top K        text output: the K highest (default 20)',
  ],
  positionals: { min: 1, max: 1 },
};

export async function scoreCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(scoreSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  // Checked before the file is read: a typo fails at once, not after the replay.
  const wallet = walletOption(strOption(p, 'wallet'));
  let engine: ScoreEngine | null = null;
  const pipeline = await playFile(
    file,
    (pl) => {
      engine = new ScoreEngine(pl.book);
      pl.attach(engine);
    },
    { strict: flag(p, 'strict') },
  );
  const score = engine as unknown as ScoreEngine;
  if (wallet !== undefined) {
    const scored = score.profile(wallet);
    if (scored === null) throw new UsageError(`${file}: wallet ${wallet} has no closed round trip in it`);
    const profile = withCurrentScore(scored, pipeline.lastTs);
    if (flag(p, 'json')) await printJson(tidy(profile));
    else await printText(`${profileText(profile).join('\n')}\n`);
    return 0;
  }
  const minTrades = intOption(p, 'min-trades', RANKED_MIN_TRADES, 1, 1_000_000);
  const rows = score.table(minTrades).map(({ raw: _raw, ...row }) => row);
  if (flag(p, 'json')) {
    await printJson(tidy(rows));
    return 0;
  }
  const top = intOption(p, 'top', 20, 1, 1_000_000);
  const scored = score.table(1).length;
  const ranked = `${fmtInt(scored)} wallets scored; ${fmtInt(rows.length)} with at least ${plural(minTrades, 'closed trade')} ranked`;
  const lines = [
    `${ranked}${rows.length < scored ? ' (--min-trades 1 ranks all)' : ''}`,
    'score  conf  trades  accuracy  riskAdj  sizing  behaviour  wallet',
  ];
  for (const r of rows.slice(0, top)) {
    const c = r.components;
    lines.push(
      `${r.score.toFixed(1).padStart(5)}  ${r.confidence.toFixed(2)}  ${String(r.trades).padStart(6)}  ${c.accuracy.toFixed(1).padStart(8)}  ` +
        `${c.riskAdjusted.toFixed(1).padStart(7)}  ${c.sizing.toFixed(1).padStart(6)}  ${c.behaviour.toFixed(1).padStart(9)}  ${r.wallet}`,
    );
  }
  await printText(`${lines.join('\n')}\n`);
  return 0;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** A wallet's profile for a person: the score and why, its path, the trades that moved it most. */
function profileText(p: WalletProfile): string[] {
  const c = p.components;
  const e = p.explanation;
  const hist = p.history;
  const first = hist[0];
  const last = hist[hist.length - 1];
  return [
    `${p.wallet}  Nexus Score ${p.score.toFixed(1)}  confidence ${p.confidence.toFixed(2)}  ${plural(p.trades, 'round trip')} in ${plural(e.bets, 'bet')}`,
    `  accuracy ${c.accuracy.toFixed(1)}   risk-adjusted ${c.riskAdjusted.toFixed(1)}   sizing ${c.sizing.toFixed(1)}   behaviour ${c.behaviour.toFixed(1)}   (percentiles)`,
    `  realised ${fmtUsd(e.pnlUsd)}; bets won ${fmtPct(e.betWinRate)}; entries moving its way ${fmtPct(e.hitRate)}`,
    ...(first !== undefined && last !== undefined
      ? [
          `  score ${first.score.toFixed(1)} after its first bet (${iso(first.time)}) → ${last.score.toFixed(1)} at the end of the file (${iso(last.time)})`,
        ]
      : []),
    'trades that moved it most (score: its change when that bet closed; the other wallets move the score too, so these need not sum to it):',
    ...p.movers.map(
      (t) =>
        `  ${iso(t.closeTime)}  ${t.coin.padEnd(6)} ${t.side.padEnd(5)} ${fmtPx(t.entryPx)} → ${fmtPx(t.exitPx)}  ${fmtUsd(t.notionalUsd)}  ` +
        `PnL ${fmtUsd(t.pnlUsd)}${t.liquidated ? '  liquidated' : ''}  score ${t.scoreDelta === null ? '—' : `${t.scoreDelta >= 0 ? '+' : ''}${t.scoreDelta.toFixed(2)}`}`,
    ),
    'the evidence in full: --json',
  ];
}
