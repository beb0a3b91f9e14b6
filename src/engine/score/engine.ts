import type { Wallet } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { grow } from '../common/growable.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';
import { BetStore, Bets } from './bets.ts';
import { Evidence, type Explanation, type RawComponents } from './evidence.ts';
import { ForwardReturns } from './forward-returns.ts';
import { type EvidenceMerge, PHASE_ABANDON, PHASE_MATURED, PHASE_TRIPS, R, RECORD, type ScorePartition } from './merge.ts';
import { RoundTrips } from './round-trips.ts';
import { EntryStore, TradeStore } from './trade-store.ts';
import { COMPONENTS, type Component, PRIOR_TRADES, Universe, WEIGHT_ARRAY } from './universe.ts';

export interface WalletScore {
  readonly wallet: Wallet;
  readonly score: number;
  /** n / (n + k) in decayed independent bets: how much of the score is the wallet's own evidence. */
  readonly confidence: number;
  readonly trades: number;
  readonly components: Record<Component, number>;
  readonly raw: RawComponents;
}

export interface TradeSummary {
  readonly coin: string;
  readonly side: 'long' | 'short';
  readonly openTime: number;
  readonly closeTime: number;
  readonly entryPx: number;
  readonly exitPx: number;
  readonly notionalUsd: number;
  readonly leverage: number | null;
  readonly pnlUsd: number;
  readonly returnOnNotional: number;
  readonly returnOnMargin: number | null;
  readonly holdMs: number;
  readonly liquidated: boolean;
  readonly adds: number;
  readonly partialCloses: number;
  /** What the bet this trade ended did to the wallet's score (null: not the last trade of a bet that is over). */
  readonly scoreDelta: number | null;
}

export interface WalletProfile extends WalletScore {
  readonly explanation: Explanation;
  /** The score after each bet, oldest first (at its last trade's close). */
  readonly history: readonly { time: number; score: number }[];
  /** The last trades of the bets that moved the score most, largest |delta| first. */
  readonly movers: readonly TradeSummary[];
}

/**
 * Closed round trips a wallet needs to be ranked by default (`glass score`, the demo's top
 * wallets): twice the prior's weight. Below it a few lucky trades top any list. Round trips, not
 * bets, so a ranking keeps the wallets it had; how much of the score is the wallet's own evidence
 * is `confidence`, counted in independent bets (20 scalps in an hour are one).
 */
export const RANKED_MIN_TRADES = 2 * PRIOR_TRADES;

/** Fewest established wallets a percentile table is read against. */
const MIN_REFERENCE = 20;
/** Log kinds: a bet's matured entries (accuracy), a bet that is over (the rest). */
const KIND_ACCURACY = 0;
const KIND_BET = 1;

/**
 * The Nexus Score engine: round trips from the book's position changes, grouped into bets, the
 * price path after each entry, per-wallet decayed evidence (one unit per bet), and percentiles
 * against the current universe. A bet that is over or whose entries matured updates its wallet's
 * evidence in O(1); the universe (population means and
 * percentile tables) is refreshed after every `refreshEvery` updates and before any full table, so
 * a score read is two binary searches per component. Every evidence item is logged in arrival
 * order, so `recompute()` rebuilds every wallet from the stored trades and entries bit for bit.
 */
