import { grow } from '../common/growable.ts';
import type { EntryStore, TradeStore } from './trade-store.ts';

/**
 * Round trips of one wallet that overlap (any coin) or follow each other within this gap are one
 * bet: 231 two-second scalps in an hour are one decision repeated, not 231 independent pieces of
 * evidence (docs/score.md, "Bets").
 */
export const BET_GAP_MS = 10 * 60_000;
/**
 * A bet takes no new round trip once it is this old: a position held for weeks must not make every
 * later trade of the wallet one bet with it. The older bet stays open until its positions close.
 */
export const BET_MAX_SPAN_MS = 4 * 3_600_000;

/**
 * What `Bets.save` keeps: the bet count and the wallets' columns as they were, and a journal of the
 * older bets changed since (copying every bet not yet over was most of a score tick's save).
 */
export interface BetsSaved {
  readonly n: number;
  readonly current: Int32Array;
  readonly lastBet: Int32Array;
  /** Bets (older than n) that ended since: not over before, so `done` was 0 and they were live. */
  readonly finished: number[];
  /** Bets (older than n) changed otherwise, each row saved whole (`BetStore.saveRow`) at its first change. */
  readonly rows: number[];
  readonly values: number[];
  readonly seen: Set<number>;
}

/** What the bet tracker tells the score engine. */
export interface BetListener {
  /** A bet is over (no position open and no new round trip within BET_GAP_MS); its trade columns are final. */
  closed(bet: number): void;
  /** A closed bet's every entry has matured: its accuracy columns are final. */
  matured(bet: number): void;
}

/**
 * Bets: clusters of a wallet's round trips, the unit of evidence. Column by column like the trade
 * store; a bet's trade columns are written as its round trips close and read once it is over.
 */
export class BetStore {
  n = 0;
  wallet: Int32Array = new Int32Array(1024);
  openTime: Float64Array = new Float64Array(1024);
  closeTime: Float64Array = new Float64Array(1024);
  /** Round trips in the bet, and how many are still open. */
  trips: Int32Array = new Int32Array(1024);
  openTrips: Int32Array = new Int32Array(1024);
  /** Σ realised PnL of its round trips. */
  pnl: Float64Array = new Float64Array(1024);
  /** Largest notional of any of its round trips: the capital the bet put at risk. */
  maxNotional: Float64Array = new Float64Array(1024);
  /** Σ notional and Σ notional × σ at entry over its round trips (σ of the bet = their ratio). */
  notional: Float64Array = new Float64Array(1024);
  sigmaNotional: Float64Array = new Float64Array(1024);
  /** Leverage and account value at the bet's first round trip with one known (NaN: unknown). */
  leverage: Float64Array = new Float64Array(1024);
  account: Float64Array = new Float64Array(1024);
  liquidated: Uint8Array = new Uint8Array(1024);
  /** Round trips that made money. */
  wins: Int32Array = new Int32Array(1024);
  /** The wallet's previous bet (−1: none). */
  prevBet: Int32Array = new Int32Array(1024);
  /** Its last closed round trip (TradeStore row; −1: none). */
  lastTrade: Int32Array = new Int32Array(1024);
  /** 1 once the bet is over. */
  done: Uint8Array = new Uint8Array(1024);
  /** Entries opened in the bet, and how many have matured. */
  entries: Int32Array = new Int32Array(1024);
  maturedEntries: Int32Array = new Int32Array(1024);
  /** Σ over matured entries of zSum, moveSum and hits at the reference horizon. */
  zSum: Float64Array = new Float64Array(1024);
  moveSum: Float64Array = new Float64Array(1024);
  hits: Float64Array = new Float64Array(1024);

  add(): number {
    const i = this.n++;
    if (i >= this.wallet.length) this.growTo(i + 1);
    return i;
  }

