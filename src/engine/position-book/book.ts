import type { Coin, Wallet } from '../../domain/ids.ts';
import type {
  Direction,
  FillEvent,
  MarketEvent,
  PositionSnapshotEvent,
  PositionState,
  Side,
  TradeEvent,
  WalletRef,
} from '../../domain/market-event.ts';
import { grow } from '../common/growable.ts';
import { Interner } from '../common/interner.ts';
import { type BookSink, NO_SINK } from './change.ts';
import { deriveDirection, signOf, sizeTolerance } from './direction.ts';
import { PendingChanges } from './pending.ts';
import { SlotIndex } from './slot-index.ts';
import { TidWindow } from './tid-window.ts';
import { WalletIds } from './wallet-ids.ts';
import { WalletSlots } from './wallet-slots.ts';

const MAX_COINS = 1 << 12;
/**
 * A slot's row in `hot`, 32 bytes: signed size, average entry and time of the last change as
 * doubles (HOT of them, `hot[s * HOT + …]`), then two Int32 words (`meta[s * WORDS + …]`): the
 * newest entry of its list of uncertain changes (PendingChanges), and a word holding that list's
 * length (low 16 bits), whether the position is known (KNOWN_BIT) and the coin id (from COIN_SHIFT).
 */
const HOT = 4;
const SZI = 0;
const ENTRY = 1;
const UPDATED = 2;
const WORDS = 2 * HOT;
const PENDING = 6;
const META = 7;
const KNOWN_BIT = 1 << 16;
const COIN_SHIFT = 17;
/** Coin ids a row can hold (bits COIN_SHIFT..30). */
const MAX_ROW_COINS = 1 << (31 - COIN_SHIFT);
/** Uncertain changes kept per position for late resolution; older ones are only counted. */
const MAX_PENDING = 256;
/** Wallet numbers (WalletRef) above this are not cached (2^24 wallets: 64 MiB of hints). */
const MAX_REF = 1 << 24;

/**
 * Room for the book's id beside each number of a normalizer's wallet table (WalletRef): the
 * table gives it to one book only (`claim`), which alone writes and reads it.
 */
export interface RefHints {
  readonly size: number;
  claim(): void;
  /** The number kept for `ref` (0: none yet). */
  hint(ref: number): number;
  setHint(ref: number, v: number): void;
  /** How many slots are kept per number (`slot`). */
  readonly places: number;
  /** The slot kept for `ref` in coin id `c` by `setSlot`; when none, −1 − n for the n kept (−1 − places: unknown). */
  slot(ref: number, c: number): number;
  /** Keeps slot `s` for `ref` in coin id `c` after those kept, while fewer than `places` are. */
  setSlot(ref: number, c: number, s: number): void;
}

export interface PositionView {
  /** The book's id for the position (what engines above the book key their state by). */
  readonly slot: number;
  readonly wallet: Wallet;
  readonly coin: Coin;
  readonly szi: number;
  readonly entryPx: number;
  readonly known: boolean;
  readonly marginMode: 'cross' | 'isolated' | null;
  readonly leverage: number | null;
  readonly rawUsd: number | null;
  readonly venueLiqPx: number | null;
  readonly updatedAt: number;
}

export interface AccountView {
  readonly wallet: Wallet;
  readonly accountValue: number | null;
  readonly crossAccountValue: number | null;
  readonly crossMaintenanceMarginUsed: number | null;
  readonly snapshotTime: number | null;
}

export interface BookStats {
  fills: number;
  trades: number;
  duplicates: number;
  historyTrades: number;
  snapshots: number;
  anonymousSnapshots: number;
  drifts: number;
  uncertain: number;
  resolved: number;
  dirMismatches: number;
}

/**
 * Every wallet's position in every coin, from fills (exact: they carry startPosition), trades
 * (both counterparties, direction derived from the book's own position) and account snapshots
 * (which reconcile everything and report drift). A synchronous reducer: `apply(event)`, no clock.
 */
export class PositionBook {
  readonly wallets = new WalletIds();
  readonly coins = new Interner<Coin>();
  readonly stats: BookStats = {
    fills: 0,
    trades: 0,
    duplicates: 0,
    historyTrades: 0,
    snapshots: 0,
    anonymousSnapshots: 0,
    drifts: 0,
    uncertain: 0,
    resolved: 0,
    dirMismatches: 0,
  };

