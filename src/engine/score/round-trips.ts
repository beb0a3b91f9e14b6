import { grow } from '../common/growable.ts';
import type { PositionChange } from '../position-book/change.ts';
import type { TradeStore } from './trade-store.ts';

/** What the tracker tells the score engine. */
export interface RoundTripListener {
  /** A position opened (flat → open, or the new side of a flip). */
  opened(walletId: number, coinId: number, side: 1 | -1, time: number, px: number): number;
  /** A round trip closed; its row in the trade store is complete. */
  closed(trade: number): void;
  /** The round trip opened with `entry` will never close: its position became unknown. */
  abandoned(entry: number): void;
}

/** What `RoundTrips.save` keeps. */
export interface RoundTripsSaved {
  readonly pending: Map<number, Pending>;
  readonly slots: readonly number[];
  readonly values: Float64Array;
  readonly lastClosed: Int32Array;
  readonly stepping: number;
}

interface Pending {
  readonly wallet: number;
  readonly coin: number;
  readonly time: number;
  readonly before: number;
  after: number;
  /** Σ signed size and Σ signed size × price of the millisecond's fills. */
  qty: number;
  value: number;
  lastPx: number;
  liquidation: boolean;
  readonly leverage: number;
  readonly account: number;
  /** `RoundTrips.stamp` when the change that made it landed: its place among the pending fills (see `stepping`). */
  readonly stamp: number;
}

/**
 * Round trips from the book's position changes: a trade opens when a wallet's position on a coin
 * leaves zero and closes when it returns to zero (a flip closes one and opens the next). Adds move
 * the average entry; partial closes realise PnL against it. Changes whose prior position the book
 * does not know abandon the open trade: a round trip is only reported when every fill of it was seen.
 *
 * The fills of one slot within one millisecond are netted before they count: one instant is one
 * decision. That is also how a wallet trading with itself reads: its two halves (one may take the
 * position through zero, the other restores it) net to nothing, and the venue never saw it flat.
 * A millisecond's fills count once a later millisecond arrives (`advance`).
 */
export class RoundTrips {
  private readonly trades: TradeStore;
  private readonly listener: RoundTripListener;
  private openAt: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private side: Int8Array = new Int8Array(1024);
  private entry: Float64Array = new Float64Array(1024);
  private maxAbs: Float64Array = new Float64Array(1024);
  private pnl: Float64Array = new Float64Array(1024);
  private exitQty: Float64Array = new Float64Array(1024);
  private exitValue: Float64Array = new Float64Array(1024);
  private lev: Float64Array = new Float64Array(1024);
  private acct: Float64Array = new Float64Array(1024);
  private liq: Uint8Array = new Uint8Array(1024);
  private adds: Int32Array = new Int32Array(1024);
  private partials: Int32Array = new Int32Array(1024);
  private prev: Int32Array = new Int32Array(1024);
  private entryOf: Int32Array = new Int32Array(1024);
  /** Last closed trade of each wallet (−1: none). */
  private lastClosed: Int32Array = new Int32Array(1024).fill(-1);
  /** This millisecond's fills per slot, waiting to be netted. */
  private pending = new Map<number, Pending>();
  /**
   * Set by the caller before `change`: the stamp the change's pending fills get (the score engine's
   * count of calls, the same in every process reading the stream). `advance` steps pending fills in
   * the order their first change landed, so a partition that sees some wallets' changes steps them
   * in the order the single process does; `stepping` is the stamp of the fills being stepped now.
   */
  stamp = 0;
  stepping = 0;

  constructor(trades: TradeStore, listener: RoundTripListener) {
    this.trades = trades;
    this.listener = listener;
  }