export class ScoreEngine {
  readonly trades = new TradeStore();
  readonly entries = new EntryStore();
  private readonly bets: Bets;
  private readonly book: PositionBook;
  private readonly trips: RoundTrips;
  private readonly forward: ForwardReturns;
  private evidence = new Evidence();
  private universe: Universe | null = null;
  private logKind: Uint8Array = new Uint8Array(4096);
  private logIdx: Int32Array = new Int32Array(4096);
  private logN = 0;
  private sinceRefresh = 0;
  /** Evidence arrived since the universe was last rebuilt: a table or profile must rebuild it first. */
  private stale = true;
  private readonly tmpRaw = new Float64Array(COMPONENTS.length);
  private readonly tmpN = new Float64Array(COMPONENTS.length);
  private readonly tmpPct = new Float64Array(COMPONENTS.length);
  /**
   * Per wallet, what the last refresh computed: raw components (COMPONENTS order), evidence counts
   * (entries, bets) and its row in the universe (−1: none). Valid while the universe is that
   * refresh's and the evidence that one at that version (`peekAll` reads it instead of recomputing).
   */
  private cacheRaw = new Float64Array(0);
  private cacheN = new Float64Array(0);
  private cacheRow = new Int32Array(0);
  private cachedFor: Universe | null = null;
  private cachedEvidence: Evidence | null = null;
  private cachedVersion = -1;
  /** The universe's input rows (refresh), reused. */
  private packRaw = new Float64Array(0);
  private packN = new Float64Array(0);
  /**
   * Per component, the last universe's members (wallets) in sorted order: the next one's sort starts
   * from it (Universe's hint). Two: the live universe's, and asIfEnded's (settling moves most
   * wallets, so the last tick's order is the one close to the next tick's).
   */
  private readonly sortedWallets: Int32Array[][] = [[], []];
  private rowWallet = new Int32Array(0);
  private hints: Int32Array[] = [];
  private placed = new Int32Array(0);
  private placing = 0;
  /** What `peekAll` returns, reused. */
  private peekBuf = new Float64Array(0);
  /** Inside asIfEnded: (trade, delta, scoreAfter) before each write of a trade's score delta, to put back. */
  private tradeUndo: number[] | null = null;
  private readonly refreshEvery: number;
  /** Bumped by every change `scoreNow` reads (evidence in, the universe rebuilt): equal counts, equal answers. */
  private changes = 0;
  /**
   * Bumped by what can change `asIfEnded`'s answer and `changes` does not count (see
   * `settledVersion`): a fill, any event while fills wait to be counted, an entry's horizon
   * maturing, a settle.
   */
  private moves = 0;
  /** Settling for a question that reads no history (asIfEnded): evidence only, no scores before and after. */
  private hypothetical = false;
  /** Wallet-hash partitions (merge.ts): this engine scores some wallets and hands their evidence on, or merges every partition's. */
  private readonly partition: ScorePartition | null;
  private readonly merge: EvidenceMerge | null;
  /** Calls so far (onMarket, onChange): the same place in every process that reads the stream from its start. */
  private call = 0;
  /** Where in the current call evidence is being made (merge.ts: PHASE_*), and the entry maturing now. */
  private phase = PHASE_TRIPS;
  private maturing = -1;
  /** Per entry (a partition's): the call and the pending fills' stamp that opened it, its key among maturing entries. */
  private entryCall: Float64Array = new Float64Array(0);
  private entryStamp: Float64Array = new Float64Array(0);
  private readonly record = new Float64Array(RECORD);
  /** The merge's two rows (the update's bet, the wallet's previous one) that Evidence reads a record from. */
  private readonly scratch = new BetStore();

  /**
   * `partition`: score only the wallets it owns and hand every evidence update to it (the engine's own
   * scores stay empty); `merge`: apply the partitions' updates instead of running round trips and bets
   * (the scores are the single engine's; `table` and `profile` lack what `settle` would add). merge.ts.
   */
  constructor(book: PositionBook, opts: { refreshEvery?: number; partition?: ScorePartition; merge?: EvidenceMerge } = {}) {
    this.book = book;
    this.refreshEvery = opts.refreshEvery ?? 2000;
    this.partition = opts.partition ?? null;
    this.merge = opts.merge ?? null;
    if (this.partition !== null && this.merge !== null) throw new RangeError('ScoreEngine: give partition or merge, not both');
    this.scratch.add();
    this.scratch.add();
    this.bets = new Bets({ closed: (b) => this.log(KIND_BET, b), matured: (b) => this.log(KIND_ACCURACY, b) });
    const e = this.entries;
    this.forward = new ForwardReturns(e, (i) => {
      this.moves++;
      this.maturing = i;
      this.bets.entryMatured(e.bet[i] as number, e.zSum[i] as number, e.moveSum[i] as number, (e.ref[i] as number) > 0);
    });
    this.trips = new RoundTrips(this.trades, {
      opened: (w, coin, side, time, px) => {
        const i = this.forward.enter(w, coin, side, time, px, this.bets.open(w, time));
        if (this.partition !== null) this.keyEntry(i);
        return i;
      },
      closed: (i) => {
        const b = e.bet[this.trades.entry[i] as number] as number;
        this.trades.bet[i] = b;
        this.bets.tripClosed(b, this.trades, e, i);
      },
      abandoned: (entry) => this.bets.abandon(e.bet[entry] as number),
    });
  }

