import type { GlassEventType, ZoneSide } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';

/**
 * What the ledger says about one event, once its horizon has ended (docs/ledger.md). A grade
 * reads only market data up to `horizonEnd` and is emitted once, after the stream has passed
 * that time: it is final.
 */
interface GradeBase {
  /** The graded event's id. */
  readonly id: string;
  readonly type: GlassEventType;
  readonly coin: Coin;
  /** The event's time. */
  readonly time: number;
  /** The last market time the grade reads: the event's time plus its horizon. */
  readonly horizonEnd: number;
  /** Whether the event was right (see each kind). */
  readonly hit: boolean;
  /** The chance a naive forecaster gave the same outcome (null: none to compare with). */
  readonly baseline: number | null;
  /**
   * The coin's volatility regime when the event was seen: the `to` of the latest volatility
   * REGIME_SHIFT on the coin before it ('unknown': none yet). Absent in grades from before it.
   */
  readonly regime?: 'calm' | 'volatile' | 'unknown';
}

/** The event's four-hour-or-so forecasts of a touch, when it carries them. */
export interface TouchForecast {
  /** The cascade model's figure (CASCADE_RISK, convergence events with a model attached). */
  readonly modelProbability: number | null;
  /** The volatility baseline p₀: the driftless chance the zone's peak is touched within the horizon. */
  readonly baselineProbability: number;
  /** p₀ recalibrated on the grades emitted before the event (walk-forward); p₀ itself before the first fit. */
  readonly recalibratedProbability: number;
  /** Grades the recalibration was fitted on (0: none yet, the figure is p₀). */
  readonly recalibratedFrom: number;
}

/**
 * ZONE_FORMED, ZONE_APPROACHED, WHALE_NEAR_ZONE, SYNDICATE_NEAR_ZONE, CASCADE_RISK: hit when the
 * price path touched the zone's peak within the horizon (at or below it for long liquidations,
 * at or above for shorts). Baseline: the event's own p₀.
 */
export interface TouchGrade extends GradeBase {
  readonly kind: 'touch';
  readonly side: ZoneSide;
  readonly level: number;
  readonly horizonMs: number;
  /** Event → first touch of the peak (null: not reached). */
  readonly leadMs: number | null;
  readonly zoneNotionalUsd: number;
  /** Liquidations in the zone's range on its side within the horizon. */
  readonly liquidatedUsd: number;
  readonly forecast: TouchForecast | null;
}

/**
 * ZONE_SWEPT: the sweep has happened; the grade checks the map. Hit when the liquidations really
 * filed in the zone's range (on its side, from the zone's formation or a horizon before the sweep,
 * whichever is later, to a horizon after) reach `SWEPT_HIT_SHARE` of the notional the zone showed.
 */
export interface SweepGrade extends GradeBase {
  readonly kind: 'sweep';
  readonly side: ZoneSide;
  readonly horizonMs: number;
  readonly zoneNotionalUsd: number;
  readonly liquidatedUsd: number;
  /** liquidatedUsd / zoneNotionalUsd. */
  readonly realisedShare: number;
}

/**
 * WHALE_* and SYNDICATE_*: forward returns in the event's direction (+1 a buy or a long episode,
 * −1 a sell or a short one) at each horizon of `RETURN_HORIZONS_MS`, from the price as of the
 * event. Hit: the return at the hit horizon is positive. Baseline: how often the coin's return
 * over the same span was positive in that direction at every 5-minute mark graded before this
 * grade (random times, same coin), and `drift` the mean of those returns, signed the same way.
 */
export interface DirectionGrade extends GradeBase {
  readonly kind: 'direction';
  readonly direction: 1 | -1;
  readonly startPx: number;
  readonly horizonsMs: readonly number[];
  /** Simple return × direction at each horizon. */
  readonly returns: readonly number[];
  /** The coin's mean return at random times × direction, per horizon (null: no sample yet). */
  readonly drift: readonly (number | null)[];
}

/**
 * LEVERAGE_SPIKE, CORRELATION_BREAK, REGIME_SHIFT: the size of the move that followed, not its
 * way. `expect` large (a spike, a break, a shift to volatile or trending): hit when the absolute
 * return over the hit horizon exceeds `line`, the coin's median absolute return over that span at
 * random times graded before; small (a shift to calm, random or mean-reverting): hit when it does
 * not. Baseline: the share of those random-time returns on the same side of the line (about ½).
 */
export interface MoveGrade extends GradeBase {
  readonly kind: 'move';
  readonly expect: 'large' | 'small';
  readonly startPx: number;
  readonly horizonMs: number;
  /** |simple return| from the event to the horizon's end. */
  readonly absReturn: number;
  readonly line: number;
}

export type Grade = TouchGrade | SweepGrade | DirectionGrade | MoveGrade;

/** A mute switched on or off for an event type (coin null) or a type on one coin. */
export interface MuteChange {
  readonly type: GlassEventType;
  readonly coin: Coin | null;
  readonly muted: boolean;
  readonly reason: string;
  /** The horizon end of the grade that switched it. */
  readonly time: number;
}
