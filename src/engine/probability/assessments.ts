import type { Coin } from '../../domain/ids.ts';
import type { CascadeFeatures } from './model.ts';

/** A zone assessment whose outcome is known: the price reached the zone's peak within the horizon, or not. */
export interface LabelledAssessment {
  readonly time: number;
  readonly coin: Coin;
  readonly features: CascadeFeatures;
  /** The figure an alert would have read when the assessment was made (walk-forward: out of sample). */
  readonly score: number;
  readonly hit: boolean;
}

interface Pending {
  readonly time: number;
  readonly due: number;
  readonly peak: number;
  readonly long: boolean;
  readonly features: CascadeFeatures;
  readonly score: number;
  touched: boolean;
}

/**
 * Labels the cascade monitor's zone assessments in event time, on the coin's marks: an assessment
 * made at t is a hit when a mark in (t, t + horizon] reaches the zone's peak (at or below it for
 * long liquidations, at or above for shorts), and it is labelled at the first mark past t +
 * horizon — so a label never reads a price later than its horizon, and a model fitted on the
 * labels so far is fitted on the past only (walk-forward). The ledger's touch grade, for every
 * assessment rather than for emitted events only.
 */
export class AssessmentTape {
  private readonly horizonMs: number;
  /** Per coin, in assessment order (hence in due order: one horizon for all). */
  private readonly pending = new Map<string, Pending[]>();

  constructor(horizonMs: number) {
    this.horizonMs = horizonMs;
  }

  add(coin: Coin, time: number, peakPx: number, long: boolean, features: CascadeFeatures, score: number): void {
    let list = this.pending.get(coin);
    if (list === undefined) {
      list = [];
      this.pending.set(coin, list);
    }
    list.push({ time, due: time + this.horizonMs, peak: peakPx, long, features, score, touched: false });
  }

  /** A mark of the coin: assessments whose horizon it has passed are labelled (into `out`), the rest see the price. */
  mark(coin: Coin, time: number, px: number, out: LabelledAssessment[]): void {
    const list = this.pending.get(coin);
    if (list === undefined || list.length === 0) return;
    let k = 0;
    while (k < list.length && (list[k] as Pending).due < time) {
      const p = list[k] as Pending;
      out.push({ time: p.time, coin, features: p.features, score: p.score, hit: p.touched });
      k++;
    }
    if (k > 0) list.splice(0, k);
    for (const p of list) {
      if (p.touched || time <= p.time) continue;
      if (p.long ? px <= p.peak : px >= p.peak) p.touched = true;
    }
  }

  /** Assessments waiting for their horizon. */
  get size(): number {
    let n = 0;
    for (const l of this.pending.values()) n += l.length;
    return n;
  }
}
