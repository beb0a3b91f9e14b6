/** Realised volatility from marks, exponentially weighted in event time (no clock). */
const HALF_LIFE_MS = 3600_000;
const DAY_MS = 86_400_000;
/** The day's realised path is read on a 5-minute grid: 288 squared returns, the oldest dropped. */
const GRID_MS = 300_000;
const GRID_SLOTS = DAY_MS / GRID_MS;
/** Grid returns the day's estimate needs before it speaks (one hour). */
const MIN_GRID_RETURNS = 12;

export class RealisedVol {
  /** Variance of log price per ms. */
  private rate: number;
  private last = Number.NaN;
  private lastTime = Number.NaN;
  samples = 0;
  /** Squared log returns between grid points, by grid slot mod GRID_SLOTS (the last 24 h). */
  private readonly ring = new Float64Array(GRID_SLOTS);
  private ringSum = 0;
  private gridSlot = Number.NaN;
  private gridPx = Number.NaN;
  /** Grid slot of the first grid point: how much of the day the ring covers. */
  private firstSlot = Number.NaN;

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
    this.grid(px, time);
  }

  /** The first mark of each 5-minute slot closes the return since the previous grid point. */
  private grid(px: number, time: number): void {
    const slot = Math.floor(time / GRID_MS);
    if (slot === this.gridSlot || slot < this.gridSlot) return;
    if (this.gridSlot === this.gridSlot) {
      const r = Math.log(px / this.gridPx);
      // Slots no mark fell in are empty; a return across a gap is kept whole in the slot it ends in.
      const skipped = Math.min(GRID_SLOTS, slot - this.gridSlot);
      for (let k = 1; k <= skipped; k++) this.ring[(slot - skipped + k) % GRID_SLOTS] = 0;
      this.ring[slot % GRID_SLOTS] = r * r;
      let sum = 0;
      for (let i = 0; i < GRID_SLOTS; i++) sum += this.ring[i] as number;
      this.ringSum = sum;
    } else this.firstSlot = slot;
    this.gridSlot = slot;
    this.gridPx = px;
  }

  /**
   * Daily volatility the last 24 hours' path realised (5-minute returns), NaN until it holds an
   * hour. The hourly EWMA forgets a move within hours: a coin that fell 5 % in the morning and
   * idled since reads calm to it, not to this.
   */
  dayRealised(): number {
    if (this.gridSlot !== this.gridSlot) return Number.NaN;
    const covered = Math.min(GRID_SLOTS, this.gridSlot - this.firstSlot);
    if (covered < MIN_GRID_RETURNS) return Number.NaN;
    return Math.sqrt((this.ringSum * GRID_SLOTS) / covered);
  }

  /** The wider of the hour's (EWMA) and the day's (realised) daily volatility: what the zone search reaches by. */
  wideDaily(): number {
    const d = this.dayRealised();
    const h = this.daily();
    return d > h ? d : h;
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
