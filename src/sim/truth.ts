import type { ActorTruth } from './entities.ts';
import type { EpisodeTruth } from './episodes.ts';
import type { ShockTruth } from './shocks.ts';

/** What the simulator planted: the answers engine tests are graded against. */
export interface WalletTruth {
  readonly wallet: string;
  readonly role: 'trader' | 'market-maker' | 'liquidator';
  /** Probability-weight of entering in the direction of the coming move (0 = coin flip). */
  readonly skill: number;
  /** Consistency of size and leverage, use of stops, no martingale or revenge trading. */
  readonly discipline: number;
  readonly capital: number;
  readonly marginMode: 'cross' | 'isolated';
  /** Entries the wallet chose a direction for, and how many went with the hidden drift. */
  readonly entries: number;
  readonly hits: number;
}

export interface SyndicateTruth {
  readonly id: string;
  readonly coin: string;
  readonly direction: 'long' | 'short';
  /** Planted to profit from a loaded liquidation zone (shorts above longs' liquidations, or vice versa). */
  readonly nearZone: boolean;
  readonly members: readonly { readonly wallet: string; readonly time: number }[];
  readonly start: number;
  readonly end: number;
  /**
   * Later directional trades of members (adds, flips) while they hold the planted position. The
   * members share the position's clock, so these land within seconds of each other too: a
   * detector that sees them act together again is right to say so.
   */
  readonly followUps: readonly { readonly wallet: string; readonly time: number; readonly direction: 'long' | 'short' }[];
}

export interface ClusterTruth {
  readonly id: string;
  readonly coin: string;
  readonly side: 'LONG_LIQ' | 'SHORT_LIQ';
  /** The liquidation price every member's position was sized to. */
  readonly liqPx: number;
  readonly notionalUsd: number;
  readonly members: readonly string[];
  readonly time: number;
}

export interface GroundTruth {
  readonly seed: number;
  readonly wallets: readonly WalletTruth[];
  readonly syndicates: readonly SyndicateTruth[];
  readonly clusters: readonly ClusterTruth[];
  /** Planted actors and their wallets (entities), when configured. */
  readonly entities?: readonly ActorTruth[];
  /** Planted price shocks and the crowds that reacted, when configured. */
  readonly shocks?: readonly ShockTruth[];
  readonly stats: {
    readonly trades: number;
    readonly fills: number;
    readonly liquidations: number;
    readonly snapshots: number;
    readonly lines: number;
  };
  /** Planted market episodes (absent: none configured). */
  readonly episodes?: readonly EpisodeTruth[];
}
