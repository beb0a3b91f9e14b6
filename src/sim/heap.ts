/**
 * Min-heap of (key, id, version) with lazy deletion: a position that closes or moves its trigger
 * bumps its version, and stale entries are dropped when they surface.
 */
export class TriggerHeap {
  private keys: number[] = [];
  private ids: number[] = [];
  private vers: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(key: number, id: number, ver: number): void {
    const k = this.keys;
    let i = k.length;
    k.push(key);
    this.ids.push(id);
    this.vers.push(ver);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((k[p] as number) <= key) break;
      this.swap(i, p);
      i = p;
    }
  }

  peekKey(): number {
    return this.keys.length === 0 ? Number.POSITIVE_INFINITY : (this.keys[0] as number);
  }

  /** Removes the top; returns its id and version. */
  pop(): { id: number; ver: number } {
    const top = { id: this.ids[0] as number, ver: this.vers[0] as number };
    const last = this.keys.length - 1;
    this.swap(0, last);
    this.keys.pop();
    this.ids.pop();
    this.vers.pop();
    this.down(0);
    return top;
  }

  private down(i: number): void {
    const k = this.keys;
    const n = k.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && (k[l] as number) < (k[m] as number)) m = l;
      if (r < n && (k[r] as number) < (k[m] as number)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const k = this.keys;
    const a = this.ids;
    const v = this.vers;
    [k[i], k[j]] = [k[j] as number, k[i] as number];
    [a[i], a[j]] = [a[j] as number, a[i] as number];
    [v[i], v[j]] = [v[j] as number, v[i] as number];
  }
}
