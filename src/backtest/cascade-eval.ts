import { plural } from '../domain/format.ts';
import type { GlassEvent, ZoneRef } from '../domain/glass-event.ts';
import type { Coin } from '../domain/ids.ts';
import { round3, round4 } from '../engine/common/round.ts';
import { HeatmapEngine } from '../engine/heatmap/engine.ts';
import type { EstimateAccuracy } from '../engine/heatmap/estimate-grader.ts';
import {
  BASELINE_ONLY,
  brier,
  type CascadeCoefficients,
  cascadeProbability,
  fitCascade,
  reliability,
} from '../engine/probability/model.ts';
import { CascadeMonitor, type ZoneSample } from '../engine/probability/monitor.ts';
import { ScoreEngine } from '../engine/score/engine.ts';
import { type HunterOptions, WhaleHunter } from '../engine/whales/hunter.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { InputError } from '../recording/errors.ts';
import { type ReadOptions, readRecordingBatches } from '../recording/reader.ts';

/** Marks of one coin in time order, to tell whether price reached a level within a horizon. */
class Path {
  readonly t: number[] = [];
  readonly px: number[] = [];

  /** true/false: reached or not within the horizon; null: the recording ends first (censored). */
  reached(from: number, horizon: number, level: number, below: boolean): boolean | null {
    const end = from + horizon;
    if (this.t.length === 0 || (this.t[this.t.length - 1] as number) < end) return null;
    let lo = 0;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.t[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.t.length && (this.t[i] as number) <= end; i++) {
      const p = this.px[i] as number;
      if (below ? p <= level : p >= level) return true;
    }
    return false;
  }
}

export interface CascadeRun {
  readonly samples: ZoneSample[];
  readonly events: GlassEvent[];
  readonly paths: Map<string, Path>;
  /** The heatmap's estimated liquidation prices against the exact ones snapshots later gave. */
  readonly estimates: EstimateAccuracy;
  /** … and against the price each estimated position was liquidated at (learned leverage, and the 10× prior). */
  readonly atLiquidation: LiquidationGrading;
}

/**
 * Estimated liquidation prices against the real liquidation fills, walking forward: `model` from
 * the leverage learned on earlier liquidations and snapshots only, cut by what the position's
 * survival so far reveals (what the map files); `deathsOnly` the same leverage without the survival
 * cut; `kaplanMeier` with survivals also weighing the learned distribution; `prior` the 10× assumed before.
 */
export interface LiquidationGrading {
  readonly model: EstimateAccuracy;
  readonly prior: EstimateAccuracy;
  readonly deathsOnly: EstimateAccuracy;
  readonly kaplanMeier: EstimateAccuracy;
}

/** One pass over a recording with the full engine stack; the monitor keeps every zone assessment. */
export async function runCascade(
  file: string,
  coefficients: CascadeCoefficients,
  hunter: Partial<HunterOptions>,
  horizonMs: number,
  read: ReadOptions = {},
): Promise<CascadeRun> {
  const p = new Pipeline();
  const events: GlassEvent[] = [];
  const paths = new Map<string, Path>();
  const heat = new HeatmapEngine(p.book, (e) => events.push(e));
  const score = new ScoreEngine(p.book);
  let monitor: CascadeMonitor | null = null;
  const whales = new WhaleHunter(
    p.book,
    (e) => {
      events.push(e);
      monitor?.onGlass(e);
    },
    { zones: (c) => heat.zones(c), score: (w) => score.scoreNow(w) },
    hunter,
  );
  monitor = new CascadeMonitor(
    { zones: (c) => heat.zones(c), sigma: (c, h) => heat.coinState(c)?.vol.sigma(h) ?? 0 },
    (e) => events.push(e),
    // The walk-forward check itself: CASCADE_RISK is raised here to be graded, muted elsewhere.
    { coefficients, horizonMs, alerts: true },
    true,
  );
  p.attach(heat);
  p.attach(score);
  p.attach(whales);
  const m = monitor;
  p.market.subscribe((e) => {
    if (e.type !== 'mark') return;
    let path = paths.get(e.coin);
    if (path === undefined) {
      path = new Path();
      paths.set(e.coin, path);
    }
    path.t.push(e.time);
    path.px.push(e.px);
    m.onMarket(e);
  });
  for await (const batch of readRecordingBatches(file, read)) for (const item of batch) p.ingest(item);
  const at = heat.liq.liquidationEstimates;
  return {
    samples: m.samples ?? [],
    events,
    paths,
    estimates: heat.liq.estimates.summary(),
    atLiquidation: {
      model: at.model.summary(),
      prior: at.prior.summary(),
      deathsOnly: at.deathsOnly.summary(),
      kaplanMeier: at.kaplanMeier.summary(),
    },
  };
}

function outcome(paths: Map<string, Path>, coin: Coin | string, time: number, zone: ZoneRef, horizonMs: number): boolean | null {
  const path = paths.get(coin);
  if (path === undefined) return null;
  return path.reached(time, horizonMs, zone.peakPx, zone.side === 'LONG_LIQ');
}