  private sink: BookSink;
  private readonly slotOf = new SlotIndex(MAX_COINS);
  private nSlots = 0;
  /**
   * What every fill and trade side reads and writes of its slot, side by side in one 32-byte row
   * (see HOT): in separate columns a trade side of an unknown wallet missed the cache once per
   * column, and a 64-byte row left half as many rows in the cache (bench/shapes.bench.ts). `meta`
   * is the same memory as Int32 words. The columns below are read more rarely.
   */
  private hot: Float64Array = new Float64Array(HOT * 1024);
  private meta: Int32Array = new Int32Array(this.hot.buffer);
  private slotWallet: Int32Array = new Int32Array(1024);
  /**
   * Columns only snapshots and fills write (`cold`), grown as they do: right after `glass live`
   * starts, trades make most slots, and growing and filling these for each of them was a tenth
   * of the memory replay allocated (bench/shapes.bench.ts). A slot beyond their length reads
   * as never written: mode 0, NaN leverage, raw USD and liquidation price, zero last fill.
   */
  private mode: Uint8Array = new Uint8Array(1024);
  private lev: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private rawUsd: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private venueLiq: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private lastStart: Float64Array = new Float64Array(1024);
  private lastTime: Float64Array = new Float64Array(1024);
  private lastSigned: Float64Array = new Float64Array(1024);
  private walletKnown: Uint8Array = new Uint8Array(1024);
  private acct: Float64Array = new Float64Array(1024).fill(Number.NaN);
  /** Per coin: time of the last trade seen live, and the state of a gap being filled. */
  private lastLive: Float64Array = new Float64Array(16).fill(Number.NaN);
  private gapPending: Uint8Array = new Uint8Array(16);
  private gapCovered: Uint8Array = new Uint8Array(16);
  private crossAcct: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private crossMm: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private snapTime: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private readonly walletSlots = new WalletSlots();
  private readonly pending = new PendingChanges(MAX_PENDING);
  private readonly seen = new TidWindow();
  private open = 0;
  /**
   * A normalizer's wallet number (WalletRef) → the book's id + 1 (0: not seen). A hint is taken
   * only when the id's address is the event's (the same string object: one pointer compare), so
   * an event whose numbers come from another table costs a lookup, never a wrong wallet.
   */
  private refIds: Int32Array = new Int32Array(1024);
  /**
   * The same for the numbers of the one normalizer paired with this book (`applyOwn`): taken
   * without the address check, which was a cache miss per trade side (bench/shapes.bench.ts).
   * Kept apart from `refIds`, which numbers from any other table may fill; in the normalizer's
   * own table when it was given (`pair`), beside the address the scanner has just compared.
   */
  private ownIds: Int32Array = new Int32Array(1024);
  private paired: RefHints | null = null;
  /**
   * Book id → the paired number + 1 of its wallet (0: none yet). Every slot of such a wallet is
   * kept beside its number as it is made, in the order made (see `slotOfRef`).
   */
  private pairedRef: Int32Array = new Int32Array(1024);
  private lastCoin: Coin | null = null;
  private lastCoinId = -1;
  /** A word of the slot row `warm` read last (see there). */
  private touched = 0;
  /** Whether the event being applied came through `applyOwn`. */
  private own = false;

  constructor(sink: BookSink = NO_SINK) {
    this.sink = sink;
  }

  setSink(sink: BookSink): void {
    this.sink = sink;
  }

  /**
   * As `apply`, for an event from the normalizer paired with this book and nothing else (the
   * Pipeline's, which it keeps to itself): its wallet numbers name the same wallets for the book's
   * whole life, so an id found through one is taken as it is. Events from anywhere else go to `apply`.
   */
  /** Keeps the ids for the paired normalizer's numbers in its table (see `ownIds`). */
  pair(hints: RefHints): void {
    hints.claim();
    this.paired = hints;
  }

  applyOwn(e: MarketEvent): void {
    this.own = true;
    try {
      this.apply(e);
    } finally {
      this.own = false;
    }
  }

  apply(e: MarketEvent): void {
    switch (e.type) {
      case 'fill':
        this.fill(e);
        break;
      case 'trade':
        this.trade(e);
        break;
      case 'snapshot':
        this.snapshot(e);
        break;
      case 'disconnect':
        this.gap();
        break;
      default:
        break;
    }
  }

