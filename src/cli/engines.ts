import { fmtPx, fmtUsd } from '../domain/format.ts';
import type { GlassEvent } from '../domain/glass-event.ts';
import { HeatmapEngine } from '../engine/heatmap/engine.ts';
import { AccuracyLedger } from '../engine/ledger/ledger.ts';
import { CascadeMonitor, type MonitorOptions } from '../engine/probability/monitor.ts';
import { ScoreEngine } from '../engine/score/engine.ts';
import { type HunterOptions, WhaleHunter } from '../engine/whales/hunter.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { EventTicker } from './ticker.ts';

/** Every engine on the pipeline, as `glass live` runs them; notable events kept for the console. */
/** Whales of the simulator's scale: its accounts are smaller than the venue's largest. */
export const SIM_WHALES: Partial<HunterOptions> = {
  policy: { minAccountUsd: 200_000, minPositionUsd: 1_000_000 },
  syndicates: { minNotionalUsd: 50_000 },
};

export function attachEngines(
  pipeline: Pipeline,
  whales: Partial<HunterOptions> = {},
  /** Every event in emit order (before the monitor reacts to it): the store's recorder. */
  onEvent?: (e: GlassEvent) => void,
  /**
   * The cascade monitor's options. CASCADE_RISK is an alert only while the ledger shows its type
   * unmuted and its evidence helping; muted ones go to the ledger alone, or with `{ alerts: true }`
   * are emitted too, labelled `muted`.
   */
  cascade: Partial<MonitorOptions> = {},
  /** The accuracy ledger the engines' honest probabilities read (a new one unless given); attached after the engines. */
  ledger: AccuracyLedger = new AccuracyLedger(),
): {
  heat: HeatmapEngine;
  score: ScoreEngine;
  hunter: WhaleHunter;
  counts: Record<string, number>;
  /** Notable events for the console, told in time order. */
  recent: EventTicker;
  /** Every event graded on the same stream: the recalibration and the evidence's standing the engines use. */
  ledger: AccuracyLedger;
} {
  const counts: Record<string, number> = {};
  const recent = new EventTicker();
  let monitor: CascadeMonitor | null = null;
  const emit = (e: GlassEvent) => {
    onEvent?.(e);
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    monitor?.onGlass(e);
    ledger.onGlass(e);
    if (NOTABLE.has(e.type)) recent.push(e);
  };
  const heat = new HeatmapEngine(pipeline.book, emit);
  const score = new ScoreEngine(pipeline.book);
  const hunter = new WhaleHunter(
    pipeline.book,
    emit,
    {
      zones: (c) => heat.zones(c),
      score: (w) => score.scoreNow(w),
      // The model's figure rides on convergence events, labelled: it is not an alert until validated.
      // With the ledger's verdict: the event's probability is the recalibrated baseline unless the evidence helps.
      model: (type, c, zone, mark, time) => monitor?.modelFor(type, c, zone, mark, time) ?? null,
    },
    whales,
  );
  monitor = new CascadeMonitor(
    { zones: (c) => heat.zones(c), sigma: (c, h) => heat.coinState(c)?.vol.sigma(h) ?? 0, ledger },
    emit,
    cascade,
  );
  pipeline.attach(heat);
  pipeline.attach(score);
  pipeline.attach(hunter);
  pipeline.attach(monitor);
  // After the engines: the events a market event causes reach the ledger before that event does.
  pipeline.attach(ledger);
  return { heat, score, hunter, counts, recent, ledger };
}

const NOTABLE = new Set(['SYNDICATE_DETECTED', 'SYNDICATE_NEAR_ZONE', 'CASCADE_RISK', 'ZONE_SWEPT', 'WHALE_LIQUIDATED']);

export function describe(e: GlassEvent): string {
  const at = new Date(e.time).toISOString().slice(11, 19);
  switch (e.type) {
    case 'SYNDICATE_DETECTED':
      return `${at} ${e.type} ${e.coin} ${e.direction}: ${e.members.length} wallets, ${fmtUsd(e.notionalUsd)}`;
    case 'SYNDICATE_NEAR_ZONE':
    case 'CASCADE_RISK':
      return `${at} ${e.type} ${e.coin} ${e.zone.side} ${fmtPx(e.zone.lo)}–${fmtPx(e.zone.hi)} (${fmtUsd(e.zone.notionalUsd)}), P ${(100 * e.probability).toFixed(0)} %`;
    case 'ZONE_FORMED':
    case 'ZONE_APPROACHED':
      return `${at} ${e.type} ${e.coin} ${e.zone.side} ${fmtPx(e.zone.lo)}–${fmtPx(e.zone.hi)} (${fmtUsd(e.zone.notionalUsd)}), mark ${fmtPx(e.markPx)}, P ${(100 * (e.probability ?? 0)).toFixed(0)} %`;
    case 'ZONE_SWEPT':
      return `${at} ${e.type} ${e.coin} ${e.zone.side} ${fmtPx(e.zone.lo)}–${fmtPx(e.zone.hi)}: ${fmtUsd(e.liquidatedUsd ?? 0)} liquidated`;
    case 'WHALE_LIQUIDATED':
      return `${at} ${e.type} ${e.coin} ${e.wallet}: ${fmtUsd(e.notionalUsd)}`;
    default:
      return `${at} ${e.type} ${e.coin}`;
  }
}
