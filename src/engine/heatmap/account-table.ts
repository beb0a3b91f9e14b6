import { grow } from '../common/growable.ts';

const CASH = 0;
const VENUE_MM = 1;
const FLAGS = 2;
const HABIT_LEV = 3;
const STRIDE = 4;

const SNAPPED = 1;
const HABIT_ISOLATED = 2;

/**
 * Per account, one 32-byte row: its cash K (account value less unrealised PnL at the snapshot's
 * marks), the venue's maintenance figure while it still describes the account (NaN after a fill),
 * whether a snapshot has been seen, and the account's habit as its last snapshot with positions
 * showed it (isolated or cross, at what leverage) — what a position it opens later, before the
 * venue says how, is presumed to be.
 */
export class AccountTable {
  private rows: Float64Array = new Float64Array(0);

  ensure(w: number): void {
    const need = (w + 1) * STRIDE;
    if (need <= this.rows.length) return;
    const old = this.rows.length;
    this.rows = grow(this.rows, Math.max(need, STRIDE * 1024));
    for (let r = old; r < this.rows.length; r += STRIDE) {
      this.rows[r + VENUE_MM] = Number.NaN;
      this.rows[r + HABIT_LEV] = Number.NaN;
    }
  }

  snapped(w: number, cash: number, venueMm: number): void {
    const r = w * STRIDE;
    this.rows[r + CASH] = cash;
    this.rows[r + VENUE_MM] = venueMm;
    this.rows[r + FLAGS] = (this.rows[r + FLAGS] as number) | SNAPPED;
  }

  /** Records how the account holds its positions (from a snapshot that listed some). */
  setHabit(w: number, isolated: boolean, leverage: number): void {
    const r = w * STRIDE;
    const flags = (this.rows[r + FLAGS] as number) & ~HABIT_ISOLATED;
    this.rows[r + FLAGS] = flags | (isolated ? HABIT_ISOLATED : 0);
    this.rows[r + HABIT_LEV] = leverage;
  }

  isSnapped(w: number): boolean {
    return ((this.rows[w * STRIDE + FLAGS] as number) & SNAPPED) !== 0;
  }

  habitIsolated(w: number): boolean {
    return ((this.rows[w * STRIDE + FLAGS] as number) & HABIT_ISOLATED) !== 0;
  }

  /** The account's usual leverage (NaN: never seen a position of it). */
  habitLeverage(w: number): number {
    return this.rows[w * STRIDE + HABIT_LEV] as number;
  }

  cash(w: number): number {
    return this.rows[w * STRIDE + CASH] as number;
  }

  addCash(w: number, pnl: number): void {
    this.rows[w * STRIDE + CASH] = (this.rows[w * STRIDE + CASH] as number) + pnl;
  }

  venueMm(w: number): number {
    return this.rows[w * STRIDE + VENUE_MM] as number;
  }

  dropVenueMm(w: number): void {
    this.rows[w * STRIDE + VENUE_MM] = Number.NaN;
  }
}
