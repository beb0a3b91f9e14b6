import {
  type CascadeRiskEvent,
  type GlassEvent,
  type GlassEventType,
  type ModelProbability,
  stampOf,
  type WalletEvidence,
  type ZoneRef,
} from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { touchProbability } from '../common/volatility.ts';
import { AssessmentTape, type LabelledAssessment } from './assessments.ts';
import { cascadeMuteReason, type HonestyLedger, honestFigure } from './honest.ts';
import { type CascadeCoefficients, type CascadeFeatures, cascadeProbability, DEFAULT_COEFFICIENTS, MODEL_VALIDATED } from './model.ts';
import { type ValidatedThreshold, WalkForwardCascade, type WalkForwardOptions } from './walk-forward.ts';

export interface MonitorOptions {
  /** Zones are assessed at most this often per coin (event time). */
  readonly intervalMs: number;
  readonly horizonMs: number;
  /** CASCADE_RISK when the layered probability reaches this (and stays quiet until it falls back below). */
  readonly threshold: number;
  /** Whale and syndicate evidence older than this no longer counts. */
  readonly lookbackMs: number;
  readonly coefficients: CascadeCoefficients;
  /**
   * Raise CASCADE_RISK at all. Off unless asked for: the model has not beaten its baseline in a
   * walk-forward check (MODEL_VALIDATED), so it must not fire as a risk alert. Assessments (and
   * backtests' samples) are made either way. With a ledger (deps.ledger) the ledger decides, and
   * `alerts: true` only makes muted ones travel too, labelled `muted`.
   */
  readonly alerts: boolean;
  /** Whether the coefficients have been shown to beat the baseline: the label events carry. */
  readonly validated: boolean;
  /**
   * With a ledger: the model refitted and CASCADE_RISK's threshold validated walk-forward on the
   * monitor's own labelled assessments (walk-forward.ts); `coefficients` is the model until the
   * first refit. Without a ledger the coefficients and `threshold` are used as they are.
   */
  readonly walkForward: Partial<Omit<WalkForwardOptions, 'candidateBelow'>>;
}

export const DEFAULT_MONITOR: MonitorOptions = {
  intervalMs: 15 * 60_000,
  horizonMs: 4 * 3600_000,
  threshold: 0.5,
  lookbackMs: 3600_000,
  coefficients: DEFAULT_COEFFICIENTS,
  alerts: MODEL_VALIDATED,
  validated: MODEL_VALIDATED,
  walkForward: {},
};

/** One zone assessment: what the model saw, for live alerts and for backtests. */
export interface ZoneSample {
  readonly coin: Coin;
  readonly time: number;
  readonly zone: ZoneRef;
  readonly markPx: number;
  readonly features: CascadeFeatures;
  readonly probability: number;
}

interface Flow {
  readonly time: number;
  readonly direction: 1 | -1;
  readonly weight: number;
  readonly evidence: WalletEvidence;
}

/** Deps: the coin's zones now, σ of log price over a horizon, and the accuracy ledger when one is attached. */
export interface MonitorDeps {
  readonly zones: (coin: Coin) => readonly ZoneRef[];
  readonly sigma: (coin: Coin, horizonMs: number) => number;
  /**
   * With a ledger, figures are honest (honest.ts): the probability is the recalibrated baseline
   * unless the ledger shows the evidence improving Brier on it; CASCADE_RISK is raised whenever the
   * model crosses its threshold but is an alert (emitted unmuted) only while the ledger shows its
   * type unmuted and its evidence helping. Else it is muted: handed to the ledger alone to be
   * graded (so the type can recover), or, with `alerts: true`, emitted labelled `muted` with the reason.
   */
  readonly ledger?: HonestyLedger;
}

/**
 * Layers whale and syndicate conviction on the volatility baseline for every zone of a coin, once
 * per interval on that coin's marks, and raises CASCADE_RISK when the probability crosses the
 * threshold. Reads the Whale Hunter's events for its evidence; pure and clock-free.
 */
export class CascadeMonitor {
  private readonly deps: MonitorDeps;
  private readonly emit: (e: GlassEvent) => void;
  private readonly opts: MonitorOptions;
  private readonly flows = new Map<string, Flow[]>();
  private readonly syndicates = new Map<string, { time: number; direction: 1 | -1 }[]>();
  private readonly next = new Map<string, number>();
  private readonly raised = new Set<string>();
  /** Whether the model has been shown to beat its baseline (the label its figures carry). */
  get validated(): boolean {
    return this.opts.validated;
  }

