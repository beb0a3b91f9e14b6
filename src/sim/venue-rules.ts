/**
 * The venue rules the simulator needs, written here and not imported from src/engine: a simulated
 * check must not pass because the simulator and the engine share one bug. Both sides are
 * golden-tested against the same real venue responses (test/sim/venue-rules.golden.test.ts;
 * the engine's in test/heatmap/ and test/engine/).
 *
 * Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations and
 * https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers .
 */

/** One row of a coin's margin table: from `lowerBound` USD of notional up, at most `maxLeverage`. */
export interface SimMarginTier {
  readonly lowerBound: number;
  readonly maxLeverage: number;
}

/** The maintenance terms of one tier: margin = notional · rate − deduction. */
export interface MaintenanceTerms {
  readonly rate: number;
  readonly deduction: number;
}

/**
 * The tier a notional falls in, with the venue's maintenance rate (half the initial margin at the
 * tier's maximum leverage) and the deduction that keeps the maintenance margin continuous where
 * one tier gives way to the next (margin-tiers page: `maintenance_deduction`).
 * `tiers` must be sorted by `lowerBound` and start at 0.
 */
export function maintenanceTerms(tiers: readonly SimMarginTier[], notional: number): MaintenanceTerms {
  let rate = 0;
  let deduction = 0;
  for (let i = 0; i < tiers.length; i++) {
    const tier = tiers[i] as SimMarginTier;
    const tierRate = 0.5 / tier.maxLeverage;
    if (i === 0) rate = tierRate;
    else {
      if (tier.lowerBound > notional) break;
      // Continuity at the boundary b: b·previousRate − previousDeduction = b·tierRate − deduction.
      deduction += tier.lowerBound * (tierRate - rate);
      rate = tierRate;
    }
  }
  return { rate, deduction };
}

/** Maintenance margin of a position of `notional` USD on a coin with these tiers. */
export function maintenanceMargin(tiers: readonly SimMarginTier[], notional: number): number {
  const t = maintenanceTerms(tiers, notional);
  return notional * t.rate - t.deduction;
}

/**
 * How the venue's liquidation price moved with the position's own maintenance margin. Since 2024
 * the maintenance margin falls with the position's value as price moves toward liquidation
 * (`moving`); the 2023 responses hold it at its value at the mark (`fixed`).
 */
export type MaintenanceAtLiquidation = 'moving' | 'fixed';

/** One position inside the account it draws margin from. */
export interface MarginedPosition {
  /** Signed size: positive long, negative short. */
  readonly szi: number;
  /** The price the account is valued at now. */
  readonly markPx: number;
  /** Account value now: the cross account, or an isolated position's own (rawUsd + szi · mark). */
  readonly accountValue: number;
  /** Maintenance margin of every other position sharing the account, held at its current value. */
  readonly otherMaintenance: number;
  /** This position's maintenance terms. */
  readonly terms: MaintenanceTerms;
}

/**
 * The price at which the account's value falls to its maintenance margin, every other position
 * held where it is. Account value at price P is `accountValue + szi·(P − mark)`; maintenance is
 * `otherMaintenance + |szi|·P·rate − deduction` (moving) or the same at P = mark (fixed).
 * Null when no positive price liquidates (a long backed beyond zero).
 */
export function liquidationPriceIn(p: MarginedPosition, maintenance: MaintenanceAtLiquidation = 'moving'): number | null {
  if (p.szi === 0) return null;
  const size = Math.abs(p.szi);
  const own = maintenance === 'moving' ? 0 : size * p.markPx * p.terms.rate - p.terms.deduction;
  const slope = maintenance === 'moving' ? p.szi - size * p.terms.rate : p.szi;
  const intercept = p.szi * p.markPx - p.accountValue + p.otherMaintenance + own - (maintenance === 'moving' ? p.terms.deduction : 0);
  const px = intercept / slope;
  return px > 0 && Number.isFinite(px) ? px : null;
}

/**
 * The same balance for the simulator's accounts: one position backed by fixed cash `cash` (the
 * isolated margin, or a cross account holding only this position), maintenance `rate` of the
 * moving notional. Account value at P is `cash + szi·(P − entry)`, so the price does not depend on
 * the mark: `(entry·szi − cash) / (szi − |szi|·rate)`.
 */
export function liquidationPriceOnCash(entryPx: number, szi: number, cash: number, rate: number): number | null {
  if (szi === 0) return null;
  const px = (entryPx * szi - cash) / (szi - Math.abs(szi) * rate);
  return px > 0 && Number.isFinite(px) ? px : null;
}

/** The venue's label of a fill from the position before it. */
export type FillDirection = 'Open Long' | 'Open Short' | 'Close Long' | 'Close Short' | 'Long > Short' | 'Short > Long';

/**
 * What a fill of `sz` on `side` ('B' buys, 'A' sells) does to a position of signed size `start`:
 * opens or adds when it goes the position's way (or from flat), closes when it takes no more than
 * the position, flips it when it takes more. "No more" allows one part in 1e9 of the sizes, so a
 * fill that closes exactly is not a flip after decimal-to-double rounding.
 */
export function fillDirection(start: number, side: 'B' | 'A', sz: number): FillDirection {
  const slack = 1e-9 * Math.max(Math.abs(start), Math.abs(sz), 1e-12);
  const signed = side === 'B' ? sz : -sz;
  const against = start * signed < 0 && Math.abs(start) > slack;
  if (!against) return signed > 0 ? 'Open Long' : 'Open Short';
  const closes = sz <= Math.abs(start) + slack;
  if (start > 0) return closes ? 'Close Long' : 'Long > Short';
  return closes ? 'Close Short' : 'Short > Long';
}