  /** Every price the stream carries feeds the price path: marks, public trades (fills: onChange). */
  onMarket(e: MarketEvent): void {
    this.call++;
    if (this.merge !== null) {
      this.merge.at(this.call, this.applyRecord);
      return;
    }
    // Fills waiting for a later millisecond may be counted now (RoundTrips.advance).
    if (this.trips.waiting > 0) this.moves++;
    if (e.type !== 'mark' && e.type !== 'trade') {
      // Any event says the stream has reached its time: horizons before it resolve.
      this.phase = PHASE_MATURED;
      this.forward.advance(e.time);
      return;
    }
    this.phase = PHASE_TRIPS;
    this.trips.advance(e.time);
    this.phase = PHASE_MATURED;
    this.forward.price(this.book.coins.id(e.coin), e.px, e.time);
  }

  onChange(c: PositionChange): void {
    this.call++;
    if (this.merge !== null) {
      this.merge.at(this.call, this.applyRecord);
      return;
    }
    if (c.resolved) return;
    this.moves++;
    const w = c.walletId;
    if (this.partition !== null) {
      // Every change lets earlier pending fills through and is a price; only the partition's wallets' changes are traded.
      this.phase = PHASE_TRIPS;
      this.trips.advance(c.time);
      if (this.partition.owns(w)) {
        this.phase = PHASE_ABANDON;
        this.trips.stamp = this.call;
        this.trips.change(c, this.book.leverageAt(c.slot), this.book.accountValueAt(w));
      }
      this.phase = PHASE_MATURED;
      this.forward.price(c.coinId, c.px, c.time);
      return;
    }
    this.trips.change(c, this.book.leverageAt(c.slot), this.book.accountValueAt(w));
    // Fill prices are price observations too: a coin without a mark feed still has a path. After
    // the round trips, so an entry counted now (an earlier millisecond's) sees no later price.
    this.forward.price(c.coinId, c.px, c.time);
  }

  private log(kind: number, i: number): void {
    if (this.partition !== null) {
      this.partition.evidence(this.recordOf(kind, i));
      return;
    }
    const n = this.logN++;
    if (n >= this.logKind.length) {
      this.logKind = grow(this.logKind, n + 1);
      this.logIdx = grow(this.logIdx, n + 1);
    }
    this.logKind[n] = kind;
    this.logIdx[n] = i;
    this.apply(kind, i, true);
    this.stale = true;
    this.changes++;
  }

  /** A partition's entry `i` was opened now: its key (merge.ts). */
  private keyEntry(i: number): void {
    if (i >= this.entryCall.length) {
      this.entryCall = grow(this.entryCall, Math.max(1024, i + 1));
      this.entryStamp = grow(this.entryStamp, Math.max(1024, i + 1));
    }
    this.entryCall[i] = this.call;
    this.entryStamp[i] = this.trips.stepping;
  }

  /** A partition's evidence update as a record (merge.ts): its place, then what Evidence reads of the bet. */
  private recordOf(kind: number, i: number): Float64Array {
    const r = this.record.fill(0);
    const b = this.bets.store;
    r[R.call] = this.call;
    r[R.phase] = this.phase;
    if (this.phase === PHASE_TRIPS) r[R.a] = this.trips.stepping;
    else if (this.phase === PHASE_MATURED) {
      r[R.a] = this.entryCall[this.maturing] as number;
      r[R.b] = this.entryStamp[this.maturing] as number;
    }
    r[R.kind] = kind;
    r[R.wallet] = b.wallet[i] as number;
    r[R.openTime] = b.openTime[i] as number;
    if (kind === KIND_ACCURACY) {
      r[R.maturedEntries] = b.maturedEntries[i] as number;
      r[R.zSum] = b.zSum[i] as number;
      r[R.moveSum] = b.moveSum[i] as number;
      r[R.hits] = b.hits[i] as number;
      return r;
    }
    r[R.closeTime] = b.closeTime[i] as number;
    r[R.trips] = b.trips[i] as number;
    r[R.pnl] = b.pnl[i] as number;
    r[R.maxNotional] = b.maxNotional[i] as number;
    r[R.notional] = b.notional[i] as number;
    r[R.sigmaNotional] = b.sigmaNotional[i] as number;
    r[R.leverage] = b.leverage[i] as number;
    r[R.account] = b.account[i] as number;
    r[R.liquidated] = b.liquidated[i] as number;
    const prev = b.prevBet[i] as number;
    if (prev >= 0) {
      r[R.prev] = 1;
      r[R.prevClose] = b.closeTime[prev] as number;
      r[R.prevPnl] = b.pnl[prev] as number;
      r[R.prevMaxNotional] = b.maxNotional[prev] as number;
    }
    return r;
  }