  /** `leverage`, `account`: what the book knows of the wallet when the change lands (NaN: unknown). */
  change(c: PositionChange, leverage: number, account: number): void {
    if (c.resolved) return;
    this.advance(c.time);
    const s = c.slot;
    this.ensure(s, c.walletId);
    if (!(c.before === c.before) || !(c.after === c.after)) {
      this.pending.delete(s);
      if (this.openAt[s] === this.openAt[s]) this.listener.abandoned(this.entryOf[s] as number);
      this.openAt[s] = Number.NaN; // position unknown: whatever was open cannot be completed
      return;
    }
    const qty = c.after - c.before;
    const p = this.pending.get(s);
    if (p !== undefined) {
      p.after = c.after;
      p.qty += qty;
      p.value += qty * c.px;
      p.lastPx = c.px;
      p.liquidation ||= c.liquidation;
      return;
    }
    this.pending.set(s, {
      wallet: c.walletId,
      coin: c.coinId,
      time: c.time,
      before: c.before,
      after: c.after,
      qty,
      value: qty * c.px,
      lastPx: c.px,
      liquidation: c.liquidation,
      leverage,
      account,
      stamp: this.stamp,
    });
  }

  /** The per-slot columns, in one fixed order (save / restore). */
  private slotColumns(): (Float64Array | Int8Array | Uint8Array | Int32Array)[] {
    return [
      this.openAt,
      this.side,
      this.entry,
      this.maxAbs,
      this.pnl,
      this.exitQty,
      this.exitValue,
      this.lev,
      this.acct,
      this.liq,
      this.adds,
      this.partials,
      this.prev,
      this.entryOf,
    ];
  }

  /**
   * What `advance(Infinity)` can change, to be put back by `restore`: the pending fills, their
   * slots, the wallets' last closed trades. (The trade store's rows it appends are the caller's.)
   */
  save(): RoundTripsSaved {
    const slots = [...this.pending.keys()];
    const cols = this.slotColumns();
    const values = new Float64Array(slots.length * cols.length);
    let k = 0;
    for (const s of slots) for (const c of cols) values[k++] = c[s] as number;
    return { pending: new Map(this.pending), slots, values, lastClosed: this.lastClosed.slice(), stepping: this.stepping };
  }

  restore(saved: RoundTripsSaved): void {
    const cols = this.slotColumns();
    let k = 0;
    for (const s of saved.slots) for (const c of cols) c[s] = saved.values[k++] as number;
    this.pending = saved.pending;
    this.lastClosed = saved.lastClosed;
    this.stepping = saved.stepping;
  }

  /** Slots whose fills wait for a later millisecond to be counted. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Counts every slot's netted fills from before `time` (pass Infinity at the end of a stream). */
  advance(time: number): void {
    if (this.pending.size === 0) return;
    for (const [s, p] of this.pending) {
      if (p.time >= time) continue;
      this.pending.delete(s);
      this.stepping = p.stamp;
      this.step(s, p);
    }
  }

