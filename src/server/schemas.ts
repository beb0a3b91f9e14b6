import { type Static, type TSchema, Type } from 'typebox';
import { GLASS_EVENT_TYPES, type GlassEventType } from '../domain/glass-event.ts';

/**
 * One schema per request and response of /v1: fastify validates requests with them, every
 * response is checked against them before it is sent (app.ts), and the OpenAPI 3.1 document at
 * /v1/openapi.json is generated from them, so the three cannot drift apart.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** Which liquidations a zone holds. */
const ZoneSide = Type.Union([Type.Literal('LONG_LIQ'), Type.Literal('SHORT_LIQ')]);
/** A position's or an episode's direction. */
const Direction = Type.Union([Type.Literal('long'), Type.Literal('short')]);

/** What a pattern field takes, in words: a 400 says this rather than the regex (messages.ts). */
const PATTERN_MESSAGES = new Map<string, string>();

/** A string field with a pattern, and what a 400 says when a value does not match it. */
export function Patterned(pattern: string, says: string, opts: { description?: string; minLength?: number; maxLength?: number } = {}) {
  const known = PATTERN_MESSAGES.get(pattern);
  if (known !== undefined && known !== says) throw new Error(`pattern ${pattern} has two messages`);
  PATTERN_MESSAGES.set(pattern, says);
  return Type.String({ ...opts, pattern });
}

/** The words for a pattern declared with Patterned (undefined: none). */
export function patternMessage(pattern: string): string | undefined {
  return PATTERN_MESSAGES.get(pattern);
}

/** The words a 400 gives for a time that is no time: the same whether the shape or the date is wrong. */
export const TIME_MESSAGE = 'must be epoch ms or an ISO 8601 time (e.g. 1796007600000 or 2026-11-30T03:00:00Z)';

/** Point in time: epoch milliseconds or an ISO 8601 time; the answer is what Glass knew then. */
/** The words for a list of event types that is not one. */
const TYPES_MESSAGE = 'must be event types, comma-separated, any case (e.g. ZONE_FORMED,zone_swept)';

export const At = Patterned(
  '^(\\d{1,15}|\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?)$',
  TIME_MESSAGE,
  { description: 'point in time: epoch ms or ISO 8601 (e.g. 2026-11-30T03:00:00Z); only what was known then' },
);
export const Cursor = Patterned('^[A-Za-z0-9_-]+$', 'must be a cursor: the `next` of the previous page', {
  maxLength: 512,
  description: 'opaque: the `next` of the previous page',
});
export const Limit = (dflt: number, max = 1000) => Type.Integer({ minimum: 1, maximum: max, default: dflt });
export const CoinParam = Patterned('^[A-Za-z0-9@:/_.-]+$', 'must be a coin symbol: letters, digits and @:/_.- (e.g. BTC, kPEPE)', {
  minLength: 1,
  maxLength: 32,
  description: 'the venue symbol (BTC, kPEPE); all lower case is read as upper (btc: BTC)',
});
export const WalletParam = Patterned('^0x[0-9a-fA-F]{40}$', 'must be a 0x address of 40 hex digits', {
  description: '0x address, 40 hex digits',
});
/** Comma-separated coins (the stream's coins= and heatmap=). */
const CoinList = (description: string) =>
  Patterned('^[A-Za-z0-9@:/_.,-]*$', 'must be coin symbols, comma-separated (e.g. BTC,ETH,kPEPE)', { maxLength: 2000, description });
export const EventTypeName = Type.Unsafe<GlassEventType>({
  type: 'string',
  enum: [...GLASS_EVENT_TYPES],
  description: 'a Glass event type',
});

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
});

const page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next: Nullable(Type.String({ description: 'cursor of the next page; null: last page' })) });

/** The cost to reach a zone from the latest l2Book (docs/events.md, "Cost to reach"); absent in maps stored before it. */
const ChainStep = Type.Object({
  zoneLo: Type.Number(),
  zoneHi: Type.Number(),
  liquidatedUsd: Type.Number({ description: 'notional the zone liquidates into the book (USD)' }),
  pxAfter: Type.Number({ description: 'price once that flow has executed' }),
});
export const CostToReach = Type.Object({
  costToReachUsd: Type.Optional(
    Nullable(
      Type.Number({
        description: 'market-order notional that moves price from the mark to the zone (null: no fresh book, or deeper than the book)',
      }),
    ),
  ),
  chain: Type.Optional(Type.Array(ChainStep, { description: 'the forced-flow ladder once the zone is reached, until it stops' })),
  depthStale: Type.Optional(Type.Boolean({ description: 'no l2Book for the coin within the max age: the cost is not computed' })),
});

