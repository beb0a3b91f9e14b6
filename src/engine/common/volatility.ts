/** Realised volatility from marks, exponentially weighted in event time (no clock). */
const HALF_LIFE_MS = 3600_000;
const DAY_MS = 86_400_000;

export class RealisedVol {
  /** Variance of log price per ms. */
  private rate: number;
  private last = Number.NaN;
  private lastTime = Number.NaN;
  samples = 0;

  /** `priorDaily`: the daily volatility assumed before marks say otherwise. */
  constructor(priorDaily = 0.03) {
    this.rate = (priorDaily * priorDaily) / DAY_MS;
  }

  update(px: number, time: number): void {
    if (!(px > 0)) return;
    const dt = time - this.lastTime;
    if (this.last === this.last && dt > 0) {
      const r = Math.log(px / this.last);
      const decay = Math.exp((-dt * Math.LN2) / HALF_LIFE_MS);
      this.rate = decay * this.rate + (1 - decay) * ((r * r) / dt);
      this.samples++;
    }
    if (!(dt <= 0)) {
      this.last = px;
      this.lastTime = time;
    }
  }

  /** Volatility of log price over `horizonMs`. */
  sigma(horizonMs: number): number {
    return Math.sqrt(this.rate * horizonMs);
  }

  daily(): number {
    return this.sigma(DAY_MS);
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Chance a driftless log price with volatility σ over the horizon touches a level at log-distance
 * d: 2·Φ(−|d|/σ) (reflection principle; docs/probability.md, "The barrier baseline").
 */
export function touchProbability(logDistance: number, sigmaHorizon: number): number {
  if (!(sigmaHorizon > 0)) return logDistance === 0 ? 1 : 0;
  return Math.min(1, 2 * normCdf(-Math.abs(logDistance) / sigmaHorizon));
}
