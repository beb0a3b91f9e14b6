import type { MetaEvent, PositionSnapshotEvent } from '../../domain/market-event.ts';
import { grow } from '../common/growable.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';
import { type LiqRule, liquidationPx, ruleAt } from './liquidation-price.ts';
import { MarginTables } from './margin-tables.ts';
import { crossMaintenance, snapshotMark } from './snapshot-liquidations.ts';

/**
 * One position's liquidation point, as the heatmap files it: `liqPx` is NaN when the position is
 * flat or no price liquidates it; `estimated` when it comes from an assumed leverage rather than
 * the account (no snapshot yet, or margin mode unknown). Positional, not an object: it runs once
 * per position change.
 */
export type LiqListener = (slot: number, liqPx: number, estimated: boolean) => void;

const MODE_UNKNOWN = 0;
const MODE_CROSS = 1;
const MODE_ISOLATED = 2;

/** Leverage assumed for positions whose account the engine has not seen (CoinGlass-style estimate). */
export const ASSUMED_LEVERAGE = 10;

/**
 * Liquidation price of every open position, kept current as fills and snapshots arrive. A cross
 * account is carried as its cash K (account value less unrealised PnL at the snapshot's marks), so
 * after a fill the account value is K + Σ szi·(mark − entry) with each position held at its last
 * known price: DOMAIN.md's rule, which "holds the other positions' prices fixed". Only the wallet
 * that changed is recomputed.
 */
export class LiquidationBook {
  readonly tables = new MarginTables();
  private readonly book: PositionBook;
  private readonly listener: LiqListener;
  private refMark: Float64Array = new Float64Array(1024);
  private isoMargin: Float64Array = new Float64Array(1024);
  private mode: Uint8Array = new Uint8Array(1024);
  private posMaxLev: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private cash: Float64Array = new Float64Array(1024);
  private venueMm: Float64Array = new Float64Array(1024).fill(Number.NaN);
  private snapped: Uint8Array = new Uint8Array(1024);
  private ruleTime = 0;

  constructor(book: PositionBook, listener: LiqListener) {
    this.book = book;
    this.listener = listener;
  }

  meta(e: MetaEvent): void {
    this.tables.apply(e);
  }

  /** An account snapshot the book has applied; `slots[i]` is the slot of `e.positions[i]`. */
  snapshot(w: number, e: PositionSnapshotEvent, slots: readonly number[]): void {
    const book = this.book;
    this.ensureWallet(w);
    let unrealised = 0;
    for (const s of book.slotsOfWallet(w)) {
      this.ensureSlot(s);
      this.mode[s] = MODE_UNKNOWN; // a coin the snapshot does not list is flat; listed ones are set below
      this.isoMargin[s] = 0;
    }
    for (let i = 0; i < e.positions.length; i++) {
      const p = e.positions[i] as PositionSnapshotEvent['positions'][number];
      const s = slots[i] as number;
      const mark = snapshotMark(p);
      this.refMark[s] = mark;
      this.posMaxLev[s] = p.maxLeverage ?? Number.NaN;
      if (p.marginMode === 'isolated') {
        this.mode[s] = MODE_ISOLATED;
        // The position's own account is rawUsd + szi·mark; less its unrealised PnL, the margin.
        this.isoMargin[s] = (p.rawUsd ?? 0) + p.szi * p.entryPx;
      } else {
        this.mode[s] = MODE_CROSS;
        unrealised += p.szi * (mark - p.entryPx);
      }
    }
    this.cash[w] = e.crossAccountValue - unrealised;
    this.venueMm[w] = crossMaintenance(e, this.tables);
    this.snapped[w] = 1;
    this.ruleTime = e.time;
    this.recompute(w);
  }

  change(c: PositionChange): void {
    if (c.resolved) return; // the book's state already includes it
    const s = c.slot;
    const w = c.walletId;
    this.ensureWallet(w);
    this.ensureSlot(s);
    this.ruleTime = c.time;
    const before = c.before;
    const after = this.book.sziAt(s);
    this.refMark[s] = c.px;
    if (this.mode[s] === MODE_ISOLATED) {
      const lev = this.book.leverageAt(s);
      const m = this.isoMargin[s] as number;
      if (after === 0) this.isoMargin[s] = 0;
      else if (before === before && Math.sign(before) === Math.sign(after) && Math.abs(after) < Math.abs(before)) {
        this.isoMargin[s] = m * (Math.abs(after) / Math.abs(before));
      } else if (before === before && Math.sign(before) === Math.sign(after)) {
        this.isoMargin[s] = m + (c.sz * c.px) / (lev > 0 ? lev : ASSUMED_LEVERAGE);
      } else this.isoMargin[s] = (Math.abs(after) * c.px) / (lev > 0 ? lev : ASSUMED_LEVERAGE);
    } else if (this.snapped[w] === 1) {
      this.cash[w] = (this.cash[w] as number) + c.closedPnl;
    }
    // The venue's maintenance figure described the account as it was; from here it is computed.
    this.venueMm[w] = Number.NaN;
    if (this.mode[s] === MODE_ISOLATED) this.emitSlot(s, this.isolatedLiq(s));
    else this.recompute(w);
  }