export const Zone = Type.Object({
  id: Type.String(),
  side: ZoneSide,
  lo: Type.Number(),
  hi: Type.Number(),
  peakPx: Type.Number(),
  notionalUsd: Type.Number(),
  wallets: Type.Integer(),
  distancePct: Type.Number(),
  probability: Type.Number({ description: 'P(mark touches the zone within 4 h)' }),
  estimatedUsd: Type.Optional(Type.Number({ description: 'of the notional, filed from an assumed leverage (no account snapshot)' })),
  estimatedPositions: Type.Optional(Type.Integer()),
  mostlyEstimated: Type.Optional(Type.Boolean({ description: 'more than half the notional is estimated' })),
  ...CostToReach.properties,
});

export const Bucket = Type.Object({
  lo: Type.Number(),
  hi: Type.Number(),
  longLiqUsd: Type.Number(),
  shortLiqUsd: Type.Number(),
  longEstimatedUsd: Type.Optional(Type.Number({ description: 'of longLiqUsd, from an assumed leverage' })),
  shortEstimatedUsd: Type.Optional(Type.Number()),
});

export const HistoryRow = Type.Object({
  time: Type.Number(),
  markPx: Type.Number(),
  bucketWidth: Type.Number(),
  fromPx: Type.Number({ description: 'bucket i spans fromPx + i·bucketWidth' }),
  longLiqUsd: Type.Array(Type.Number()),
  shortLiqUsd: Type.Array(Type.Number()),
});

/** `glass heatmap --json`, plus the grid when ?history= asks for it. */
export const Heatmap = Type.Object({
  coin: Type.String(),
  time: Type.Number(),
  markPx: Type.Number(),
  bucketWidth: Type.Number(),
  buckets: Type.Array(Bucket),
  zones: Type.Array(Zone),
  largest: Type.Optional(
    Nullable(
      Type.Object(
        {
          side: ZoneSide,
          lo: Type.Number(),
          hi: Type.Number(),
          notionalUsd: Type.Number(),
          distancePct: Type.Number(),
          zoneId: Nullable(Type.String()),
          why: Nullable(Type.Union([Type.Literal('prominent'), Type.Literal('largest')])),
          reason: Nullable(Type.String({ description: 'why it is in no zone (null: it is in one)' })),
        },
        { description: 'the largest bucket within ±10 % of the mark: its zone, or why it has none (null: nothing filed there)' },
      ),
    ),
  ),
  estimates: Type.Optional(
    Type.Object(
      {
        leverage: Type.Object({
          lo: Type.Number(),
          mid: Type.Number(),
          hi: Type.Number(),
          source: Type.String({ description: 'prior (10×) until there is evidence; then all, coin or cell' }),
          n: Type.Number(),
        }),
        medianErrorAtLiquidation: Nullable(Type.Number()),
        graded: Type.Integer(),
      },
      { description: 'the leverage positions no account has shown are filed at, and its measured error at real liquidations' },
    ),
  ),
  history: Type.Optional(Type.Array(HistoryRow)),
});

export const CoinSummary = Type.Object({
  coin: Type.String(),
  time: Type.Number(),
  markPx: Type.Number(),
  bucketWidth: Type.Number(),
  zones: Type.Integer(),
  longLiqUsd: Type.Number(),
  shortLiqUsd: Type.Number(),
});

export const Position = Type.Object({
  wallet: Type.String(),
  coin: Type.String(),
  time: Type.Number(),
  szi: Type.Number(),
  entryPx: Nullable(Type.Number()),
  notionalUsd: Type.Number(),
  leverage: Nullable(Type.Number()),
  liquidationPx: Nullable(Type.Number()),
  estimated: Type.Boolean({ description: 'the liquidation price comes from an assumed leverage' }),
  zone: Type.Optional(Nullable(Type.String({ description: 'id of the zone its liquidation price falls in (?near=zone)' }))),
});

export const Components = Type.Record(Type.String(), Type.Number());

