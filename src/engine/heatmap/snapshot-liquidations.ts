import type { PositionSnapshotEvent, PositionState } from '../../domain/market-event.ts';
import { type LiqRule, liquidationPx } from './liquidation-price.ts';
import type { MarginTables } from './margin-tables.ts';

export interface PositionLiquidation {
  readonly coin: string;
  readonly szi: number;
  /** The mark the venue valued the position at: positionValue / |szi|. */
  readonly markPx: number;
  readonly marginMode: 'cross' | 'isolated';
  /** Maintenance fraction l used. */
  readonly maintenance: number;
  readonly reported: number | null;
  readonly computed: number | null;
  /** |computed − reported| / reported; null when either is null. */
  readonly relErr: number | null;
}

export function snapshotMark(p: PositionState): number {
  return p.positionValue / Math.abs(p.szi);
}

/**
 * Cross maintenance margin: the venue's own figure when the response has one (it covers every
 * cross position, including any a trimmed response leaves out); otherwise Σ |szi|·mark·l.
 */
export function crossMaintenance(s: PositionSnapshotEvent, tables: MarginTables): number {
  if (s.crossMaintenanceMarginUsed !== null) return s.crossMaintenanceMarginUsed;
  let mm = 0;
  for (const p of s.positions) {
    if (p.marginMode !== 'cross') continue;
    const ntl = p.positionValue;
    mm += ntl * tables.maintenanceFraction(p.coin, ntl, p.maxLeverage);
  }
  return mm;
}

/** Liquidation price of every position in an account snapshot, beside the venue's own figure. */
export function snapshotLiquidations(s: PositionSnapshotEvent, tables: MarginTables, rule: LiqRule): PositionLiquidation[] {
  const crossAvailable = s.crossAccountValue - crossMaintenance(s, tables);
  return s.positions.map((p) => {
    const mark = snapshotMark(p);
    const l = tables.maintenanceFraction(p.coin, p.positionValue, p.maxLeverage);
    // Isolated: the position's own account is rawUsd plus its signed value (docs/margin.md, "Where each input comes from").
    const available = p.marginMode === 'cross' ? crossAvailable : (p.rawUsd ?? 0) + p.szi * mark - Math.abs(p.szi) * mark * l;
    const computed = liquidationPx(mark, p.szi, available, l, rule);
    const reported = p.liquidationPx;
    return {
      coin: p.coin,
      szi: p.szi,
      markPx: mark,
      marginMode: p.marginMode,
      maintenance: l,
      reported,
      computed,
      relErr: reported !== null && computed !== null ? Math.abs(computed - reported) / Math.abs(reported) : null,
    };
  });
}
