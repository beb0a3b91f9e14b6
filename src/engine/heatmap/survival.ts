/**
 * What a position's survival reveals (docs/margin.md, "Estimated positions"): an estimated position
 * still open after its coin has traded at a price that a leverage would have liquidated it at was
 * not held at that leverage. Kept per coin: the lowest and highest price since any past moment
 * (suffix minimum and maximum, as monotonic stacks), so the worst price a position has lived
 * through since it opened is one binary search; and per coin the estimated positions waiting for
 * the price at which their estimate stops being possible (two heaps), so a position the price has
 * passed is re-filed the moment it is passed, not at its next fill.
 *
 * Only what came before counts: prices of the event's own moment (its timestamp) are held back
 * until time moves on, so a position liquidated at a price never counts as having lived through it,
 * nor does another liquidation of the same cascade at the same second.
 */

/** Oldest prices are dropped beyond this many kept per coin and side (a long uptrend keeps every low). */
const MAX_KEPT = 200_000;

/** Suffix extremes of one coin's prices: `px` strictly monotonic from the oldest kept to the newest. */
class Extremes {
  private ts: number[] = [];
  private px: number[] = [];
  private start = 0;
  private readonly lower: boolean;

  /** `lower`: keeps suffix minima (the lows a long lives through); else maxima. */
  constructor(lower: boolean) {
    this.lower = lower;
  }

  push(time: number, px: number): void {
    const a = this.px;
    if (this.lower)
      while (a.length > this.start && (a[a.length - 1] as number) >= px) {
        a.pop();
        this.ts.pop();
      }
    else
      while (a.length > this.start && (a[a.length - 1] as number) <= px) {
        a.pop();
        this.ts.pop();
      }
    a.push(px);
    this.ts.push(time);
    if (a.length - this.start > MAX_KEPT) this.start += MAX_KEPT / 2;
    if (this.start > 4096 && this.start > a.length / 2) {
      this.px = a.slice(this.start);
      this.ts = this.ts.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * The extreme price seen at or after `since` and before `until` (NaN: none). Kept are the suffix
   * extremes only: when prices from `until` on are kept (the question comes late), the answer is
   * the extreme of those kept before it, a price of that span, never one from `until` on.
   */
  since(since: number, until: number): number {
    const ts = this.ts;
    let lo = this.start;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ts[mid] as number) < since) lo = mid + 1;
      else hi = mid;
    }
    return lo < ts.length && (ts[lo] as number) < until ? (this.px[lo] as number) : Number.NaN;
  }
}

/** A binary heap of (key, slot, stamp), the greatest key on top (`sign` −1: the least). */
class Watch {
  private keys: number[] = [];
  private slots: number[] = [];
  private stamps: number[] = [];
  private readonly sign: number;

  constructor(sign: number) {
    this.sign = sign;
  }

  get size(): number {
    return this.keys.length;
  }

  /** Whether the top key is reached by `px`: at or above it (sign 1), at or below it (−1). */
  reached(px: number): boolean {
    return this.keys.length > 0 && (this.keys[0] as number) >= px * this.sign;
  }

  topSlot(): number {
    return this.slots[0] as number;
  }

  topStamp(): number {
    return this.stamps[0] as number;
  }

