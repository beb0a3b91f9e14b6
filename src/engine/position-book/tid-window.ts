/**
 * "Have we applied this side of this trade?" over a bounded window of recent keys. A key is
 * `tid * 2 + (seller ? 1 : 0)`: one trade has exactly one buyer side and one seller side, and
 * tids (< 2^51 on Hyperliquid) keep the key an exact double. The window only has to outlive
 * re-delivery (resubscribe snapshots, backfill overlap), not the whole stream.
 *
 * A `Set<number>` of non-small-integer doubles boxes every key and dominated the book's profile
 * (over half its time with GC); this is an open-addressing table over a Float64Array with
 * linear probing and backward-shift deletion, evicting the oldest key once the ring is full.
 */
export class TidWindow {
  private readonly table: Float64Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly ring: Float64Array;
  private pos = 0;

  constructor(capacityLog2 = 18) {
    const bits = capacityLog2 + 1; // table at most half full
    this.table = new Float64Array(1 << bits).fill(Number.NaN);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    this.ring = new Float64Array(1 << capacityLog2).fill(Number.NaN);
  }

  private home(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> this.shift;
  }

  /** True when the key is new (and remembers it); false for a duplicate. */
  add(key: number): boolean {
    const t = this.table;
    let i = this.home(key);
    for (;;) {
      const v = t[i] as number;
      if (v !== v) break;
      if (v === key) return false;
      i = (i + 1) & this.mask;
    }
    const old = this.ring[this.pos] as number;
    if (old === old) this.remove(old);
    // The slot found above may have moved if the eviction shifted entries: probe again.
    i = this.home(key);
    while ((t[i] as number) === (t[i] as number)) i = (i + 1) & this.mask;
    t[i] = key;
    this.ring[this.pos] = key;
    this.pos = (this.pos + 1) & (this.ring.length - 1);
    return true;
  }

  private remove(key: number): void {
    const t = this.table;
    const m = this.mask;
    let i = this.home(key);
    while ((t[i] as number) !== key) i = (i + 1) & m;
    // Backward-shift: pull later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const v = t[j] as number;
      if (v !== v) break;
      const h = this.home(v);
      // Move v into the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        t[i] = v;
        i = j;
      }
    }
    t[i] = Number.NaN;
  }

  static key(tid: number, side: 'B' | 'A'): number {
    return tid * 2 + (side === 'B' ? 0 : 1);
  }
}