  /** The merge: one partition's evidence update, applied as the single engine's `log` applies it. */
  private readonly applyRecord = (buf: Float64Array, o: number): void => {
    const s = this.scratch;
    const kind = buf[o + R.kind] as number;
    s.wallet[0] = buf[o + R.wallet] as number;
    s.openTime[0] = buf[o + R.openTime] as number;
    if (kind === KIND_ACCURACY) {
      s.maturedEntries[0] = buf[o + R.maturedEntries] as number;
      s.zSum[0] = buf[o + R.zSum] as number;
      s.moveSum[0] = buf[o + R.moveSum] as number;
      s.hits[0] = buf[o + R.hits] as number;
    } else {
      s.closeTime[0] = buf[o + R.closeTime] as number;
      s.trips[0] = buf[o + R.trips] as number;
      s.pnl[0] = buf[o + R.pnl] as number;
      s.maxNotional[0] = buf[o + R.maxNotional] as number;
      s.notional[0] = buf[o + R.notional] as number;
      s.sigmaNotional[0] = buf[o + R.sigmaNotional] as number;
      s.leverage[0] = buf[o + R.leverage] as number;
      s.account[0] = buf[o + R.account] as number;
      s.liquidated[0] = buf[o + R.liquidated] as number;
      s.prevBet[0] = buf[o + R.prev] === 1 ? 1 : -1;
      s.closeTime[1] = buf[o + R.prevClose] as number;
      s.pnl[1] = buf[o + R.prevPnl] as number;
      s.maxNotional[1] = buf[o + R.prevMaxNotional] as number;
    }
    this.apply(kind, 0, true, s);
    this.stale = true;
    this.changes++;
  };

  /** Adds one evidence item; live, a bet also records what it did to the wallet's score (on its last trade). */
  private apply(kind: number, i: number, live: boolean, bets: BetStore = this.bets.store): void {
    if (kind === KIND_ACCURACY) {
      this.evidence.addBetAccuracy(bets, i);
      return;
    }
    const w = bets.wallet[i] as number;
    if (!live || this.hypothetical) {
      this.evidence.addBet(bets, i);
      return;
    }
    // Refreshing costs O(wallets · log wallets); doing it once per `wallets` closes keeps a close O(log n) amortised.
    // While the reference is small it is rebuilt as often as it could double: a universe built before
    // any wallet had a record (empty, everyone 50) must not stand for thousands of closes.
    const every = Math.min(Math.max(this.refreshEvery, this.evidence.size), Math.max(MIN_REFERENCE, this.universe?.size ?? 0));
    if (this.universe === null || ++this.sinceRefresh >= every) this.refresh();
    if (this.merge !== null) {
      // The merge holds no trades: what the bet did to the score stays with its partition's (unrecorded).
      this.evidence.addBet(bets, i);
      return;
    }
    const before = this.evidence.trades[w] === undefined || this.evidence.trades[w] === 0 ? 50 : this.scoreOf(w);
    this.evidence.addBet(bets, i);
    const after = this.scoreOf(w);
    const last = bets.lastTrade[i] as number;
    this.tradeUndo?.push(last, this.trades.delta[last] as number, this.trades.scoreAfter[last] as number);
    this.trades.delta[last] = after - before;
    this.trades.scoreAfter[last] = after;
  }

