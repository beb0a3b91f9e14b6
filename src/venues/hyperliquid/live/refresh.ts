import type { PositionBook } from '../../../engine/position-book/book.ts';

export interface RefreshInputs {
  readonly book: PositionBook;
  /** Nexus Score of a wallet id (null: unscored). */
  readonly score: (walletId: number) => number | null;
  /** Distance (fraction of price) from a slot's liquidation price to the nearest zone, NaN if none. */
  readonly zoneDistance: (slot: number) => number;
  /** Wallets always refreshed first (an operator's seed list). */
  readonly seeds: readonly string[];
  /** A wallet is not refreshed again sooner than this (ms of the caller's clock). */
  readonly minAgeMs: number;
}

/**
 * Spends the REST budget where it matters most: seed wallets first, then open positions ranked by
 * notional × (1 + score/100), doubled for positions whose liquidation sits within 1 % of a zone
 * (their accuracy decides whether the zone is real). Wallets refreshed within `minAgeMs` wait.
 */
export class RefreshScheduler {
  private readonly inputs: RefreshInputs;
  private readonly last = new Map<string, number>();

  constructor(inputs: RefreshInputs) {
    this.inputs = inputs;
  }

  /** The next `n` wallets to refresh, and marks them refreshed now. */
  pick(n: number, now: number): string[] {
    const out = this.ranked(n, now);
    for (const w of out) this.last.set(w, now);
    return out;
  }

  /** The `n` most important wallets not refreshed within the minimum age (nothing is marked). */
  ranked(n: number, now: number): string[] {
    const { book, score, zoneDistance, seeds, minAgeMs } = this.inputs;
    const fresh = (w: string) => now - (this.last.get(w) ?? Number.NEGATIVE_INFINITY) >= minAgeMs;
    const out: string[] = seeds.filter(fresh).slice(0, n);
    if (out.length < n) {
      const best = new Map<number, number>();
      for (let s = 0; s < book.slotCount; s++) {
        const szi = book.sziAt(s);
        if (szi === 0) continue;
        const w = book.walletOf(s);
        const d = zoneDistance(s);
        const p = Math.abs(szi * book.entryAt(s)) * (1 + (score(w) ?? 0) / 100) * (d <= 0.01 ? 2 : 1);
        if (p > (best.get(w) ?? 0)) best.set(w, p);
      }
      const ranked = [...best].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      for (const [w] of ranked) {
        if (out.length >= n) break;
        const name = book.wallets.name(w);
        if (!out.includes(name) && fresh(name)) out.push(name);
      }
    }
    return out;
  }
}
