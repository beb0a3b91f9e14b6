/**
 * "Have we applied this side of this trade?" over a bounded window of recent keys. A key is
 * `tid * 2 + (seller ? 1 : 0)`: one trade has exactly one buyer side and one seller side, and
 * tids (< 2^51 on Hyperliquid) keep the key an exact double. The window only has to outlive
 * re-delivery (resubscribe snapshots, back-fill overlap), not the whole stream.
 *
 * Two generations of open-addressing tables over Float64Arrays (a `Set<number>` of such doubles
 * boxes every key): keys go into the current one; when it holds `capacity` keys it becomes the
 * previous one and the old previous one, emptied, the current. So the window remembers at least
 * the last `capacity` keys and at most twice that, and an add touches one table slot — the
 * previous table is probed only for keys not newer than everything in it, which on a live stream
 * (tids rise) is only re-delivery. A table larger than the cache made each random probe a miss;
 * the single-table ring that evicted key by key paid three of them per add.
 */
/** 2^21 bits (256 KiB) per filter: with 2^17 trades in a table, about 6 % of new keys probe it in vain. */
const FILTER_BITS = 21;

export class TidWindow {
  private cur: Float64Array;
  private prev: Float64Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly capacity: number;
  private count = 0;
  /** Per table, a one-hash Bloom filter of its keys' trades (see `bit`). */
  private curBits = new Int32Array(1 << (FILTER_BITS - 5));
  private prevBits = new Int32Array(1 << (FILTER_BITS - 5));
  private curMax = Number.NEGATIVE_INFINITY;
  private prevMax = Number.NEGATIVE_INFINITY;

  constructor(capacityLog2 = 18) {
    const bits = capacityLog2 + 1; // each table at most half full
    this.capacity = 1 << capacityLog2;
    this.cur = new Float64Array(1 << bits).fill(Number.NaN);
    this.prev = new Float64Array(1 << bits).fill(Number.NaN);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
  }

  /**
   * A key's home slot: the trade's hash with the side as its lowest bit, so a trade's buyer and
   * seller sides sit next to each other and the second add finds the cache line the first one
   * loaded (tids are not ordered: each trade otherwise costs four cache misses, not two).
   */
  private home(key: number): number {
    const side = key & 1; // ToInt32 keeps an integer's parity
    const lo = (key >>> 0) ^ side;
    const hi = (key / 4294967296) | 0;
    return ((Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (this.shift + 1)) << 1) | side;
  }

  /**
   * The bit of `bits` that stands for the key's trade (both sides share it): a set bit says the
   * table may hold the key, a clear one that it does not. With random tids every new key is below
   * the previous table's maximum, and this keeps most of them from probing it (a cache miss).
   */
  private static bit(key: number): number {
    const lo = (key >>> 0) & ~1;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - FILTER_BITS);
  }

  /** True when the key is new (and remembers it); false for a duplicate. */
  add(key: number): boolean {
    const b = TidWindow.bit(key);
    if (key <= this.prevMax && ((this.prevBits[b >>> 5] as number) & (1 << (b & 31))) !== 0 && this.has(this.prev, key)) return false;
    if (!this.put(key, this.home(key))) return false;
    this.curBits[b >>> 5] = (this.curBits[b >>> 5] as number) | (1 << (b & 31));
    if (this.count === this.capacity) this.turn();
    return true;
  }

  /**
   * `add(key(tid, 'B'))` then `add(key(tid, 'A'))`, the two sides of a trade: bit 1 of the answer
   * set when the buyer's side was new, bit 2 the seller's. The two keys of a whole tid share their
   * filter bit and sit side by side (`home`), so both are looked at with one hash, one filter word
   * and one probe of a cache line; any other tid, or a window about to turn between the two, adds
   * them one at a time.
   */
  addTrade(tid: number): number {
    if (!(Number.isInteger(tid) && tid >= 0 && tid < 2 ** 51) || this.count + 2 > this.capacity) {
      const b = this.add(TidWindow.key(tid, 'B'));
      return (b ? 1 : 0) | (this.add(TidWindow.key(tid, 'A')) ? 2 : 0);
    }
    const kb = tid * 2;
    const ka = kb + 1;
    const b = TidWindow.bit(kb);
    const inPrev = ((this.prevBits[b >>> 5] as number) & (1 << (b & 31))) !== 0;
    const home = this.home(kb);
    let out = 0;
    if (!(kb <= this.prevMax && inPrev && this.has(this.prev, kb)) && this.put(kb, home)) out = 1;
    if (!(ka <= this.prevMax && inPrev && this.has(this.prev, ka)) && this.put(ka, home + 1)) out |= 2;
    if (out !== 0) this.curBits[b >>> 5] = (this.curBits[b >>> 5] as number) | (1 << (b & 31));
    if (this.count === this.capacity) this.turn();
    return out;
  }

  /** Files `key` in the current table probing from `i` (its home); false when it is there already. */
  private put(key: number, i: number): boolean {
    const t = this.cur;
    for (;;) {
      const v = t[i] as number;
      if (v !== v) break;
      if (v === key) return false;
      i = (i + 1) & this.mask;
    }
    t[i] = key;
    if (key > this.curMax) this.curMax = key;
    this.count++;
    return true;
  }

  private has(t: Float64Array, key: number): boolean {
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const v = t[i] as number;
      if (v !== v) return false;
      if (v === key) return true;
    }
  }

  /** The current table becomes the previous one; the oldest keys are forgotten. */
  private turn(): void {
    const old = this.prev;
    this.prev = this.cur;
    this.prevMax = this.curMax;
    this.cur = old.fill(Number.NaN);
    const bits = this.prevBits;
    this.prevBits = this.curBits;
    this.curBits = bits.fill(0);
    this.curMax = Number.NEGATIVE_INFINITY;
    this.count = 0;
  }

  static key(tid: number, side: 'B' | 'A'): number {
    return tid * 2 + (side === 'B' ? 0 : 1);
  }
}