  /**
   * Rebuilds the population means and percentile tables. The reference universe is the wallets
   * with an established record (at least the prior's weight in independent bets): a wallet with one lucky
   * trade is shrunk to near the mean and so lands near the 50th percentile of established wallets,
   * instead of being spread across 0–100 by a ranking of near-ties. With fewer than
   * MIN_REFERENCE established wallets every wallet with a closed trade is the reference.
   */
  refresh(): void {
    const ev = this.evidence;
    const k = COMPONENTS.length;
    const size = ev.size;
    if (this.cacheRow.length < size) {
      const cap = Math.max(1024, 2 * size);
      this.cacheRaw = new Float64Array(cap * k);
      this.cacheN = new Float64Array(cap * 2);
      this.cacheRow = new Int32Array(cap);
      this.packRaw = new Float64Array(cap * k);
      this.packN = new Float64Array(cap * k);
      this.rowWallet = new Int32Array(cap);
      this.placed = new Int32Array(cap);
      this.hints = COMPONENTS.map(() => new Int32Array(cap));
    }
    const raw = this.cacheRaw;
    const counts = this.cacheN;
    // Every scored wallet's raw values and counts (countsInto's, one exp for all), kept for peekAll.
    const decay = ev.decay();
    let established = 0;
    for (let w = 0; w < size; w++) {
      if ((ev.trades[w] as number) === 0) continue;
      const bets = ev.effectiveBetsAt(w, decay);
      counts[2 * w] = ev.effectiveEntriesAt(w, decay);
      counts[2 * w + 1] = bets;
      ev.rawAt(w, raw, w * k);
      if (!(bets < PRIOR_TRADES)) established++;
    }
    // Established wallets only; if too few, every scored wallet (in wallet order either way).
    const all = established < MIN_REFERENCE;
    const pr = this.packRaw;
    const pn = this.packN;
    let rows = 0;
    for (let w = 0; w < size; w++) {
      this.cacheRow[w] = -1;
      if ((ev.trades[w] as number) === 0) continue;
      const bets = counts[2 * w + 1] as number;
      if (!all && bets < PRIOR_TRADES) continue;
      this.cacheRow[w] = rows;
      this.rowWallet[rows] = w;
      const o = rows * k;
      for (let c = 0; c < k; c++) pr[o + c] = raw[w * k + c] as number;
      pn[o] = counts[2 * w] as number;
      pn[o + 1] = bets;
      pn[o + 2] = bets;
      pn[o + 3] = bets;
      rows++;
    }
    const slot = this.tradeUndo === null ? 0 : 1;
    this.universe = new Universe(pr, pn, rows, this.sortHints(rows, this.sortedWallets[slot] as Int32Array[]));
    const sortedWallets: Int32Array[] = [];
    for (let c = 0; c < k; c++) {
      const sorted = this.universe.sortedRows(c);
      const ws = new Int32Array(rows);
      for (let i = 0; i < rows; i++) ws[i] = this.rowWallet[sorted[i] as number] as number;
      sortedWallets.push(ws);
    }
    this.sortedWallets[slot] = sortedWallets;
    this.cachedFor = this.universe;
    this.cachedEvidence = ev;
    this.cachedVersion = ev.version;
    this.changes++;
    this.sinceRefresh = 0;
    this.stale = false;
  }

  /**
   * Per component, the new universe's rows (cacheRow) in the order `last` has their wallets in, the
   * rows new to it after: nearly sorted, as a refresh moves few wallets far.
   */
  private sortHints(rows: number, last: readonly Int32Array[]): Int32Array[] {
    const size = this.evidence.size;
    const cacheRow = this.cacheRow;
    const placed = this.placed;
    for (let c = 0; c < COMPONENTS.length; c++) {
      const h = this.hints[c] as Int32Array;
      const stamp = ++this.placing;
      let m = 0;
      const ws = last[c];
      const n = ws === undefined ? 0 : ws.length;
      for (let i = 0; i < n; i++) {
        const w = (ws as Int32Array)[i] as number;
        const r = w < size ? (cacheRow[w] as number) : -1;
        if (r < 0 || placed[r] === stamp) continue;
        placed[r] = stamp;
        h[m++] = r;
      }
      for (let r = 0; r < rows; r++) if (placed[r] !== stamp) h[m++] = r;
    }
    return this.hints;
  }

  /** Every wallet's evidence rebuilt from the stored trades and entries, in the order it arrived. */
  recompute(): void {
    if (this.merge !== null) throw new RangeError('ScoreEngine: a merge keeps no evidence log to recompute from');
    this.evidence = new Evidence();
    for (let k = 0; k < this.logN; k++) this.apply(this.logKind[k] as number, this.logIdx[k] as number, false);
    this.refresh();
  }

  /** Evidence counts per component (COMPONENTS order): decayed bets with matured entries for accuracy, bets over for the rest. */
  private countsInto(w: number, out: Float64Array): void {
    const n = this.evidence.effectiveBets(w);
    out[0] = this.evidence.effectiveEntries(w);
    out[1] = n;
    out[2] = n;
    out[3] = n;
  }

  /** Changes so far to what `scoreNow` reads: while it stands still, so does every wallet's `scoreNow` (the recorder skips a sweep). */
  get version(): number {
    return this.changes;
  }

