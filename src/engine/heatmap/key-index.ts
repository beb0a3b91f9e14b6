/** Largest span of keys held in the dense window (1 MiB of Int32); keys beyond it go to a Map. */
const MAX_DENSE = 1 << 18;

/**
 * Bucket key → row. Keys are integers clustered around the mark (a coin's liquidation prices
 * span a few thousand buckets), so a dense array over the span they cover answers with one load
 * where a Map hashes and probes; the rare far-out key (a short with margin for a 100× move) is
 * kept in a Map instead of stretching the array.
 */
export class KeyIndex {
  private base = 0;
  private dense: Int32Array = new Int32Array(0);
  private readonly far = new Map<number, number>();

  /** The row of `key`, or -1. */
  get(key: number): number {
    const i = key - this.base;
    if (i >= 0 && i < this.dense.length) return (this.dense[i] as number) - 1;
    return this.far.get(key) ?? -1;
  }

  set(key: number, row: number): void {
    if (!this.covers(key) && !this.widen(key)) {
      this.far.set(key, row);
      return;
    }
    this.dense[key - this.base] = row + 1;
  }

  clear(): void {
    this.dense.fill(0);
    this.far.clear();
  }

  private covers(key: number): boolean {
    const i = key - this.base;
    return i >= 0 && i < this.dense.length;
  }

  /**
   * Grows the window to take `key`, with room left on both sides. A key sent to `far` stays there:
   * it was more than MAX_DENSE beyond the window, and every later window contains this one.
   */
  private widen(key: number): boolean {
    const empty = this.dense.length === 0;
    const lo = empty ? key : Math.min(this.base, key);
    const hi = empty ? key : Math.max(this.base + this.dense.length - 1, key);
    const span = hi - lo + 1;
    if (span > MAX_DENSE) return false;
    const len = Math.min(MAX_DENSE, Math.max(1024, 2 * span));
    const base = lo - Math.floor((len - span) / 2);
    const dense = new Int32Array(len);
    if (!empty) dense.set(this.dense, this.base - base);
    this.base = base;
    this.dense = dense;
    return true;
  }
}
