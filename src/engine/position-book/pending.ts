import { grow } from '../common/growable.ts';

/** Flags of a kept change. */
const SELL = 1;
const LIQUIDATION = 2;
const TAKER = 4;
const FILL = 8;

/** Fields of a position's list. */
const HEAD = 0;
const TAIL = 1;
const COUNT = 2;

/** One kept change, read back in `PendingChanges.each`. */
export interface PendingEntry {
  time: number;
  localTs: number;
  px: number;
  sz: number;
  side: 'B' | 'A';
  closedPnl: number;
  liquidation: boolean;
  taker: boolean;
  tid: number | null;
  source: 'fill' | 'trade';
}

/**
 * The uncertain changes of each position, kept for late resolution (at most `cap` per position,
 * oldest dropped first), as columns of numbers rather than the PositionChange objects themselves.
 * Right after `glass live` starts no wallet has a snapshot, so every trade side lands here: a
 * million retained objects made the garbage collector the largest cost of replay (see
 * bench/shapes.bench.ts). Entries of one position form a linked list; freed entries are reused.
 */
export class PendingChanges {
  private readonly cap: number;
  private time = new Float64Array(1024);
  private localTs = new Float64Array(1024);
  private px = new Float64Array(1024);
  private sz = new Float64Array(1024);
  private pnl = new Float64Array(1024);
  /** NaN for a change without a trade id. */
  private tid = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  /** Next entry of the same position, or -1. */
  private next = new Int32Array(1024);
  private used = 0;
  private free = -1;
  /**
   * Per position, side by side (one cache line, not three): first and last entry + 1 (0: none),
   * and how many.
   */
  private lists = new Int32Array(4 * 1024);
  /** Entries of the position being resolved, oldest first (reused). */
  private order = new Int32Array(256);
  private readonly entry: PendingEntry = {
    time: 0,
    localTs: 0,
    px: 0,
    sz: 0,
    side: 'B',
    closedPnl: 0,
    liquidation: false,
    taker: false,
    tid: null,
    source: 'trade',
  };

  constructor(cap: number) {
    this.cap = cap;
  }

  /** Keeps a change of position `s` (after dropping its oldest one when `cap` are kept). */
  add(
    s: number,
    time: number,
    localTs: number,
    px: number,
    sz: number,
    side: 'B' | 'A',
    closedPnl: number,
    liquidation: boolean,
    taker: boolean,
    tid: number | null,
    source: 'fill' | 'trade',
  ): void {
    const l = s * 4;
    if (l >= this.lists.length) this.lists = grow(this.lists, l + 4);
    const lists = this.lists;
    if ((lists[l + COUNT] as number) >= this.cap) {
      const first = (lists[l + HEAD] as number) - 1;
      lists[l + HEAD] = (this.next[first] as number) + 1;
      lists[l + COUNT] = (lists[l + COUNT] as number) - 1;
      this.release(first);
    }
    const e = this.take();
    this.time[e] = time;
    this.localTs[e] = localTs;
    this.px[e] = px;
    this.sz[e] = sz;
    this.pnl[e] = closedPnl;
    this.tid[e] = tid ?? Number.NaN;
    this.flags[e] = (side === 'A' ? SELL : 0) | (liquidation ? LIQUIDATION : 0) | (taker ? TAKER : 0) | (source === 'fill' ? FILL : 0);
    this.next[e] = -1;
    if (lists[l + COUNT] === 0) lists[l + HEAD] = e + 1;
    else this.next[(lists[l + TAIL] as number) - 1] = e;
    lists[l + TAIL] = e + 1;
    lists[l + COUNT] = (lists[l + COUNT] as number) + 1;
  }

  /** How many changes position `s` keeps. */
  size(s: number): number {
    return s * 4 < this.lists.length ? (this.lists[s * 4 + COUNT] as number) : 0;
  }

  /**
   * Empties position `s` and returns how many changes it kept; `signedSz(i)` and `at(i)` then
   * read the i-th oldest of them (the caller walks them newest first to find each start).
   */
  drain(s: number): number {
    const n = this.size(s);
    if (n === 0) return 0;
    if (n > this.order.length) this.order = grow(this.order, n);
    const l = s * 4;
    let e = (this.lists[l + HEAD] as number) - 1;
    for (let i = 0; i < n; i++) {
      this.order[i] = e;
      e = this.next[e] as number;
    }
    this.lists[l + HEAD] = 0;
    this.lists[l + TAIL] = 0;
    this.lists[l + COUNT] = 0;
    return n;
  }

  /** Signed size of the i-th oldest change of the last drained position. */
  signedSz(i: number): number {
    const e = this.order[i] as number;
    const sz = this.sz[e] as number;
    return ((this.flags[e] as number) & SELL) !== 0 ? -sz : sz;
  }

  /**
   * The i-th oldest change of the last drained position (one reused object: read it before the
   * next call), and frees its storage.
   */
  at(i: number): PendingEntry {
    const e = this.order[i] as number;
    const f = this.flags[e] as number;
    const out = this.entry;
    out.time = this.time[e] as number;
    out.localTs = this.localTs[e] as number;
    out.px = this.px[e] as number;
    out.sz = this.sz[e] as number;
    out.side = (f & SELL) !== 0 ? 'A' : 'B';
    out.closedPnl = this.pnl[e] as number;
    out.liquidation = (f & LIQUIDATION) !== 0;
    out.taker = (f & TAKER) !== 0;
    const tid = this.tid[e] as number;
    out.tid = tid === tid ? tid : null;
    out.source = (f & FILL) !== 0 ? 'fill' : 'trade';
    this.release(e);
    return out;
  }

  private take(): number {
    if (this.free >= 0) {
      const e = this.free;
      this.free = this.next[e] as number;
      return e;
    }
    const e = this.used++;
    if (e >= this.time.length) {
      const n = e + 1;
      this.time = grow(this.time, n);
      this.localTs = grow(this.localTs, n);
      this.px = grow(this.px, n);
      this.sz = grow(this.sz, n);
      this.pnl = grow(this.pnl, n);
      this.tid = grow(this.tid, n);
      this.flags = grow(this.flags, n);
      this.next = grow(this.next, n);
    }
    return e;
  }

  private release(e: number): void {
    this.next[e] = this.free;
    this.free = e;
  }
}
