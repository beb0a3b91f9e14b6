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

  /** The known wallet written as `0x…` at `at` (its 42 bytes, quotes not included), or null. */
  find(b: Uint8Array, at: number): Wallet | null {
    if (b[at] !== 48 || b[at + 1] !== 120) return null;
    const k = this.key;
    words(b, at + 2, k);
    const t = this.table;
    for (let i = home(k) & this.mask; ; i = (i + 1) & this.mask) {
      const e = i * STRIDE;
      const ref = t[e + REF] as number;
      if (ref === 0) return null;
      if (
        t[e] === k[0] &&
        t[e + 1] === k[1] &&
        t[e + 2] === k[2] &&
        t[e + 3] === k[3] &&
        t[e + 4] === k[4] &&
        t[e + 5] === k[5] &&
        t[e + 6] === k[6] &&
        t[e + 7] === k[7] &&
        t[e + 8] === k[8] &&
        t[e + 9] === k[9]
      ) {
        return this.list[ref - 1] as Wallet;
      }
    }
  }

  /** Files a canonical address (not filed before). */
  add(w: Wallet): void {
    if (w.length !== 42) return;
    this.list.push(w);
    if (2 * this.list.length > this.mask + 1) this.rehash();
    else this.put(this.list.length);
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
  const h = Math.imul((k[0] as number) ^ Math.imul(k[5] as number, 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}
