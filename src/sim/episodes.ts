import type { SimCoin } from './config.ts';
import { Rng } from './rng.ts';

/**
 * Planted market episodes: what the market-state signals look for, written into the simulated
 * world (never read from the engines). Each changes one coin for a while through a handful of
 * per-second knobs the simulator reads; with no episodes planned every knob is neutral (1 or 0)
 * and the simulator's output is what it was without them.
 *
 * With episodes planned, the coin's reported open interest also carries a steady base held by
 * accounts the simulation does not model (a hundred times the coin's book depth per 1 %, in coin units, as on the venue):
 * the simulated wallets' own positions are few and short-lived, and alone would make open interest
 * swing by multiples within minutes, as no venue's does.
 *
 * - `leverage`: that unseen open interest builds up by 15–40 % of the coin's open interest over
 *   10 minutes while the coin's volatility is damped to 30 %
 *   (price flat); then, in 60 % of them, a flush — price is pushed 1–2.5 % one way over ten
 *   minutes and that open interest unwinds; otherwise it unwinds slowly over two hours.
 * - `funding`: the premium runs hot (either sign) by 5–8 of the coin's funding standard
 *   deviations for 1–3 hours; price is not touched.
 * - `decouple`: the coin stops moving with BTC (its share of BTC's shocks goes to zero) and its
 *   own volatility rises 1.5× for 2–4 hours. Only visible with a BTC correlation configured.
 * - `thin-book`: the coin's book depth drops to 20 % for 30–60 minutes and price is pushed
 *   1–2 % one way over the first 15: forced flow into a thin book, the cascade channel.
 */
export type EpisodeKind = 'leverage' | 'funding' | 'decouple' | 'thin-book';

export const EPISODE_KINDS: readonly EpisodeKind[] = ['leverage', 'funding', 'decouple', 'thin-book'];

export interface EpisodeTruth {
  readonly kind: EpisodeKind;
  readonly coin: string;
  /** Venue times (ms) the episode starts and ends. */
  readonly start: number;
  readonly end: number;
  /** leverage: whether it flushed; funding: the sign of the added premium; thin-book: the push's sign. */
  readonly sign: 1 | -1;
  readonly flushed: boolean | null;
}

interface Planned {
  readonly kind: EpisodeKind;
  readonly coin: number;
  readonly tick: number;
  readonly sign: 1 | -1;
  readonly size: number;
  /** Main phase length (s). */
  readonly span: number;
  readonly flush: boolean;
}

/** Funding standard deviation of a coin (hourly rate), as the market's premium makes it. */
const FUNDING_SD_PER_VOL = 1.2e-4;

export class MarketEpisodes {
  private readonly coins: readonly SimCoin[];
  private readonly start: number;
  private readonly plan: Planned[] = [];
  private next = 0;
  private readonly active: Planned[] = [];
  /** Some knob may be off neutral. */
  private dirty = false;
  /** The knobs for the current second, per coin. */
  readonly volMult: Float64Array;
  readonly betaMult: Float64Array;
  readonly depthMult: Float64Array;
  readonly fundingAdd: Float64Array;
  /** Log-return added per second (a push). */
  readonly push: Float64Array;
  /** Open interest (coin units) of accounts the recording does not see: the base and a build-up's ramp. */
  readonly oiAdd: Float64Array;
  private readonly base: Float64Array;
  private readonly ramp: Float64Array;

