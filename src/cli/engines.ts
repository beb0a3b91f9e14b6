import { fmtDistance, fmtPct, fmtPx, fmtSz, fmtUsd, plural, roundPlain, tidy } from '../domain/format.ts';
import { type GlassEvent, type WalletEvidence, withHops, type ZoneRef } from '../domain/glass-event.ts';
import { HeatmapEngine } from '../engine/heatmap/engine.ts';
import { AccuracyLedger } from '../engine/ledger/ledger.ts';
import { CascadeMonitor, type MonitorOptions } from '../engine/probability/monitor.ts';
import { ScoreEngine } from '../engine/score/engine.ts';
import { ArmedDetector } from '../engine/signals/armed.ts';
import { SignalDetectors } from '../engine/signals/detectors.ts';
import { EntityGraph } from '../engine/syndicates/entities.ts';
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
  /**
   * A wall clock for the events' `hops.detectedAt` (a live run: Date.now). Absent (replay, tests):
   * detectedAt is the causing message's receive time, so a replay's events are deterministic.
   */
  clock?: () => number,
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
  // The one emit path: every engine's event gets its hops here (the receive time of its cause), then goes
  // on; what leaves the engines (onEvent: the store, `glass events`, the API) has its numbers at their
  // documented precision (format.ts's tidy: USD to the cent, probabilities to 4 decimals, the rest to
  // 8 significant digits), while the monitor and the ledger read the engines' full figures.
  const emit = (made: GlassEvent) => {
    const cause = pipeline.causeTs;
    const e = withHops(made, cause === cause ? cause : null, clock?.());
    if (onEvent !== undefined) onEvent(tidy(e));
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    monitor?.onGlass(e);
    ledger.onGlass(e);
    if (NOTABLE.has(e.type)) recent.push(e);
  };
  const heat = new HeatmapEngine(pipeline.book, emit);
  const score = new ScoreEngine(pipeline.book);
  // The syndicates' entity graph, fed the stream's ledger updates (funding links) as they come.
  const entities = whales.syndicates?.entities === undefined ? new EntityGraph() : whales.syndicates.entities;
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
    { ...whales, syndicates: { ...whales.syndicates, entities } },
  );
  if (entities !== null) pipeline.attach(entities);
  monitor = new CascadeMonitor(
    { zones: (c) => heat.zones(c), sigma: (c, h) => heat.coinState(c)?.vol.sigma(h) ?? 0, ledger },
    emit,
    cascade,
  );
  pipeline.attach(heat);
  pipeline.attach(score);
  pipeline.attach(hunter);
  pipeline.attach(monitor);
  // The market-state signals (docs/events.md): their own rolling baselines, the heatmap's zones and the scores as evidence.
  const signals = new SignalDetectors(emit, {
    score: (w) => {
      const id = pipeline.book.wallets.peek(w);
      return id === undefined ? null : score.scoreNow(id);
    },
    zones: (c) => heat.zones(c).map(({ id: _id, probability: _p, ...zone }) => zone),
  });
  pipeline.attach(signals);
  // The zones' cost to reach, read against flow and depth history: LIQUIDATION_CLUSTER_ARMED, MM_HUNTING_GROUND_ARMED.
  const armed = new ArmedDetector(
    { zones: (c) => heat.zones(c), shapes: (c) => heat.zoneLines(c), sigma: (c, h) => heat.coinState(c)?.vol.sigma(h) ?? 0 },
    emit,
  );
  pipeline.attach(armed);
  // After the engines: the events a market event causes reach the ledger before that event does.
  pipeline.attach(ledger);
  return { heat, score, hunter, counts, recent, ledger };
}

/**
 * An engine's event as it leaves the engines: its hops with the receive time of the pipeline's
 * causing message and its figures rounded by `tidy` (format.ts; docs/events.md) — as attachEngines
 * hands it to `onEvent`; for the commands that run one engine (`heatmap --events`, `syndicates`).
 */
export function stamped<E extends GlassEvent>(pipeline: Pipeline, made: E, detectedAt?: number): E {
  const cause = pipeline.causeTs;
  return withHops(tidy(made), cause === cause ? cause : null, detectedAt);
}

