import type { ZoneEvent } from '../../domain/glass-event.ts';
import type { HistoryRow } from '../../engine/heatmap/coin-state.ts';
import type { HeatmapView } from '../../engine/heatmap/engine.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { describe } from '../engines.ts';
import { playHeatmap } from '../load.ts';
import { fmtInt, printJson, printNdjson } from '../output.ts';

export const heatmapSpec: CommandSpec = {
  name: 'heatmap',
  summary: 'Liquidation buckets and zones for a coin at the end of a recording; its history and zone events over it.',
  usage: 'F --coin C [--json] [--all-buckets] [--history] [--events]',
  options: {
    coin: { type: 'string' },
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'all-buckets': { type: 'boolean' },
    history: { type: 'boolean' },
    events: { type: 'boolean' },
  },
  help: [
    'F              a recording (positions from snapshots and fills) or a venue response file',
    '--coin C       the coin, as the venue names it (BTC, ETH, kPEPE…)',
    '--json         {coin, time, markPx, bucketWidth, buckets:[{lo, hi, longLiqUsd, shortLiqUsd}], zones:[…]}',
    '--all-buckets  text output: list every non-empty bucket, not only the zones',
    '--history      add the price × time grid, one row a minute: history:[{time, markPx, bucketWidth, fromPx,',
    '               longLiqUsd:[…], shortLiqUsd:[…]}] (bucket i spans fromPx + i·bucketWidth); the last 1,440 rows',
    '--events       instead of the map: the zone lifecycle over F (ZONE_FORMED, ZONE_APPROACHED, ZONE_SWEPT with',
    '               what was liquidated), NDJSON with --json',
  ],
  positionals: { min: 1, max: 1 },
};

export async function heatmapCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(heatmapSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const coin = strOption(p, 'coin');
  if (coin === undefined) throw new UsageError('glass heatmap needs --coin C');
  const events: ZoneEvent[] = [];
  const heat = await playHeatmap(file, { strict: flag(p, 'strict') }, (e) => {
    if (e.coin === coin && (e.type === 'ZONE_FORMED' || e.type === 'ZONE_APPROACHED' || e.type === 'ZONE_SWEPT')) events.push(e);
  });
  const view = heat.view(coin);
  if (view === null) throw new UsageError(`${file}: no position or price for coin ${coin}`);
  if (flag(p, 'events')) {
    if (flag(p, 'json')) for (const e of events) printNdjson(e);
    else process.stdout.write(events.map(describe).join('\n') + (events.length > 0 ? '\n' : ''));
    return 0;
  }
  const history = flag(p, 'history') ? heat.history(coin).map(historyRow) : null;
  if (flag(p, 'json')) {
    printJson(history === null ? view : { ...view, history });
    return 0;
  }
  const out = mapText(view, flag(p, 'all-buckets'));
  if (history !== null) {
    out.push(`history (${history.length} rows):`);
    for (const r of history) {
      const long = r.longLiqUsd.reduce((a, b) => a + b, 0);
      const short = r.shortLiqUsd.reduce((a, b) => a + b, 0);
      out.push(`  ${new Date(r.time).toISOString()}  mark ${r.markPx}  long $${fmtInt(long)}  short $${fmtInt(short)} in view`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

function mapText(view: HeatmapView, allBuckets: boolean): string[] {
  const out = [
    `${view.coin}  mark ${view.markPx}  bucket width ${view.bucketWidth}  ${view.buckets.length} buckets`,
    `zones (${view.zones.length}):`,
    ...view.zones.map(
      (z) =>
        `  ${z.side.padEnd(9)} ${z.lo}–${z.hi}  peak ${z.peakPx}  $${fmtInt(z.notionalUsd)}  ` +
        `${z.wallets} wallet${z.wallets === 1 ? '' : 's'}  ${z.distancePct.toFixed(2)} %  P(touch, 4 h) ${(100 * z.probability).toFixed(1)} %`,
    ),
  ];
  if (allBuckets) {
    out.push('buckets:');
    for (const b of view.buckets) out.push(`  ${b.lo}–${b.hi}  long $${fmtInt(b.longLiqUsd)}  short $${fmtInt(b.shortLiqUsd)}`);
  }
  return out;
}

/** A history row as JSON: notional to the cent (the grid is kept in float32). */
function historyRow(r: HistoryRow) {
  const cents = (a: Float32Array) => Array.from(a, (x) => Math.round(x * 100) / 100);
  return {
    time: r.time,
    markPx: r.markPx,
    bucketWidth: r.bucketWidth,
    fromPx: r.fromPx,
    longLiqUsd: cents(r.longLiqUsd),
    shortLiqUsd: cents(r.shortLiqUsd),
  };
}
