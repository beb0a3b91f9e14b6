import type { MetaEvent, PositionSnapshotEvent } from '../../domain/market-event.ts';
import { MakerTally } from '../common/maker-tally.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';
import { AccountTable } from './account-table.ts';
import { EstimateGrader } from './estimate-grader.ts';
import { type LiqRule, liquidationPx, ruleAt } from './liquidation-price.ts';
import { MarginTables } from './margin-tables.ts';
import { MODE_CROSS, MODE_ISOLATED, MODE_PRESUMED_ISOLATED, MODE_UNKNOWN, ownMargin, type SlotTable } from './slot-table.ts';
import { crossMaintenance, snapshotMark } from './snapshot-liquidations.ts';

/**
 * One position's liquidation point, as the heatmap files it: `liqPx` is NaN when the position is
 * flat or no price liquidates it; `estimated` when it comes from an assumed leverage rather than
 * the account (no snapshot yet, or margin mode unknown). Positional, not an object: it runs once
 * per position change.
 */
export type LiqListener = (slot: number, liqPx: number, estimated: boolean) => void;

/** Leverage assumed for positions whose account the engine has not seen (CoinGlass-style estimate). */
export const ASSUMED_LEVERAGE = 10;

/**
 * Liquidation price of every open position, kept current as fills and snapshots arrive. A cross
 * account is carried as its cash K (account value less unrealised PnL at the snapshot's marks), so
 * after a fill the account value is K + Σ szi·(mark − entry) with each position held at its last
 * known price: the rule of docs/margin.md, which holds the other positions' prices fixed. Only the wallet
 * that changed is recomputed.
 */
export class LiquidationBook {
  readonly tables = new MarginTables();
  /** Estimates graded against the exact prices snapshots reveal. */
  readonly estimates = new EstimateGrader();
  private readonly book: PositionBook;
  private readonly listener: LiqListener;
  private readonly slots: SlotTable;
  private readonly accounts = new AccountTable();
  /**
   * Who is a market maker, shown by its share of fills on the passive side (the whale policy's
   * rule, without presuming it of a wallet that has shown nothing yet: common/maker-tally.ts). A
   * market maker's inventory says nothing of its leverage, and it is the largest on the book: at
   * an assumed leverage (or its margin mode guessed) it made the map's largest zones out of a
   * guess. A market maker's position its account has not shown is not filed at all.
   */
  private readonly makers = new MakerTally();
  private ruleTime = 0;

  constructor(book: PositionBook, slots: SlotTable, listener: LiqListener) {
    this.book = book;
    this.slots = slots;
    this.listener = listener;
  }

  /** Whether the wallet trades as a market maker (see `makers`): its estimated positions are not priced. */
  isMarketMaker(walletId: number): boolean {
    return this.makers.isMarketMaker(walletId);
  }

  meta(e: MetaEvent): void {
    this.tables.apply(e);
  }

  /** An account snapshot the book has applied; `slots[i]` is the slot of `e.positions[i]`. */
  snapshot(w: number, e: PositionSnapshotEvent, slots: readonly number[]): void {
    const book = this.book;
    const t = this.slots;
    this.accounts.ensure(w);
    // A market maker's estimated positions were not priced: nothing to grade.
    const estimated = this.makers.isMarketMaker(w) ? null : this.estimatedBefore(slots);
    let unrealised = 0;
    for (let i = 0, n = book.slotCountOf(w); i < n; i++) {
      const s = book.walletSlot(w, i);
      t.ensure(s);
      t.setMode(s, MODE_UNKNOWN); // a coin the snapshot does not list is flat; listed ones are set below
      t.setIsoMargin(s, 0);
    }
    for (let i = 0; i < e.positions.length; i++) {
      const p = e.positions[i] as PositionSnapshotEvent['positions'][number];
      const s = slots[i] as number;
      const mark = snapshotMark(p);
      t.setRefMark(s, mark);
      t.setPosMaxLev(s, p.maxLeverage ?? Number.NaN);
      if (p.marginMode === 'isolated') {
        t.setMode(s, MODE_ISOLATED);
        // The position's own account is rawUsd + szi·mark; less its unrealised PnL, the margin.
        t.setIsoMargin(s, (p.rawUsd ?? 0) + p.szi * p.entryPx);
      } else {
        t.setMode(s, MODE_CROSS);
        unrealised += p.szi * (mark - p.entryPx);
      }
    }
    this.accounts.snapped(w, e.crossAccountValue - unrealised, crossMaintenance(e, this.tables));
    const habit = marginHabit(e);
    if (habit !== null) this.accounts.setHabit(w, habit.isolated, habit.leverage);
    this.ruleTime = e.time;
    this.recompute(w);
    if (estimated !== null) this.grade(slots, estimated);
  }