export const WalletScore = Type.Object({
  rank: Type.Integer(),
  wallet: Type.String(),
  time: Type.Number(),
  score: Type.Number(),
  confidence: Type.Number(),
  trades: Type.Integer(),
  components: Components,
});

/** A closed trade that moved the score (the engines know it whole; the store keeps the move). */
export const Trade = Type.Object(
  {
    closeTime: Type.Number(),
    scoreDelta: Nullable(Type.Number()),
    coin: Type.Optional(Type.String()),
    side: Type.Optional(Direction),
    openTime: Type.Optional(Type.Number()),
    entryPx: Type.Optional(Type.Number()),
    exitPx: Type.Optional(Type.Number()),
    notionalUsd: Type.Optional(Type.Number()),
    pnlUsd: Type.Optional(Type.Number()),
  },
  { additionalProperties: true },
);

/** The score and its components at one moment (a stored score record). */
export const ScorePoint = Type.Object({
  time: Type.Number(),
  score: Type.Number(),
  confidence: Type.Number(),
  trades: Type.Integer(),
  components: Components,
});

export const WalletDetail = Type.Object({
  wallet: Type.String(),
  time: Type.Number(),
  score: Type.Number(),
  confidence: Type.Number(),
  trades: Type.Integer(),
  components: Components,
  history: Type.Array(Type.Object({ time: Type.Number(), score: Type.Number() })),
  timeline: Type.Optional(
    Type.Array(ScorePoint, {
      description:
        'the score with its confidence, trades and components as the store recorded them (its cadence), oldest first; live: the engines’ current one last',
    }),
  ),
  movers: Type.Array(Trade, { description: 'the closed trades that moved the score most, largest first' }),
  positions: Type.Array(Position),
});