  /** Every assessment, when a backtest asks for them. */
  readonly samples: ZoneSample[] | null;

  /** With a ledger: the assessments waiting for their horizon, and the model and threshold fitted on those labelled. */
  private readonly tape: AssessmentTape | null;
  readonly walk: WalkForwardCascade | null;
  private readonly labelled: LabelledAssessment[] = [];

  constructor(deps: MonitorDeps, emit: (e: GlassEvent) => void, opts: Partial<MonitorOptions> = {}, keepSamples = false) {
    this.deps = deps;
    this.emit = emit;
    this.opts = { ...DEFAULT_MONITOR, ...opts };
    this.samples = keepSamples ? [] : null;
    const honest = deps.ledger !== undefined;
    this.tape = honest ? new AssessmentTape(this.opts.horizonMs) : null;
    this.walk = honest
      ? new WalkForwardCascade(this.opts.coefficients, { ...this.opts.walkForward, candidateBelow: this.opts.threshold })
      : null;
    // Labels reach the fit through the ledger's shared order (so coin workers fit on every coin's).
    const walk = this.walk;
    if (walk !== null) deps.ledger?.takeLabels((l) => walk.add(l));
  }

  /** The model's coefficients now: refitted walk-forward with a ledger, else as given. */
  get coefficients(): CascadeCoefficients {
    return this.walk?.coefficients ?? this.opts.coefficients;
  }

  /** CASCADE_RISK's threshold now (with a ledger: the one its labelled assessments validate, if any). */
  threshold(): ValidatedThreshold {
    return this.walk?.threshold() ?? { value: this.opts.threshold, reason: 'the configured threshold' };
  }

  /** Evidence from the Whale Hunter: whale entries (score-weighted) and syndicates. */
  onGlass(e: GlassEvent): void {
    if (e.type === 'WHALE_POSITION_OPENED' || e.type === 'WHALE_POSITION_INCREASED' || e.type === 'WHALE_POSITION_FLIPPED') {
      const list = this.flows.get(e.coin) ?? [];
      // A whale of score 50 weighs 1; 90 weighs 1.8; an unscored one 1.
      list.push({
        time: e.time,
        direction: e.szi > 0 ? 1 : -1,
        weight: (e.score ?? 50) / 50,
        evidence: { wallet: e.wallet, score: e.score, notionalUsd: e.notionalUsd },
      });
      this.flows.set(e.coin, list);
    } else if (e.type === 'SYNDICATE_DETECTED') {
      const list = this.syndicates.get(e.coin) ?? [];
      list.push({ time: e.time, direction: e.direction === 'long' ? 1 : -1 });
      this.syndicates.set(e.coin, list);
    }
  }

  onMarket(e: MarketEvent): void {
    if (e.type !== 'mark') return;
    const ledger = this.deps.ledger;
    if (this.tape !== null && ledger !== undefined) {
      // Assessments whose horizon this mark passed are labelled; the fit takes them through the ledger.
      this.tape.mark(e.coin, e.time, e.px, this.labelled);
      for (const l of this.labelled) ledger.label(l, l.time + this.opts.horizonMs);
      this.labelled.length = 0;
    }
    const due = this.next.get(e.coin);
    if (due !== undefined && e.time < due) return;
    this.next.set(e.coin, e.time + this.opts.intervalMs);
    this.assess(e.coin, e.px, e.time);
  }

  /** The model's probability for one zone now, from the evidence of the lookback (for convergence events). */
  probability(coin: Coin, zone: ZoneRef, mark: number, time: number): number {
    return this.assessOne(coin, zone, mark, time).probability;
  }

  /**
   * The model's figure for one zone now, labelled: with a ledger, also the recalibrated baseline and
   * whether the evidence has earned its place for `type` (a convergence event's honest figure).
   */
  modelFor(type: GlassEventType, coin: Coin, zone: ZoneRef, mark: number, time: number): ModelProbability {
    const { probability, baseline } = this.assessOne(coin, zone, mark, time);
    const ledger = this.deps.ledger;
    if (ledger === undefined) return { probability, validated: this.opts.validated };
    const h = honestFigure(ledger, type, baseline, probability);
    return { probability, validated: h.evidence.used, recalibrated: h.recalibrated, evidence: h.evidence };
  }

