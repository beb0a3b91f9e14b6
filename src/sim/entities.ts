import { Rng, simAddress } from './rng.ts';

/**
 * Planted entities (docs/syndicates.md, "Planted truth"): actors that each own several wallets,
 * fund them from one wallet of their own (transfers on the venue's ledger), and trade them as one:
 * every wallet enters the same coin the same way within a couple of seconds, with the same
 * notional to a few percent, and closes together. The simulator executes what this decides; this
 * file only plans (no venue state).
 */

export interface ActorTruth {
  readonly id: string;
  /** The wallet that paid the others (never trades). */
  readonly funder: string;
  readonly wallets: readonly string[];
  /** Entries the actor made (each: every wallet within seconds). */
  readonly trades: readonly { readonly time: number; readonly coin: string; readonly direction: 'long' | 'short' }[];
}

/** One wallet's planned entry: the simulator forces it at `tick`. */
export interface ActorOrder {
  readonly wallet: number;
  readonly tick: number;
  readonly coin: number;
  readonly long: boolean;
  readonly notional: number;
  readonly holdS: number;
}

/** Seed label of the actors' own random stream (the simulator's other streams are not drawn from). */
const ACTOR_RNG = 0xac7025;

export class PlantedActors {
  /** Simulator wallet index → actor. */
  readonly owner = new Map<number, number>();
  private readonly actors: { funder: string; wallets: number[]; trades: ActorTruth['trades'][number][] }[] = [];
  private readonly rng: Rng;
  private readonly nextAt: number[] = [];
  private readonly addr: (w: number) => string;
  private readonly gapS: number;

  /**
   * `count` actors of 3–6 wallets each, the wallets taken from `first` on (slots the simulator
   * adds past its own), each actor trading every ~`gapS` seconds.
   */
  constructor(seed: number, count: number, first: number, addr: (w: number) => string, gapS = 3600) {
    this.gapS = gapS;
    this.rng = Rng.derive(seed, ACTOR_RNG);
    this.addr = addr;
    let w = first;
    for (let a = 0; a < count; a++) {
      const wallets: number[] = [];
      const n = 3 + this.rng.int(4);
      for (let k = 0; k < n; k++) {
        this.owner.set(w, a);
        wallets.push(w++);
      }
      this.actors.push({ funder: simAddress(seed ^ ACTOR_RNG, a), wallets, trades: [] });
      this.nextAt.push(Math.floor(this.rng.range(60, this.gapS)));
    }
  }

  /** Wallet slots the actors need. */
  static slots(seed: number, count: number): number {
    const r = Rng.derive(seed, ACTOR_RNG);
    let n = 0;
    for (let a = 0; a < count; a++) n += 3 + r.int(4);
    return n;
  }

  /** Each wallet's starting capital (USD): the actor's money split evenly. */
  capital(w: number): number {
    const a = this.owner.get(w);
    if (a === undefined) return 0;
    return 600_000 + 200_000 * (a % 4);
  }

  /**
   * The funding transfers (the funder to each wallet) as the venue's `userNonFundingLedgerUpdates`
   * answers, one per receiving wallet, at `time`.
   */
  fundingMessages(time: number): unknown[] {
    const out: unknown[] = [];
    let n = 1;
    for (const a of this.actors) {
      for (const w of a.wallets) {
        const user = this.addr(w);
        out.push({
          request: { type: 'userNonFundingLedgerUpdates', user },
          response: [
            {
              time,
              hash: `0x${(0xf00d0000 + n++).toString(16).padStart(64, '0')}`,
              delta: { type: 'internalTransfer', usdc: this.capital(w).toFixed(6), user: a.funder, destination: user, fee: '0.0' },
            },
          ],
        });
      }
    }
    return out;
  }

  /**
   * The entries due at `tick` for actors whose wallets are all flat (`flat(w)`): every wallet of the
   * actor within 0–2 s, one coin and direction, notionals within ±3 % of the actor's size.
   */
  due(tick: number, start: number, coins: number, coinName: (c: number) => string, flat: (w: number) => boolean): ActorOrder[] {
    const orders: ActorOrder[] = [];
    this.actors.forEach((a, i) => {
      if ((this.nextAt[i] as number) > tick) return;
      const r = this.rng;
      this.nextAt[i] = tick + Math.ceil(this.gapS * (0.5 + r.next()));
      if (!a.wallets.every(flat)) return;
      const coin = r.int(coins);
      const long = r.chance(0.5);
      const size = 250_000 + r.next() * 1_000_000;
      const holdS = 600 + r.exponential(1200);
      a.trades.push({ time: start + tick * 1000, coin: coinName(coin), direction: long ? 'long' : 'short' });
      for (const w of a.wallets) {
        orders.push({ wallet: w, tick: tick + r.int(3), coin, long, notional: size * (1 + 0.03 * (2 * r.next() - 1)), holdS });
      }
    });
    return orders;
  }

  truth(): ActorTruth[] {
    return this.actors.map((a, i) => ({ id: `actor-${i}`, funder: a.funder, wallets: a.wallets.map(this.addr), trades: a.trades }));
  }
}
