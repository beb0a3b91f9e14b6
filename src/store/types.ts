import type { GlassEvent, GlassEventType } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import type { Grade } from '../engine/ledger/grade.ts';
import type { PackedView } from './map-encoder.ts';

// Revisions since the first contract, all backward compatible for callers: IngestCursor gained
// two optional fields (complete, firstEventId); Store gained usage() (reads what recordUsage
// wrote); the `after` / `afterRank` cursors of positions() and scores() are documented;
// WriteBatch gained optional `grades`, Store gained grades() and eventCounts() (migration 004).
// Store gained latestScoreTime() (no migration: MAX over the scores_time index; since migration 007
// the newest row of score_times, scores having no index by time).

/**
 * The store's contract: one interface, two implementations (node:sqlite, the embedded default;
 * PostgreSQL) that pass the same test suite. Writes come in batches, one transaction each, and a
 * batch carries the ingest cursor of what produced it, so a crash never splits the two.
 * Every read takes an optional `at` (ms, venue time) and answers only what was known then.
 */

/** A Glass event as logged: `id` is its position in the event stream (1, 2, 3, … deterministic). */
export interface EventRecord {
  readonly id: number;
  readonly type: GlassEventType;
  readonly coin: Coin;
  /** Venue time of the market event that caused it (ms). */
  readonly time: number;
  /** Receive time of the causing venue message (ms). */
  readonly receivedAt: number;
  /** Wall-clock time the engine emitted it (ms); not part of the deterministic content. */
  readonly detectedAt: number;
  readonly event: GlassEvent;
  /** `event` already encoded (the recorder writes the text; `event` then parses it only if read). */
  readonly payload?: string;
}

/** A coin's map at one moment, in the shape `glass heatmap --json` prints. */
export interface HeatmapSnapshotRecord {
  readonly coin: Coin;
  readonly time: number;
  readonly reason: 'cadence' | 'zone-event' | 'final';
  /** `{coin, time, markPx, bucketWidth, buckets, zones}` as JSON-ready data. */
  readonly map: Readonly<Record<string, unknown>>;
  /** `map` already encoded (the recorder writes the text; `map` then parses it only if read). */
  readonly json?: string;
  /**
   * Instead of `json`: the map as its changes against the coin's newest whole map stored before it
   * (src/store/map-delta.ts; the recorder's); the store keeps this text and rebuilds `map` on read.
   */
  readonly deltaJson?: string;
  /**
   * Instead of either: the engines' view, packed (map-encoder.ts); the store builds its text (whole
   * or as a delta) where it writes the batch. Takes precedence over `json` and `deltaJson`.
   */
  readonly packed?: PackedView;
}

export interface PositionSnapshotRecord {
  readonly wallet: Wallet;
  readonly coin: Coin;
  readonly time: number;
  /** Signed size; 0 records a close. */
  readonly szi: number;
  readonly entryPx: number | null;
  readonly liquidationPx: number | null;
  readonly notionalUsd: number;
  readonly leverage: number | null;
  /** The liquidation price comes from an assumed leverage (no account snapshot yet). */
  readonly estimated: boolean;
}

export interface ScoreRecord {
  readonly wallet: Wallet;
  readonly time: number;
  readonly score: number;
  readonly confidence: number;
  readonly trades: number;
  readonly components: Readonly<Record<string, number>>;
  /** `JSON.stringify(components)` when the maker has it already (the recorder): what the store writes. */
  readonly componentsJson?: string;
}

/** Where ingest stands: the source (a recording path or a venue stream) and its position. */
export interface IngestCursor {
  readonly source: string;
  /** Last input line (recording) or message sequence (live) whose effects are committed. */
  readonly position: number;
  /** Its receive time (ms). */
  readonly ts: number;
  /** Events committed so far: the next event's id is nextEventId. */
  readonly nextEventId: number;
  /** The source was read to its end and its final snapshots written (absent: false). */
  readonly complete?: boolean;
  /** The id the source's first event got (absent: 1); a store may hold several sources in turn. */
  readonly firstEventId?: number;
}

/**
 * One grade of the accuracy ledger (docs/ledger.md), as stored: written in grade order; `id` is
 * its position in that order (assigned by the store, absent when writing). It reads no market data
 * past `grade.horizonEnd`: a read at `at` sees it only when horizonEnd <= at.
 */
export interface GradeRecord {
  readonly id?: number;
  readonly grade: Grade;
  /** `grade` already encoded (the recorder writes the text). */
  readonly json?: string;
}