  get openPositions(): number {
    return this.open;
  }

  // ---- events -------------------------------------------------------------------------------

  private fill(f: FillEvent): void {
    this.stats.fills++;
    if (f.tid !== null && !this.seen.add(TidWindow.key(f.tid, f.side))) {
      this.stats.duplicates++;
      return;
    }
    const w = this.walletIdOf(f.wallet, f.walletRef);
    const s = this.slotOfRef(w, this.coinId(f.coin), f.walletRef);
    this.cold(s);
    const before = this.hot[s * HOT + SZI] as number;
    // A back-filled fill older than what the slot has already applied (a gap filled after live
    // trades resumed): its startPosition describes the past, so it adds its size and nothing more.
    const applied = this.hot[s * HOT + UPDATED] as number;
    if (f.isSnapshot && f.time < applied) {
      this.move(s, w, f.side, f.sz, f.px, f.time, f.localTs, f.tid, 'fill', true, f.liquidation !== null, f.closedPnl, f.crossed);
      this.hot[s * HOT + UPDATED] = applied;
      return;
    }
    if (!this.isKnown(s)) {
      this.resolve(s, f.startPosition);
      this.setSzi(s, f.startPosition);
    } else if (Math.abs(before - f.startPosition) > sizeTolerance(before, f.startPosition)) {
      if (!this.isSelfTradeMirror(s, f)) {
        this.reportDrift(s, f.time, before, f.startPosition, 'fill');
        this.setSzi(s, f.startPosition);
      }
    }
    const dir = deriveDirection(f.startPosition, f.side, f.sz);
    if (f.dir !== null && f.dir !== dir) this.stats.dirMismatches++;
    this.lastStart[s] = f.startPosition;
    this.lastTime[s] = f.time;
    this.lastSigned[s] = signOf(f.side) * f.sz;
    this.move(
      s,
      w,
      f.side,
      f.sz,
      f.px,
      f.time,
      f.localTs,
      f.tid,
      'fill',
      f.isSnapshot,
      f.liquidation !== null,
      f.closedPnl,
      f.crossed,
      dir,
    );
  }

  /**
   * When a wallet trades with itself the venue reports both fills with the same startPosition
   * (the position before the whole trade). The second half then disagrees with the book by exactly
   * the first half, at the same time and size on the other side: not a gap.
   */
  private isSelfTradeMirror(s: number, f: FillEvent): boolean {
    const last = this.lastSigned[s] as number;
    const start = this.lastStart[s] as number;
    return (
      this.lastTime[s] === f.time &&
      Math.abs(start - f.startPosition) <= sizeTolerance(start, f.startPosition) &&
      Math.abs(last + signOf(f.side) * f.sz) <= sizeTolerance(last, f.sz)
    );
  }

  private trade(t: TradeEvent): void {
    this.stats.trades++;
    const c = this.coinId(t.coin);
    this.ensureCoin(c);
    if (t.isSnapshot) {
      this.stats.historyTrades++;
      if (this.gapPending[c] === 1) {
        // Resubscribed after a gap: the batch of recent trades covers the gap if it reaches back
        // to the last trade seen live; those newer than that were missed, and are applied now,
        // as history (they update positions, they are not news).
        if (t.time <= (this.lastLive[c] as number)) this.gapCovered[c] = 1;
        if (t.time >= (this.lastLive[c] as number)) {
          this.tradeSides(t, c, true);
          return;
        }
      }
      // Otherwise recent history delivered on the first subscribe: remember the ids so a
      // re-delivery is caught, but apply nothing (a snapshot already taken may include it).
      this.seen.add(TidWindow.key(t.tid, 'B'));
      this.seen.add(TidWindow.key(t.tid, 'A'));
      return;
    }
    if (this.gapPending[c] === 1) {
      this.gapPending[c] = 0;
      // No snapshot reached back to the gap: trades may be missing, positions are uncertain.
      if (this.gapCovered[c] !== 1) this.coinGap(c);
    }
    if (!(t.time <= (this.lastLive[c] as number))) this.lastLive[c] = t.time;
    this.tradeSides(t, c, false);
  }

