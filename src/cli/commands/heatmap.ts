import { fmtDistance, fmtPx, fmtUsd, tidy } from '../../domain/format.ts';
import type { GlassEvent, ZoneEvent, ZoneRef } from '../../domain/glass-event.ts';
import { historyRowJson, mapJson } from '../../engine/heatmap/document.ts';
import { HeatmapEngine, type HeatmapOptions, type HeatmapView } from '../../engine/heatmap/engine.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { describe, stamped } from '../engines.ts';
import { playFile } from '../load.ts';
import { printJson, printNdjson, printText } from '../output.ts';
import { unknownCoin } from '../validate.ts';

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
    '--json         {coin, time, markPx, bucketWidth, buckets:[{lo, hi, longLiqUsd, shortLiqUsd, longEstimatedUsd,',
    '               shortEstimatedUsd}], zones:[{…, notionalUsd, estimatedUsd, estimatedPositions, mostlyEstimated}]};',
    '               estimated: filed at an assumed leverage (no account seen), counted at a quarter weight in detection;',
    '               costToReachUsd (market-order notional from the mark to the zone, from the latest l2Book; null:',
    '               stale depth or beyond the visible book), chain:[{zoneLo, zoneHi, liquidatedUsd, pxAfter}] (the',
    '               forced-flow ladder once reached), depthStale (no l2Book for the coin within 60 s)',
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
  if (coin === undefined) throw new UsageError('needs --coin C');
  const events: ZoneEvent[] = [];
  const onEvent = (e: GlassEvent) => {
    if (e.coin === coin && (e.type === 'ZONE_FORMED' || e.type === 'ZONE_APPROACHED' || e.type === 'ZONE_SWEPT')) events.push(e);
  };
  // Only what is asked for: this coin's zones tracked live (their ids are the lifecycle's, as the
  // API and `glass events` give them), the history grid of this coin with --history.
  const heatOpts: Partial<HeatmapOptions> = {
    history: flag(p, 'history') ? [coin] : 'none',
    zoneTracking: [coin],
  };
  let made: HeatmapEngine | null = null;
  await playFile(
    file,
    (pl) => {
      // The events as `glass events` has them: rounded, with the causing message's receive time in their hops.
      made = new HeatmapEngine(pl.book, (e) => onEvent(stamped(pl, e)), heatOpts);
      pl.attach(made);
    },
    { strict: flag(p, 'strict') },
  );
  const heat = made as HeatmapEngine | null;
  if (heat === null) throw new Error('playFile returned without running its set-up');
  const view = heat.view(coin);
  if (view === null) throw unknownCoin(file, coin, heat.coinList());
  const szd = heat.liq.tables.szDecimals(coin);
  if (flag(p, 'events')) {
    if (flag(p, 'json')) for (const e of events) await printNdjson(tidy(e));
    else await printText(events.map(describe).join('\n') + (events.length > 0 ? '\n' : ''));
    return 0;
  }
  const history = flag(p, 'history') ? heat.history(coin).map(historyRowJson) : null;
  if (flag(p, 'json')) {
    await printJson(mapJson(view, szd, history));
    return 0;
  }
  const out = mapText(view, flag(p, 'all-buckets'), szd);
  if (history !== null) {
    out.push(`history (${history.length} rows):`);
    for (const r of history) {
      const long = r.longLiqUsd.reduce((a, b) => a + b, 0);
      const short = r.shortLiqUsd.reduce((a, b) => a + b, 0);
      out.push(`  ${new Date(r.time).toISOString()}  mark ${fmtPx(r.markPx, szd)}  long ${fmtUsd(long)}  short ${fmtUsd(short)} in view`);
    }
  }
  await printText(`${out.join('\n')}\n`);
  return 0;
}

/** How much of a zone is a guess (positions filed at an assumed leverage), when any of it is. */
export function estimateNote(z: HeatmapView['zones'][number]): string {
  const est = z.estimatedUsd ?? 0;
  if (!(est > 0)) return '';
  const n = z.estimatedPositions ?? 0;
  const of = `${fmtUsd(est)} of it estimated (${n} position${n === 1 ? '' : 's'} without an account)`;
  return z.mostlyEstimated === true ? `  MOSTLY ESTIMATED: ${of}` : `  ${of}`;
}

/** The cost to reach a zone and its forced-flow chain, or why there is none. */
export function costNote(z: ZoneRef, px: (x: number) => string = (x) => fmtPx(x)): string {
  if (z.depthStale === undefined) return '';
  // Stale or never seen (an imported export has no book at all): either way no cost is known.
  if (z.depthStale) return '  cost to reach: unknown (no order book for the coin in the last minute)';
  if (z.costToReachUsd === null || z.costToReachUsd === undefined) return '  cost to reach: beyond the visible book';
  const chain = (z.chain ?? []).map((s) => `${fmtUsd(s.liquidatedUsd)} → ${px(s.pxAfter)}`).join(', ');
  return `  cost to reach ${fmtUsd(z.costToReachUsd)}${chain === '' ? '' : `, chain ${chain}`}`;
}

function mapText(view: HeatmapView, allBuckets: boolean, szd: number | null): string[] {
  const px = (x: number) => fmtPx(x, szd);
  const out = [
    `${view.coin}  mark ${px(view.markPx)}  bucket width ${px(view.bucketWidth)}  ${view.buckets.length} buckets`,
    `zones (${view.zones.length}):`,
    ...view.zones.map(
      (z) =>
        `  ${z.side.padEnd(9)} ${px(z.lo)}–${px(z.hi)}  peak ${px(z.peakPx)}  ${fmtUsd(z.notionalUsd)}  ` +
        `${z.wallets} wallet${z.wallets === 1 ? '' : 's'}  ${fmtDistance(z.distancePct)}  P(touch, 4 h) ${(100 * z.probability).toFixed(1)} %` +
        estimateNote(z) +
        costNote(z, px),
    ),
  ];
  // No zone yet (one account's file, a quiet coin): the buckets are what there is to show.
  if (allBuckets || view.zones.length === 0) {
    out.push('buckets:');
    for (const b of view.buckets) out.push(`  ${px(b.lo)}–${px(b.hi)}  long ${fmtUsd(b.longLiqUsd)}  short ${fmtUsd(b.shortLiqUsd)}`);
  }
  return out;
}
