import { Rng } from './rng.ts';

/**
 * Planted price shocks (docs/syndicates.md, "Planted truth"): a coin falls (or rises) 2.5–4 % within
 * 20–40 s, and right after, a crowd of whales buys the dip (or sells the spike) within 40 s: many
 * wallets entering one way at once, as a reaction to the move, not coordination. The simulator
 * moves the price and forces the entries; this file plans them.
 */

export interface ShockTruth {
  readonly id: string;
  readonly coin: string;
  /** The move's first and last second (ms). */
  readonly start: number;
  readonly end: number;
  /** Relative move over the shock (−0.03: a 3 % fall). */
  readonly move: number;
  /** The crowd's direction: long after a fall, short after a rise. */
  readonly direction: 'long' | 'short';
  readonly crowd: readonly { readonly wallet: string; readonly time: number }[];
}

interface Planned {
  readonly tick: number;
  readonly coin: number;
  readonly seconds: number;
  readonly move: number;
}

const SHOCK_RNG = 0x5b0c4;

export class PlantedShocks {
  private readonly plan: Planned[] = [];
  private readonly rng: Rng;
  private readonly truths: {
    coin: string;
    start: number;
    end: number;
    move: number;
    direction: 'long' | 'short';
    crowd: { wallet: string; time: number }[];
  }[] = [];
  /** Shock index → when its crowd is picked (the tick after the move ends). */
  private readonly crowdAt = new Map<number, number>();

  constructor(seed: number, perDay: number, totalTicks: number, coins: number) {
    this.rng = Rng.derive(seed, SHOCK_RNG);
    const n = Math.round((perDay * totalTicks) / 86_400);
    for (let i = 0; i < n; i++) {
      const tick = Math.floor(((i + this.rng.range(0.2, 0.8)) * totalTicks) / n);
      const move = (this.rng.chance(0.5) ? -1 : 1) * this.rng.range(0.025, 0.04);
      this.plan.push({ tick, coin: this.rng.int(coins), seconds: 20 + this.rng.int(21), move });
    }
  }

  /** Per coin, the log-return the shocks add this second (0 for most). */
  push(tick: number, coin: number): number {
    for (const p of this.plan) {
      if (p.coin === coin && tick >= p.tick && tick < p.tick + p.seconds) return Math.log(1 + p.move) / p.seconds;
    }
    return 0;
  }

  /**
   * The shocks whose move ended at `tick`: each gets a crowd of 8–14 wallets from `pick(k)`
   * entering over the next 40 s. Returns the entries to force.
   */
  crowds(tick: number, start: number, coinName: (c: number) => string, pick: (k: number) => number[], addr: (w: number) => string) {
    const out: { wallet: number; tick: number; coin: number; long: boolean }[] = [];
    this.plan.forEach((p, i) => {
      if (p.tick + p.seconds !== tick || this.crowdAt.has(i)) return;
      this.crowdAt.set(i, tick);
      const long = p.move < 0;
      const crowd: { wallet: string; time: number }[] = [];
      for (const w of pick(8 + this.rng.int(7))) {
        const at = tick + 2 + this.rng.int(38);
        out.push({ wallet: w, tick: at, coin: p.coin, long });
        crowd.push({ wallet: addr(w), time: start + at * 1000 });
      }
      this.truths.push({
        coin: coinName(p.coin),
        start: start + p.tick * 1000,
        end: start + tick * 1000,
        move: p.move,
        direction: long ? 'long' : 'short',
        crowd,
      });
    });
    return out;
  }

  truth(): ShockTruth[] {
    return this.truths.map((t, i) => ({ id: `shock-${i}`, ...t, crowd: t.crowd.toSorted((a, b) => a.time - b.time) }));
  }
}