const NOTABLE = new Set(['SYNDICATE_DETECTED', 'SYNDICATE_NEAR_ZONE', 'CASCADE_RISK', 'ZONE_SWEPT', 'WHALE_LIQUIDATED']);

/**
 * One line for a person: the time, the type, the coin and the event's key evidence, compactly (a
 * wallet short, side, size and notional, price, zone range and notional, score, probability).
 */
export function describe(e: GlassEvent): string {
  const at = new Date(e.time).toISOString().slice(11, 19);
  const head = `${at} ${e.type} ${e.coin}`;
  switch (e.type) {
    case 'WHALE_POSITION_OPENED':
    case 'WHALE_POSITION_INCREASED':
    case 'WHALE_POSITION_REDUCED':
    case 'WHALE_POSITION_FLIPPED':
    case 'WHALE_POSITION_CLOSED': {
      const size = Math.abs(e.szi);
      const now =
        size > 0
          ? `${e.szi > 0 ? 'long' : 'short'} ${fmtSz(size)} (${fmtUsd(e.notionalUsd)}) at ${fmtPx(e.notionalUsd / size)}`
          : `flat: closed ${fmtUsd(e.notionalUsd)}`;
      const lev = e.leverage === null ? '' : `, ${roundPlain(e.leverage)}×`;
      const zone = e.nearestZones[0];
      return `${head} ${shortWallet(e.wallet)} ${now}${lev}${scoreNote(e.score)}${zone === undefined ? '' : `; nearest zone ${zoneText(zone)}`}`;
    }
    case 'WHALE_LIQUIDATED':
      return `${head} ${shortWallet(e.wallet)}: ${fmtUsd(e.notionalUsd)} at ${fmtPx(e.px)}${scoreNote(e.score)}`;
    case 'SYNDICATE_DETECTED':
      return (
        `${head} ${e.syndicateId} ${e.direction}: ${plural(e.memberCount, 'wallet')}, ${fmtUsd(e.notionalUsd)}${scoreNote(e.meanScore, 'mean score')}` +
        `${e.class === undefined ? '' : `, ${e.class}`}: ${walletsText(e.members)}`
      );
    case 'SYNDICATE_UPDATED':
      return (
        `${head} ${e.syndicateId} ${e.direction}: +${fmtUsd(e.addedNotionalUsd)}, now ${plural(e.memberCount, 'wallet')} ` +
        `${fmtUsd(e.notionalUsd)}${scoreNote(e.meanScore, 'mean score')}${e.joined.length === 0 ? '' : `; joined ${walletsText(e.joined)}`}`
      );
    case 'WHALE_NEAR_ZONE':
    case 'SYNDICATE_NEAR_ZONE':
      return (
        `${head} ${zoneText(e.zone)}, ${fmtDistance(e.zone.distancePct)} away, P ${fmtPct(e.probability, 0)}: ` +
        `${e.syndicateId === null ? '' : `${e.syndicateId} `}${walletsText(e.wallets)}`
      );
    case 'CASCADE_RISK':
      return (
        `${head} ${zoneText(e.zone)}, ${fmtDistance(e.zone.distancePct)} away, P ${fmtPct(e.probability, 0)} ` +
        `(baseline ${fmtPct(e.baselineProbability, 0)}) in ${e.horizonMs / 60_000} min${e.muted === true ? ', muted' : ''}` +
        `${e.wallets.length === 0 ? '' : `: ${walletsText(e.wallets)}`}`
      );
    case 'ZONE_FORMED':
    case 'ZONE_APPROACHED':
      return `${head} ${zoneText(e.zone)}, ${plural(e.zone.wallets, 'position')}, mark ${fmtPx(e.markPx)} (${fmtDistance(e.zone.distancePct)} to peak), P ${fmtPct(e.probability ?? 0, 0)}`;
    case 'ZONE_SWEPT':
      return `${head} ${zoneText(e.zone)}, ${plural(e.zone.wallets, 'position')}, mark ${fmtPx(e.markPx)}: ${fmtUsd(e.liquidatedUsd ?? 0)} liquidated`;
    case 'LEVERAGE_SPIKE':
      return `${head} ${e.source === 'openInterest' ? 'open interest' : 'leverage'} ${signedPct(Math.expm1(e.rise))} in ${e.windowMs / 60_000} min (z ${e.zScore.toFixed(1)}), price ${signedPct(e.priceChange)}`;
    case 'LARGE_LIQUIDATION':
      return (
        `${head} ${e.positionSide} ${shortWallet(e.wallet)}: ${fmtSz(e.sz)} (${fmtUsd(e.notionalUsd)}) at ${fmtPx(e.px)}` +
        `${scoreNote(e.score)} (line ${fmtUsd(e.thresholdUsd)})${e.zone === null ? '' : `; zone ${zoneText(e.zone)}`}`
      );
    case 'FUNDING_EXTREME':
      return `${head} ${(100 * e.annualised).toFixed(0)} % a year${e.zScore === null ? '' : ` (z ${e.zScore.toFixed(1)})`}, ${e.crowded}s crowded`;
    case 'CVD_DIVERGENCE_EXTREME':
      return `${head} taker delta ${e.cvdUsd < 0 ? '−' : '+'}${fmtUsd(Math.abs(e.cvdUsd))} vs price ${signedPct(Math.expm1(e.priceChange))} in ${e.windowMs / 60_000} min (residual ${e.residualZ.toFixed(1)}σ)`;
    case 'REGIME_SHIFT':
      return `${head} ${e.kind} ${e.from} → ${e.to} (vol ${(100 * e.realisedVol).toFixed(0)} % vs ${(100 * e.baselineVol).toFixed(0)} %${e.varianceRatio === null ? '' : `, VR ${e.varianceRatio.toFixed(2)}`})`;
    case 'CORRELATION_BREAK':
      return `${head} correlation with ${e.reference} ${e.correlation.toFixed(2)} (usual ${e.usual.toFixed(2)}, band ${e.bandLo.toFixed(2)}–${e.bandHi.toFixed(2)})`;
    case 'LIQUIDATION_CLUSTER_ARMED':
      return (
        `${head} ${zoneText(e.zone)}, mark ${fmtPx(e.markPx)}: ` +
        `${fmtUsd(e.recentFlowUsd)} taker flow toward it in ${Math.round(e.flowWindowMs / 60_000)} min, ${e.distanceSigmas.toFixed(2)} σ(1 h) away`
      );
    case 'MM_HUNTING_GROUND_ARMED':
      return (
        `${head} ${zoneText(e.zone)}, mark ${fmtPx(e.markPx)}: ` +
        `depth before it at ${(100 * e.depthRatio).toFixed(0)} % of its half-hour level (reaching it ${fmtUsd(e.baselineCostUsd)} → ${fmtUsd(e.costToReachUsd)})`
      );
    default:
      return head;
  }
}

