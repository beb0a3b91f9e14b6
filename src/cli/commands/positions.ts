import { fmtPx, fmtSz, fmtUsd, plural, roundPlain, roundPx, roundSz, roundUsd } from '../../domain/format.ts';
import type { Coin } from '../../domain/ids.ts';
import type { PositionLiquidation } from '../../engine/heatmap/engine.ts';
import { UNNAMED_ACCOUNT } from '../../recording/document.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption } from '../args.ts';
import { playHeatmap } from '../load.ts';
import { printJson, printText } from '../output.ts';
import { unknownCoin, walletOption } from '../validate.ts';

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
    '               (a clearinghouseState that names no user is filed under the zero address 0x000…000)',
    '--coin C       only this coin',
    '--wallet W     only this wallet',
    '--top N        text output: the N largest by notional (default 30)',
    '--json         [{wallet, coin, szi, entryPx, notionalUsd, marginMode, leverage, liquidationPx, priced, estimated,',
    '               unpricedMarketMaker, venueLiqPx, sizeKnown}], largest notional first; priced: false (liquidationPx',
    '               null) for a market maker (mostly the passive side) whose account is not seen: not priced at any',
    '               leverage (unpricedMarketMaker says why); estimated: a price that comes from an assumed leverage',
    '               (no account snapshot yet), not the account (never true of an unpriced position)',
  ],
  positionals: { min: 1, max: 1 },
};

export async function positionsCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(positionsSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  const wallet = walletOption(strOption(p, 'wallet'));
  // Positions need no zones nor history: the map is filed, nothing re-derived from it.
  const heat = await playHeatmap(file, { strict: flag(p, 'strict') }, undefined, { zoneTracking: 'on-demand' });
  if (coin !== undefined && !heat.coinList().includes(coin as Coin)) throw unknownCoin(file, coin, heat.coinList());
  const szd = (c: string) => heat.liq.tables.szDecimals(c);
  const all = heat.positions(wallet);
  const rows = all.filter((r) => coin === undefined || r.coin === coin).map((r) => row(r, szd(r.coin)));
  rows.sort((a, b) => b.notionalUsd - a.notionalUsd);
  if (flag(p, 'json')) {
    await printJson(rows);
    return 0;
  }
  const top = intOption(p, 'top', 30, 1, 1_000_000);
  const fmt = (x: number | null, c: string) => (x === null ? 'none' : fmtPx(x, szd(c)));
  const who = (w: string) => (w === UNNAMED_ACCOUNT ? '(account not named in F)'.padEnd(42) : w);
  const out = [`${plural(rows.length, 'open position')}${rows.length > top ? `, the ${top} largest` : ''}:`];
  if (rows.length > 0) {
    out.push(
      `  ${'wallet'.padEnd(42)}  ${'coin'.padEnd(8)} ${'size'.padStart(16)}  ${'notional'.padStart(9)}  ${'margin'.padEnd(8)} ${'liquidation'.padStart(16)}`,
    );
  }
  for (const r of rows.slice(0, top)) {
    out.push(
      `  ${who(r.wallet)}  ${r.coin.padEnd(8)} ${fmtSz(r.szi, szd(r.coin)).padStart(16)}  ${fmtUsd(r.notionalUsd).padStart(9)}  ` +
        `${(r.marginMode ?? '?').padEnd(8)} ${fmt(r.liquidationPx, r.coin).padStart(16)}${note(r)}`,
    );
  }
  await printText(`${out.join('\n')}\n`);
  return 0;
}

/** What the liquidation price rests on, when not the account. */
function note(r: { estimated: boolean; priced: boolean }): string {
  if (!r.priced) return '  (market maker, not in an account snapshot: not priced)';
  return r.estimated ? '  (estimated)' : '';
}

/** The JSON row: the fields a trader reads, notional at the entry price; prices and sizes as the venue writes them. */
function row(r: PositionLiquidation, szDecimals: number | null) {
  const px = (x: number | null) => (x === null || !Number.isFinite(x) ? null : roundPx(x, szDecimals));
  return {
    wallet: r.wallet,
    coin: r.coin,
    szi: roundSz(r.szi, szDecimals),
    entryPx: px(r.entryPx),
    notionalUsd: r.entryPx === r.entryPx ? roundUsd(Math.abs(r.szi) * r.entryPx) : 0,
    marginMode: r.marginMode,
    leverage: r.leverage === null ? null : roundPlain(r.leverage),
    liquidationPx: r.unpricedMaker ? null : px(r.liquidationPx),
    // Unpriced is not estimated: no price was guessed at all.
    priced: !r.unpricedMaker,
    estimated: r.estimated && !r.unpricedMaker,
    unpricedMarketMaker: r.unpricedMaker,
    venueLiqPx: px(r.venueLiqPx),
    sizeKnown: r.known,
  };
}
