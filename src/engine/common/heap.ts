/**
 * A binary min-heap under a strict "comes before" order: what the ledger's pendings and its
 * grades on their way to the verdicts are kept in. Ties the order does not break come out in no
 * particular order, so callers give it a total order.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.before = before;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  values(): readonly T[] {
    return this.items;
  }

  push(x: T): void {
    const h = this.items;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.before(x, h[up] as T)) break;
      h[i] = h[up] as T;
      i = up;
    }
    h[i] = x;
  }

  pop(): T | undefined {
    const h = this.items;
    if (h.length === 0) return undefined;
    const top = h[0] as T;
    const last = h.pop() as T;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && this.before(h[r] as T, h[l] as T) ? r : l;
        if (!this.before(h[c] as T, last)) break;
        h[i] = h[c] as T;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
