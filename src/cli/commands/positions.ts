import { toWallet } from '../../domain/ids.ts';
import type { PositionLiquidation } from '../../engine/heatmap/engine.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { playHeatmap } from '../load.ts';
import { fmtInt, printJson } from '../output.ts';

export const positionsSpec: CommandSpec = {
  name: 'positions',
  summary: 'Open positions at the end of a recording with the liquidation price the heatmap files each at.',
  usage: 'F [--coin C] [--wallet W] [--top N] [--json]',
  options: {
    coin: { type: 'string' },
    wallet: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  help: [
    'F              a recording (positions from snapshots, fills and trades) or a venue response file',
    '--coin C       only this coin',
    '--wallet W     only this wallet',
    '--top N        text output: the N largest by notional (default 30)',
    '--json         [{wallet, coin, szi, entryPx, notionalUsd, marginMode, leverage, liquidationPx, estimated,',
    '               venueLiqPx, sizeKnown}], largest notional first; estimated: the price comes from an assumed',
    '               leverage (no account snapshot yet), not the account',
  ],
  positionals: { min: 1, max: 1 },
};

export async function positionsCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(positionsSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  const walletArg = strOption(p, 'wallet');
  const wallet = walletArg === undefined ? undefined : toWallet(walletArg);
  if (wallet === null) throw new UsageError(`--wallet takes a 0x address of 40 hex digits, got ${walletArg}`);
  const heat = await playHeatmap(file, { strict: flag(p, 'strict') });
  const all = heat.positions(wallet);
  const rows = all.filter((r) => coin === undefined || r.coin === coin).map(row);
  rows.sort((a, b) => b.notionalUsd - a.notionalUsd);
  if (flag(p, 'json')) {
    printJson(rows);
    return 0;
  }
  const top = intOption(p, 'top', 30, 1, 1_000_000);
  const fmt = (x: number | null) => (x === null ? 'none' : x.toPrecision(8));
  const out = [`${rows.length} open positions${rows.length > top ? `, the ${top} largest` : ''}:`];
  for (const r of rows.slice(0, top)) {
    out.push(
      `  ${r.wallet}  ${r.coin.padEnd(8)} ${String(r.szi).padStart(14)}  $${fmtInt(r.notionalUsd).padStart(12)}  ` +
        `${(r.marginMode ?? '?').padEnd(8)} liq ${fmt(r.liquidationPx).padStart(14)}${r.estimated ? '  (estimated)' : ''}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** The JSON row: the fields a trader reads, notional at the entry price. */
function row(r: PositionLiquidation) {
  return {
    wallet: r.wallet,
    coin: r.coin,
    szi: r.szi,
    entryPx: r.entryPx === r.entryPx ? r.entryPx : null,
    notionalUsd: r.entryPx === r.entryPx ? Math.abs(r.szi) * r.entryPx : 0,
    marginMode: r.marginMode,
    leverage: r.leverage,
    liquidationPx: r.liquidationPx,
    estimated: r.estimated,
    venueLiqPx: r.venueLiqPx,
    sizeKnown: r.known,
  };
}
