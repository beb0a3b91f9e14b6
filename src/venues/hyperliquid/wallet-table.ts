import type { Wallet } from '../../domain/ids.ts';

/** Int32 fields of an entry: the 40 hex digits as 10 words of 4 bytes, then index + 1 (48 bytes). */
const WORDS = 10;
const STRIDE = 12;
const REF = 10;

/**
 * The addresses a scanner has decoded, found again from the bytes of the next mention without
 * decoding them. An open-addressing table holds each address's 40 hex digits as ten 32-bit words
 * beside its index, so a lookup reads the input bytes (in cache) and one table entry, and never
 * the address string itself, which with tens of thousands of wallets is a cache miss of its own
 * (bench/shapes.bench.ts). Only canonical (lower-case) addresses are filed: that is how every
 * source but a hand-edited file writes them, and `toWallet` gives that form.
 */
export class WalletTable {
  private table = new Int32Array(STRIDE * 1024);
  private mask = 1023;
  private readonly list: Wallet[] = [];
  private readonly key = new Int32Array(WORDS);
  private viewed: Uint8Array = new Uint8Array(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

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
    const t = this.table;
    for (let i = hash(k0, k5) & this.mask; ; i = (i + 1) & this.mask) {
      const e = i * STRIDE;
      const ref = t[e + REF] as number;
      if (ref === 0) return -1;
      if (
        t[e] === k0 &&
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
    this.list.push(w);
    if (2 * this.list.length > this.mask + 1) this.rehash();
    else this.put(this.list.length);
    return this.list.length - 1;
  }

  get size(): number {
    return this.list.length;
  }

  private put(ref: number): void {
    const k = this.key;
    words(Buffer.from(this.list[ref - 1] as Wallet, 'latin1'), 2, k);
    const t = this.table;
    let i = home(k) & this.mask;
    while (t[i * STRIDE + REF] !== 0) i = (i + 1) & this.mask;
    t.set(k, i * STRIDE);
    t[i * STRIDE + REF] = ref;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length / STRIDE - 1;
    for (let ref = 1; ref <= this.list.length; ref++) this.put(ref);
  }
}

/** The 40 bytes at `at` as ten 32-bit words. */
function words(b: Uint8Array, at: number, out: Int32Array): void {
  for (let w = 0; w < WORDS; w++) {
    const i = at + 4 * w;
    out[w] = (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
  }
}

function home(k: Int32Array): number {
  return hash(k[0] as number, k[5] as number);
}

function hash(k0: number, k5: number): number {
  const h = Math.imul(k0 ^ Math.imul(k5, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}