  private step(s: number, p: Pending): void {
    const b = p.before;
    const a = p.after;
    if (Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b))) return; // netted to nothing
    const px = Math.abs(p.qty) > 1e-12 ? p.value / p.qty : p.lastPx;
    const open = this.openAt[s] === this.openAt[s];
    if (b !== 0 && !open) {
      // A position that was open before the engine saw it start: wait for it to close.
      if (a !== 0 && Math.sign(a) !== Math.sign(b)) this.open(s, p, a, px);
      return;
    }
    if (b === 0) {
      this.open(s, p, a, px);
      return;
    }
    if (p.liquidation) this.liq[s] = 1;
    const side = this.side[s] as number;
    if (a !== 0 && Math.sign(a) === Math.sign(b)) {
      if (Math.abs(a) > Math.abs(b)) {
        this.entry[s] = ((this.entry[s] as number) * Math.abs(b) + px * (Math.abs(a) - Math.abs(b))) / Math.abs(a);
        this.maxAbs[s] = Math.max(this.maxAbs[s] as number, Math.abs(a));
        this.adds[s] = (this.adds[s] as number) + 1;
      } else {
        this.realise(s, Math.abs(b) - Math.abs(a), px, side);
        this.partials[s] = (this.partials[s] as number) + 1;
      }
      return;
    }
    this.realise(s, Math.abs(b), px, side);
    this.close(s, p.wallet, p.coin, p.time);
    if (a !== 0) this.open(s, p, a, px);
  }

  /** The wallet's most recently closed trade (−1: none). */
  lastClosedOf(w: number): number {
    return w < this.lastClosed.length ? (this.lastClosed[w] as number) : -1;
  }

  private realise(s: number, qty: number, px: number, side: number): void {
    this.pnl[s] = (this.pnl[s] as number) + side * qty * (px - (this.entry[s] as number));
    this.exitQty[s] = (this.exitQty[s] as number) + qty;
    this.exitValue[s] = (this.exitValue[s] as number) + qty * px;
  }

  private open(s: number, p: Pending, a: number, px: number): void {
    this.openAt[s] = p.time;
    this.side[s] = a > 0 ? 1 : -1;
    this.entry[s] = px;
    this.maxAbs[s] = Math.abs(a);
    this.pnl[s] = 0;
    this.exitQty[s] = 0;
    this.exitValue[s] = 0;
    this.lev[s] = p.leverage;
    this.acct[s] = p.account;
    this.liq[s] = 0;
    this.adds[s] = 0;
    this.partials[s] = 0;
    this.prev[s] = this.lastClosed[p.wallet] as number;
    this.entryOf[s] = this.listener.opened(p.wallet, p.coin, a > 0 ? 1 : -1, p.time, px);
  }

  private close(s: number, w: number, coin: number, time: number): void {
    const t = this.trades;
    const i = t.add();
    t.wallet[i] = w;
    t.coin[i] = coin;
    t.side[i] = this.side[s] as number;
    t.openTime[i] = this.openAt[s] as number;
    t.closeTime[i] = time;
    t.entryPx[i] = this.entry[s] as number;
    t.exitPx[i] = (this.exitValue[s] as number) / (this.exitQty[s] as number);
    t.maxNotional[i] = (this.maxAbs[s] as number) * (this.entry[s] as number);
    t.leverage[i] = this.lev[s] as number;
    t.account[i] = this.acct[s] as number;
    t.pnl[i] = this.pnl[s] as number;
    t.liquidated[i] = this.liq[s] as number;
    t.adds[i] = this.adds[s] as number;
    t.partials[i] = this.partials[s] as number;
    t.prevTrade[i] = this.prev[s] as number;
    t.entry[i] = this.entryOf[s] as number;
    t.chain[i] = this.lastClosed[w] as number;
    t.delta[i] = Number.NaN;
    t.scoreAfter[i] = Number.NaN;
    this.lastClosed[w] = i;
    this.openAt[s] = Number.NaN;
    this.listener.closed(i);
  }

  private ensure(s: number, w: number): void {
    if (s >= this.openAt.length) {
      const n = s + 1;
      const old = this.openAt.length;
      this.openAt = grow(this.openAt, n);
      this.openAt.fill(Number.NaN, old);
      this.side = grow(this.side, n);
      this.entry = grow(this.entry, n);
      this.maxAbs = grow(this.maxAbs, n);
      this.pnl = grow(this.pnl, n);
      this.exitQty = grow(this.exitQty, n);
      this.exitValue = grow(this.exitValue, n);
      this.lev = grow(this.lev, n);
      this.acct = grow(this.acct, n);
      this.liq = grow(this.liq, n);
      this.adds = grow(this.adds, n);
      this.partials = grow(this.partials, n);
      this.prev = grow(this.prev, n);
      this.entryOf = grow(this.entryOf, n);
    }
    if (w >= this.lastClosed.length) {
      const old = this.lastClosed.length;
      this.lastClosed = grow(this.lastClosed, w + 1);
      this.lastClosed.fill(-1, old);
    }
  }
}