  /**
   * Changes so far to anything `asIfEnded` reads (round trips and the fills waiting in them, bets,
   * entries and their maturing, evidence, the universe): while it stands still, `asIfEnded` gives
   * the same answer, so a score tick between two equal readings would record nothing (the
   * recorder skips it). Marks alone leave it still unless fills wait to be counted: the price path
   * reaches the answer only through entries, which settling opens only for waiting fills.
   */
  get settledVersion(): number {
    return this.moves + this.changes;
  }

  /** A wallet's score now (null: no closed round trip yet); the lookup other engines use. */
  scoreNow(walletId: number): number | null {
    if (walletId >= this.evidence.size || this.evidence.trades[walletId] === 0) return null;
    return Math.round(this.scoreOf(walletId) * 100) / 100;
  }

  /**
   * A wallet's full score against the universe as it stands (the one `scoreNow` reads), settling
   * and rebuilding nothing, so a mid-stream read (the store's recorder) leaves what the engines go
   * on to say unchanged. Null: no closed round trip yet, or no universe yet.
   */
  peek(walletId: number): WalletScore | null {
    if (this.universe === null || walletId >= this.evidence.size || this.evidence.trades[walletId] === 0) return null;
    return this.walletScore(walletId);
  }

  /**
   * `peek` without its objects, for the store's recorder (thousands of records a replay): false
   * where peek answers null, else score, confidence, trades and the component percentiles
   * (COMPONENTS order), each rounded as peek rounds it, into `out` (3 + COMPONENTS.length long).
   */
  peekInto(walletId: number, out: Float64Array): boolean {
    if (this.universe === null || walletId >= this.evidence.size || this.evidence.trades[walletId] === 0) return false;
    const score = this.scoreOf(walletId);
    const n = this.tmpN[1] as number;
    out[0] = round(score);
    out[1] = round(n / (n + PRIOR_TRADES), 4);
    out[2] = this.evidence.trades[walletId] as number;
    for (let c = 0; c < COMPONENTS.length; c++) out[3 + c] = round(this.tmpPct[c] as number);
    return true;
  }

  /**
   * `peekInto` for wallets 0 … n − 1 at once, into rows of 3 + COMPONENTS.length (the engine's
   * buffer, overwritten by the next call): the same numbers, bit for bit, and a row of zeros (0
   * trades) where peekInto answers false. While the evidence is the one the universe was built
   * from (a score tick, asIfEnded) it reads the raw values and counts that refresh computed, and a
   * member's percentiles from the universe's own ranking instead of a search apiece.
   */
  peekAll(n: number): Float64Array {
    const k = COMPONENTS.length;
    const stride = 3 + k;
    if (this.peekBuf.length < n * stride) this.peekBuf = new Float64Array(n * stride);
    const out = this.peekBuf;
    out.fill(0, 0, n * stride);
    const u = this.universe;
    if (u === null) return out;
    const ev = this.evidence;
    const cached = this.cachedFor === u && this.cachedEvidence === ev && this.cachedVersion === ev.version;
    const decay = ev.decay();
    const raw = this.tmpRaw;
    const pct = this.tmpPct;
    const m = Math.min(n, ev.size);
    for (let w = 0; w < m; w++) {
      const trades = ev.trades[w] as number;
      if (trades === 0) continue;
      let row = -1;
      let entries: number;
      let bets: number;
      if (cached) {
        row = this.cacheRow[w] as number;
        entries = this.cacheN[2 * w] as number;
        bets = this.cacheN[2 * w + 1] as number;
        if (row < 0) for (let c = 0; c < k; c++) raw[c] = this.cacheRaw[w * k + c] as number;
      } else {
        entries = ev.effectiveEntriesAt(w, decay);
        bets = ev.effectiveBetsAt(w, decay);
        ev.rawInto(w, raw);
      }
      let score = 0;
      for (let c = 0; c < k; c++) {
        const p = row >= 0 ? u.rowPercentile(c, row) : u.percentile(c, u.shrunk(c, raw[c] as number, c === 0 ? entries : bets));
        pct[c] = p;
        score += (WEIGHT_ARRAY[c] as number) * p;
      }
      // round(x) and round(x, 4) with their powers of ten written out: the same numbers, without a Math.pow apiece.
      const o = w * stride;
      out[o] = Math.round(score * 100) / 100;
      out[o + 1] = Math.round((bets / (bets + PRIOR_TRADES)) * 10_000) / 10_000;
      out[o + 2] = trades;
      for (let c = 0; c < k; c++) out[o + 3 + c] = Math.round((pct[c] as number) * 100) / 100;
    }
    return out;
  }