export const GlassEventBody = Type.Object(
  {
    id: Type.String(),
    type: EventTypeName,
    coin: Type.String(),
    time: Type.Number(),
    severity: Type.String(),
    priority: Type.Optional(
      Type.Union([Type.Literal('P0'), Type.Literal('P1'), Type.Literal('P2')], {
        description: 'delivery tier, p99 receive→client target: P0 100 ms, P1 500 ms, P2 2 s (absent: stored before tiers)',
      }),
    ),
    hops: Type.Optional(
      Type.Object(
        {
          venueTime: Type.Number(),
          receivedAt: Nullable(Type.Number({ description: 'receive time of the causing venue message' })),
          detectedAt: Type.Number({ description: 'live: wall clock at emit; replay: receivedAt (deterministic)' }),
          publishedAt: Type.Optional(Type.Number()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true, description: 'the GlassEvent as the engines emit it (see src/domain/glass-event.ts)' },
);

export const EventRecord = Type.Object({
  id: Type.Integer({ description: 'position in the event stream: 1, 2, 3, …' }),
  type: EventTypeName,
  coin: Type.String(),
  time: Type.Number({ description: 'venue time of the causing market event (ms)' }),
  receivedAt: Type.Number({ description: 'receive time of the causing venue message (ms)' }),
  detectedAt: Type.Number({ description: 'wall-clock time the engine emitted it (ms)' }),
  event: GlassEventBody,
});

/**
 * What the price did after an episode was detected: the return in the episode's direction from
 * the mark as of the SYNDICATE_DETECTED event to each horizon, as the accuracy ledger graded it
 * or, with no stored grade, from the stored maps' marks. Only horizons that ended by `at`.
 */
export const SyndicateOutcome = Type.Object({
  source: Type.Union([Type.Literal('ledger'), Type.Literal('marks')]),
  startPx: Type.Number(),
  horizonsMs: Type.Array(Type.Number()),
  returns: Type.Array(Nullable(Type.Number()), { description: 'simple return × direction per horizon; null: not ended yet' }),
  hit: Nullable(Type.Boolean({ description: 'the ledger’s verdict (null: not graded)' })),
});

export const Syndicate = Type.Object({
  syndicateId: Type.String(),
  coin: Type.String(),
  direction: Direction,
  firstTime: Type.Number(),
  lastTime: Type.Number(),
  memberCount: Type.Integer(),
  notionalUsd: Type.Number(),
  meanScore: Nullable(Type.Number()),
  members: Type.Array(
    Type.Object(
      {
        wallet: Type.String(),
        score: Nullable(Type.Number()),
        notionalUsd: Type.Number(),
        entity: Type.Optional(Type.String({ description: 'the entity (wallets one actor controls) the wallet belongs to' })),
      },
      { additionalProperties: true, description: 'the evidence as the events carry it (an `entity` when one is known)' },
    ),
  ),
  lastEventId: Type.Integer(),
  detectedEventId: Type.Optional(Type.String({ description: 'the id of the episode’s SYNDICATE_DETECTED event' })),
  outcome: Type.Optional(Nullable(SyndicateOutcome)),
  // From the newest event of the episode, when the detector sets them.
  surprise: Type.Optional(Type.Number({ description: 'how unlikely the co-movement is by chance (detector’s measure)' })),
  pValue: Type.Optional(Type.Number()),
  class: Type.Optional(Type.Union([Type.Literal('lead'), Type.Literal('reaction'), Type.Literal('unclear')])),
  entities: Type.Optional(
    Type.Union([Type.Number(), Type.Array(Type.Unknown())], {
      description: 'distinct entities among the members, as the event carries it',
    }),
  ),
});

export const RiskRequest = Type.Object(
  {
    coin: CoinParam,
    side: Direction,
    entry: Type.Number({ exclusiveMinimum: 0, maximum: 1e15, description: 'entry price' }),
    size: Type.Number({ exclusiveMinimum: 0, maximum: 1e15, description: 'size in coin units' }),
    leverage: Type.Optional(Type.Number({ minimum: 1, maximum: 1000 })),
    stop: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e15 })),
    at: Type.Optional(At),
  },
  { additionalProperties: false },
);

export const RiskAdvice = Type.Object({
  coin: Type.String(),
  time: Type.Number(),
  markPx: Type.Number(),
  liquidationPx: Nullable(Type.Number()),
  exitPx: Nullable(Type.Number()),
  stopBeyondLiquidation: Type.Optional(Type.Boolean({ description: 'the stop lies beyond the liquidation price' })),
  warnings: Type.Optional(
    Type.Array(Type.String(), {
      description: 'what makes the position as given doubtful (leverage past the venue, entry far from the mark)',
    }),
  ),
  whaleNetUsd: Type.Optional(Type.Number({ description: 'score-weighted net whale notional (+ long, − short)' })),
  zonesInPath: Type.Array(
    Type.Object(
      {
        side: Type.String(),
        lo: Type.Number(),
        hi: Type.Number(),
        peakPx: Type.Number(),
        notionalUsd: Type.Number(),
        touchProbability: Type.Number(),
      },
      { additionalProperties: true },
    ),
  ),
  whaleBias: Type.Union([Type.Literal('with you'), Type.Literal('against you'), Type.Literal('neutral')]),
  suggestions: Type.Array(
    Type.Object({
      action: Type.Union([Type.Literal('stop'), Type.Literal('size'), Type.Literal('leverage'), Type.Literal('timing')]),
      value: Nullable(Type.Number()),
      reason: Type.String(),
    }),
  ),
});

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  mode: Type.Union([Type.Literal('engines'), Type.Literal('store')]),
  lastEventId: Type.Integer(),
  lastEventTime: Nullable(Type.Number()),
  ingestLagMs: Nullable(
    Type.Number({
      description:
        'live ingest only (glass live --serve): now minus the receive time of the newest ingested venue message (ms); null for a replay, the demo, or glass serve over a store (their times are not the wall clock)',
    }),
  ),
  streamClients: Type.Integer(),
  uptimeS: Type.Number(),
});

/** GET /v1: what this API is and where to go next. */
export const ApiIndex = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'the package version' }),
  links: Type.Object({
    openapi: Type.String(),
    health: Type.String(),
    dashboard: Type.String(),
  }),
  endpoints: Type.Array(Type.Object({ method: Type.String(), path: Type.String(), summary: Type.Optional(Type.String()) }), {
    description: 'the registered /v1 routes',
  }),
});

export const CoinsPage = page(CoinSummary);
/** Which positions /v1/positions covers: it depends on where the answer comes from. */
export const PositionScope = Type.Union([Type.Literal('all'), Type.Literal('tracked')], {
  description:
    'all: every open position the running engines hold (a serving demo, live or replay, without at=); tracked: the positions of the wallets the Whale Hunter tracks, as the store last snapshotted them (glass serve, and any at=)',
});
export const PositionsPage = Type.Object({ ...page(Position).properties, scope: PositionScope });
export const WalletsPage = page(WalletScore);
export const EventsPage = Type.Object({
  ...page(EventRecord).properties,
  follow: Type.String({
    description:
      'cursor past this page (past the cursor given when the page is empty), never null: polling with it follows the log, an empty page meaning nothing new yet',
  }),
});
export const SyndicatesPage = page(Syndicate);