export interface WriteBatch {
  readonly cursor: IngestCursor;
  readonly events: readonly EventRecord[];
  readonly heatmaps: readonly HeatmapSnapshotRecord[];
  readonly positions: readonly PositionSnapshotRecord[];
  readonly scores: readonly ScoreRecord[];
  /** The ledger's grades the batch's lines produced (absent: none). */
  readonly grades?: readonly GradeRecord[];
}

export interface GradeQuery {
  /** Point in time: only grades whose horizon ended by then (horizonEnd <= at). */
  readonly at?: number;
  readonly types?: readonly GlassEventType[];
  readonly coin?: Coin;
  /** Cursor: only ids > afterId, ascending (grade order). */
  readonly afterId?: number;
  readonly limit: number;
}

export interface EventQuery {
  readonly types?: readonly GlassEventType[];
  readonly coin?: Coin;
  /** Venue time lower bound (inclusive). */
  readonly since?: number;
  /** Point in time: nothing with time > at. */
  readonly at?: number;
  /** Cursor: only ids > afterId, ascending. */
  readonly afterId?: number;
  readonly limit: number;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the secret, hex; the secret itself is never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** Requests per minute. */
  readonly rateLimit: number;
}

export interface RetentionPolicy {
  /** Per table: keep rows whose time is within this many ms of the newest (null: forever). */
  readonly eventsMs: number | null;
  readonly heatmapsMs: number | null;
  readonly positionsMs: number | null;
  readonly scoresMs: number | null;
}

export interface Store {
  /** Applies the versioned migrations in src/store/migrations not yet applied. */
  migrate(): Promise<void>;
  /** One transaction: the batch's rows and its cursor, all or nothing. */
  write(batch: WriteBatch): Promise<void>;
  cursor(source: string): Promise<IngestCursor | null>;

  events(q: EventQuery): Promise<EventRecord[]>;
  lastEventId(): Promise<number>;
  /** The ledger's grades in grade order (id), point in time on their horizon's end. */
  grades(q: GradeQuery): Promise<GradeRecord[]>;
  /** Events per type with time <= at (all when absent), on one coin when given: what a ledger read counts as seen. */
  eventCounts(q: { at?: number; coin?: Coin }): Promise<Partial<Record<GlassEventType, number>>>;
  coins(at?: number): Promise<Coin[]>;
  /** The newest snapshot of the coin's map with time ≤ at (latest when at is absent). */
  heatmap(coin: Coin, at?: number): Promise<HeatmapSnapshotRecord | null>;
  /** Maps of the coin with from ≤ time ≤ to (the price × time history), ascending. */
  heatmapHistory(coin: Coin, from: number, to: number, limit: number): Promise<HeatmapSnapshotRecord[]>;
  /**
   * Each wallet × coin's newest position snapshot with time ≤ at, open ones only, ordered by
   * wallet then coin; `after` is the last row's `${wallet}:${coin}` (the next page starts past it).
   */
  positions(q: {
    coin?: Coin;
    wallet?: Wallet;
    minNotionalUsd?: number;
    at?: number;
    limit: number;
    after?: string;
  }): Promise<PositionSnapshotRecord[]>;
  /**
   * Each wallet's newest score with time ≤ at, highest first; `afterRank`: rows already seen (the
   * next page). A newest row of 0 trades (the wallet had a score at an earlier tick and has none
   * now: recorder.ts) is never listed, whatever minTrades.
   */
  scores(q: { at?: number; limit: number; minTrades?: number; afterRank?: number }): Promise<ScoreRecord[]>;
  scoreHistory(wallet: Wallet, at?: number): Promise<ScoreRecord[]>;
  /** The newest score record's time (null: none): the time a ranked list without `at` is pinned to (its pages stay one list). */
  latestScoreTime(): Promise<number | null>;

  createKey(k: ApiKeyRecord): Promise<void>;
  keys(): Promise<ApiKeyRecord[]>;
  keyByHash(hash: string): Promise<ApiKeyRecord | null>;
  revokeKey(id: string, at: number): Promise<boolean>;
  recordUsage(keyId: string, minute: number, requests: number): Promise<void>;
  /** Requests a key made in minutes from ≤ minute ≤ to (minute = epoch ms / 60,000, floored). */
  usage(keyId: string, from: number, to: number): Promise<number>;

  /** Deletes rows older than the policy keeps; returns rows deleted per table. */
  prune(policy: RetentionPolicy): Promise<Record<string, number>>;
  close(): Promise<void>;
}