export interface CascadeEvaluation {
  readonly horizonMs: number;
  readonly samples: { readonly train: number; readonly test: number };
  readonly coefficients: CascadeCoefficients;
  readonly test: {
    readonly brierModel: number;
    readonly brierBaseline: number;
    /** The baseline refitted on the same half without the evidence: what the evidence itself adds. */
    readonly brierRecalibratedBaseline: number;
    readonly hitRate: number;
    readonly reliabilityModel: ReturnType<typeof reliability>;
    readonly reliabilityBaseline: ReturnType<typeof reliability>;
  };
  /** Per event type (on the test half): how often price reached the event's zone within the horizon. */
  readonly events: Record<string, { n: number; reached: number; meanBaseline: number | null }>;
  /** Zones with no whale or syndicate activity toward them (test half): the reference rate. */
  readonly quietZones: { n: number; reached: number; meanBaseline: number };
  /** Over the whole recording: estimated liquidation prices against the exact ones snapshots gave. */
  readonly estimatedLiquidations: EstimateAccuracy;
  /** Over the whole recording, walking forward: estimated liquidation prices against the real liquidation fills. */
  readonly estimatedAtLiquidation: LiquidationGrading;
}

/**
 * Zone assessments each half needs, their horizon ended inside the recording: fewer fit four
 * coefficients to noise and grade them on a handful (a Brier score of no sample is NaN).
 */
export const MIN_ASSESSMENTS_PER_HALF = 20;

/**
 * The model is fitted on the first half of the recording (by time) and graded on the second:
 * Brier score and reliability of the layered probability against the volatility-only baseline,
 * and, on a second pass with the fitted coefficients, how often each event type's zone was
 * reached within the horizon against zones without whale activity.
 */
export async function evaluateCascade(
  file: string,
  hunter: Partial<HunterOptions> = {},
  horizonMs = 4 * 3600_000,
  /** How far each pass has read (for progress). */
  read: ReadOptions = {},
): Promise<CascadeEvaluation> {
  const first = await runCascade(file, BASELINE_ONLY, hunter, horizonMs, read);
  const labelled = first.samples.flatMap((s) => {
    const hit = outcome(first.paths, s.coin, s.time, s.zone, horizonMs);
    return hit === null ? [] : [{ s, hit }];
  });
  const times = labelled.map((x) => x.s.time).sort((a, b) => a - b);
  const mid = times.length > 0 ? ((times[0] as number) + (times[times.length - 1] as number)) / 2 : 0;
  const train = labelled.filter((x) => x.s.time < mid);
  const test = labelled.filter((x) => x.s.time >= mid);
  if (train.length < MIN_ASSESSMENTS_PER_HALF || test.length < MIN_ASSESSMENTS_PER_HALF) {
    const h = horizonMs % 3600_000 === 0 ? `${horizonMs / 3600_000} h` : `${horizonMs / 60_000} min`;
    throw new InputError(
      `${file}: too little data to grade the cascade model: ${plural(train.length, 'zone assessment')} to fit (first half) and ` +
        `${test.length.toLocaleString('en-US')} to grade (second half) whose ${h} horizon ends inside the recording, of ${first.samples.length.toLocaleString('en-US')} made; ` +
        `it needs at least ${MIN_ASSESSMENTS_PER_HALF} in each half (a recording well over twice the horizon, or a shorter --horizon-ms)`,
    );
  }
  const coefficients = fitCascade(train.map((x) => ({ f: x.s.features, hit: x.hit })));
  const recalibrated = fitCascade(
    train.map((x) => ({ f: x.s.features, hit: x.hit })),
    false,
  );
  const pModel = test.map((x) => cascadeProbability(x.s.features, coefficients));
  const pRecal = test.map((x) => cascadeProbability(x.s.features, recalibrated));
  const pBase = test.map((x) => x.s.features.baseline);
  const hits = test.map((x) => x.hit);
  const second = await runCascade(file, coefficients, hunter, horizonMs, read);
  const events: CascadeEvaluation['events'] = {};
  for (const e of second.events) {
    if (e.time < mid || !('zone' in e) || e.zone === null || !('probability' in e)) continue;
    const hit = outcome(second.paths, e.coin, e.time, e.zone, horizonMs);
    if (hit === null) continue;
    const row = events[e.type] ?? { n: 0, reached: 0, meanBaseline: 0 };
    const base =
      e.type === 'CASCADE_RISK'
        ? e.baselineProbability
        : e.type === 'WHALE_NEAR_ZONE' || e.type === 'SYNDICATE_NEAR_ZONE'
          ? e.probability
          : e.probability;
    row.n++;
    if (hit) row.reached++;
    row.meanBaseline = (row.meanBaseline ?? 0) + (base ?? 0);
    events[e.type] = row;
  }
  for (const row of Object.values(events)) {
    row.reached = round3(row.reached / row.n);
    row.meanBaseline = row.meanBaseline === null ? null : round3(row.meanBaseline / row.n);
  }
  const quiet = test.filter((x) => x.s.features.flow === 0 && x.s.features.syndicates === 0);
  return {
    horizonMs,
    samples: { train: train.length, test: test.length },
    coefficients: {
      intercept: round3(coefficients.intercept),
      baseline: round3(coefficients.baseline),
      flow: round3(coefficients.flow),
      syndicates: round3(coefficients.syndicates),
    },
    test: {
      brierModel: round4(brier(pModel, hits)),
      brierBaseline: round4(brier(pBase, hits)),
      brierRecalibratedBaseline: round4(brier(pRecal, hits)),
      hitRate: round3(hits.filter(Boolean).length / Math.max(1, hits.length)),
      reliabilityModel: reliability(pModel, hits),
      reliabilityBaseline: reliability(pBase, hits),
    },
    events,
    quietZones: {
      n: quiet.length,
      reached: round3(quiet.filter((x) => x.hit).length / Math.max(1, quiet.length)),
      meanBaseline: round3(quiet.reduce((a, x) => a + x.s.features.baseline, 0) / Math.max(1, quiet.length)),
    },
    estimatedLiquidations: second.estimates,
    estimatedAtLiquidation: second.atLiquidation,
  };
}
