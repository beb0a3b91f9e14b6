import type { MetaEvent, PositionSnapshotEvent } from '../../domain/market-event.ts';
import { MakerTally } from '../common/maker-tally.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';
import { AccountTable } from './account-table.ts';
import { EstimateGrader } from './estimate-grader.ts';
import { impliedLeverage, LeverageModel, PRIOR_LEVERAGE } from './leverage-model.ts';
import { type LiqRule, liquidationPx, ruleAt } from './liquidation-price.ts';
import { DEFAULT_MAX_LEVERAGE, MarginTables } from './margin-tables.ts';
import { MODE_CROSS, MODE_ISOLATED, MODE_PRESUMED_ISOLATED, MODE_UNKNOWN, ownMargin, type SlotTable } from './slot-table.ts';
import { crossMaintenance, snapshotMark } from './snapshot-liquidations.ts';
import { priceAtLeverage, SurvivalTracker } from './survival.ts';

/**
 * One position's liquidation point, as the heatmap files it: `liqPx` is NaN when the position is
 * flat or no price liquidates it; `estimated` when it comes from an assumed leverage rather than
 * the account (no snapshot yet, or margin mode unknown). An estimate from the learned leverage
 * distribution is spread: a third of the notional at `liqPx` (the median leverage's price), a third
 * at each of `spreadLo` and `spreadHi` (NaN: not spread). Positional, not an object: it runs once
 * per position change.
 */
export type LiqListener = (slot: number, liqPx: number, estimated: boolean, spreadLo: number, spreadHi: number) => void;

/** Liquidation fills of one wallet this close together are one liquidation of its account. */
const SAME_LIQUIDATION_MS = 60_000;