  /** Every column, in one fixed order (saveRow / restoreRow). */
  columns(): (Int32Array | Float64Array | Uint8Array)[] {
    return [
      this.wallet,
      this.openTime,
      this.closeTime,
      this.trips,
      this.openTrips,
      this.pnl,
      this.maxNotional,
      this.notional,
      this.sigmaNotional,
      this.leverage,
      this.account,
      this.liquidated,
      this.wins,
      this.prevBet,
      this.lastTrade,
      this.done,
      this.entries,
      this.maturedEntries,
      this.zSum,
      this.moveSum,
      this.hits,
    ];
  }

  /** Row r's every column, appended to `into` (each value is exact as a float64). */
  saveRow(r: number, into: number[]): void {
    for (const c of this.columns()) into.push(c[r] as number);
  }

  /** Puts back row r as `saveRow` saved it at `into[at…]`. */
  restoreRow(r: number, from: readonly number[], at: number): void {
    let k = at;
    for (const c of this.columns()) c[r] = from[k++] as number;
  }

  /** The bet's result on the capital it put at risk (Σ PnL / largest notional). */
  retNotional(b: number): number {
    return (this.pnl[b] as number) / (this.maxNotional[b] as number);
  }

  /** Notional-weighted σ (per √ms) of the coins at the bet's entries. */
  sigma(b: number): number {
    return (this.sigmaNotional[b] as number) / (this.notional[b] as number);
  }

  private growTo(n: number): void {
    this.wallet = grow(this.wallet, n);
    this.openTime = grow(this.openTime, n);
    this.closeTime = grow(this.closeTime, n);
    this.trips = grow(this.trips, n);
    this.openTrips = grow(this.openTrips, n);
    this.pnl = grow(this.pnl, n);
    this.maxNotional = grow(this.maxNotional, n);
    this.notional = grow(this.notional, n);
    this.sigmaNotional = grow(this.sigmaNotional, n);
    this.leverage = grow(this.leverage, n);
    this.account = grow(this.account, n);
    this.liquidated = grow(this.liquidated, n);
    this.wins = grow(this.wins, n);
    this.prevBet = grow(this.prevBet, n);
    this.lastTrade = grow(this.lastTrade, n);
    this.done = grow(this.done, n);
    this.entries = grow(this.entries, n);
    this.maturedEntries = grow(this.maturedEntries, n);
    this.zSum = grow(this.zSum, n);
    this.moveSum = grow(this.moveSum, n);
    this.hits = grow(this.hits, n);
  }
}

/**
 * Groups each wallet's round trips into bets as they open and close. A round trip joins the
 * wallet's current bet when the wallet still holds a position (on any coin) or its last round
 * trip closed at most BET_GAP_MS before; otherwise the current bet is over and a new one starts.
 * A bet is also over once the stream is settled with no position of it open.
 */
export class Bets {
  readonly store = new BetStore();
  private readonly listener: BetListener;
  /** Each wallet's current bet (−1: none). */
  private current: Int32Array = new Int32Array(1024).fill(-1);
  /** Each wallet's last bet that is over (−1: none): the next bet's predecessor. */
  private lastBet: Int32Array = new Int32Array(1024).fill(-1);
  /**
   * Bets with an open round trip or waiting for their gap to pass, for settle(). While a save is
   * open, a bet older than it that ends stays here (done: skipped), as `restore` would put it back.
   */
  private readonly live = new Set<number>();
  /** Open saves, the last innermost (see `save`). */
  private readonly journals: BetsSaved[] = [];

  constructor(listener: BetListener) {
    this.listener = listener;
  }

