import { BASELINE_ONLY, type CascadeCoefficients, cascadeProbability, fitCascade } from '../probability/model.ts';

export interface CalibrationOptions {
  /** No fit before this many graded forecasts with both outcomes among them: p₀ is used as it is. */
  readonly minSamples: number;
  /** Refit after this many new grades (and at the first chance past `minSamples`). */
  readonly refitEvery: number;
  /** Only the most recent grades are fitted on: the volatility regime drifts. */
  readonly maxSamples: number;
}

export const DEFAULT_CALIBRATION: CalibrationOptions = { minSamples: 30, refitEvery: 25, maxSamples: 5000 };

/**
 * Walk-forward logistic recalibration of the volatility baseline: logit p = a + b·logit p₀,
 * fitted (model.ts `fitCascade`, evidence off) on graded forecasts only, so a forecast made at
 * time t is recalibrated with what was known at t. The barrier formula is overconfident on the
 * simulator (slope well under 1); this is the honest baseline the evidence must beat.
 */
export class WalkForwardCalibration {
  private readonly opts: CalibrationOptions;
  private readonly p0: number[] = [];
  private readonly hit: boolean[] = [];
  private hits = 0;
  private sinceFit = 0;
  private coef: CascadeCoefficients = BASELINE_ONLY;
  /** Grades the current coefficients were fitted on (0: not fitted). */
  fittedOn = 0;

  constructor(opts: Partial<CalibrationOptions> = {}) {
    this.opts = { ...DEFAULT_CALIBRATION, ...opts };
  }

  get coefficients(): CascadeCoefficients {
    return this.coef;
  }

  /** p₀ recalibrated with the coefficients fitted so far (p₀ itself before the first fit). */
  apply(p0: number): number {
    return this.fittedOn === 0 ? p0 : cascadeProbability({ baseline: p0, flow: 0, syndicates: 0 }, this.coef);
  }

  /** One graded forecast: its p₀ and whether the zone was reached. */
  add(p0: number, hit: boolean): void {
    this.p0.push(p0);
    this.hit.push(hit);
    if (hit) this.hits++;
    if (this.p0.length > this.opts.maxSamples) {
      this.p0.shift();
      if (this.hit.shift() === true) this.hits--;
    }
    this.sinceFit++;
    const n = this.p0.length;
    const due = this.fittedOn === 0 ? n >= this.opts.minSamples : this.sinceFit >= this.opts.refitEvery;
    // All hits or all misses: the maximum-likelihood slope runs off to infinity; keep the last fit.
    if (!due || this.hits === 0 || this.hits === n) return;
    this.coef = fitCascade(
      this.p0.map((p, i) => ({ f: { baseline: p, flow: 0, syndicates: 0 }, hit: this.hit[i] === true })),
      false,
    );
    this.fittedOn = n;
    this.sinceFit = 0;
  }
}
