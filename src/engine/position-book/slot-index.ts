import { grow } from '../common/growable.ts';

/** Coins whose slots a wallet keeps in its own row; a wallet trading more keeps the rest in a map. */
const PAIRS = 8;
const STRIDE = PAIRS * 2;

/**
 * Wallet × coin → slot. Each wallet's first eight coins sit in its own 64-byte row of
 * `[coin + 1, slot]` pairs, so a lookup is one memory access where a `Map` keyed by
 * `wallet · coins + coin` costs several: with tens of thousands of wallets the map is far larger
 * than the cache and every trade side missed in it (bench/shapes.bench.ts). A wallet's further
 * coins (market makers trade dozens) go to the map.
 */
export class SlotIndex {
  private rows: Int32Array = new Int32Array(STRIDE * 1024);
  private readonly more = new Map<number, number>();
  private readonly maxCoins: number;

  constructor(maxCoins: number) {
    this.maxCoins = maxCoins;
  }

  /** The slot of wallet `w` in coin `c`, or -1. */
  get(w: number, c: number): number {
    const rows = this.rows;
    const at = w * STRIDE;
    if (at >= rows.length) return -1;
    const k = c + 1;
    for (let i = at; i < at + STRIDE; i += 2) {
      const v = rows[i] as number;
      if (v === k) return rows[i + 1] as number;
      if (v === 0) return -1;
    }
    return this.more.get(w * this.maxCoins + c) ?? -1;
  }

  /** As `set`, when wallet `w` is known to have exactly `n` slots: nothing read. */
  setAt(w: number, n: number, c: number, s: number): void {
    if (n >= PAIRS) {
      this.more.set(w * this.maxCoins + c, s);
      return;
    }
    const at = w * STRIDE;
    if (at >= this.rows.length) this.rows = grow(this.rows, at + STRIDE);
    this.rows[at + 2 * n] = c + 1;
    this.rows[at + 2 * n + 1] = s;
  }

  /** Files slot `s` for wallet `w` in coin `c` (not filed before). */
  set(w: number, c: number, s: number): void {
    const at = w * STRIDE;
    if (at >= this.rows.length) this.rows = grow(this.rows, at + STRIDE);
    const rows = this.rows;
    for (let i = at; i < at + STRIDE; i += 2) {
      if (rows[i] === 0) {
        rows[i] = c + 1;
        rows[i + 1] = s;
        return;
      }
    }
    this.more.set(w * this.maxCoins + c, s);
  }
}
