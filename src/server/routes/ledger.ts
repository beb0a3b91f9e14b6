import { type TSchema, Type } from 'typebox';
import { tidy } from '../../domain/format.ts';
import type { GlassEventType } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import { type AccuracyLedger, GradeBook, type LedgerRow } from '../../engine/ledger/index.ts';
import { cascadeMuteReason, type EvidenceStanding, type HonestyLedger } from '../../engine/probability/honest.ts';
import type { CascadeCoefficients } from '../../engine/probability/model.ts';
import type { Store } from '../../store/types.ts';
import type { App, RouteDeps } from '../app.ts';
import { notFound } from '../errors.ts';
import { At, CoinParam, ErrorBody, EventTypeName } from '../schemas.ts';
import { parseTime } from '../time.ts';
import type { GlassView } from '../view.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const LedgerQuery = Type.Object({
  type: Type.Optional(EventTypeName),
  coin: Type.Optional(CoinParam),
  at: Type.Optional(At),
});

const Evidence = Type.Object(
  {
    helps: Nullable(Type.Boolean()),
    n: Type.Integer(),
    modelBrier: Nullable(Type.Number()),
    recalibratedBrier: Nullable(Type.Number()),
  },
  { description: 'whether the evidence term improves walk-forward Brier on the recalibrated baseline (null: too few grades)' },
);

export const LedgerRowBody = Type.Object(
  {
    type: EventTypeName,
    coin: Nullable(Type.String()),
    count: Type.Integer(),
    graded: Type.Integer(),
    pending: Type.Integer(),
    hits: Type.Integer(),
    hitRate: Nullable(Type.Number()),
    baseline: Nullable(Type.Number()),
    lift: Nullable(Type.Number()),
    muted: Type.Boolean(),
    mutedReason: Nullable(Type.String()),
    evidence: Nullable(Evidence),
    alert: Type.Optional(
      Type.Object(
        { muted: Type.Boolean(), reason: Nullable(Type.String()) },
        {
          description:
            'CASCADE_RISK: an alert only while its type is unmuted on the ledger (each event also needs a threshold validated walk-forward); else muted, with why',
        },
      ),
    ),
  },
  { additionalProperties: true, description: 'a row of `glass ledger --json` (see src/engine/ledger/tally.ts LedgerRow)' },
);

export const LedgerBody = Type.Object({
  source: Type.Union([Type.Literal('engines'), Type.Literal('store')], {
    description: 'engines: the live engines’ ledger; store: rebuilt from the stored grades whose horizon ended by `at` (or all)',
  }),
  at: Type.Optional(Type.Number({ description: 'the point in time asked for (ms): grades with horizonEnd <= at only' })),
  from: Nullable(Type.Number({ description: 'time of the first event seen (store: of the first graded event) (ms)' })),
  time: Nullable(
    Type.Number({ description: 'the ledger’s clock: the latest venue time it has seen (store: the newest horizon end) (ms)' }),
  ),
  recalibration: Type.Object({
    coefficients: Type.Object({ intercept: Type.Number(), baseline: Type.Number(), flow: Type.Number(), syndicates: Type.Number() }),
    fittedOn: Type.Integer({ description: 'graded forecasts the walk-forward recalibration was last fitted on (0: p₀ as it is)' }),
  }),
  rows: Type.Array(LedgerRowBody, { description: 'per event type over every coin (with ?coin=: per type on that coin)' }),
});

/** A view that can hand over the accuracy ledger of engines running in this process. */
export interface LedgerSource {
  ledger(): AccuracyLedger | null;
}

function ledgerOf(view: GlassView): AccuracyLedger | null {
  const v = view as GlassView & Partial<LedgerSource>;
  return typeof v.ledger === 'function' ? v.ledger() : null;
}

/** Types whose probability carries an evidence term: the ledger's verdict on it rides on their rows. */
const PROBABILITY_TYPES = new Set<GlassEventType>(['WHALE_NEAR_ZONE', 'SYNDICATE_NEAR_ZONE', 'CASCADE_RISK']);

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** Grades read from the store per query. */
const PAGE = 5000;

/** What a ledger answer is built from: the live AccuracyLedger, or a GradeBook over the stored grades. */
interface LedgerSnapshot {
  readonly source: 'engines' | 'store';
  readonly from: number;
  readonly time: number;
  readonly recalibration: { readonly coefficients: CascadeCoefficients; readonly fittedOn: number };
  readonly judge: Pick<HonestyLedger, 'muteReason' | 'evidenceStanding'>;
  rows(byCoin: boolean): LedgerRow[];
}

