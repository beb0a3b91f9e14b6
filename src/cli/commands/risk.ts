import { fmtPx, fmtSz, fmtUsd } from '../../domain/format.ts';
import { HeatmapEngine } from '../../engine/heatmap/engine.ts';
import { advise, type RiskAdvice } from '../../engine/risk/advice.ts';
import { adviceJson } from '../../engine/risk/document.ts';
import { whaleLean } from '../../engine/risk/whale-lean.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { WhalePolicy } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, numOption, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printJson, printText } from '../output.ts';
import { unknownCoin } from '../validate.ts';

export const riskSpec: CommandSpec = {
  name: 'risk',
  summary:
    'Risk advice for your position against the market at the end of a recording: zones in its path, whale lean, stop, size, leverage, timing.',
  usage: 'F --coin C --side long|short --entry PX --size SZ [--leverage L] [--stop PX] [--json]',
  options: {
    coin: { type: 'string' },
    side: { type: 'string' },
    entry: { type: 'string' },
    size: { type: 'string' },
    leverage: { type: 'string' },
    stop: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: [
    'F              a recording (the market state at its end)',
    '--coin C --side long|short --entry PX --size SZ (coin units; at most the coin’s open interest in F when',
    '               F has it, and at most $10B notional)',
    '--leverage L   isolated leverage: the liquidation price is computed from it',
    '--stop PX      your stop (a stop beyond the liquidation price is flagged first: it would never fire)',
    '--json         {liquidationPx, exitPx, stopBeyondLiquidation, warnings, zonesInPath, whaleBias, whaleNetUsd, suggestions}',
    '               (a leverage past the venue’s for the coin at this size is refused; an entry 20 % or more from the',
    '               mark, or a position already past its liquidation at the mark, is warned of first)',
  ],
  positionals: { min: 1, max: 1 },
};

/**
 * No position on the venue comes near this: Hyperliquid's whole open interest across every perp
 * has been in the low tens of billions of USD. A size past it is a typo (`1e12`), not a plan.
 */
const MAX_NOTIONAL_USD = 10e9;

export async function riskCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(riskSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  const side = strOption(p, 'side');
  if (coin === undefined) throw new UsageError('needs --coin C');
  if (side !== 'long' && side !== 'short') throw new UsageError(`--side takes long or short, got ${side ?? 'nothing'}`);
  if (p.values['entry'] === undefined || p.values['size'] === undefined) throw new UsageError('needs --entry PX and --size SZ');
  const entry = numOption(p, 'entry', Number.NaN, 1e-12, 1e15);
  const size = numOption(p, 'size', Number.NaN, 1e-12, 1e15);
  const leverage = p.values['leverage'] === undefined ? null : numOption(p, 'leverage', 1, 1, 1000);
  const stopPx = p.values['stop'] === undefined ? null : numOption(p, 'stop', 0, 1e-12, 1e15);
  if (entry * size > MAX_NOTIONAL_USD) {
    throw new UsageError(
      `--size ${String(p.values['size'])}: ${fmtSz(size)} ${coin} at ${fmtPx(entry)} is ${fmtUsd(entry * size)} notional; ` +
        `no position on the venue is that large (the limit here is ${fmtUsd(MAX_NOTIONAL_USD)})`,
    );
  }
  const made: { heat?: HeatmapEngine; score?: ScoreEngine; policy?: WhalePolicy } = {};
  let openInterest: number | null = null;
  const pl = await playFile(file, (q) => {
    const heat = new HeatmapEngine(q.book);
    const score = new ScoreEngine(q.book);
    const policy = new WhalePolicy(q.book, (w) => score.scoreNow(w));
    q.attach(heat);
    q.attach(score);
    // The policy learns who makes markets (almost always the passive side) from every change.
    q.changes.subscribe((c) => policy.observe(c));
    q.market.subscribe((e) => {
      if (e.type === 'funding' && e.coin === coin && e.openInterest !== null) openInterest = e.openInterest;
    });
    Object.assign(made, { heat, score, policy });
  });
  const { heat: h, score: s, policy } = made;
  if (h === undefined || s === undefined || policy === undefined) throw new Error('playFile returned without running its set-up');
  const state = h.coinState(coin);
  if (state === null) throw unknownCoin(file, coin, h.coinList());
  if (!(state.mark > 0)) throw new UsageError(`${file}: no price for coin ${coin}`);
  const szd = h.liq.tables.szDecimals(coin);
  const oi = openInterest as number | null;
  if (oi !== null && oi > 0 && size > oi) {
    throw new UsageError(
      `--size ${String(p.values['size'])}: more than ${coin}'s whole open interest in ${file} (${fmtSz(oi, szd)} ${coin}); no position can be that large`,
    );
  }
  // The venue's limit at this size (its margin tier), from the meta in F: a leverage past it cannot be opened.
  if (leverage !== null && h.liq.tables.has(coin)) {
    const maxLev = Number((1 / (2 * h.liq.tables.maintenanceFraction(coin, entry * size))).toPrecision(6));
    if (leverage > maxLev) {
      throw new UsageError(
        `--leverage ${String(p.values['leverage'])}: ${coin} allows at most ${maxLev}× at ${fmtUsd(entry * size)} notional (the venue's margin table in ${file})`,
      );
    }
  }
  const whaleBias = whaleLean(pl.book, coin, state.mark, policy, (w) => s.scoreNow(w));
  const horizonMs = 4 * 3600_000;
  const advice = advise(
    { coin, side, entryPx: entry, size, leverage, stopPx },
    {
      markPx: state.mark,
      zones: h.zones(coin),
      sigma: state.vol.sigma(horizonMs),
      horizonMs,
      maintenance: h.liq.tables.maintenanceFraction(coin, entry * size),
      whaleBias,
      szDecimals: szd,
    },
  );
  if (flag(p, 'json')) {
    await printJson(adviceJson(advice, whaleBias, szd));
    return 0;
  }
  const px = (x: number | null) => fmtPx(x, szd);
  const lines = [
    `${coin} ${side} ${fmtSz(size, szd)} @ ${px(entry)}  mark ${px(state.mark)}  liquidation ${px(advice.liquidationPx)}  ` +
      `exit ${px(advice.exitPx)}  whales: ${advice.whaleBias}${whaleBias === 0 ? '' : ` (${fmtUsd(whaleBias)} net, score-weighted)`}`,
    ...advice.warnings.map((w) => `warning: ${w}`),
    `zones in the path (${advice.zonesInPath.length}):`,
    ...orNone(
      advice.zonesInPath.map(
        (z) => `  ${px(z.lo)}–${px(z.hi)}  ${fmtUsd(z.notionalUsd)}  P(reach, 4 h) ${(100 * z.touchProbability).toFixed(0)} %`,
      ),
    ),
    'suggestions:',
    ...orNone(
      advice.suggestions.map((x) => `  ${x.action}${x.value === null ? '' : ` ${suggestionText(x.action, x.value, szd)}`}: ${x.reason}`),
    ),
  ];
  await printText(`${lines.join('\n')}\n`);
  return 0;
}

/** The lines under a header, or `none` under an empty one. */
function orNone(lines: readonly string[]): readonly string[] {
  return lines.length === 0 ? ['  none'] : lines;
}

function suggestionText(action: RiskAdvice['suggestions'][number]['action'], value: number, szd: number | null): string {
  if (action === 'stop') return fmtPx(value, szd);
  if (action === 'size') return fmtSz(value, szd);
  return `${value}×`;
}