  /** Every account recomputed from the state kept here: a full rebuild of every liquidation price. */
  recomputeAll(): void {
    for (let w = 0; w < this.cash.length && w < this.book.wallets.size; w++) this.recompute(w);
  }

  private recompute(w: number): void {
    const book = this.book;
    const slots = book.slotsOfWallet(w);
    if (this.snapped[w] !== 1) {
      for (const s of slots) this.emitSlot(s, this.estimatedLiq(s), true);
      return;
    }
    let av = this.cash[w] as number;
    let mm = 0;
    for (const s of slots) {
      if (this.mode[s] === MODE_ISOLATED) continue;
      const szi = book.sziAt(s);
      if (szi === 0) continue;
      const mark = this.markOf(s);
      av += szi * (mark - book.entryAt(s));
      mm += Math.abs(szi) * mark * this.maintenanceOf(s, Math.abs(szi) * mark);
    }
    const venueMm = this.venueMm[w] as number;
    const available = av - (venueMm === venueMm ? venueMm : mm);
    const rule = this.rule();
    for (const s of slots) {
      if (this.mode[s] === MODE_ISOLATED) {
        this.emitSlot(s, this.isolatedLiq(s));
        continue;
      }
      const szi = book.sziAt(s);
      const mark = this.markOf(s);
      const l = this.maintenanceOf(s, Math.abs(szi) * mark);
      const liq = szi === 0 ? null : liquidationPx(mark, szi, available, l, rule);
      this.emitSlot(s, liq, this.mode[s] === MODE_UNKNOWN || !book.knownAt(s));
    }
  }

  private isolatedLiq(s: number): number | null {
    const szi = this.book.sziAt(s);
    if (szi === 0) return null;
    const mark = this.markOf(s);
    const l = this.maintenanceOf(s, Math.abs(szi) * mark);
    const account = (this.isoMargin[s] as number) + szi * (mark - this.book.entryAt(s));
    return liquidationPx(mark, szi, account - Math.abs(szi) * mark * l, l, this.rule());
  }

  /** No account seen: an isolated-style estimate at the assumed leverage. */
  private estimatedLiq(s: number): number | null {
    const szi = this.book.sziAt(s);
    if (szi === 0) return null;
    const entry = this.book.entryAt(s);
    const mark = this.markOf(s);
    const ntl = Math.abs(szi) * (entry === entry ? entry : mark);
    const coin = this.book.coins.name(this.book.coinOf(s));
    const lev = Math.min(ASSUMED_LEVERAGE, this.tables.maxLeverage(coin) ?? ASSUMED_LEVERAGE);
    const l = this.maintenanceOf(s, ntl);
    const account = ntl / lev + szi * (mark - (entry === entry ? entry : mark));
    return liquidationPx(mark, szi, account - Math.abs(szi) * mark * l, l, this.rule());
  }

  private emitSlot(s: number, liq: number | null, estimated = false): void {
    this.listener(s, liq ?? Number.NaN, estimated);
  }

  private markOf(s: number): number {
    const m = this.refMark[s] as number;
    if (m > 0) return m;
    const e = this.book.entryAt(s);
    return e === e ? e : 0;
  }

  private maintenanceOf(s: number, notional: number): number {
    const coin = this.book.coins.name(this.book.coinOf(s));
    const lev = this.posMaxLev[s] as number;
    return this.tables.maintenanceFraction(coin, notional, lev === lev ? lev : null);
  }

  private rule(): LiqRule {
    return ruleAt(this.ruleTime);
  }

  private ensureWallet(w: number): void {
    if (w < this.cash.length) return;
    const n = w + 1;
    this.cash = grow(this.cash, n);
    const old = this.venueMm.length;
    this.venueMm = grow(this.venueMm, n);
    this.venueMm.fill(Number.NaN, old);
    this.snapped = grow(this.snapped, n);
  }

  private ensureSlot(s: number): void {
    if (s < this.refMark.length) return;
    const n = s + 1;
    this.refMark = grow(this.refMark, n);
    this.isoMargin = grow(this.isoMargin, n);
    this.mode = grow(this.mode, n);
    const old = this.posMaxLev.length;
    this.posMaxLev = grow(this.posMaxLev, n);
    this.posMaxLev.fill(Number.NaN, old);
  }
}
