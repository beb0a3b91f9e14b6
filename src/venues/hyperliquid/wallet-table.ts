import type { Wallet } from '../../domain/ids.ts';

/** Int32 fields of a key row: the 40 hex digits as 10 words of 4 bytes, then a hint (48 bytes). */
const WORDS = 10;
const ROW = 12;
const HINT = 10;

/**
 * The addresses a scanner has decoded, found again from the bytes of the next mention without
 * decoding them. Each address's 40 hex digits sit as ten 32-bit words in a row of its own, in
 * the order addresses were filed, and an open-addressing index of `[first word, number + 1]`
 * pairs leads to them; so a lookup reads the input bytes (in cache), one index pair and one row,
 * and never the address string itself, which with tens of thousands of wallets is a cache miss of
 * its own (bench/shapes.bench.ts). Beside the key, a row holds a number its one reader behind the
 * scanner keeps for the address (`hint`: the position book's id), read in the cache line the
 * lookup just brought in. Only canonical (lower-case) addresses are filed: that is how every
 * source but a hand-edited file writes them, and `toWallet` gives that form.
 */
export class WalletTable {
  private index = new Int32Array(2 * 1024);
  private mask = 1023;
  private keys = new Int32Array(ROW * 1024);
  private readonly list: Wallet[] = [];
  private viewed: Uint8Array = new Uint8Array(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private claimed = false;

  /**
   * The number of the known wallet written as `0x…` at `at` (its 42 bytes, quotes not included),
   * or -1. Numbers are dense, in the order addresses were filed: `name(ref)` gives the address.
   */
  find(b: Uint8Array, at: number): number {
    if (b[at] !== 48 || b[at + 1] !== 120 || at + 42 > b.length) return -1;
    const v = this.viewOf(b);
    const p = at + 2;
    // Read as ten little-endian words, four bytes a load (a byte at a time cost most of a lookup).
    const k0 = v.getInt32(p, true);
    const k5 = v.getInt32(p + 20, true);
    const x = this.index;
    const t = this.keys;
    for (let i = hash(k0, k5) & this.mask; ; i = (i + 1) & this.mask) {
      const ref = x[2 * i + 1] as number;
      if (ref === 0) return -1;
      if (x[2 * i] !== k0) continue;
      const e = (ref - 1) * ROW;
      if (
        t[e + 5] === k5 &&
        t[e + 1] === v.getInt32(p + 4, true) &&
        t[e + 2] === v.getInt32(p + 8, true) &&
        t[e + 3] === v.getInt32(p + 12, true) &&
        t[e + 4] === v.getInt32(p + 16, true) &&
        t[e + 6] === v.getInt32(p + 24, true) &&
        t[e + 7] === v.getInt32(p + 28, true) &&
        t[e + 8] === v.getInt32(p + 32, true) &&
        t[e + 9] === v.getInt32(p + 36, true)
      ) {
        return ref - 1;
      }
    }
  }

  /** A DataView over `b` (kept while the same chunk is being read). */
  private viewOf(b: Uint8Array): DataView<ArrayBufferLike> {
    if (b !== this.viewed) {
      this.viewed = b;
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.view;
  }

  /** The address filed as number `ref`. */
  name(ref: number): Wallet {
    return this.list[ref] as Wallet;
  }

  /** Files a canonical address (not filed before) and returns its number; -1 when not 42 long. */
  add(w: Wallet): number {
    if (w.length !== 42) return -1;
    const ref = this.list.length;
    this.list.push(w);
    if ((ref + 1) * ROW > this.keys.length) {
      const keys = new Int32Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    words(Buffer.from(w, 'latin1'), 2, this.keys, ref * ROW);
    if (2 * this.list.length > this.mask + 1) this.rehash();
    else this.put(ref);
    return ref;
  }

  get size(): number {
    return this.list.length;
  }

  /**
   * Makes the caller the one reader of `hint`/`setHint` (the position book paired with this
   * scanner); a second claim throws, as two readers would read each other's numbers.
   */
  claim(): void {
    if (this.claimed) throw new Error('WalletTable: hints already claimed');
    this.claimed = true;
  }

  /** The number kept for address `ref` by `setHint` (0: none yet). */
  hint(ref: number): number {
    return this.keys[ref * ROW + HINT] as number;
  }

  setHint(ref: number, v: number): void {
    this.keys[ref * ROW + HINT] = v;
  }

  private put(ref: number): void {
    const t = this.keys;
    const e = ref * ROW;
    const x = this.index;
    let i = hash(t[e] as number, t[e + 5] as number) & this.mask;
    while (x[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    x[2 * i] = t[e] as number;
    x[2 * i + 1] = ref + 1;
  }

  private rehash(): void {
    this.index = new Int32Array(this.index.length * 2);
    this.mask = this.index.length / 2 - 1;
    for (let ref = 0; ref < this.list.length; ref++) this.put(ref);
  }
}

/** The 40 bytes at `at` as ten 32-bit words, into `out` from `to`. */
function words(b: Uint8Array, at: number, out: Int32Array, to: number): void {
  for (let w = 0; w < WORDS; w++) {
    const i = at + 4 * w;
    out[to + w] = (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
  }
}

function hash(k0: number, k5: number): number {
  const h = Math.imul(k0 ^ Math.imul(k5, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}
