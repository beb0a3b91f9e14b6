import type { Wallet } from '../../domain/ids.ts';

/**
 * Int32 fields of a key row (128 bytes): the 40 hex digits as 10 words of 4 bytes, a hint, then
 * the slots the hint's reader keeps for the address (`slot`/`setSlot`) in PLACES coins: the coin
 * numbers + 1 as 16-bit halves of the words from COINS, the slots in the words from SLOTS.
 */
const WORDS = 10;
const ROW = 32;
const HINT = 10;
const COINS = 11;
const SLOTS = 17;
const PLACES = 12;
/** A coin place that could not be kept (its number does not fit 16 bits): the places after it are not kept either. */
const UNKEPT = 0xffff;

/**
 * The addresses a scanner has decoded, found again from the bytes of the next mention without
 * decoding them. Each address's 40 hex digits sit as ten 32-bit words in a row of its own, in
 * the order addresses were filed, and an open-addressing index of `[first word, number + 1]`
 * pairs leads to them; so a lookup reads the input bytes (in cache), one index pair and one row,
 * and never the address string itself, which with tens of thousands of wallets is a cache miss of
 * its own (bench/shapes.bench.ts). Beside the key, a row holds a number its one reader behind the
 * scanner keeps for the address (`hint`: the position book's id), read in the cache line the
 * lookup just brought in, and the slots it keeps for the address's first PLACES coins (so a trade
 * side finds its position without a second table of its own, a cache miss per side). Only
 * canonical (lower-case) addresses are filed: that is how every source but a hand-edited file
 * writes them, and `toWallet` gives that form.
 */