/** Query strings, each with the point in time and the cursor. */
export const AtQuery = Type.Object({ at: Type.Optional(At) });
export const CoinsQuery = Type.Object({ at: Type.Optional(At), cursor: Type.Optional(Cursor), limit: Type.Optional(Limit(100)) });
export const HeatmapQuery = Type.Object({
  at: Type.Optional(At),
  history: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1440,
      description:
        'rows of the price × time grid over the last N minutes, newest last: one a minute where the engines keep the grid; from the store (and engines that keep none, as a live run or a demo), the last stored map of each minute that has one (maps are stored every 5 minutes of venue time and on zone events), so fewer rows than N',
    }),
  ),
});
export const PositionsQuery = Type.Object({
  coin: Type.Optional(CoinParam),
  wallet: Type.Optional(WalletParam),
  minNotional: Type.Optional(Type.Number({ minimum: 0, maximum: 1e15 })),
  near: Type.Optional(Type.Literal('zone', { description: 'only positions whose liquidation price falls in a current zone' })),
  at: Type.Optional(At),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Limit(100)),
});
export const WalletsQuery = Type.Object({
  sort: Type.Optional(Type.Literal('score')),
  minTrades: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description:
        'only wallets with at least this many closed round trips. Default 1: every scored wallet, so a client sees the whole population and filters it itself. `glass score` defaults to 20 (its table is a ranking for a person to read, where a few lucky trades would top the list); minTrades=20 gives that list',
    }),
  ),
  at: Type.Optional(At),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Limit(50)),
});
export const EventsQuery = Type.Object({
  type: Type.Optional(
    Patterned('^[A-Za-z_]+(,[A-Za-z_]+)*$', TYPES_MESSAGE, {
      maxLength: 400,
      description: 'one type or several, comma-separated, any case',
    }),
  ),
  coin: Type.Optional(CoinParam),
  since: Type.Optional(At),
  at: Type.Optional(At),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Limit(100)),
});
export const SyndicatesQuery = Type.Object({
  coin: Type.Optional(CoinParam),
  at: Type.Optional(At),
  cursor: Type.Optional(Cursor),
  limit: Type.Optional(Limit(50)),
});
export const CoinPath = Type.Object({ coin: CoinParam });
export const WalletPath = Type.Object({ address: WalletParam });

export type HeatmapT = Static<typeof Heatmap>;
export type HistoryRowT = Static<typeof HistoryRow>;
export type ZoneT = Static<typeof Zone>;
export type CoinSummaryT = Static<typeof CoinSummary>;
export type PositionT = Static<typeof Position>;
export type WalletScoreT = Static<typeof WalletScore>;
export type WalletDetailT = Static<typeof WalletDetail>;
export type EventRecordT = Static<typeof EventRecord>;
export type SyndicateT = Static<typeof Syndicate>;
export type RiskRequestT = Static<typeof RiskRequest>;
export type RiskAdviceT = Static<typeof RiskAdvice>;
export type HealthT = Static<typeof Health>;

/** /v1/stream: the query string a client may connect with, and the message it may send. */
export const StreamQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'resume past this event id: everything since, in order, then live' })),
  coins: Type.Optional(CoinList('comma-separated coins, any case (default: all; empty: none)')),
  types: Type.Optional(
    Patterned('^([A-Za-z_]+(,[A-Za-z_]+)*)?$', TYPES_MESSAGE, {
      maxLength: 400,
      description: 'comma-separated event types, any case (default: all; empty: none, for heatmap deltas alone, as "types":[])',
    }),
  ),
  heatmap: Type.Optional(CoinList('comma-separated coins to receive heatmap deltas of')),
});

export const SubscribeMessage = Type.Object(
  {
    op: Type.Literal('subscribe'),
    coins: Type.Optional(Type.Array(CoinParam, { maxItems: 500 })),
    types: Type.Optional(Type.Array(EventTypeName, { maxItems: 50 })),
    heatmap: Type.Optional(Type.Array(CoinParam, { maxItems: 50 })),
    after: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type SubscribeMessageT = Static<typeof SubscribeMessage>;