  /**
   * Both sides of a trade, buyer first. Both sides' lookups (dedupe, wallet id, slot) run before
   * either side moves, each kind in the order the sides took them one after the other, so ids and
   * slots are numbered as before: the two wallets' lookups are independent memory accesses the
   * processor overlaps, where side after side it waited for each miss in turn.
   */
  private tradeSides(t: TradeEvent, c: number, history: boolean): void {
    if (this.own) {
      this.warm(t.buyerRef, c);
      this.warm(t.sellerRef, c);
    }
    const fresh = this.seen.addTrade(t.tid);
    const buy = (fresh & 1) !== 0;
    const sell = (fresh & 2) !== 0;
    if (!buy) this.stats.duplicates++;
    if (!sell) this.stats.duplicates++;
    const wb = buy ? this.walletIdOf(t.buyer, t.buyerRef) : -1;
    const ws = sell ? this.walletIdOf(t.seller, t.sellerRef) : -1;
    const sb = buy ? this.slotOfRef(wb, c, t.buyerRef) : -1;
    const ss = sell ? this.slotOfRef(ws, c, t.sellerRef) : -1;
    if (buy) this.move(sb, wb, 'B', t.sz, t.px, t.time, t.localTs, t.tid, 'trade', history, false, Number.NaN, t.side === 'B');
    if (sell) this.move(ss, ws, 'A', t.sz, t.px, t.time, t.localTs, t.tid, 'trade', history, false, Number.NaN, t.side === 'A');
  }

  /** Slots of the snapshot being applied, in its positions' order (reused: see BookSink.account). */
  private readonly snapSlots: number[] = [];

  private snapshot(e: PositionSnapshotEvent): void {
    this.stats.snapshots++;
    if (e.wallet === null) {
      this.stats.anonymousSnapshots++;
      return;
    }
    const w = this.walletId(e.wallet);
    this.acct[w] = e.accountValue;
    this.crossAcct[w] = e.crossAccountValue;
    this.crossMm[w] = e.crossMaintenanceMarginUsed ?? Number.NaN;
    this.snapTime[w] = e.time;
    const listed = this.snapSlots;
    listed.length = 0;
    for (const p of e.positions) listed.push(this.reconcile(w, p, e.time));
    const had = this.walletSlots.count(w);
    // Every slot of the wallet the snapshot did not list is flat now.
    if (had > e.positions.length || e.positions.length === 0) {
      for (let i = 0; i < had; i++) {
        const s = this.walletSlots.at(w, i);
        const c = this.coins.name(this.coinAt(s));
        if (!e.positions.some((p) => p.coin === c)) this.reconcileFlat(s, e.time);
      }
    }
    this.walletKnown[w] = 1;
    this.sink.account(w, e, listed);
  }

  /** A gap in the stream: trade-derived positions may have missed fills; say so until resnapshot. */
  /**
   * A gap in the stream. Per coin seen live, wait for the resubscribe's batch of recent trades:
   * if it reaches back to the last live trade the gap is filled from it (see `trade`), if not the
   * coin's trade-derived positions become uncertain until snapshots resolve them. Per-user fills
   * resynchronise by themselves (every fill carries startPosition).
   */
  private gap(): void {
    for (let c = 0; c < this.lastLive.length; c++) {
      if (!((this.lastLive[c] as number) > 0)) continue;
      this.gapPending[c] = 1;
      this.gapCovered[c] = 0;
    }
  }

  private coinGap(c: number): void {
    for (let s = 0; s < this.nSlots; s++) {
      if (this.coinAt(s) === c && this.isKnown(s)) this.meta[s * WORDS + META] = (this.meta[s * WORDS + META] as number) & ~KNOWN_BIT;
    }
  }

  private ensureCoin(c: number): void {
    if (c < this.lastLive.length) return;
    const old = this.lastLive.length;
    this.lastLive = grow(this.lastLive, c + 1);
    this.lastLive.fill(Number.NaN, old);
    this.gapPending = grow(this.gapPending, c + 1);
    this.gapCovered = grow(this.gapCovered, c + 1);
  }

  // ---- state transitions --------------------------------------------------------------------