  /**
   * What the snapshot's positions were filed at where that was an estimate: the price, or 0 for an
   * estimate of no price; NaN where the position was priced exactly already (null: none was estimated).
   */
  private estimatedBefore(listed: readonly number[]): number[] | null {
    let out: number[] | null = null;
    for (let i = 0; i < listed.length; i++) {
      const s = listed[i] as number;
      if (!(s < this.slots.capacity && this.slots.estimated(s))) continue;
      out ??= new Array<number>(listed.length).fill(Number.NaN);
      const px = this.slots.liqPx(s);
      out[i] = px === px ? px : 0;
    }
    return out;
  }

  private grade(listed: readonly number[], estimated: readonly number[]): void {
    for (let i = 0; i < listed.length; i++) {
      const s = listed[i] as number;
      const est = estimated[i] as number;
      if (est === est && !this.slots.estimated(s)) this.estimates.add(est, this.slots.liqPx(s));
    }
  }

  change(c: PositionChange): void {
    // Every fill counts towards the taker share; a wallet found to be (or no longer to be) a market
    // maker has its estimated positions unfiled (or filed) at once.
    const wasMaker = this.makers.isMarketMaker(c.walletId);
    this.makers.observe(c);
    if (c.resolved) return; // the book's state already includes it
    const s = c.slot;
    const w = c.walletId;
    const t = this.slots;
    const accounts = this.accounts;
    accounts.ensure(w);
    t.ensure(s);
    this.ruleTime = c.time;
    t.setRefMark(s, c.px);
    // A position the account opens after its snapshot, before the venue says how: margined the
    // way the account's other positions were (an estimate until the next snapshot).
    if (t.mode(s) === MODE_UNKNOWN && accounts.isSnapped(w) && accounts.habitIsolated(w)) {
      t.setMode(s, MODE_PRESUMED_ISOLATED);
      t.setIsoMargin(s, 0);
    }
    const mode = t.mode(s);
    const isolated = ownMargin(mode);
    if (isolated) t.setIsoMargin(s, this.isolatedMarginAfter(c, accounts.habitLeverage(w)));
    // A close whose entry the book never knew has no PnL figure (NaN): the cash goes without it
    // until the next snapshot rather than poisoning every price of the account.
    else if (accounts.isSnapped(w) && c.closedPnl === c.closedPnl) accounts.addCash(w, c.closedPnl);
    // The venue's maintenance figure described the account as it was; from here it is computed.
    accounts.dropVenueMm(w);
    if (wasMaker !== this.makers.isMarketMaker(w)) this.recompute(w);
    else if (isolated) this.emitSlot(s, this.isolatedLiq(s), mode === MODE_PRESUMED_ISOLATED);
    else this.recompute(w);
  }

  /**
   * An isolated position's margin after a fill: scaled down on a reduce, topped up at its leverage
   * on an add (the venue's last figure for it, else the account's usual one, else the assumed).
   */
  private isolatedMarginAfter(c: PositionChange, habitLeverage: number): number {
    const before = c.before;
    const after = this.book.sziAt(c.slot);
    const known = this.book.leverageAt(c.slot);
    const lev = known > 0 ? known : habitLeverage;
    const m = this.slots.isoMargin(c.slot);
    const sameSide = before === before && Math.sign(before) === Math.sign(after);
    if (after === 0) return 0;
    if (sameSide && Math.abs(after) < Math.abs(before)) return m * (Math.abs(after) / Math.abs(before));
    if (sameSide) return m + (c.sz * c.px) / (lev > 0 ? lev : ASSUMED_LEVERAGE);
    return (Math.abs(after) * c.px) / (lev > 0 ? lev : ASSUMED_LEVERAGE);
  }