  /** A round trip of `w` opens at `time`: its bet. */
  open(w: number, time: number): number {
    this.ensure(w);
    const s = this.store;
    let b = this.current[w] as number;
    if (b >= 0 && !this.joins(b, time)) {
      this.current[w] = -1;
      if ((s.openTrips[b] as number) === 0) this.finish(b);
      b = -1;
    }
    if (b < 0) {
      const prev = this.lastBet[w] as number;
      b = s.add();
      s.wallet[b] = w;
      s.openTime[b] = time;
      s.closeTime[b] = time;
      s.trips[b] = 0;
      s.openTrips[b] = 0;
      s.pnl[b] = 0;
      s.maxNotional[b] = 0;
      s.notional[b] = 0;
      s.sigmaNotional[b] = 0;
      s.leverage[b] = Number.NaN;
      s.account[b] = Number.NaN;
      s.liquidated[b] = 0;
      s.wins[b] = 0;
      s.prevBet[b] = prev;
      s.lastTrade[b] = -1;
      s.done[b] = 0;
      s.entries[b] = 0;
      s.maturedEntries[b] = 0;
      s.zSum[b] = 0;
      s.moveSum[b] = 0;
      s.hits[b] = 0;
      this.current[w] = b;
      this.live.add(b);
    } else this.touch(b);
    s.trips[b] = (s.trips[b] as number) + 1;
    s.openTrips[b] = (s.openTrips[b] as number) + 1;
    s.entries[b] = (s.entries[b] as number) + 1;
    return b;
  }

  /** A round trip opening at `time` joins bet `b`: it overlaps a position of the bet or follows within the gap, and the bet is not too old. */
  private joins(b: number, time: number): boolean {
    const s = this.store;
    if (time - (s.openTime[b] as number) > BET_MAX_SPAN_MS) return false;
    return (s.openTrips[b] as number) > 0 || time - (s.closeTime[b] as number) <= BET_GAP_MS;
  }

  /** A round trip of bet `b` was abandoned (its position became unknown): it will never close. */
  abandon(b: number): void {
    const s = this.store;
    this.touch(b);
    s.openTrips[b] = (s.openTrips[b] as number) - 1;
    s.trips[b] = (s.trips[b] as number) - 1;
    this.leftOpen(b);
  }

  /** A bet no longer current is over once its last position closes. */
  private leftOpen(b: number): void {
    const s = this.store;
    if ((s.openTrips[b] as number) === 0 && this.current[s.wallet[b] as number] !== b && s.done[b] === 0) this.finish(b);
  }

  /** Round trip `i` of bet `b` closed. */
  tripClosed(b: number, t: TradeStore, e: EntryStore, i: number): void {
    const s = this.store;
    this.touch(b);
    s.openTrips[b] = (s.openTrips[b] as number) - 1;
    const close = t.closeTime[i] as number;
    if (close > (s.closeTime[b] as number)) s.closeTime[b] = close;
    const pnl = t.pnl[i] as number;
    const ntl = t.maxNotional[i] as number;
    s.pnl[b] = (s.pnl[b] as number) + pnl;
    if (pnl > 0) s.wins[b] = (s.wins[b] as number) + 1;
    if (ntl > (s.maxNotional[b] as number)) s.maxNotional[b] = ntl;
    s.notional[b] = (s.notional[b] as number) + ntl;
    s.sigmaNotional[b] = (s.sigmaNotional[b] as number) + ntl * (e.sigma[t.entry[i] as number] as number);
    const lev = t.leverage[i] as number;
    if (!((s.leverage[b] as number) > 0) && lev > 0) s.leverage[b] = lev;
    const acct = t.account[i] as number;
    if (!((s.account[b] as number) > 0) && acct > 0) s.account[b] = acct;
    if (t.liquidated[i] === 1) s.liquidated[b] = 1;
    s.lastTrade[b] = i;
    this.leftOpen(b);
  }

  /** Entry evidence matured for bet `b`: Σ signed clipped moves, Σ their sizes, hit at the reference horizon. */
  entryMatured(b: number, zSum: number, moveSum: number, hit: boolean): void {
    const s = this.store;
    this.touch(b);
    s.zSum[b] = (s.zSum[b] as number) + zSum;
    s.moveSum[b] = (s.moveSum[b] as number) + moveSum;
    if (hit) s.hits[b] = (s.hits[b] as number) + 1;
    s.maturedEntries[b] = (s.maturedEntries[b] as number) + 1;
    if (s.done[b] === 1 && s.maturedEntries[b] === s.entries[b]) this.listener.matured(b);
  }