export class WalletTable {
  private index = new Int32Array(2 * 1024);
  private mask = 1023;
  private keys = new Int32Array(ROW * 1024);
  /** `keys` as 16-bit halves (the coin numbers of the rows). */
  private halves = new Uint16Array(this.keys.buffer);
  private readonly list: Wallet[] = [];
  private viewed: Uint8Array = new Uint8Array(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private claimed = false;
  /** A word of the row `find` matched last (see there). */
  private touched = 0;
  /** The second number `findTwo` found (-1: not known), and the names of both (null: not known). */
  second = -1;
  firstName: Wallet | null = null;
  secondName: Wallet | null = null;

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
      if (t[e + 5] === k5 && rest(t, e, v, p)) {
        // Bring in the row's slots now (the reader asks for one soon after): the load is
        // independent of the work between, where a load at the reader's time waited for it.
        this.touched |= (t[e + COINS + 2] as number) | (t[e + SLOTS + 7] as number);
        return ref - 1;
      }
    }
  }

  /**
   * `find` of two addresses at once (a trade's two users), `at1`'s number returned and `at2`'s
   * left in `second`. Each lookup is two dependent memory reads (index, then row), which one
   * after the other wait four times; here both index reads, then both row reads, are in flight
   * together. Only the common case (each found at the first index place holding its first word)
   * is done so; any other (an address not filed, two sharing a first word) takes `find` for each,
   * which gives the same answers.
   */
  findTwo(b: Uint8Array, at1: number, at2: number): number {
    if (b[at1] === 48 && b[at1 + 1] === 120 && b[at2] === 48 && b[at2 + 1] === 120 && at1 + 42 <= b.length && at2 + 42 <= b.length) {
      const v = this.viewOf(b);
      const p1 = at1 + 2;
      const p2 = at2 + 2;
      const a0 = v.getInt32(p1, true);
      const a5 = v.getInt32(p1 + 20, true);
      const b0 = v.getInt32(p2, true);
      const b5 = v.getInt32(p2 + 20, true);
      const x = this.index;
      const t = this.keys;
      const mask = this.mask;
      // Each one's first index place with its first word (or none): a place's neighbours share its cache line.
      let r1 = 0;
      for (let i = hash(a0, a5) & mask; ; i = (i + 1) & mask) {
        const r = x[2 * i + 1] as number;
        if (r === 0 || x[2 * i] === a0) {
          r1 = r;
          break;
        }
      }
      let r2 = 0;
      for (let i = hash(b0, b5) & mask; ; i = (i + 1) & mask) {
        const r = x[2 * i + 1] as number;
        if (r === 0 || x[2 * i] === b0) {
          r2 = r;
          break;
        }
      }
      if (r1 !== 0 && r2 !== 0) {
        // The names are read now, beside the rows: they are what the caller reads next.
        const n1 = this.list[r1 - 1] as Wallet;
        const n2 = this.list[r2 - 1] as Wallet;
        const e1 = (r1 - 1) * ROW;
        const e2 = (r2 - 1) * ROW;
        const w1 = t[e1 + 5] as number;
        const w2 = t[e2 + 5] as number;
        if (w1 === a5 && w2 === b5 && rest(t, e1, v, p1) && rest(t, e2, v, p2)) {
          this.touched |=
            (t[e1 + COINS + 2] as number) | (t[e1 + SLOTS + 7] as number) | (t[e2 + COINS + 2] as number) | (t[e2 + SLOTS + 7] as number);
          this.second = r2 - 1;
          this.firstName = n1;
          this.secondName = n2;
          return r1 - 1;
        }
      }
    }
    const second = this.find(b, at2);
    const first = this.find(b, at1);
    this.second = second;
    this.firstName = first >= 0 ? (this.list[first] as Wallet) : null;
    this.secondName = second >= 0 ? (this.list[second] as Wallet) : null;
    return first;
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
      this.halves = new Uint16Array(keys.buffer);
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

  /** How many slots a row keeps (`slot`). */
  get places(): number {
    return PLACES;
  }

  /**
   * The slot kept for address `ref` in coin number `c` by `setSlot`; when none, −1 − n, where n
   * is how many slots the row keeps, or −1 − `places` when it cannot say (every place taken, or
   * a coin it could not keep).
   */
  slot(ref: number, c: number): number {
    const k = c + 1;
    if (!(k > 0 && k < UNKEPT)) return -1 - PLACES;
    const u = this.halves;
    const from = 2 * (ref * ROW + COINS);
    for (let i = 0; i < PLACES; i++) {
      const v = u[from + i] as number;
      if (v === k) return this.keys[ref * ROW + SLOTS + i] as number;
      if (v === 0) return -1 - i;
      if (v === UNKEPT) break;
    }
    return -1 - PLACES;
  }

  /**
   * Keeps slot `s` for address `ref` in coin number `c` after those kept, while fewer than
   * `places` are; a coin number from 2^16 − 1 on is not kept, nor is anything after it.
   */
  setSlot(ref: number, c: number, s: number): void {
    const u = this.halves;
    const from = 2 * (ref * ROW + COINS);
    for (let i = 0; i < PLACES; i++) {
      const v = u[from + i] as number;
      if (v === UNKEPT) return;
      if (v === 0) {
        const k = c + 1;
        u[from + i] = k > 0 && k < UNKEPT ? k : UNKEPT;
        this.keys[ref * ROW + SLOTS + i] = s;
        return;
      }
    }
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

/** Whether words 1–4 and 6–9 of row `e` are the address words at `p` (0 and 5 compared by the caller). */
function rest(t: Int32Array, e: number, v: DataView<ArrayBufferLike>, p: number): boolean {
  return (
    t[e + 1] === v.getInt32(p + 4, true) &&
    t[e + 2] === v.getInt32(p + 8, true) &&
    t[e + 3] === v.getInt32(p + 12, true) &&
    t[e + 4] === v.getInt32(p + 16, true) &&
    t[e + 6] === v.getInt32(p + 24, true) &&
    t[e + 7] === v.getInt32(p + 28, true) &&
    t[e + 8] === v.getInt32(p + 32, true) &&
    t[e + 9] === v.getInt32(p + 36, true)
  );
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
