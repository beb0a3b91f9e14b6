import { grow } from '../common/growable.ts';

/** Flags of a kept change. */
const SELL = 1;
const LIQUIDATION = 2;
const TAKER = 4;
const FILL = 8;

/** Fields of an entry's row. */
const ROW = 8;
const E_TIME = 0;
const E_LOCAL = 1;
const E_PX = 2;
const E_SZ = 3;
const E_PNL = 4;
const E_TID = 5;
const E_FLAGS = 6;
/** The next older entry of the same list (-1: none); in a free entry, the next free one. */
const E_PREV = 7;

/** Entries per chunk of rows (512 KiB): storage grows a chunk at a time, never copied. */
const SHIFT = 13;
const MASK = (1 << SHIFT) - 1;

/**
 * A position's list is two Int32 words the caller keeps: `TAIL` (newest entry + 1, 0: none) and
 * the length in the low 16 bits of `COUNT` (the bits above are the caller's, left as they are).
 */
const TAIL = 0;
const COUNT = 1;
const LENGTH = 0xffff;

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
 * Each position's list is two words the caller keeps (newest entry and length: see `add`).
 * Right after `glass live` starts no wallet has a snapshot, so every trade side lands here: a
 * million retained objects made the garbage collector the largest cost of replay (see
 * bench/shapes.bench.ts). Entries of one position form a list linked from the newest back, so
 * an add writes only its own row (linking forward wrote the previous newest one's, a cache miss
 * per change); freed entries are reused. A list may hold up to twice `cap` entries before the
 * oldest are let go, and a drain takes only the newest `cap`: the same changes a list trimmed at
 * every add would keep.
 */
export class PendingChanges {
  private readonly cap: number;
  /**
   * One 64-byte row per entry (E_ fields): time, receive time, price, size, closed PnL, tid (NaN:
   * none), flags, next older entry of the same list (-1: none). Rows, not columns: an add writes
   * one cache line, not eight. Entry `e` is row `e & MASK` of chunk `e >>> SHIFT`: a million
   * uncertain changes (64 MB) grown by doubling one array spent a few per cent of replay copying.
   */
  private readonly chunks: Float64Array[] = [];
  private used = 0;
  private free = -1;
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
    if (!(Number.isInteger(cap) && cap >= 1 && 2 * cap <= LENGTH))
      throw new RangeError(`PendingChanges: cap ${cap} out of 1..${LENGTH >> 1}`);
    this.cap = cap;
  }

  /**
   * Keeps a change in the list whose newest entry (entry + 1, 0: none) is `lists[l]` and whose
   * length is the low 16 bits of `lists[l + 1]` (the bits above are left alone); of a list that
   * reached twice `cap`, all but the newest `cap` are let go first. The caller holds those words
   * where it looks anyway (the book: in the slot's row), which saves a cache miss per change over
   * a table of its own.
   */
  add(
    lists: Int32Array,
    l: number,
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
    const word = lists[l + COUNT] as number;
    let count = word & LENGTH;
    if (count >= 2 * this.cap) {
      this.trim((lists[l + TAIL] as number) - 1, this.cap);
      count = this.cap;
    }
    const e = this.take();
    const r = this.chunks[e >>> SHIFT] as Float64Array;
    const at = (e & MASK) * ROW;
    r[at + E_TIME] = time;
    r[at + E_LOCAL] = localTs;
    r[at + E_PX] = px;
    r[at + E_SZ] = sz;
    r[at + E_PNL] = closedPnl;
    r[at + E_TID] = tid ?? Number.NaN;
    r[at + E_FLAGS] = (side === 'A' ? SELL : 0) | (liquidation ? LIQUIDATION : 0) | (taker ? TAKER : 0) | (source === 'fill' ? FILL : 0);
    r[at + E_PREV] = (lists[l + TAIL] as number) - 1;
    lists[l + TAIL] = e + 1;
    lists[l + COUNT] = (word & ~LENGTH) | (count + 1);
  }

  /**
   * Empties the list at `lists[l…]` and returns how many changes it kept; `signedSz(i)` and `at(i)` then
   * read the i-th oldest of them (the caller walks them newest first to find each start).
   */
  drain(lists: Int32Array, l: number): number {
    const word = lists[l + COUNT] as number;
    const kept = word & LENGTH;
    if (kept === 0) return 0;
    const n = Math.min(kept, this.cap);
    if (n > this.order.length) this.order = grow(this.order, n);
    let e = (lists[l + TAIL] as number) - 1;
    for (let i = n - 1; i >= 0; i--) {
      this.order[i] = e;
      e = this.prev(e);
    }
    // Older than the newest `cap`: dropped, as a list trimmed at every add would have.
    while (e >= 0) {
      const prev = this.prev(e);
      this.release(e);
      e = prev;
    }
    lists[l + TAIL] = 0;
    lists[l + COUNT] = word & ~LENGTH;
    return n;
  }

  /** Keeps the newest `keep` entries of the list ending at `newest` and frees the older ones. */
  private trim(newest: number, keep: number): void {
    let e = newest;
    for (let i = 1; i < keep; i++) e = this.prev(e);
    let old = this.prev(e);
    this.setPrev(e, -1);
    while (old >= 0) {
      const prev = this.prev(old);
      this.release(old);
      old = prev;
    }
  }

  /** Signed size of the i-th oldest change of the last drained position. */
  signedSz(i: number): number {
    const e = this.order[i] as number;
    const r = this.chunks[e >>> SHIFT] as Float64Array;
    const at = (e & MASK) * ROW;
    const sz = r[at + E_SZ] as number;
    return ((r[at + E_FLAGS] as number) & SELL) !== 0 ? -sz : sz;
  }

  /**
   * The i-th oldest change of the last drained position (one reused object: read it before the
   * next call), and frees its storage.
   */
  at(i: number): PendingEntry {
    const e = this.order[i] as number;
    const r = this.chunks[e >>> SHIFT] as Float64Array;
    const at = (e & MASK) * ROW;
    const f = r[at + E_FLAGS] as number;
    const out = this.entry;
    out.time = r[at + E_TIME] as number;
    out.localTs = r[at + E_LOCAL] as number;
    out.px = r[at + E_PX] as number;
    out.sz = r[at + E_SZ] as number;
    out.side = (f & SELL) !== 0 ? 'A' : 'B';
    out.closedPnl = r[at + E_PNL] as number;
    out.liquidation = (f & LIQUIDATION) !== 0;
    out.taker = (f & TAKER) !== 0;
    const tid = r[at + E_TID] as number;
    out.tid = tid === tid ? tid : null;
    out.source = (f & FILL) !== 0 ? 'fill' : 'trade';
    this.release(e);
    return out;
  }

  private take(): number {
    if (this.free >= 0) {
      const e = this.free;
      this.free = this.prev(e);
      return e;
    }
    const e = this.used++;
    if ((e & MASK) === 0) this.chunks.push(new Float64Array((MASK + 1) * ROW));
    return e;
  }

  /** The next older entry of `e`'s list (of a free entry: the next free one). */
  private prev(e: number): number {
    return (this.chunks[e >>> SHIFT] as Float64Array)[(e & MASK) * ROW + E_PREV] as number;
  }

  private setPrev(e: number, v: number): void {
    (this.chunks[e >>> SHIFT] as Float64Array)[(e & MASK) * ROW + E_PREV] = v;
  }

  private release(e: number): void {
    this.setPrev(e, this.free);
    this.free = e;
  }
}