  /** The score with the current universe, component percentiles left in `tmpPct`; allocation-free. */
  private scoreOf(w: number): number {
    if (this.universe === null) this.refresh();
    const u = this.universe as Universe;
    this.evidence.rawInto(w, this.tmpRaw);
    this.countsInto(w, this.tmpN);
    let score = 0;
    for (let c = 0; c < COMPONENTS.length; c++) {
      const p = u.percentile(c, u.shrunk(c, this.tmpRaw[c] as number, this.tmpN[c] as number));
      this.tmpPct[c] = p;
      score += (WEIGHT_ARRAY[c] as number) * p;
    }
    return score;
  }

  /**
   * Counts the last millisecond's fills, which otherwise wait for a later event (see RoundTrips),
   * and ends every bet with no position open (see Bets): queries call it, as the end of a
   * recording or a question asked now means that instant is over.
   */
  settle(): void {
    if (this.partition !== null)
      throw new RangeError("ScoreEngine: a partition cannot settle (the merge has no place for it); ask the merge's table");
    this.moves++;
    this.trips.advance(Number.POSITIVE_INFINITY);
    this.bets.settle();
  }

  /**
   * The final state a question is answered from: the last instant settled and the universe rebuilt
   * if any evidence came in since. The table and a profile both read it, so they give one score.
   * (`scoreNow`, the live lookup, may lag by up to `refreshEvery` closes: that is its price.)
   */
  private current(): void {
    this.settle();
    if (this.stale || this.universe === null) this.refresh();
  }

  /**
   * `read`'s answer as if the stream ended now: the last instant settled, every bet with no
   * position open over, the universe rebuilt, so `table`, `profile` and `peekInto` inside `read`
   * give what they give at the end of a recording cut here. Then everything that settling touched
   * is put back (the bets it ended, the fills it counted, the evidence and universe, the trade,
   * entry and bet rows it appended), so what the engine goes on to say is unchanged. The store's
   * score ticks read through it (docs/score.md, "The score at a time"). O(wallets + bets not yet
   * over) besides the rebuild. `settle` false: the universe rebuilt only. (A merge of wallet
   * partitions holds no round trips or bets: settling it changes nothing, so it answers as false.)
   * `history` false: `read` reads no profile history, so the bets settling ends add their evidence
   * without the score before and after each (what a profile's history shows; put back unread
   * otherwise) and without the refreshes between them (the universe is rebuilt once, after).
   */
  asIfEnded<T>(read: () => T, settle = true, history = true): T {
    if (this.partition !== null) throw new RangeError('ScoreEngine: a partition cannot settle; ask the merge');
    const outerUndo = this.tradeUndo;
    const undo: number[] = [];
    this.tradeUndo = undo;
    const saved = {
      logN: this.logN,
      sinceRefresh: this.sinceRefresh,
      stale: this.stale,
      changes: this.changes,
      moves: this.moves,
      universe: this.universe,
      phase: this.phase,
      maturing: this.maturing,
      trades: this.trades.n,
      entries: this.entries.n,
      bets: this.bets.save(),
      trips: this.trips.save(),
      forward: this.forward.save(),
      evidence: this.evidence.save(),
    };
    try {
      this.hypothetical = !history;
      if (settle) this.settle();
      this.hypothetical = false;
      if (this.stale || this.universe === null) this.refresh();
      return read();
    } finally {
      this.hypothetical = false;
      this.logN = saved.logN;
      this.sinceRefresh = saved.sinceRefresh;
      this.stale = saved.stale;
      this.changes = saved.changes;
      this.moves = saved.moves;
      this.universe = saved.universe;
      this.phase = saved.phase;
      this.maturing = saved.maturing;
      this.trades.n = saved.trades;
      this.entries.n = saved.entries;
      this.bets.restore(saved.bets);
      this.trips.restore(saved.trips);
      this.forward.restore(saved.forward);
      this.evidence.restore(saved.evidence);
      for (let i = undo.length - 3; i >= 0; i -= 3) {
        const t = undo[i] as number;
        this.trades.delta[t] = undo[i + 1] as number;
        this.trades.scoreAfter[t] = undo[i + 2] as number;
      }
      this.tradeUndo = outerUndo;
    }
  }

