import { type TSchema, Type } from 'typebox';
import type { GlassEventType } from '../../domain/glass-event.ts';
import type { AccuracyLedger, LedgerRow } from '../../engine/ledger/index.ts';
import { cascadeMuteReason, type EvidenceStanding, evidenceUse } from '../../engine/probability/honest.ts';
import type { App, RouteDeps } from '../app.ts';
import { notFound } from '../errors.ts';
import { CoinParam, ErrorBody, EventTypeName } from '../schemas.ts';
import type { GlassView } from '../view.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const LedgerQuery = Type.Object({
  type: Type.Optional(EventTypeName),
  coin: Type.Optional(CoinParam),
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
        { description: 'CASCADE_RISK: raised as an alert only while its type is unmuted and its evidence helps; else muted, with why' },
      ),
    ),
  },
  { additionalProperties: true, description: 'a row of `glass ledger --json` (see src/engine/ledger/tally.ts LedgerRow)' },
);

export const LedgerBody = Type.Object({
  source: Type.Literal('engines'),
  from: Nullable(Type.Number({ description: 'time of the first event seen (ms)' })),
  time: Nullable(Type.Number({ description: 'the ledger’s clock: the latest venue time it has seen (ms)' })),
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

/** GET /v1/ledger?type=&coin=: the live engines' accuracy ledger (404 over a bare store: it has none). */
export function ledgerRoutes(app: App, { view }: RouteDeps): void {
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
      const ledger = ledgerOf(view);
      if (ledger === null) {
        throw notFound(
          view.mode === 'store'
            ? 'no ledger over a bare store: the ledger is kept by engines running in this process (glass live --serve, or a recording served with its engines)'
            : 'no ledger yet: the engines have not started',
        );
      }
      const { type, coin } = req.query;
      const pick = (r: LedgerRow) => (type === undefined || r.type === type) && (coin === undefined || r.coin === coin);
      const rows = (coin === undefined ? ledger.rows() : ledger.rows(true)).filter(pick);
      const standing = (t: GlassEventType): EvidenceStanding | null => (PROBABILITY_TYPES.has(t) ? ledger.evidenceStanding(t) : null);
      // CASCADE_RISK is an alert only while its type is unmuted and its evidence helps (honest.ts).
      const alert = (r: LedgerRow) => {
        if (r.type !== 'CASCADE_RISK') return {};
        const reason = cascadeMuteReason(ledger, r.coin ?? undefined, evidenceUse(r.type, ledger.evidenceStanding(r.type)));
        return { alert: { muted: reason !== null, reason } };
      };
      return {
        source: 'engines' as const,
        from: finite(ledger.firstTime),
        time: finite(ledger.clock),
        recalibration: ledger.recalibration,
        rows: rows.map((r) => ({ ...r, evidence: standing(r.type), ...alert(r) })),
      };
    },
  );
}
