import { SECONDS_PER_YEAR, type SimCoin } from './config.ts';
import { Rng } from './rng.ts';

/** Mean-reversion time of the hidden drift that skilled wallets partly see (s). */
const SIGNAL_TAU_S = 1800;
/** Stationary standard deviation of that drift (log-return per second), for a coin of 50 % annual volatility. */
const SIGNAL_SD = 3e-6;
const EVENTFUL_SD = 1.5;
const CALM_TO_VOLATILE = 1 / (4 * 3600);
const VOLATILE_TO_CALM = 1 / 3600;
const VOLATILE_MULT = 2.5;
const JUMP_RATE = 1 / (6 * 3600);
const JUMP_SD = 0.012;
const MAX_IMPACT = 0.02;

/**
 * One coin's price: a hidden AR(1) drift (the "coming move" skill is measured against), two
 * volatility regimes, rare jumps, and market impact from forced orders (the cascade channel).
 */
export class CoinMarket {
  readonly coin: SimCoin;
  px: number;
  /** The hidden drift, log-return per second. */
  signal = 0;
  volatile = false;
  private readonly rng: Rng;
  private readonly sigmaCalm: number;
  private readonly phi = Math.exp(-1 / SIGNAL_TAU_S);
  private readonly eta: number;
  private readonly signalSd: number;

  constructor(coin: SimCoin, seed: number, index: number) {
    this.coin = coin;
    this.px = coin.px0;
    this.rng = Rng.derive(seed, 0x5eed + index);
    this.sigmaCalm = coin.vol / Math.sqrt(SECONDS_PER_YEAR);
    // The drift scales with the coin's volatility: the same edge is as visible on HYPE as on BTC.
    this.signalSd = SIGNAL_SD * (coin.vol / 0.5);
    this.eta = this.signalSd * Math.sqrt(1 - this.phi * this.phi);
  }

  /** The last second's diffusion shock (standard normal): what a coin correlated with this one shares. */
  shock = 0;

  /**
   * Advances one second. `common` is another coin's shock this one shares with weight `rho`
   * (correlation), `volMult` scales its volatility and `push` adds to its log-return (planted
   * episodes, src/sim/episodes.ts); the defaults leave the path exactly as without them.
   */
  step(common = 0, rho = 0, volMult = 1, push = 0): void {
    const r = this.rng;
    if (r.chance(this.volatile ? VOLATILE_TO_CALM : CALM_TO_VOLATILE)) this.volatile = !this.volatile;
    this.signal = this.signal * this.phi + this.eta * r.normal();
    const sigma = this.sigmaCalm * (this.volatile ? VOLATILE_MULT : 1) * volMult;
    this.shock = r.normal();
    let ret = this.signal + sigma * (rho === 0 ? this.shock : Math.sqrt(1 - rho * rho) * this.shock + rho * common) + push;
    if (r.chance(JUMP_RATE)) ret += JUMP_SD * r.normal();
    this.px *= Math.exp(ret);
  }

  /** Forced buying (+) or selling (−) of `usd` against a book with `depthPerPct` USD per 1 %. */
  impact(usd: number, depthPerPct: number): void {
    // One order moves price at most 2 %: beyond that the book refills (and a whale's liquidation
    // in a thin simulated book would otherwise send price to infinity).
    this.px *= Math.exp(Math.max(-MAX_IMPACT, Math.min(MAX_IMPACT, (0.01 * usd) / depthPerPct)));
  }

  /** The hidden drift is strong (beyond 1.5 of its standard deviations): when traders enter. */
  eventful(): boolean {
    return Math.abs(this.signal) > EVENTFUL_SD * this.signalSd;
  }

  /** Funding rate: premium follows the hidden drift (crowded side pays). */
  funding(): number {
    return Math.max(-0.001, Math.min(0.001, 0.0000125 + this.signal * 20));
  }
}
