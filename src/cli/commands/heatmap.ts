import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { playHeatmap } from '../load.ts';
import { fmtInt, printJson } from '../output.ts';

export const heatmapSpec: CommandSpec = {
  name: 'heatmap',
  summary: 'Liquidation buckets and zones for a coin at the end of a recording.',
  usage: 'F --coin C [--json] [--all-buckets]',
  options: { coin: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' }, 'all-buckets': { type: 'boolean' } },
  help: [
    'F              a recording (positions from snapshots and fills) or a venue response file',
    '--coin C       the coin, as the venue names it (BTC, ETH, kPEPE…)',
    '--json         {coin, time, markPx, bucketWidth, buckets:[{lo, hi, longLiqUsd, shortLiqUsd}], zones:[…]}',
    '--all-buckets  text output: list every non-empty bucket, not only the zones',
  ],
  positionals: { min: 1, max: 1 },
};

export async function heatmapCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(heatmapSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  if (coin === undefined) throw new UsageError('glass heatmap needs --coin C');
  const heat = await playHeatmap(file, { strict: flag(p, 'strict') });
  const view = heat.view(coin);
  if (view === null) throw new UsageError(`${file}: no position or price for coin ${coin}`);
  if (flag(p, 'json')) {
    printJson(view);
    return 0;
  }
  const out = [
    `${view.coin}  mark ${view.markPx}  bucket width ${view.bucketWidth}  ${view.buckets.length} buckets`,
    `zones (${view.zones.length}):`,
    ...view.zones.map(
      (z) =>
        `  ${z.side.padEnd(9)} ${z.lo.toFixed(4)}–${z.hi.toFixed(4)}  peak ${z.peakPx.toFixed(4)}  $${fmtInt(z.notionalUsd)}  ` +
        `${z.wallets} wallets  ${z.distancePct.toFixed(2)} %  P(touch, 4 h) ${(100 * z.probability).toFixed(1)} %`,
    ),
  ];
  if (flag(p, 'all-buckets')) {
    out.push('buckets:');
    for (const b of view.buckets) out.push(`  ${b.lo}–${b.hi}  long $${fmtInt(b.longLiqUsd)}  short $${fmtInt(b.shortLiqUsd)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
