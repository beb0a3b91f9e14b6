/** Simulated perpetuals: prices, volatility and venue limits shaped like Hyperliquid's majors. */
export interface SimCoin {
  readonly coin: string;
  readonly px0: number;
  readonly szDecimals: number;
  readonly maxLeverage: number;
  /** Annualised volatility in the calm regime. */
  readonly vol: number;
  /** Share of wallets' attention (picking a coin to trade). */
  readonly weight: number;
}

export const SIM_COINS: readonly SimCoin[] = [
  { coin: 'BTC', px0: 95000, szDecimals: 5, maxLeverage: 40, vol: 0.5, weight: 0.4 },
  { coin: 'ETH', px0: 3400, szDecimals: 4, maxLeverage: 25, vol: 0.65, weight: 0.3 },
  { coin: 'SOL', px0: 180, szDecimals: 2, maxLeverage: 20, vol: 0.8, weight: 0.18 },
  { coin: 'HYPE', px0: 30, szDecimals: 2, maxLeverage: 10, vol: 1.0, weight: 0.12 },
];

export interface SimConfig {
  readonly seed: number;
  readonly wallets: number;
  readonly hours: number;
  /** Venue time of the first tick (ms). */
  readonly start: number;
  /** Planted syndicates per 24 h. */
  readonly syndicatesPerDay: number;
  /** Planted liquidation clusters per 24 h. */
  readonly clustersPerDay: number;
  /** Account snapshots the refresher may take per second (the venue's REST budget allows ~10). */
  readonly snapshotsPerSecond: number;
  /** Market makers on the other side of every taker trade. */
  readonly marketMakers: number;
  /** Planted actors owning 3–6 wallets each, funded from one wallet and traded as one (src/sim/entities.ts); 0: none. */
  readonly actors: number;
  /** Planted price shocks per 24 h, each followed by a crowd of whales reacting (src/sim/shocks.ts); 0: none. */
  readonly shocksPerDay: number;
  /** Planted market episodes per 24 h (src/sim/episodes.ts: leverage build-ups, funding extremes, decouplings from BTC, thin books); 0: none. */
  readonly marketEpisodesPerDay: number;
  /** Correlation of every other coin's shocks with BTC's (0: independent, as before). */
  readonly btcCorrelation: number;
}

export const DEFAULT_SIM: SimConfig = {
  seed: 1,
  wallets: 5000,
  hours: 24,
  start: Date.UTC(2026, 0, 1),
  syndicatesPerDay: 24,
  clustersPerDay: 4,
  snapshotsPerSecond: 10,
  marketMakers: 6,
  actors: 0,
  shocksPerDay: 0,
  marketEpisodesPerDay: 0,
  btcCorrelation: 0,
};

export const SECONDS_PER_YEAR = 365 * 24 * 3600;