  /** `depthUsd`: each coin's book depth per 1 % (USD), the unseen base's scale. */
  constructor(seed: number, coins: readonly SimCoin[], totalTicks: number, perDay: number, start: number, depthUsd: readonly number[]) {
    this.coins = coins;
    this.start = start;
    const n = coins.length;
    this.volMult = new Float64Array(n).fill(1);
    this.betaMult = new Float64Array(n).fill(1);
    this.depthMult = new Float64Array(n).fill(1);
    this.fundingAdd = new Float64Array(n);
    this.push = new Float64Array(n);
    this.oiAdd = new Float64Array(n);
    this.base = new Float64Array(n);
    this.ramp = new Float64Array(n);
    const count = Math.round((perDay * totalTicks) / 86_400);
    if (count <= 0) return;
    coins.forEach((c, i) => {
      this.base[i] = (100 * (depthUsd[i] as number)) / c.px0;
      this.oiAdd[i] = this.base[i] as number;
    });
    // Its own random stream: planting episodes never shifts the wallets' or the prices' draws.
    const r = Rng.derive(seed, 0xe915);
    // Not in the first 6 hours (the detectors' baselines warm up) when the run is long enough.
    const from = totalTicks > 12 * 3600 ? 6 * 3600 : 0;
    for (let i = 0; i < count; i++) {
      const kind = EPISODE_KINDS[i % EPISODE_KINDS.length] as EpisodeKind;
      // BTC is the reference: it does not decouple from itself.
      const coin = kind === 'decouple' ? 1 + r.int(n - 1) : r.int(n);
      const tick = from + Math.floor(((i + r.range(0.1, 0.9)) * (totalTicks - from)) / count);
      const sign: 1 | -1 = r.chance(0.5) ? 1 : -1;
      const size =
        kind === 'leverage' ? r.range(0.15, 0.4) : kind === 'funding' ? r.range(5, 8) : kind === 'thin-book' ? r.range(0.01, 0.02) : 1;
      const span =
        kind === 'leverage'
          ? 1800 + r.int(3600)
          : kind === 'funding'
            ? 3600 + r.int(7200)
            : kind === 'decouple'
              ? 7200 + r.int(7200)
              : 1800 + r.int(1800);
      this.plan.push({ kind, coin, tick, sign, size, span, flush: kind === 'leverage' && r.chance(0.6) });
    }
    this.plan.sort((a, b) => a.tick - b.tick);
  }

  /** Sets the knobs for second `tick` from the episodes running then; `oi` is each coin's open interest (coin units). */
  at(tick: number, oi: Float64Array): void {
    while (this.next < this.plan.length && (this.plan[this.next] as Planned).tick <= tick)
      this.active.push(this.plan[this.next++] as Planned);
    if (this.active.length === 0 && !this.dirty) return;
    this.volMult.fill(1);
    this.betaMult.fill(1);
    this.depthMult.fill(1);
    this.fundingAdd.fill(0);
    this.push.fill(0);
    for (let k = this.active.length - 1; k >= 0; k--) {
      const e = this.active[k] as Planned;
      const t = tick - e.tick;
      if (!this.apply(e, t, oi)) this.active.splice(k, 1);
    }
    this.dirty = this.active.length > 0;
    for (let c = 0; c < this.oiAdd.length; c++) this.oiAdd[c] = (this.base[c] as number) + (this.ramp[c] as number);
  }

  /** One episode's effect `t` seconds in; false once it is over. */
  private apply(e: Planned, t: number, oi: Float64Array): boolean {
    const c = e.coin;
    const coin = this.coins[c] as SimCoin;
    switch (e.kind) {
      case 'leverage': {
        const build = 600;
        const total = (oi[c] as number) + (this.base[c] as number);
        if (t < build) {
          // Ramp the unseen open interest by `size` of the coin's whole, price damped.
          this.ramp[c] = total * e.size * ((t + 1) / build);
          this.volMult[c] = 0.3;
          return true;
        }
        if (t < build + e.span) {
          this.volMult[c] = 0.6;
          return true;
        }
        const unwind = e.flush ? 600 : 7200;
        const u = t - build - e.span;
        if (u >= unwind) {
          this.ramp[c] = 0;
          return false;
        }
        this.ramp[c] = total * e.size * (1 - (u + 1) / unwind);
        if (e.flush) this.push[c] = (this.push[c] as number) + (e.sign * Math.log1p(0.01 + 0.015 * ((e.size - 0.15) / 0.25))) / unwind;
        return true;
      }
      case 'funding': {
        if (t >= e.span) return false;
        this.fundingAdd[c] = (this.fundingAdd[c] as number) + e.sign * e.size * FUNDING_SD_PER_VOL * coin.vol;
        return true;
      }
      case 'decouple': {
        if (t >= e.span) return false;
        this.betaMult[c] = 0;
        this.volMult[c] = (this.volMult[c] as number) * 1.5;
        return true;
      }
      case 'thin-book': {
        if (t >= e.span) return false;
        this.depthMult[c] = 0.2;
        if (t < 900) this.push[c] = (this.push[c] as number) + (e.sign * Math.log1p(e.size)) / 900;
        return true;
      }
    }
  }

  truth(): EpisodeTruth[] {
    return this.plan.map((e) => {
      const length = e.kind === 'leverage' ? 600 + e.span + (e.flush ? 600 : 7200) : e.span;
      return {
        kind: e.kind,
        coin: (this.coins[e.coin] as SimCoin).coin,
        start: this.start + e.tick * 1000,
        end: this.start + (e.tick + length) * 1000,
        sign: e.sign,
        flushed: e.kind === 'leverage' ? e.flush : null,
      };
    });
  }
}
