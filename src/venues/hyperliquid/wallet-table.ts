import type { Wallet } from '../../domain/ids.ts';
import { bytesAre } from '../json-scan.ts';

/**
 * The addresses a scanner has decoded, found again from the bytes of the next mention without
 * decoding them: the first 32 bits of an address (its first 8 hex digits) pick a slot of an
 * open-addressing table of `[those bits, index + 1]` pairs, small enough to stay in cache where a
 * `Map` of tens of thousands of wallets is not, and the address itself confirms byte for byte.
 * Only canonical (lower-case) addresses are filed: that is how every source but a hand-edited
 * file writes them, and `toWallet` gives that form.
 */
export class WalletTable {
  private table = new Int32Array(2 * 1024);
  private mask = 1023;
  private readonly list: Wallet[] = [];

  /** The known wallet written as `0x…` at `at` (its 42 bytes, quotes not included), or null. */
  find(b: Uint8Array, at: number): Wallet | null {
    const bits = hexBits(b, at + 2);
    const t = this.table;
    for (let i = home(bits) & this.mask; ; i = (i + 1) & this.mask) {
      const v = t[2 * i + 1] as number;
      if (v === 0) return null;
      if (t[2 * i] === bits) {
        const w = this.list[v - 1] as Wallet;
        if (bytesAre(b, at, w)) return w;
      }
    }
  }

  /** Files a canonical address (not filed before). */
  add(w: Wallet): void {
    if (w.length !== 42) return;
    if (2 * (this.list.length + 1) > this.mask + 1) this.rehash();
    this.list.push(w);
    this.put(hexBits(Buffer.from(w, 'latin1'), 2), this.list.length);
  }

  get size(): number {
    return this.list.length;
  }

  private put(bits: number, ref: number): void {
    const t = this.table;
    let i = home(bits) & this.mask;
    while (t[2 * i + 1] !== 0) i = (i + 1) & this.mask;
    t[2 * i] = bits;
    t[2 * i + 1] = ref;
  }

  private rehash(): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length / 2 - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.put(old[i] as number, old[i + 1] as number);
  }
}

/** The 8 hex digits at `at` as 32 bits (garbage for other bytes, which the full compare rejects). */
function hexBits(b: Uint8Array, at: number): number {
  let k = 0;
  for (let i = at; i < at + 8; i++) {
    const c = b[i] as number;
    k = (k << 4) | ((c <= 57 ? c - 48 : c - 87) & 15);
  }
  return k;
}

function home(bits: number): number {
  const h = Math.imul(bits, 0x9e3779b1);
  return h ^ (h >>> 15);
}