  /** Scores of every wallet with at least `minTrades` closed trades, highest first. */
  table(minTrades = 1): WalletScore[] {
    this.current();
    const out: WalletScore[] = [];
    const ev = this.evidence;
    for (let w = 0; w < ev.size; w++) {
      const n = ev.trades[w] as number;
      if (n < Math.max(1, minTrades)) continue;
      out.push(this.walletScore(w));
    }
    return out.sort((a, b) => b.score - a.score || (a.wallet < b.wallet ? -1 : 1));
  }

  private walletScore(w: number): WalletScore {
    const score = this.scoreOf(w);
    const n = this.tmpN[1] as number;
    return {
      wallet: this.book.wallets.name(w),
      score: round(score),
      confidence: round(n / (n + PRIOR_TRADES), 4),
      trades: this.evidence.trades[w] as number,
      components: Object.fromEntries(COMPONENTS.map((c, i) => [c, round(this.tmpPct[i] as number)])) as Record<Component, number>,
      raw: this.evidence.raw(w),
    };
  }

  profile(wallet: Wallet | string, movers = 5): WalletProfile | null {
    this.current();
    const w = this.book.wallets.peek(wallet);
    if (w === undefined || w >= this.evidence.size || this.evidence.trades[w] === 0) return null;
    const t = this.trades;
    const scored = this.idsOf(w).filter((i) => t.delta[i] === t.delta[i]);
    return {
      ...this.walletScore(w),
      explanation: this.evidence.explain(w),
      history: scored.map((i) => ({ time: t.closeTime[i] as number, score: round(t.scoreAfter[i] as number) })),
      movers: scored
        .toSorted((a, b) => Math.abs(t.delta[b] as number) - Math.abs(t.delta[a] as number) || a - b)
        .slice(0, movers)
        .map((i) => this.summary(i)),
    };
  }

  summary(i: number): TradeSummary {
    const t = this.trades;
    const lev = t.leverage[i] as number;
    const r = t.retNotional(i);
    const d = t.delta[i] as number;
    return {
      coin: this.book.coins.name(t.coin[i] as number),
      side: t.side[i] === 1 ? 'long' : 'short',
      openTime: t.openTime[i] as number,
      closeTime: t.closeTime[i] as number,
      entryPx: t.entryPx[i] as number,
      exitPx: t.exitPx[i] as number,
      notionalUsd: t.maxNotional[i] as number,
      leverage: lev > 0 ? lev : null,
      pnlUsd: t.pnl[i] as number,
      returnOnNotional: r,
      returnOnMargin: lev > 0 ? r * lev : null,
      holdMs: (t.closeTime[i] as number) - (t.openTime[i] as number),
      liquidated: t.liquidated[i] === 1,
      adds: t.adds[i] as number,
      partialCloses: t.partials[i] as number,
      scoreDelta: d === d ? round(d) : null,
    };
  }

  /** Closed trades of one wallet, oldest first. */
  tradesOf(wallet: Wallet | string): TradeSummary[] {
    this.settle();
    const w = this.book.wallets.peek(wallet);
    return w === undefined ? [] : this.idsOf(w).map((i) => this.summary(i));
  }

  /** A wallet's closed trades in close order, walked back along the trade store's chain. */
  private idsOf(w: number): number[] {
    const ids: number[] = [];
    for (let i = this.trips.lastClosedOf(w); i >= 0; i = this.trades.chain[i] as number) ids.push(i);
    return ids.reverse();
  }

  /** The evidence behind a wallet's components (hit rate, PSR, dispersions, rates). */
  explain(wallet: Wallet | string): Explanation | null {
    this.settle();
    const w = this.book.wallets.peek(wallet);
    return w === undefined || w >= this.evidence.size ? null : this.evidence.explain(w);
  }
}

/**
 * The profile with its history ending at the score it is headed with: the score after each bet is
 * the score when that bet closed, against the universe as it then stood; the universe moves on
 * (other wallets' trades, decay), so the score the profile is headed with is appended as the last
 * point at `endTime` (it is the one the table gives): `glass score --wallet` at the recording's
 * last time, the API at the time it answers for (NaN: none, the last bet's close).
 */
export function withCurrentScore(p: WalletProfile, endTime: number): WalletProfile {
  const last = p.history[p.history.length - 1];
  const time = endTime === endTime ? endTime : (last?.time ?? 0);
  if (last !== undefined && last.time >= time) return { ...p, history: [...p.history.slice(0, -1), { time: last.time, score: p.score }] };
  return { ...p, history: [...p.history, { time, score: p.score }] };
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
