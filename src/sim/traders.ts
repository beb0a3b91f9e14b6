import { Rng, simAddress } from './rng.ts';
import type { WalletTruth } from './truth.ts';

const DISCIPLINED_LEVERAGE = [2, 3, 5, 5, 10];
const LOOSE_LEVERAGE = [5, 10, 20, 25, 40, 50];

/** Latent parameters and mutable trading state of every simulated wallet, struct-of-arrays. */
export class Traders {
  readonly n: number;
  readonly addr: string[] = [];
  readonly skill: Float64Array;
  readonly discipline: Float64Array;
  readonly capital0: Float64Array;
  readonly isolated: Uint8Array;
  /** Margin mode of the open position (cluster members are forced isolated). */
  readonly posIsolated: Uint8Array;
  readonly baseLev: Float64Array;
  readonly sizeFrac: Float64Array;
  /** Mean seconds between closing one position and opening the next. */
  readonly gapMean: Float64Array;
  readonly holdMean: Float64Array;
  readonly useStops: Uint8Array;
  // state
  readonly cash: Float64Array;
  readonly coin: Int8Array;
  readonly szi: Float64Array;
  readonly entry: Float64Array;
  readonly margin: Float64Array;
  readonly lev: Float64Array;
  readonly liq: Float64Array;
  readonly stop: Float64Array;
  readonly ver: Int32Array;
  readonly nextAt: Int32Array;
  readonly actions: Int32Array;
  readonly lossStreak: Int32Array;
  /** Entries by choice, and those in the direction of the hidden drift. */
  readonly entries: Int32Array;
  readonly hits: Int32Array;
  readonly planned: Uint8Array;
  readonly dirty: Uint8Array;
  readonly rngs: Rng[] = [];

  constructor(seed: number, n: number, extra: number) {
    const total = n + extra;
    this.n = n;
    this.skill = new Float64Array(total);
    this.discipline = new Float64Array(total);
    this.capital0 = new Float64Array(total);
    this.isolated = new Uint8Array(total);
    this.posIsolated = new Uint8Array(total);
    this.baseLev = new Float64Array(total);
    this.sizeFrac = new Float64Array(total);
    this.gapMean = new Float64Array(total);
    this.holdMean = new Float64Array(total);
    this.useStops = new Uint8Array(total);
    this.cash = new Float64Array(total);
    this.coin = new Int8Array(total).fill(-1);
    this.szi = new Float64Array(total);
    this.entry = new Float64Array(total);
    this.margin = new Float64Array(total);
    this.lev = new Float64Array(total);
    this.liq = new Float64Array(total).fill(Number.NaN);
    this.stop = new Float64Array(total).fill(Number.NaN);
    this.ver = new Int32Array(total);
    this.nextAt = new Int32Array(total).fill(-1);
    this.actions = new Int32Array(total);
    this.lossStreak = new Int32Array(total);
    this.entries = new Int32Array(total);
    this.hits = new Int32Array(total);
    this.planned = new Uint8Array(total);
    this.dirty = new Uint8Array(total);
    for (let i = 0; i < total; i++) {
      this.addr.push(simAddress(seed, i));
      const r = Rng.derive(seed, i);
      this.rngs.push(r);
      if (i >= n) {
        this.capital0[i] = 50_000_000;
        this.cash[i] = 50_000_000;
        continue;
      }
      const skill = r.beta(2, 2);
      const disc = r.beta(2, 2);
      this.skill[i] = skill;
      this.discipline[i] = disc;
      const cap = Math.min(50_000_000, r.pareto(2000, 1.15));
      this.capital0[i] = cap;
      this.cash[i] = cap;
      this.isolated[i] = r.chance(0.3) ? 1 : 0;
      this.baseLev[i] = r.pick(disc > 0.5 ? DISCIPLINED_LEVERAGE : LOOSE_LEVERAGE);
      this.sizeFrac[i] = 0.05 + 0.25 * r.next();
      // Undisciplined wallets trade more often: overtrading is one of their marks.
      this.gapMean[i] = Math.exp(Math.log(3 * 3600) + 0.6 * r.normal()) / (1 + 2 * (1 - disc));
      this.holdMean[i] = Math.min(6 * 3600, Math.max(120, Math.exp(Math.log(2400) + 0.8 * r.normal())));
      this.useStops[i] = r.chance(disc) ? 1 : 0;
    }
  }

  truth(i: number, role: WalletTruth['role']): WalletTruth {
    return {
      wallet: this.addr[i] as string,
      role,
      skill: round6(this.skill[i] as number),
      discipline: round6(this.discipline[i] as number),
      capital: round6(this.capital0[i] as number),
      marginMode: this.isolated[i] === 1 ? 'isolated' : 'cross',
      entries: this.entries[i] as number,
      hits: this.hits[i] as number,
    };
  }

  static leverageLevels(disciplined: boolean): readonly number[] {
    return disciplined ? DISCIPLINED_LEVERAGE : LOOSE_LEVERAGE;
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