  /** Every account recomputed from the state kept here: a full rebuild of every liquidation price. */
  recomputeAll(): void {
    const n = this.book.wallets.size;
    if (n > 0) this.accounts.ensure(n - 1);
    for (let w = 0; w < n; w++) this.recompute(w);
  }

  private recompute(w: number): void {
    const book = this.book;
    const t = this.slots;
    const n = book.slotCountOf(w);
    if (!this.accounts.isSnapped(w)) {
      const maker = this.makers.isMarketMaker(w);
      for (let i = 0; i < n; i++) {
        const s = book.walletSlot(w, i);
        t.ensure(s);
        this.emitSlot(s, maker ? null : this.estimatedLiq(s), true); // a maker's is not even computed
      }
      return;
    }
    let av = this.accounts.cash(w);
    let mm = 0;
    for (let i = 0; i < n; i++) {
      const s = book.walletSlot(w, i);
      t.ensure(s);
      if (ownMargin(t.mode(s))) continue;
      const szi = book.sziAt(s);
      if (szi === 0) continue;
      const mark = this.markOf(s);
      av += szi * (mark - book.entryAt(s));
      mm += Math.abs(szi) * mark * this.maintenanceOf(s, Math.abs(szi) * mark);
    }
    const venueMm = this.accounts.venueMm(w);
    const available = av - (venueMm === venueMm ? venueMm : mm);
    const rule = this.rule();
    for (let i = 0; i < n; i++) {
      const s = book.walletSlot(w, i);
      const mode = t.mode(s);
      if (ownMargin(mode)) {
        this.emitSlot(s, this.isolatedLiq(s), mode === MODE_PRESUMED_ISOLATED);
        continue;
      }
      const szi = book.sziAt(s);
      const mark = this.markOf(s);
      const l = this.maintenanceOf(s, Math.abs(szi) * mark);
      const liq = szi === 0 ? null : liquidationPx(mark, szi, available, l, rule);
      this.emitSlot(s, liq, mode === MODE_UNKNOWN || !book.knownAt(s));
    }
  }

  private isolatedLiq(s: number): number | null {
    const szi = this.book.sziAt(s);
    if (szi === 0) return null;
    const mark = this.markOf(s);
    const l = this.maintenanceOf(s, Math.abs(szi) * mark);
    const account = this.slots.isoMargin(s) + szi * (mark - this.book.entryAt(s));
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
    const unfiled = estimated && this.makers.isMarketMaker(this.book.walletOf(s));
    this.listener(s, unfiled ? Number.NaN : (liq ?? Number.NaN), estimated);
  }

  private markOf(s: number): number {
    const m = this.slots.refMark(s);
    if (m > 0) return m;
    const e = this.book.entryAt(s);
    return e === e ? e : 0;
  }

  private maintenanceOf(s: number, notional: number): number {
    const coin = this.book.coins.name(this.book.coinOf(s));
    const lev = this.slots.posMaxLev(s);
    return this.tables.maintenanceFraction(coin, notional, lev === lev ? lev : null);
  }

  private rule(): LiqRule {
    return ruleAt(this.ruleTime);
  }
}

/** How an account holds its positions: mostly isolated by notional or not, at its notional-weighted leverage (null: it holds none). */
function marginHabit(e: PositionSnapshotEvent): { isolated: boolean; leverage: number } | null {
  let notional = 0;
  let isolated = 0;
  let weighted = 0;
  for (const p of e.positions) {
    const ntl = Math.abs(p.szi) * snapshotMark(p);
    notional += ntl;
    weighted += ntl * p.leverage;
    if (p.marginMode === 'isolated') isolated += ntl;
  }
  return notional > 0 ? { isolated: isolated > notional / 2, leverage: weighted / notional } : null;
}