  push(key: number, slot: number, stamp: number): void {
    const k = this.keys;
    let i = k.length;
    k.push(key * this.sign);
    this.slots.push(slot);
    this.stamps.push(stamp);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((k[p] as number) >= (k[i] as number)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): void {
    const k = this.keys;
    const last = k.length - 1;
    this.swap(0, last);
    k.pop();
    this.slots.pop();
    this.stamps.pop();
    this.down(0);
  }

  /** Keeps only the entries `keep` accepts (as a heap again). */
  compact(keep: (slot: number, stamp: number) => boolean): void {
    const k = this.keys;
    const sl = this.slots;
    const st = this.stamps;
    let n = 0;
    for (let i = 0; i < k.length; i++) {
      if (!keep(sl[i] as number, st[i] as number)) continue;
      k[n] = k[i] as number;
      sl[n] = sl[i] as number;
      st[n] = st[i] as number;
      n++;
    }
    k.length = n;
    sl.length = n;
    st.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private down(i: number): void {
    const k = this.keys;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < k.length && (k[l] as number) > (k[m] as number)) m = l;
      if (r < k.length && (k[r] as number) > (k[m] as number)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    for (const a of [this.keys, this.slots, this.stamps]) {
      const t = a[i] as number;
      a[i] = a[j] as number;
      a[j] = t;
    }
  }
}

interface CoinPath {
  readonly lows: Extremes;
  readonly highs: Extremes;
  /** Moments (time, lowest, highest price) held back until time has moved `delayMs` past them, oldest first. */
  readonly held: number[];
  /** Long estimates re-filed when the price falls to their key; short ones when it rises to it. */
  readonly longs: Watch;
  readonly shorts: Watch;
}

export class SurvivalTracker {
  private readonly coins: (CoinPath | undefined)[] = [];
  /** Per slot: when its current position opened (NaN: flat), and its watch stamp. */
  private opened: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private stamps: Float64Array = new Float64Array(1024);
  /** Per slot: 1 while one of the heaps holds its live watch. */
  private watched: Uint8Array = new Uint8Array(1024);
  /** Live watches, and entries the heaps hold (live, and dropped ones not popped yet). */
  private live = 0;
  private entries = 0;
  private readonly delayMs: number;

  /**
   * `delayMs`: a price counts once time has moved this far past it (0: once time has moved at all).
   * Above 0 only to measure how much of an estimate's accuracy the last moments before it give.
   */
  constructor(delayMs = 0) {
    this.delayMs = delayMs;
  }

  private coin(id: number): CoinPath {
    let c = this.coins[id];
    if (c === undefined) {
      c = {
        lows: new Extremes(true),
        highs: new Extremes(false),
        held: [],
        longs: new Watch(1),
        shorts: new Watch(-1),
      };
      while (this.coins.length < id) this.coins.push(undefined);
      this.coins[id] = c;
    }
    return c;
  }

  private ensure(s: number): void {
    if (s < this.opened.length) return;
    let n = this.opened.length;
    while (n <= s) n *= 2;
    const o = new Float64Array(n).fill(Number.NaN);
    o.set(this.opened);
    this.opened = o;
    const st = new Float64Array(n);
    st.set(this.stamps);
    this.stamps = st;
    const wd = new Uint8Array(n);
    wd.set(this.watched);
    this.watched = wd;
  }

  /** Entries the watch heaps hold, dropped ones included (bounded: see `watch`). */
  get watching(): number {
    return this.entries;
  }

  /** Drops slot `s`'s live watch, if any (its heap entry goes stale). */
  private drop(s: number): void {
    if (this.watched[s] === 1) {
      this.watched[s] = 0;
      this.live--;
    }
  }

  /**
   * A position's size changed at `time`: it opened (from flat, or flipped side), closed, or moved
   * within its life. Closing or flipping drops its watch.
   */
  position(s: number, before: number, after: number, time: number): void {
    this.ensure(s);
    if (after === 0) {
      this.opened[s] = Number.NaN;
      this.unwatch(s);
    } else if (!(before === before) || before === 0 || Math.sign(before) !== Math.sign(after) || Math.abs(after) > Math.abs(before)) {
      // Opened, flipped, or added to: the prices lived through before were lived through by another
      // position (another entry, another margin), and say nothing of this one's leverage.
      this.opened[s] = time;
      this.unwatch(s);
    } else if (!((this.opened[s] as number) === (this.opened[s] as number))) this.opened[s] = time;
  }

  /**
   * The worst price (lowest for a long, highest for a short) of the coin strictly before `time`,
   * since slot `s` opened (NaN: none seen, or the position's life unknown).
   */
  worst(coinId: number, s: number, long: boolean, time: number): number {
    const since = s < this.opened.length ? (this.opened[s] as number) : Number.NaN;
    const c = this.coins[coinId];
    if (!(since === since) || c === undefined) return Number.NaN;
    let w = (long ? c.lows : c.highs).since(since, time - this.delayMs);
    const h = c.held;
    for (let i = 0; i < h.length; i += 3) {
      const t = h[i] as number;
      if (t < since) continue;
      if (t >= time - this.delayMs) break;
      const p = h[i + (long ? 1 : 2)] as number;
      if (!(w === w) || (long ? p < w : p > w)) w = p;
    }
    return w;
  }

  /**
   * The coin's present for `worst`: its newest price's moment (held back: not counted yet), so
   * every price before it counts (+∞: no price yet). What the map files asks as of now; a grade
   * asks as of the moment graded, which may be earlier when its event came late.
   */
  now(coinId: number): number {
    const h = this.coins[coinId]?.held;
    return h !== undefined && h.length > 0 ? (h[h.length - 3] as number) : Number.POSITIVE_INFINITY;
  }

  /** Re-file slot `s` (an estimated position) when the coin trades at or beyond `trigger`. */
  watch(coinId: number, s: number, long: boolean, trigger: number): void {
    this.ensure(s);
    const stamp = (this.stamps[s] as number) + 1;
    this.stamps[s] = stamp;
    this.drop(s);
    if (!(trigger > 0)) return;
    const c = this.coin(coinId);
    (long ? c.longs : c.shorts).push(trigger, s, stamp);
    this.watched[s] = 1;
    this.live++;
    // Every re-file watches again and a dropped watch stays in its heap until the price reaches
    // it: once most entries are dropped ones, they go (a price that stays away would keep them all).
    if (++this.entries > 2 * this.live + 1024) this.compact();
  }

  unwatch(s: number): void {
    if (s < this.stamps.length) {
      this.stamps[s] = (this.stamps[s] as number) + 1;
      this.drop(s);
    }
  }

  private compact(): void {
    const keep = (s: number, stamp: number): boolean => stamp === this.stamps[s];
    let n = 0;
    for (const c of this.coins) {
      if (c === undefined) continue;
      c.longs.compact(keep);
      c.shorts.compact(keep);
      n += c.longs.size + c.shorts.size;
    }
    this.entries = n;
  }

  /**
   * A price of the coin at `time`. When time has moved on, the held-back prices count: the slots
   * whose estimate they passed are returned, to be re-filed (their watch is dropped).
   */
  price(coinId: number, px: number, time: number): number[] | null {
    if (!(px > 0)) return null;
    const c = this.coin(coinId);
    // A price of the held-back moment, or a late one (a resolution of an earlier trade): counted as of that moment.
    const h = c.held;
    const n = h.length;
    if (n > 0 && time <= (h[n - 3] as number)) {
      if (px < (h[n - 2] as number)) h[n - 2] = px;
      if (px > (h[n - 1] as number)) h[n - 1] = px;
      return null;
    }
    let passed: number[] | null = null;
    let k = 0;
    while (k < h.length && (h[k] as number) < time - this.delayMs) {
      const t = h[k] as number;
      const lo = h[k + 1] as number;
      const hi = h[k + 2] as number;
      c.lows.push(t, lo);
      c.highs.push(t, hi);
      if (c.longs.size > 0) passed = this.take(c.longs, lo, passed);
      if (c.shorts.size > 0) passed = this.take(c.shorts, hi, passed);
      k += 3;
    }
    if (k > 0) h.splice(0, k);
    h.push(time, px, px);
    return passed;
  }

  /** Pops the watches the price `px` reached (a long's key at or above it, a short's at or below). */
  private take(w: Watch, px: number, out: number[] | null): number[] | null {
    while (w.size > 0 && w.reached(px)) {
      const s = w.topSlot();
      const live = w.topStamp() === this.stamps[s];
      w.pop();
      this.entries--;
      if (!live) continue;
      this.stamps[s] = (this.stamps[s] as number) + 1;
      this.drop(s);
      out ??= [];
      out.push(s);
    }
    return out;
  }
}

/**
 * The price at which a position at `entry` held at leverage `lev` is liquidated, inverted from
 * `impliedLeverage` (the venue rule once the mark is the liquidation price).
 */
export function priceAtLeverage(entry: number, long: boolean, lev: number, l: number): number {
  return long ? (entry * (1 - 1 / lev)) / (1 - l) : (entry * (1 + 1 / lev)) / (1 + l);
}
