import { lowerBound, upperBound } from '../common/bounds.ts';

/**
 * One coin's price path and liquidations, kept only while a pending grade may still read them.
 * Times are event times; a point that arrives with a time before the last one is filed at the
 * last one (recordings are ordered by receive time, venue times can step back by a few ms), so
 * the path stays sorted and searchable.
 */
export class CoinTape {
  private t: number[] = [];
  private px: number[] = [];
  private head = 0;
  private liqT: number[] = [];
  /** The mark the liquidation triggered at (the fill price when the venue gave none). */
  private liqPx: number[] = [];
  private liqUsd: number[] = [];
  private liqLong: boolean[] = [];
  private liqHead = 0;
  /** A venue mark (or mid) has been seen for the coin: from then on trades no longer move its path. */
  marked = false;

  addPrice(time: number, px: number): void {
    if (!(px > 0) || !Number.isFinite(time)) return;
    const n = this.t.length;
    const last = n > 0 ? (this.t[n - 1] as number) : Number.NEGATIVE_INFINITY;
    this.t.push(time < last ? last : time);
    this.px.push(px);
  }

  addLiquidation(time: number, px: number, usd: number, long: boolean): void {
    if (!(px > 0) || !(usd >= 0) || !Number.isFinite(time)) return;
    const n = this.liqT.length;
    const last = n > 0 ? (this.liqT[n - 1] as number) : Number.NEGATIVE_INFINITY;
    this.liqT.push(time < last ? last : time);
    this.liqPx.push(px);
    this.liqUsd.push(usd);
    this.liqLong.push(long);
  }

  /** The price as of `time`: the last point at or before it (null: none kept). */
  asOf(time: number): number | null {
    const i = upperBound(this.t, this.head, time) - 1;
    return i >= this.head ? (this.px[i] as number) : null;
  }

  /**
   * The first time in [from, to] the path reaches `level` (at or below it when `below`, at or
   * above otherwise); null when it does not. Only points inside the window are read.
   */
  firstTouch(from: number, to: number, level: number, below: boolean): number | null {
    for (let i = lowerBound(this.t, this.head, from); i < this.t.length; i++) {
      const t = this.t[i] as number;
      if (t > to) break;
      const p = this.px[i] as number;
      if (below ? p <= level : p >= level) return t;
    }
    return null;
  }

  /** Notional (USD) liquidated in [from, to] on one side with its trigger price in [lo, hi]. */
  liquidated(from: number, to: number, lo: number, hi: number, long: boolean): number {
    let usd = 0;
    for (let i = lowerBound(this.liqT, this.liqHead, from); i < this.liqT.length; i++) {
      if ((this.liqT[i] as number) > to) break;
      const px = this.liqPx[i] as number;
      if (this.liqLong[i] === long && px >= lo && px <= hi) usd += this.liqUsd[i] as number;
    }
    return usd;
  }

  /** Forgets what no grade can read any more: points before `before`, the last one before it kept for `asOf`. */
  prune(before: number): void {
    const keep = upperBound(this.t, this.head, before) - 1;
    if (keep > this.head) this.head = keep;
    this.liqHead = Math.max(this.liqHead, lowerBound(this.liqT, this.liqHead, before));
    // Compact once the dead prefix is most of the arrays: amortised O(1) per point.
    if (this.head > 1024 && this.head * 2 > this.t.length) {
      this.t = this.t.slice(this.head);
      this.px = this.px.slice(this.head);
      this.head = 0;
    }
    if (this.liqHead > 1024 && this.liqHead * 2 > this.liqT.length) {
      const h = this.liqHead;
      this.liqT = this.liqT.slice(h);
      this.liqPx = this.liqPx.slice(h);
      this.liqUsd = this.liqUsd.slice(h);
      this.liqLong = this.liqLong.slice(h);
      this.liqHead = 0;
    }
  }

  /** Points kept (for tests of the pruning). */
  get size(): number {
    return this.t.length - this.head;
  }
}
