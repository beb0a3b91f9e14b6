import type { AssetMeta, MarginTier, MetaEvent } from '../../domain/market-event.ts';

/** Max leverage used when neither meta nor the position says: the venue's highest (BTC/ETH, 2023). */
export const DEFAULT_MAX_LEVERAGE = 50;

/**
 * Per-coin leverage limits from the venue's `meta` (with margin tiers where the venue has them).
 * Maintenance margin is half the initial margin at the tier's max leverage (docs/margin.md, "Margin tiers").
 */
export class MarginTables {
  private readonly byCoin = new Map<string, AssetMeta>();

  apply(e: MetaEvent): void {
    for (const a of e.assets) this.byCoin.set(a.coin, a);
  }

  has(coin: string): boolean {
    return this.byCoin.has(coin);
  }

  maxLeverage(coin: string): number | null {
    return this.byCoin.get(coin)?.maxLeverage ?? null;
  }

  /** The coin's size decimals (its lot size; prices get 6 − szDecimals decimals), null without meta. */
  szDecimals(coin: string): number | null {
    return this.byCoin.get(coin)?.szDecimals ?? null;
  }

  /**
   * l = 1 / (2 · maxLeverage of the tier `notionalUsd` falls in). `positionMaxLeverage` (the
   * snapshot's per-position `maxLeverage`) is the venue's own answer and wins when given.
   */
  maintenanceFraction(coin: string, notionalUsd: number, positionMaxLeverage: number | null = null): number {
    if (positionMaxLeverage !== null && positionMaxLeverage > 0) return 1 / (2 * positionMaxLeverage);
    const a = this.byCoin.get(coin);
    if (a === undefined) return 1 / (2 * DEFAULT_MAX_LEVERAGE);
    return 1 / (2 * tierLeverage(a.marginTiers, notionalUsd, a.maxLeverage));
  }
}

export function tierLeverage(tiers: readonly MarginTier[], notionalUsd: number, fallback: number): number {
  let lev = fallback;
  for (const t of tiers) if (notionalUsd >= t.lowerBound) lev = t.maxLeverage;
  return lev;
}