function live(ledger: AccuracyLedger): LedgerSnapshot {
  return {
    source: 'engines',
    from: ledger.firstTime,
    time: ledger.clock,
    recalibration: ledger.recalibration,
    judge: ledger,
    rows: (byCoin) => ledger.rows(byCoin),
  };
}

/**
 * The ledger as the store knew it at `at`: every stored grade whose horizon ended by then, in
 * grade order, through a GradeBook (the same tallies, mutes, evidence and recalibration the
 * engines' ledger had), with the events stored up to `at` as the counts.
 */
async function stored(store: Store, at: number | undefined, coin: Coin | undefined): Promise<LedgerSnapshot> {
  const book = new GradeBook();
  for (let after = 0; ; ) {
    const page = await store.grades({ ...(at === undefined ? {} : { at }), afterId: after, limit: PAGE });
    for (const r of page) book.add(r.grade);
    const last = page.at(-1);
    if (page.length < PAGE || last?.id === undefined) break;
    after = last.id;
  }
  const all = await store.eventCounts(at === undefined ? {} : { at });
  const one = coin === undefined ? {} : await store.eventCounts({ ...(at === undefined ? {} : { at }), coin });
  return {
    source: 'store',
    from: book.from,
    time: book.time,
    recalibration: book.recalibration,
    judge: book,
    rows: (byCoin) => book.rows(byCoin, (t, c) => (c === null ? all : c === coin ? one : {})[t] ?? 0),
  };
}

/**
 * GET /v1/ledger?type=&coin=&at=: the accuracy ledger. "Now" is the live engines' ledger when
 * engines run in this process; `at=`, and a server over a bare store, answer from the grades the
 * recorder stored (a grade is visible from its horizon's end on). 404 when neither has any.
 */
export function ledgerRoutes(app: App, { view, store }: RouteDeps): void {
  app.get(
    '/ledger',
    {
      schema: {
        summary: 'The accuracy ledger: every event graded against what the market did next, per type (and coin); muted types say why',
        querystring: LedgerQuery,
        response: { 200: LedgerBody, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const { type } = req.query;
      const coin = req.query.coin as Coin | undefined;
      const at = parseTime('at', req.query.at);
      const engines = at === undefined ? ledgerOf(view) : null;
      let snap: LedgerSnapshot | null = engines === null ? null : live(engines);
      if (snap === null && store !== undefined) {
        snap = await stored(store, at, coin);
        // Nothing graded and nothing seen: no ledger to speak of (yet).
        if (snap.time === Number.NEGATIVE_INFINITY && Object.keys(await store.eventCounts(at === undefined ? {} : { at })).length === 0)
          snap = null;
      }
      if (snap === null) {
        throw notFound(
          at !== undefined
            ? `no ledger at ${req.query.at}: the store holds no events or grades by then`
            : view.mode === 'store'
              ? 'no ledger: the store holds no events or grades (glass replay F --db or a serving command writes them)'
              : 'no ledger yet: the engines have not started',
        );
      }
      const judge = snap.judge;
      const pick = (r: LedgerRow) => (type === undefined || r.type === type) && (coin === undefined || r.coin === coin);
      const rows = snap.rows(coin !== undefined).filter(pick);
      const standing = (t: GlassEventType): EvidenceStanding | null => (PROBABILITY_TYPES.has(t) ? judge.evidenceStanding(t) : null);
      // CASCADE_RISK is an alert only while its type is unmuted on the ledger (its events also say whether their threshold was validated).
      const alert = (r: LedgerRow) => {
        if (r.type !== 'CASCADE_RISK') return {};
        const reason = cascadeMuteReason(judge, r.coin ?? undefined, null);
        return { alert: { muted: reason !== null, reason } };
      };
      // At the documented precision, as `glass ledger --json` prints it (format.ts's tidy).
      return tidy({
        source: snap.source,
        ...(at === undefined ? {} : { at }),
        from: finite(snap.from),
        time: finite(snap.time),
        recalibration: snap.recalibration,
        rows: rows.map((r) => ({ ...r, evidence: standing(r.type), ...alert(r) })),
      });
    },
  );
}
