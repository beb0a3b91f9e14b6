import { grow } from '../common/growable.ts';

export const MODE_UNKNOWN = 0;
export const MODE_CROSS = 1;
export const MODE_ISOLATED = 2;
/** Opened after the account's last snapshot by an account that holds its positions isolated. */
export const MODE_PRESUMED_ISOLATED = 3;

/** Margined on its own (known or presumed): outside the cross account. */
export function ownMargin(mode: number): boolean {
  return mode === MODE_ISOLATED || mode === MODE_PRESUMED_ISOLATED;
}

const REF_MARK = 0;
const ISO_MARGIN = 1;
const POS_MAX_LEV = 2;
const MODE = 3;
const LIQ_PX = 4;
const UNITS = 5;
const LONG = 6;
const ESTIMATED = 7;
const STRIDE = 8;

/**
 * What the heatmap keeps per position (book slot), in one 64-byte row: the margin inputs of its
 * liquidation price and the contribution it has filed into the buckets. A position change reads
 * and writes all of it together, so a row is one memory access where a column per field cost one
 * each (at a million positions every one of them misses the cache).
 */
export class SlotTable {
  private rows: Float64Array = fresh(new Float64Array(STRIDE * 1024), 0);

  /** Makes room for slot `s`. */
  ensure(s: number): void {
    const need = (s + 1) * STRIDE;
    if (need <= this.rows.length) return;
    const old = this.rows.length;
    this.rows = fresh(grow(this.rows, need), old);
  }

  /** Slots the table has room for (every slot below it reads as a fresh row). */
  get capacity(): number {
    return this.rows.length / STRIDE;
  }

  /** Price the position was last valued at (snapshot mark or last fill); 0 until known. */
  refMark(s: number): number {
    return this.rows[s * STRIDE + REF_MARK] as number;
  }

  setRefMark(s: number, v: number): void {
    this.rows[s * STRIDE + REF_MARK] = v;
  }

  /** An isolated position's own margin. */
  isoMargin(s: number): number {
    return this.rows[s * STRIDE + ISO_MARGIN] as number;
  }

  setIsoMargin(s: number, v: number): void {
    this.rows[s * STRIDE + ISO_MARGIN] = v;
  }

  /** The venue's per-position max leverage; NaN when not given. */
  posMaxLev(s: number): number {
    return this.rows[s * STRIDE + POS_MAX_LEV] as number;
  }

  setPosMaxLev(s: number, v: number): void {
    this.rows[s * STRIDE + POS_MAX_LEV] = v;
  }

  /** MODE_UNKNOWN, MODE_CROSS, MODE_ISOLATED or MODE_PRESUMED_ISOLATED. */
  mode(s: number): number {
    return this.rows[s * STRIDE + MODE] as number;
  }

  setMode(s: number, v: number): void {
    this.rows[s * STRIDE + MODE] = v;
  }

  /** Liquidation price the position is filed at; NaN when none. */
  liqPx(s: number): number {
    return this.rows[s * STRIDE + LIQ_PX] as number;
  }

  /** Notional filed, in bucket units; 0 when none. */
  units(s: number): number {
    return this.rows[s * STRIDE + UNITS] as number;
  }

  long(s: number): boolean {
    return this.rows[s * STRIDE + LONG] === 1;
  }

  estimated(s: number): boolean {
    return this.rows[s * STRIDE + ESTIMATED] === 1;
  }

  /** Records the contribution the position is now filed with. */
  setFiled(s: number, px: number, units: number, long: boolean, estimated: boolean): void {
    const r = s * STRIDE;
    this.rows[r + LIQ_PX] = px;
    this.rows[r + UNITS] = units;
    this.rows[r + LONG] = long ? 1 : 0;
    this.rows[r + ESTIMATED] = estimated ? 1 : 0;
  }
}

/** Rows from `from` on as a never-seen position: no leverage given, nothing filed. */
function fresh(rows: Float64Array, from: number): Float64Array {
  for (let r = from; r < rows.length; r += STRIDE) {
    rows[r + POS_MAX_LEV] = Number.NaN;
    rows[r + LIQ_PX] = Number.NaN;
  }
  return rows;
}