  private reconcile(w: number, p: PositionState, time: number): number {
    const s = this.slot(w, this.coins.id(p.coin));
    this.cold(s);
    const before = this.hot[s * HOT + SZI] as number;
    if (!this.isKnown(s)) this.resolve(s, p.szi);
    else if (Math.abs(before - p.szi) > sizeTolerance(before, p.szi)) this.reportDrift(s, time, before, p.szi, 'snapshot');
    this.setSzi(s, p.szi);
    this.hot[s * HOT + ENTRY] = p.entryPx;
    this.mode[s] = p.marginMode === 'cross' ? 1 : 2;
    this.lev[s] = p.leverage;
    this.rawUsd[s] = p.rawUsd ?? Number.NaN;
    this.venueLiq[s] = p.liquidationPx ?? Number.NaN;
    this.hot[s * HOT + UPDATED] = time;
    return s;
  }

  private reconcileFlat(s: number, time: number): void {
    this.cold(s);
    const before = this.hot[s * HOT + SZI] as number;
    if (!this.isKnown(s)) this.resolve(s, 0);
    else if (before !== 0) this.reportDrift(s, time, before, 0, 'snapshot');
    this.setSzi(s, 0);
    this.hot[s * HOT + ENTRY] = Number.NaN;
    this.venueLiq[s] = Number.NaN;
    this.hot[s * HOT + UPDATED] = time;
  }

  /**
   * Applies a signed size change and emits the PositionChange. `venuePnl` is the venue's
   * closedPnl when it gave one (NaN: compute from the book's entry price).
   */
  private move(
    s: number,
    w: number,
    side: Side,
    sz: number,
    px: number,
    time: number,
    localTs: number,
    tid: number | null,
    source: 'fill' | 'trade',
    history: boolean,
    liquidation: boolean,
    venuePnl: number,
    taker: boolean,
    venueDir: Direction | null = null,
  ): void {
    const before = this.hot[s * HOT + SZI] as number;
    const after = before + signOf(side) * sz;
    const entryBefore = this.hot[s * HOT + ENTRY] as number;
    const closed = before * signOf(side) < 0 ? Math.min(sz, Math.abs(before)) : 0;
    // Nothing closed, nothing realised (and from flat the entry is NaN, which must not leak in).
    const pnl = venuePnl === venuePnl ? venuePnl : closed > 0 ? closed * (px - entryBefore) * Math.sign(before) : 0;
    this.hot[s * HOT + ENTRY] = nextEntry(before, after, entryBefore, px, sz);
    this.setSzi(s, Math.abs(after) <= sizeTolerance(after, sz) ? 0 : after);
    this.hot[s * HOT + UPDATED] = time;
    const known = this.isKnown(s);
    if (!known) this.stats.uncertain++;
    const closedPnl = known || venuePnl === venuePnl ? pnl : 0;
    // Kept as numbers, not as a change: see PendingChanges. `resolve` re-emits it whole.
    if (!known && !history)
      this.pending.add(this.meta, s * WORDS + PENDING, time, localTs, px, sz, side, closedPnl, liquidation, taker, tid, source);
    const sink = this.sink;
    if (sink.listening !== undefined && !sink.listening()) {
      sink.skipped?.();
      return;
    }
    sink.change({
      type: 'position',
      wallet: this.wallets.name(w),
      walletId: w,
      coin: this.coins.name(this.coinAt(s)),
      coinId: this.coinAt(s),
      slot: s,
      time,
      localTs,
      px,
      sz,
      side,
      before: known ? before : Number.NaN,
      after: known ? (this.hot[s * HOT + SZI] as number) : Number.NaN,
      dir: known ? (venueDir ?? deriveDirection(before, side, sz)) : null,
      closedPnl,
      entryPx: known ? (this.hot[s * HOT + ENTRY] as number) : Number.NaN,
      liquidation,
      taker,
      tid,
      source,
      history,
      resolved: false,
    });
  }