/** Leverage assumed for positions whose account the engine has not seen, before any evidence (leverage-model.ts). */
export const ASSUMED_LEVERAGE = PRIOR_LEVERAGE;

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
  /** The leverage of unseen positions, learned walking forward from liquidations and snapshots. */
  readonly leverage = new LeverageModel();
  /**
   * At each liquidation fill of an estimated position, its estimated liquidation price against the
   * fill's: from the learned leverage (fitted only on what came before) and from the 10× prior.
   */
  readonly liquidationEstimates = {
    model: new EstimateGrader(),
    prior: new EstimateGrader(),
    /** The learned leverage without what survival reveals (the position's own fills only): the estimate before survival. */
    deathsOnly: new EstimateGrader(),
    /** As `model`, with the deaths weighed by who survived (Kaplan–Meier): measured, not what the map files. */
    kaplanMeier: new EstimateGrader(),
  };
  /** The leverage model with survivals as censored evidence, fed the same stream, graded only (`liquidationEstimates.kaplanMeier`). */
  private readonly weighed = new LeverageModel({ survivals: true });
  /** The worst price each estimated position has lived through, and the re-filing when the price passes its estimate. */
  readonly survival = new SurvivalTracker();
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
  /**
   * The leverage a wallet's own last liquidation implied, and when: its later unseen positions are
   * filed at it. Not the other positions of the same liquidation: a cross account dying at once
   * shows one margin for all of them, each at its own distance.
   */
  private readonly revealed = new Map<number, { lev: number; time: number }>();

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
    this.learnFromSnapshot(e, slots);
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
    this.price(c.coinId, c.px, c.time);
    if (c.liquidation) this.learnFromLiquidation(c);
    else this.learnFromSurvival(c);
    this.survival.position(c.slot, c.before, c.after, c.time);
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

  /**
   * A price of the coin (a mark or a fill): estimated positions it passed (their estimate's most
   * levered price, without their being liquidated) are re-filed at the leverages still possible.
   */
  price(coinId: number, px: number, time: number): void {
    const passed = this.survival.price(coinId, px, time);
    if (passed === null) return;
    for (const s of passed) {
      const w = this.book.walletOf(s);
      this.accounts.ensure(w);
      if (!this.accounts.isSnapped(w) && !this.makers.isMarketMaker(w) && this.book.sziAt(s) !== 0) this.emitEstimated(s);
    }
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
        if (maker)
          this.emitSlot(s, null, true); // a maker's is not even computed
        else this.emitEstimated(s);
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

  /**
   * No account seen: isolated-style estimates at the learned leverage distribution's low, median
   * and high quantiles (all three the prior's 10× until there is evidence: then one price).
   */
  private emitEstimated(s: number): void {
    const szi = this.book.sziAt(s);
    if (szi === 0) {
      this.emitSlot(s, null, true);
      return;
    }
    const entry = this.book.entryAt(s);
    const mark = this.markOf(s);
    const e = entry === entry ? entry : mark;
    const ntl = Math.abs(szi) * e;
    const coinId = this.book.coinOf(s);
    const cap = this.tables.maxLeverage(this.book.coins.name(coinId)) ?? DEFAULT_MAX_LEVERAGE;
    const l = this.maintenanceOf(s, ntl);
    // It is open at `mark` and lived through the worst price since it opened: a leverage that
    // would have liquidated it there is ruled out.
    const alive = this.aliveBelow(s, coinId, szi > 0, e, mark, l, this.survival.now(coinId));
    const q = this.leverage.quantiles(coinId, ntl, alive);
    const rule = this.rule();
    const midLev = Math.min(this.revealed.get(this.book.walletOf(s))?.lev ?? q.mid, alive);
    const mid = estimatedLiqPx(e, szi, mark, Math.min(midLev, cap), l, rule);
    // Re-filed when the price reaches its most levered estimate (a maker's is not filed).
    if (!this.makers.isMarketMaker(this.book.walletOf(s))) {
      this.survival.watch(coinId, s, szi > 0, priceAtLeverage(e, szi > 0, Math.min(cap, Math.max(q.hi, midLev)), l));
    }
    if (q.lo === q.hi) {
      this.emitSlot(s, mid, true);
      return;
    }
    const lo = estimatedLiqPx(e, szi, mark, Math.min(q.lo, cap), l, rule);
    const hi = estimatedLiqPx(e, szi, mark, Math.min(q.hi, cap), l, rule);
    // A quantile with no price (a long margined past zero) files its third at none: spread over the others.
    this.emitSlot(s, mid, true, lo ?? Number.NaN, hi ?? Number.NaN);
  }

  /**
   * A liquidation fill: grade what an unseen position was estimated at against the price it died
   * at (model and prior, before learning from it), then learn the leverage that price implies.
   */
  private learnFromLiquidation(c: PositionChange): void {
    const before = c.before;
    if (!(before === before) || before === 0) return;
    const long = before > 0;
    // The venue's closed PnL gives the entry the position died with: (px − entry)·sz·side.
    const entry = c.closedPnl === c.closedPnl && c.sz > 0 ? c.px - c.closedPnl / (c.sz * (long ? 1 : -1)) : c.entryPx;
    if (!(entry > 0)) return;
    const s = c.slot;
    this.slots.ensure(s);
    const coinId = c.coinId;
    const ntl = Math.abs(before) * entry;
    const l = this.maintenanceOf(s, ntl);
    const cap = this.tables.maxLeverage(c.coin) ?? DEFAULT_MAX_LEVERAGE;
    if (!this.accounts.isSnapped(c.walletId) || this.slots.estimated(s)) {
      const mark = this.markOf(s);
      const rule = ruleAt(c.time);
      const prior = estimatedLiqPx(entry, before, mark, Math.min(ASSUMED_LEVERAGE, cap), l, rule);
      const own = this.revealed.get(c.walletId);
      const alive = this.aliveBelow(s, coinId, long, entry, mark, l, c.time);
      const lev = Math.min(
        alive,
        own !== undefined && own.time < c.time - SAME_LIQUIDATION_MS ? own.lev : this.leverage.quantiles(coinId, ntl, alive).mid,
      );
      const model = estimatedLiqPx(entry, before, mark, Math.min(lev, cap), l, rule);
      const ownLev = own !== undefined && own.time < c.time - SAME_LIQUIDATION_MS ? own.lev : Number.NaN;
      const markOnly = impliedLeverage(entry, mark, long, l, Number.POSITIVE_INFINITY);
      const deathsLev = ownLev === ownLev ? ownLev : this.leverage.quantiles(coinId, ntl, markOnly).mid;
      const weighedLev = Math.min(alive, ownLev === ownLev ? ownLev : this.weighed.quantiles(coinId, ntl, alive).mid);
      const at = this.liquidationEstimates;
      at.prior.add(prior ?? Number.NaN, c.px);
      at.model.add(model ?? Number.NaN, c.px);
      at.deathsOnly.add(estimatedLiqPx(entry, before, mark, Math.min(deathsLev, cap), l, rule) ?? Number.NaN, c.px);
      at.kaplanMeier.add(estimatedLiqPx(entry, before, mark, Math.min(weighedLev, cap), l, rule) ?? Number.NaN, c.px);
    }
    const implied = impliedLeverage(entry, c.px, long, l, cap);
    this.leverage.observe(coinId, ntl, implied);
    this.weighed.observe(coinId, ntl, implied);
    this.weighed.publish(c.time);
    this.revealed.set(c.walletId, { lev: implied, time: c.time });
    if (this.leverage.publish(c.time)) this.refileEstimated();
  }

  /**
   * A position closed (or flipped) without a liquidation: it lived through the worst price since it
   * opened and its own closing price, so its leverage was under the one that price implies (a
   * censored observation for the Kaplan–Meier model, which is graded beside the filed one). Only
   * positions of the kind estimated: no account seen, not a market maker's.
   */
  private learnFromSurvival(c: PositionChange): void {
    const before = c.before;
    if (!(before === before) || before === 0 || (c.after !== 0 && Math.sign(c.after) === Math.sign(before))) return;
    if (this.makers.isMarketMaker(c.walletId)) return;
    this.accounts.ensure(c.walletId);
    if (this.accounts.isSnapped(c.walletId)) return;
    const long = before > 0;
    const closed = Math.min(Math.abs(before), c.sz);
    const entry = c.closedPnl === c.closedPnl && closed > 0 ? c.px - c.closedPnl / (closed * (long ? 1 : -1)) : Number.NaN;
    if (!(entry > 0)) return;
    const ntl = Math.abs(before) * entry;
    const l = this.maintenanceOf(c.slot, ntl);
    const below = this.aliveBelow(c.slot, c.coinId, long, entry, c.px, l, c.time);
    this.weighed.survived(c.coinId, ntl, below);
    this.weighed.publish(c.time);
  }

  /**
   * The leverage the position is known to be under: it is open at `mark` (its last own fill) and
   * lived through the coin's worst price since it opened, before `time`.
   */
  private aliveBelow(s: number, coinId: number, long: boolean, entry: number, mark: number, l: number, time: number): number {
    const worst = this.survival.worst(coinId, s, long, time);
    const px = worst === worst && (long ? worst < mark : worst > mark) ? worst : mark;
    return impliedLeverage(entry, px, long, l, Number.POSITIVE_INFINITY);
  }

  /** A snapshot's positions: isolated ones at their own leverage, cross ones at the account's (notional over account value). */
  private learnFromSnapshot(e: PositionSnapshotEvent, slots: readonly number[]): void {
    let crossNtl = 0;
    for (const p of e.positions) if (p.marginMode !== 'isolated') crossNtl += Math.abs(p.positionValue);
    const crossLev = e.crossAccountValue > 0 ? crossNtl / e.crossAccountValue : Number.NaN;
    for (let i = 0; i < e.positions.length; i++) {
      const p = e.positions[i] as PositionSnapshotEvent['positions'][number];
      const lev = p.marginMode === 'isolated' ? p.leverage : Math.min(p.leverage, crossLev);
      const cap = p.maxLeverage ?? this.tables.maxLeverage(p.coin) ?? DEFAULT_MAX_LEVERAGE;
      // One account is one piece of evidence, however many positions it lists.
      const weight = 1 / e.positions.length;
      if (!(lev > 0)) continue;
      this.leverage.observe(this.book.coinOf(slots[i] as number), Math.abs(p.positionValue), Math.min(cap, lev), weight);
      this.weighed.observe(this.book.coinOf(slots[i] as number), Math.abs(p.positionValue), Math.min(cap, lev), weight);
    }
    this.weighed.publish(e.time);
    if (this.leverage.publish(e.time)) this.refileEstimated();
  }

  /** The leverage model published new evidence: every position filed at an estimate is filed again at it. */
  private refileEstimated(): void {
    const n = this.book.wallets.size;
    if (n > 0) this.accounts.ensure(n - 1);
    for (let w = 0; w < n; w++) if (!this.accounts.isSnapped(w)) this.recompute(w);
  }

  private emitSlot(s: number, liq: number | null, estimated = false, spreadLo = Number.NaN, spreadHi = Number.NaN): void {
    const unfiled = estimated && this.makers.isMarketMaker(this.book.walletOf(s));
    if (unfiled) this.listener(s, Number.NaN, estimated, Number.NaN, Number.NaN);
    else this.listener(s, liq ?? Number.NaN, estimated, spreadLo, spreadHi);
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

/**
 * An unseen position's liquidation price at leverage `lev`: isolated-style, its margin ntl/lev at
 * entry, valued at `mark` (docs/margin.md, "Estimated positions").
 */
export function estimatedLiqPx(entry: number, szi: number, mark: number, lev: number, l: number, rule: LiqRule): number | null {
  const ntl = Math.abs(szi) * entry;
  const account = ntl / lev + szi * (mark - entry);
  return liquidationPx(mark, szi, account - Math.abs(szi) * mark * l, l, rule);
}