  /** Every bet with no position open is over: the end of a stream, or a question asked now. */
  settle(): void {
    const s = this.store;
    // Oldest first. The live set holds bets in the order they began (ids ascending: only `open`
    // adds, a new id), so it is walked as it stands; finish() deletes the bet visited, adds none.
    let last = -1;
    let ascending = true;
    for (const b of this.live) {
      if (b < last) ascending = false;
      last = b;
    }
    const order = ascending ? this.live : [...this.live].sort((x, y) => x - y);
    for (const b of order) if ((s.openTrips[b] as number) === 0 && s.done[b] === 0) this.finish(b);
  }

  /**
   * Starts keeping what `settle` (and the round trips it lets close) changes, to be put back by
   * `restore`: a question answered as if the stream ended now must not end the bets for real
   * (a round trip within BET_GAP_MS would then start a new bet). O(wallets) and then O(1) a change.
   * Saves nest (each `restore` the last `save`'s).
   */
  save(): BetsSaved {
    const j: BetsSaved = {
      n: this.store.n,
      current: this.current.slice(),
      lastBet: this.lastBet.slice(),
      finished: [],
      rows: [],
      values: [],
      seen: new Set(),
    };
    this.journals.push(j);
    return j;
  }

  restore(s: BetsSaved): void {
    if (this.journals.pop() !== s) throw new RangeError('Bets.restore: not the last save');
    const st = this.store;
    for (let b = s.n; b < st.n; b++) this.live.delete(b);
    st.n = s.n;
    const width = st.columns().length;
    for (let i = 0; i < s.rows.length; i++) st.restoreRow(s.rows[i] as number, s.values, i * width);
    for (const b of s.finished) st.done[b] = 0;
    this.current = s.current;
    this.lastBet = s.lastBet;
  }

  /** Bet b is about to change (not by `finish`): the journal keeps its row as it was. */
  private touch(b: number): void {
    const j = this.journals[this.journals.length - 1];
    if (j === undefined || b >= j.n || j.seen.has(b)) return;
    j.seen.add(b);
    j.rows.push(b);
    this.store.saveRow(b, j.values);
  }

  /** Bets not yet over (an open round trip, or waiting for their gap to pass). */
  liveBets(): readonly number[] {
    return [...this.live].filter((b) => this.store.done[b] === 0);
  }

  /** The wallet's bet in progress (−1: none). */
  currentOf(w: number): number {
    return w < this.current.length ? (this.current[w] as number) : -1;
  }

  private finish(b: number): void {
    const s = this.store;
    const j = this.journals[this.journals.length - 1];
    if (j !== undefined && b < j.n) j.finished.push(b);
    else this.live.delete(b);
    s.done[b] = 1;
    const w = s.wallet[b] as number;
    if (this.current[w] === b) this.current[w] = -1;
    if ((s.trips[b] as number) > 0) this.lastBet[w] = b;
    if ((s.trips[b] as number) > 0) this.listener.closed(b);
    if ((s.entries[b] as number) > 0 && s.maturedEntries[b] === s.entries[b]) this.listener.matured(b);
  }

  /** The wallet's last bet that is over (−1: none). */
  lastOf(w: number): number {
    return w < this.lastBet.length ? (this.lastBet[w] as number) : -1;
  }

  private ensure(w: number): void {
    if (w < this.current.length) return;
    const old = this.current.length;
    this.current = grow(this.current, w + 1);
    this.current.fill(-1, old);
    this.lastBet = grow(this.lastBet, w + 1);
    this.lastBet.fill(-1, old);
  }
}
