import { HeatmapEngine } from '../../engine/heatmap/engine.ts';
import { advise } from '../../engine/risk/advice.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { DEFAULT_WHALE_POLICY } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, numOption, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printJson } from '../output.ts';

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
    '--coin C --side long|short --entry PX --size SZ (coin units)',
    '--leverage L   isolated leverage: the liquidation price is computed from it',
    '--stop PX      your stop',
  ],
  positionals: { min: 1, max: 1 },
};

export async function riskCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(riskSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  const side = strOption(p, 'side');
  if (coin === undefined) throw new UsageError('glass risk needs --coin C');
  if (side !== 'long' && side !== 'short') throw new UsageError('--side: long or short');
  const entry = numOption(p, 'entry', Number.NaN, 1e-12, 1e15);
  const size = numOption(p, 'size', Number.NaN, 1e-12, 1e15);
  if (!(entry > 0) || !(size > 0)) throw new UsageError('glass risk needs --entry PX and --size SZ');
  let heat: HeatmapEngine | null = null;
  let score: ScoreEngine | null = null;
  const pl = await playFile(file, (q) => {
    heat = new HeatmapEngine(q.book);
    score = new ScoreEngine(q.book);
    q.attach(heat);
    q.attach(score);
  });
  const h = heat as unknown as HeatmapEngine;
  const s = score as unknown as ScoreEngine;
  const state = h.coinState(coin);
  if (state === null || !(state.mark > 0)) throw new UsageError(`${file}: no price for coin ${coin}`);
  // Whales' lean: score-weighted net notional of the large positions in the coin now.
  const book = pl.book;
  let bias = 0;
  const coinId = book.coins.peek(coin);
  for (let slot = 0; slot < book.slotCount; slot++) {
    if (book.coinOf(slot) !== coinId) continue;
    const ntl = book.sziAt(slot) * state.mark;
    const w = book.walletOf(slot);
    if (Math.abs(ntl) < DEFAULT_WHALE_POLICY.minPositionUsd && !(book.accountValueAt(w) >= DEFAULT_WHALE_POLICY.minAccountUsd)) continue;
    bias += (ntl * (s.scoreNow(w) ?? 50)) / 50;
  }
  const horizonMs = 4 * 3600_000;
  const advice = advise(
    {
      coin,
      side,
      entryPx: entry,
      size,
      leverage: p.values['leverage'] === undefined ? null : numOption(p, 'leverage', 1, 1, 1000),
      stopPx: p.values['stop'] === undefined ? null : numOption(p, 'stop', 0, 1e-12, 1e15),
    },
    {
      markPx: state.mark,
      zones: h.zones(coin),
      sigma: state.vol.sigma(horizonMs),
      horizonMs,
      maintenance: h.liq.tables.maintenanceFraction(coin, entry * size),
      whaleBias: bias,
    },
  );
  if (flag(p, 'json')) {
    printJson(advice);
    return 0;
  }
  const lines = [
    `${coin} ${side} ${size} @ ${entry}  mark ${state.mark}  liquidation ${advice.liquidationPx ?? '—'}  exit ${advice.exitPx ?? '—'}  whales: ${advice.whaleBias}`,
    `zones in the path (${advice.zonesInPath.length}):`,
    ...advice.zonesInPath.map(
      (z) =>
        `  ${z.lo}–${z.hi}  $${Math.round(z.notionalUsd).toLocaleString('en-US')}  P(reach, 4 h) ${(100 * z.touchProbability).toFixed(0)} %`,
    ),
    'suggestions:',
    ...advice.suggestions.map((x) => `  ${x.action}${x.value === null ? '' : ` ${x.value}`}: ${x.reason}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