  /**
   * The position becomes known as `venueSzi` at `time`: earlier uncertain changes get their
   * directions, walking back from the known end (so a truncated list still resolves its tail).
   * Each is re-emitted as it was first emitted, with its start, end and direction filled in.
   */
  private resolve(s: number, venueSzi: number): void {
    this.meta[s * WORDS + META] = (this.meta[s * WORDS + META] as number) | KNOWN_BIT;
    const p = this.pending;
    const n = p.drain(this.meta, s * WORDS + PENDING);
    if (n === 0) return;
    const starts = new Float64Array(n);
    let pos = venueSzi;
    for (let i = n - 1; i >= 0; i--) {
      pos -= p.signedSz(i);
      starts[i] = pos;
    }
    const w = this.slotWallet[s] as number;
    const c = this.coinAt(s);
    const wallet = this.wallets.name(w);
    const coin = this.coins.name(c);
    for (let i = 0; i < n; i++) {
      const e = p.at(i);
      const before = starts[i] as number;
      this.stats.resolved++;
      this.sink.change({
        type: 'position',
        wallet,
        walletId: w,
        coin,
        coinId: c,
        slot: s,
        time: e.time,
        localTs: e.localTs,
        px: e.px,
        sz: e.sz,
        side: e.side,
        before,
        after: before + signOf(e.side) * e.sz,
        dir: deriveDirection(before, e.side, e.sz),
        closedPnl: e.closedPnl,
        entryPx: Number.NaN,
        liquidation: e.liquidation,
        taker: e.taker,
        tid: e.tid,
        source: e.source,
        history: false,
        resolved: true,
      });
    }
  }

  private reportDrift(s: number, time: number, bookSzi: number, venueSzi: number, cause: 'snapshot' | 'fill'): void {
    this.stats.drifts++;
    this.sink.drift({
      type: 'drift',
      wallet: this.wallets.name(this.slotWallet[s] as number),
      coin: this.coins.name(this.coinAt(s)),
      time,
      bookSzi,
      venueSzi,
      cause,
    });
  }

  private isKnown(s: number): boolean {
    return ((this.meta[s * WORDS + META] as number) & KNOWN_BIT) !== 0;
  }

  private coinAt(s: number): number {
    return (this.meta[s * WORDS + META] as number) >>> COIN_SHIFT;
  }

  private setSzi(s: number, v: number): void {
    const was = this.hot[s * HOT + SZI] !== 0;
    this.hot[s * HOT + SZI] = v;
    if (was !== (v !== 0)) this.open += v !== 0 ? 1 : -1;
  }

  // ---- storage ------------------------------------------------------------------------------

  /** `coins.id`, with the last coin kept: a frame's trades, and a wallet's fills, are mostly of one coin. */
  private coinId(coin: Coin): number {
    if (coin === this.lastCoin) return this.lastCoinId;
    const c = this.coins.id(coin);
    this.lastCoin = coin;
    this.lastCoinId = c;
    return c;
  }

  private walletId(wallet: Wallet): number {
    const w = this.wallets.id(wallet);
    if (w >= this.acct.length) {
      const n = w + 1;
      this.walletKnown = grow(this.walletKnown, n);
      this.acct = growNaN(this.acct, n);
      this.crossAcct = growNaN(this.crossAcct, n);
      this.crossMm = growNaN(this.crossMm, n);
      this.snapTime = growNaN(this.snapTime, n);
    }
    return w;
  }

  /** The wallet's id, found through the normalizer's number for it when the event has one. */
  private walletIdOf(wallet: Wallet, ref: WalletRef | undefined): number {
    if (ref === undefined) return this.walletId(wallet);
    if (this.own) return this.ownIdOf(wallet, ref);
    const refs = this.refIds;
    if (ref < refs.length) {
      const id = (refs[ref] as number) - 1;
      if (id >= 0 && this.wallets.names[id] === wallet) return id;
    }
    const w = this.walletId(wallet);
    // Numbers are dense; a wild one (not from a normalizer) is not worth an array.
    if (ref >= 0 && ref < MAX_REF && Number.isInteger(ref)) {
      if (ref >= refs.length) this.refIds = grow(refs, ref + 1);
      this.refIds[ref] = w + 1;
    }
    return w;
  }

  /**
   * Starts reading the row of the slot kept for `ref` in coin `c` (when one is: see `slotOfRef`),
   * nothing else: read before the dedupe table, the two sides' rows and that table's place (each
   * a cache miss) come in together rather than one after another.
   */
  private warm(ref: WalletRef | undefined, c: number): void {
    const h = this.paired;
    if (h === null || ref === undefined || !(ref >= 0 && ref < h.size)) return;
    const s = h.slot(ref, c);
    if (s >= 0) this.touched |= this.meta[s * WORDS + META] as number;
  }

