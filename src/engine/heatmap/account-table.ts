import { grow } from '../common/growable.ts';

/**
 * Per cross account, one 32-byte row: its cash K (account value less unrealised PnL at the
 * snapshot's marks), the venue's maintenance figure while it still describes the account (NaN
 * after a fill), and whether a snapshot has been seen at all.
 */
export class AccountTable {
  private rows: Float64Array = new Float64Array(0);

  ensure(w: number): void {
    const need = (w + 1) * 4;
    if (need <= this.rows.length) return;
    const old = this.rows.length;
    this.rows = grow(this.rows, Math.max(need, 4 * 1024));
    for (let r = old; r < this.rows.length; r += 4) this.rows[r + 1] = Number.NaN;
  }

  snapped(w: number, cash: number, venueMm: number): void {
    this.rows[w * 4] = cash;
    this.rows[w * 4 + 1] = venueMm;
    this.rows[w * 4 + 2] = 1;
  }

  isSnapped(w: number): boolean {
    return this.rows[w * 4 + 2] === 1;
  }

  cash(w: number): number {
    return this.rows[w * 4] as number;
  }

  addCash(w: number, pnl: number): void {
    this.rows[w * 4] = (this.rows[w * 4] as number) + pnl;
  }

  venueMm(w: number): number {
    return this.rows[w * 4 + 1] as number;
  }

  dropVenueMm(w: number): void {
    this.rows[w * 4 + 1] = Number.NaN;
  }
}
