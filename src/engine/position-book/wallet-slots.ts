import { grow } from '../common/growable.ts';

/**
 * Slots kept in a wallet's own row (64 bytes); a wallet trading more coins keeps the rest in an
 * overflow list kept in a map. Fifteen: with seven, a wallet's eighth coin went to the map, and
 * 6 % of the trade sides of bench/shapes.bench.ts (wallets drawn uniformly, a dozen coins) were
 * of a wallet's eighth coin or later.
 */
const INLINE = 15;
const STRIDE = INLINE + 1;

/**
 * Each wallet's slots in the order they were created. A wallet's count and its first fifteen slots
 * share one 64-byte row, so walking an account (every liquidation recompute does) costs one
 * memory access before the slots themselves, where an array of arrays costs three dependent ones.
 */
export class WalletSlots {
  private rows: Int32Array = new Int32Array(STRIDE * 1024);
  private readonly overflow = new Map<number, number[]>();

  add(w: number, s: number): void {
    const at = w * STRIDE;
    if (at >= this.rows.length) this.rows = grow(this.rows, at + STRIDE);
    const n = this.rows[at] as number;
    if (n < INLINE) this.rows[at + 1 + n] = s;
    else {
      let rest = this.overflow.get(w);
      if (rest === undefined) {
        rest = [];
        this.overflow.set(w, rest);
      }
      rest.push(s);
    }
    this.rows[at] = n + 1;
  }

  /** As `add`, when wallet `w` is known to have exactly `n` slots: nothing read while they fit its row. */
  addAt(w: number, n: number, s: number): void {
    if (n >= INLINE) {
      this.add(w, s);
      return;
    }
    const at = w * STRIDE;
    if (at >= this.rows.length) this.rows = grow(this.rows, at + STRIDE);
    this.rows[at + 1 + n] = s;
    this.rows[at] = n + 1;
  }

  count(w: number): number {
    const at = w * STRIDE;
    return at < this.rows.length ? (this.rows[at] as number) : 0;
  }

  /** The wallet's `i`-th slot, `i` < count(w). */
  at(w: number, i: number): number {
    return i < INLINE ? (this.rows[w * STRIDE + 1 + i] as number) : ((this.overflow.get(w) as number[])[i - INLINE] as number);
  }

  /** The wallet's slots as a new array (for paths that are not hot). */
  list(w: number): number[] {
    const out: number[] = [];
    for (let i = 0, n = this.count(w); i < n; i++) out.push(this.at(w, i));
    return out;
  }
}