  /** `walletIdOf` for the paired normalizer's numbers (see `ownIds`). */
  private ownIdOf(wallet: Wallet, ref: WalletRef): number {
    const h = this.paired;
    if (h !== null && ref >= 0 && ref < h.size) {
      const id = h.hint(ref) - 1;
      if (id >= 0) return id;
      const w = this.walletId(wallet);
      h.setHint(ref, w + 1);
      if (w >= this.pairedRef.length) this.pairedRef = grow(this.pairedRef, w + 1);
      this.pairedRef[w] = ref + 1;
      // The slots the wallet already has (from events that named it otherwise), in their order.
      for (let i = 0, n = Math.min(this.walletSlots.count(w), h.places); i < n; i++) {
        const s = this.walletSlots.at(w, i);
        h.setSlot(ref, this.coinAt(s), s);
      }
      return w;
    }
    const ids = this.ownIds;
    if (ref < ids.length) {
      const id = (ids[ref] as number) - 1;
      if (id >= 0) return id;
    }
    const w = this.walletId(wallet);
    if (ref >= 0 && ref < MAX_REF && Number.isInteger(ref)) {
      if (ref >= ids.length) this.ownIds = grow(ids, ref + 1);
      this.ownIds[ref] = w + 1;
    }
    return w;
  }

  /**
   * `slot(w, c)` for wallet id `w` found through the paired normalizer's number `ref`: kept beside
   * the number in its table (`RefHints.slot`), whose row the lookup of the address has just read,
   * where `slotOf` and `walletSlots` are rows of their own, a cache miss each per trade side
   * (bench/shapes.bench.ts). Only the paired numbers: they name one wallet (hence one `w`) for
   * the book's whole life, and a wallet's slot in a coin never changes, so a kept slot is the
   * slot. The table keeps a wallet's first `places` slots in the order they were made (`ownIdOf`
   * and `newSlot` see to it), so fewer kept than that and none in `c` means the wallet has just
   * those: the new slot is filed without reading the other rows.
   */
  private slotOfRef(w: number, c: number, ref: WalletRef | undefined): number {
    const h = this.paired;
    if (!this.own || h === null || ref === undefined || !(ref >= 0 && ref < h.size)) return this.slot(w, c);
    const kept = h.slot(ref, c);
    if (kept >= 0) return kept;
    const n = -1 - kept;
    return n < h.places ? this.newSlot(w, c, n) : this.slot(w, c);
  }

  private slot(w: number, c: number): number {
    const s = this.slotOf.get(w, c);
    return s >= 0 ? s : this.newSlot(w, c, -1);
  }

  /**
   * Files a new slot for wallet `w` in coin `c`; `n` is how many slots the wallet has when the
   * caller knows it, else -1.
   */
  private newSlot(w: number, c: number, n: number): number {
    if (c >= MAX_ROW_COINS) throw new RangeError(`PositionBook: coin id ${c}, more than ${MAX_ROW_COINS} coins`);
    const s = this.nSlots++;
    if (s >= this.slotWallet.length) this.growSlots(s + 1);
    if (n >= 0) this.slotOf.setAt(w, n, c, s);
    else this.slotOf.set(w, c, s);
    this.slotWallet[s] = w;
    this.hot[s * HOT + SZI] = 0;
    this.hot[s * HOT + ENTRY] = Number.NaN;
    this.meta[s * WORDS + PENDING] = 0;
    this.meta[s * WORDS + META] = (c << COIN_SHIFT) | (this.walletKnown[w] === 1 ? KNOWN_BIT : 0);
    if (n >= 0) this.walletSlots.addAt(w, n, s);
    else this.walletSlots.add(w, s);
    const ref = w < this.pairedRef.length ? (this.pairedRef[w] as number) - 1 : -1;
    if (ref >= 0) (this.paired as RefHints).setSlot(ref, c, s);
    return s;
  }

  private growSlots(n: number): void {
    this.hot = grow(this.hot, n * HOT);
    this.meta = new Int32Array(this.hot.buffer);
    this.slotWallet = grow(this.slotWallet, n);
  }