  private assessOne(coin: Coin, zone: ZoneRef, mark: number, time: number): { probability: number; baseline: number } {
    const since = time - this.opts.lookbackMs;
    const flows = prune(this.flows.get(coin), since);
    const syns = prune(this.syndicates.get(coin), since);
    const sigma = this.deps.sigma(coin, this.opts.horizonMs);
    const f = this.features(zone, mark, sigma, flows, syns, null);
    return { probability: cascadeProbability(f, this.coefficients), baseline: f.baseline };
  }

  /** The model's inputs for one zone; the wallets positioned toward it go into `wallets` when given. */
  private features(
    zone: ZoneRef,
    mark: number,
    sigma: number,
    flows: readonly Flow[],
    syns: readonly { direction: 1 | -1 }[],
    wallets: WalletEvidence[] | null,
  ): CascadeFeatures {
    // Positioning that profits from this zone's release: shorts for long liquidations below.
    const toward = zone.side === 'LONG_LIQ' ? -1 : 1;
    let net = 0;
    for (const f of flows) {
      net += f.direction * toward * f.weight * f.evidence.notionalUsd;
      if (f.direction === toward) wallets?.push(f.evidence);
    }
    return {
      baseline: touchProbability(Math.log(zone.peakPx / mark), sigma),
      flow: Math.sign(net) * Math.log1p(Math.abs(net) / Math.max(1, zone.notionalUsd)),
      syndicates: syns.filter((s) => s.direction === toward).length,
    };
  }

  private assess(coin: Coin, mark: number, time: number): void {
    const since = time - this.opts.lookbackMs;
    const flows = prune(this.flows.get(coin), since);
    const syns = prune(this.syndicates.get(coin), since);
    const sigma = this.deps.sigma(coin, this.opts.horizonMs);
    for (const zone of this.deps.zones(coin)) {
      const wallets: WalletEvidence[] = [];
      const features = this.features(zone, mark, sigma, flows, syns, wallets);
      const probability = cascadeProbability(features, this.coefficients);
      this.samples?.push({ coin, time, zone, markPx: mark, features, probability });
      const ledger = this.deps.ledger;
      if (!this.opts.alerts && ledger === undefined) continue;
      // With a ledger the alert reads the honest figure (the model's while its evidence helps, else
      // the recalibrated baseline) against the threshold its past assessments validate.
      const h = ledger === undefined ? null : honestFigure(ledger, 'CASCADE_RISK', features.baseline, probability);
      const figure = h === null ? probability : h.probability;
      const tau = this.threshold();
      const bar = tau.value ?? this.opts.threshold;
      this.tape?.add(coin, time, zone.peakPx, zone.side === 'LONG_LIQ', features, figure);
      const key = `${coin}:${zone.side}:${Math.round(zone.peakPx * 1e6)}`;
      if (figure < bar) {
        this.raised.delete(key);
        continue;
      }
      if (this.raised.has(key) || features.baseline >= this.opts.threshold) continue;
      this.raised.add(key);
      const base = {
        id: `CASCADE_RISK:${key}:${time}`,
        type: 'CASCADE_RISK' as const,
        time,
        coin,
        zone,
        baselineProbability: features.baseline,
        horizonMs: this.opts.horizonMs,
        wallets,
        ...stampOf('CASCADE_RISK', time),
      };
      if (ledger === undefined || h === null) {
        const event: CascadeRiskEvent = {
          ...base,
          severity: probability >= 0.75 ? 'critical' : 'warning',
          probability,
          validated: this.opts.validated,
        };
        this.emit(event);
        continue;
      }
      const muteReason = cascadeMuteReason(ledger, coin, tau);
      const event: CascadeRiskEvent = {
        ...base,
        severity: muteReason !== null ? 'notice' : h.probability >= 0.75 ? 'critical' : 'warning',
        probability: h.probability,
        validated: h.evidence.used,
        modelProbability: probability,
        recalibratedProbability: h.recalibrated,
        evidence: h.evidence,
        ...(muteReason === null ? {} : { muted: true, muteReason }),
      };
      // A muted one reaches the ledger alone (graded, not alerted) unless alerts were asked for.
      if (muteReason === null || this.opts.alerts) this.emit(event);
      else ledger.onGlass(event);
    }
  }
}

function prune<T extends { time: number }>(list: T[] | undefined, since: number): T[] {
  if (list === undefined) return [];
  let k = 0;
  while (k < list.length && (list[k] as T).time < since) k++;
  if (k > 0) list.splice(0, k);
  return list;
}