/** `0x1234…cdef`. */
export function shortWallet(w: string): string {
  return w.length > 12 ? `${w.slice(0, 6)}…${w.slice(-4)}` : w;
}

/** A zone for a line: side, range, peak and notional (`LONG_LIQ 176.4–176.8 peak 176.7 $154k`). */
function zoneText(z: ZoneRef): string {
  return `${z.side} ${fmtPx(z.lo)}–${fmtPx(z.hi)} peak ${fmtPx(z.peakPx)} ${fmtUsd(z.notionalUsd)}`;
}

function scoreNote(score: number | null, label = 'score'): string {
  return score === null ? '' : `, ${label} ${score.toFixed(1)}`;
}

/** Up to three wallets with their notional and score, then how many more. */
function walletsText(ws: readonly WalletEvidence[]): string {
  const shown = ws
    .slice(0, 3)
    .map((w) => `${shortWallet(w.wallet)} ${fmtUsd(w.notionalUsd)}${w.score === null ? '' : ` (score ${w.score.toFixed(1)})`}`);
  return ws.length > 3 ? `${shown.join(', ')}, … ${ws.length - 3} more` : shown.join(', ');
}

function signedPct(x: number): string {
  return `${x < 0 ? '−' : '+'}${(100 * Math.abs(x)).toFixed(1)} %`;
}