  /** Makes the cold columns reach slot `s` (see `mode`). */
  private cold(s: number): void {
    if (s < this.lev.length) return;
    const n = s + 1;
    this.mode = grow(this.mode, n);
    this.lev = growNaN(this.lev, n);
    this.rawUsd = growNaN(this.rawUsd, n);
    this.venueLiq = growNaN(this.venueLiq, n);
    this.lastStart = grow(this.lastStart, n);
    this.lastTime = grow(this.lastTime, n);
    this.lastSigned = grow(this.lastSigned, n);
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Slot of a wallet × coin position, or -1 when the book has never seen it. */
  slotId(walletId: number, coinId: number): number {
    return this.slotOf.get(walletId, coinId);
  }

  /** How many slots the wallet has (open or flat); `walletSlot(w, i)` for i below it. */
  slotCountOf(walletId: number): number {
    return this.walletSlots.count(walletId);
  }

  walletSlot(walletId: number, i: number): number {
    return this.walletSlots.at(walletId, i);
  }

  get slotCount(): number {
    return this.nSlots;
  }

  sziAt(s: number): number {
    return this.hot[s * HOT + SZI] as number;
  }

  entryAt(s: number): number {
    return this.hot[s * HOT + ENTRY] as number;
  }

  knownAt(s: number): boolean {
    return this.isKnown(s);
  }

  walletOf(s: number): number {
    return this.slotWallet[s] as number;
  }

  coinOf(s: number): number {
    return this.coinAt(s);
  }

  /** Leverage the venue last reported for the position (NaN: never reported). */
  leverageAt(s: number): number {
    return s < this.lev.length ? (this.lev[s] as number) : Number.NaN;
  }

  position(wallet: Wallet, coin: Coin): PositionView | null {
    const w = this.wallets.peek(wallet);
    const c = this.coins.peek(coin);
    if (w === undefined || c === undefined) return null;
    const s = this.slotOf.get(w, c);
    return s < 0 ? null : this.view(s);
  }

  account(wallet: Wallet): AccountView | null {
    const w = this.wallets.peek(wallet);
    return w === undefined ? null : this.accountById(w);
  }

  /** The wallet's account value at its last snapshot (NaN: none seen). */
  accountValueAt(w: number): number {
    return w < this.acct.length ? (this.acct[w] as number) : Number.NaN;
  }

  accountById(w: number): AccountView {
    return {
      wallet: this.wallets.name(w),
      accountValue: nanToNull(this.acct[w] as number),
      crossAccountValue: nanToNull(this.crossAcct[w] as number),
      crossMaintenanceMarginUsed: nanToNull(this.crossMm[w] as number),
      snapshotTime: nanToNull(this.snapTime[w] as number),
    };
  }

  /** Open positions of one wallet (or of all wallets when omitted). */
  positions(wallet?: Wallet): PositionView[] {
    const out: PositionView[] = [];
    if (wallet !== undefined) {
      const w = this.wallets.peek(wallet);
      for (const s of w === undefined ? [] : this.walletSlots.list(w)) if (this.hot[s * HOT + SZI] !== 0) out.push(this.view(s));
      return out;
    }
    for (let s = 0; s < this.nSlots; s++) if (this.hot[s * HOT + SZI] !== 0) out.push(this.view(s));
    return out;
  }

  private view(s: number): PositionView {
    this.cold(s);
    const m = this.mode[s];
    return {
      slot: s,
      wallet: this.wallets.name(this.slotWallet[s] as number),
      coin: this.coins.name(this.coinAt(s)),
      szi: this.hot[s * HOT + SZI] as number,
      entryPx: this.hot[s * HOT + ENTRY] as number,
      known: this.isKnown(s),
      marginMode: m === 1 ? 'cross' : m === 2 ? 'isolated' : null,
      leverage: nanToNull(this.lev[s] as number),
      rawUsd: nanToNull(this.rawUsd[s] as number),
      venueLiqPx: nanToNull(this.venueLiq[s] as number),
      updatedAt: this.hot[s * HOT + UPDATED] as number,
    };
  }
}

function nextEntry(before: number, after: number, entry: number, px: number, sz: number): number {
  if (after === 0) return Number.NaN;
  if (before === 0 || Math.sign(before) !== Math.sign(after)) return px;
  if (Math.abs(after) > Math.abs(before)) return (entry * Math.abs(before) + px * sz) / Math.abs(after);
  return entry;
}

function nanToNull(v: number): number | null {
  return v === v ? v : null;
}

function growNaN(a: Float64Array, need: number): Float64Array {
  const old = a.length;
  const b = grow(a, need);
  if (b.length > old) b.fill(Number.NaN, old);
  return b;
}
