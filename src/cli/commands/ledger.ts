import { tidy } from '../../domain/format.ts';
import { AccuracyLedger, DEFAULT_LEDGER, type LedgerRow } from '../../engine/ledger/index.ts';
import type { HunterOptions } from '../../engine/whales/hunter.ts';
import { DEFAULT_WHALE_POLICY } from '../../engine/whales/policy.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { attachEngines, SIM_WHALES } from '../engines.ts';
import { playFile } from '../load.ts';
import { fmtInt, out, printJson, setStatus } from '../output.ts';
import { progressWanted } from '../progress.ts';
import { eventTypeOption, whaleSizeOptions } from '../validate.ts';

export const ledgerSpec: CommandSpec = {
  name: 'ledger',
  summary: 'The accuracy ledger of a recording: every event Glass emits, graded against what the market did next.',
  usage: 'F [--json | --grades] [--coin C] [--type T] [--by-coin] [--sim-scale] [--min-account U] [--min-position U] [--strict]',
  options: {
    json: { type: 'boolean' },
    grades: { type: 'boolean' },
    coin: { type: 'string' },
    type: { type: 'string' },
    'by-coin': { type: 'boolean' },
    'sim-scale': { type: 'boolean' },
    'min-account': { type: 'string' },
    'min-position': { type: 'string' },
    strict: { type: 'boolean' },
  },
  help: [
    'F                 a recording, played through every engine (CASCADE_RISK raised, to be graded) and the ledger',
    '--json            the table as JSON (rows, reliability bins, returns per horizon, the recalibration)',
    '--grades          NDJSON: every grade as it is emitted (its horizon ended), filtered by --coin / --type; no table',
    '--coin C          the rows of one coin (each event type on C)',
    '--type T          one event type (e.g. CASCADE_RISK)',
    '--by-coin         after the per-type table, every type on every coin',
    '--sim-scale       whales of the simulator’s scale (account $200k or position $1M, syndicates from $50k)',
    `--min-account U   a wallet is a whale with an account of at least U USD (default ${DEFAULT_WHALE_POLICY.minAccountUsd})`,
    `--min-position U  … or a position of at least U USD (default ${DEFAULT_WHALE_POLICY.minPositionUsd})`,
    'Zone events: hit = the price path touches the zone’s peak within 4 h (lead: event → first touch);',
    'baseline = the event’s volatility probability p0. ZONE_SWEPT: hit = at least half the zone’s notional',
    'really liquidated in its range. WHALE_* / SYNDICATE_*: hit = return in the event’s direction at 1 h > 0;',
    'baseline = how often the coin moved that way over 1 h at random times (every 5 min) graded before.',
    'A type is muted while its hit rate’s Wilson upper bound over its last 100 grades is below the baseline.',
  ],
  positionals: { min: 1, max: 1 },
};

export async function ledgerCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(ledgerSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const type = eventTypeOption(p);
  const coin = strOption(p, 'coin');
  const whales: Partial<HunterOptions> = flag(p, 'sim-scale') ? { ...SIM_WHALES } : {};
  const policy = whaleSizeOptions(p, whales.policy);
  const grades = flag(p, 'grades');
  if (grades && flag(p, 'json')) throw new UsageError('--json prints the table, --grades every grade: choose one');
  const ledger = new AccuracyLedger({
    grade: grades
      ? (g) => {
          if ((type === undefined || g.type === type) && (coin === undefined || g.coin === coin)) out.write(`${JSON.stringify(tidy(g))}\n`);
        }
      : undefined,
  });
  await playFile(
    file,
    (pl) => {
      // CASCADE_RISK is raised here so it can be graded: the ledger is the walk-forward check.
      // The engines' own ledger (attached after them): the one their honest probabilities read.
      attachEngines(pl, { ...whales, policy }, undefined, { alerts: true }, ledger);
      // Progress (on a terminal, or as GLASS_PROGRESS says): the recording's time reached, every 100k market events.
      let n = 0;
      if (progressWanted()) {
        pl.market.subscribe(() => {
          if (++n % 100_000 === 0 && Number.isFinite(ledger.clock)) setStatus(`glass ledger: ${iso(ledger.clock)} …`);
        });
      }
    },
    { strict: flag(p, 'strict') },
  );
  setStatus(null);
  if (grades) return 0;
  const pick = (rows: LedgerRow[]) =>
    rows.filter((r) => (type === undefined || r.type === type) && (coin === undefined || r.coin === coin));
  const rows = coin === undefined ? pick(ledger.rows()) : [];
  const byCoin = coin !== undefined || flag(p, 'by-coin') ? pick(ledger.rows(true)) : [];
  if (coin !== undefined && byCoin.length === 0)
    throw new UsageError(`${file}: no event on ${coin}${type === undefined ? '' : ` of type ${type}`}`);
  if (flag(p, 'json')) {
    await printJson(
      tidy({
        file,
        from: Number.isFinite(ledger.firstTime) ? ledger.firstTime : null,
        to: Number.isFinite(ledger.clock) ? ledger.clock : null,
        horizons: {
          zoneMs: DEFAULT_LEDGER.zoneHorizonMs,
          convergenceMs: DEFAULT_LEDGER.convergenceHorizonMs,
          returnsMs: DEFAULT_LEDGER.returnHorizonsMs,
          hitReturnMs: DEFAULT_LEDGER.returnHorizonsMs[DEFAULT_LEDGER.hitHorizon],
        },
        recalibration: ledger.recalibration,
        rows,
        byCoin,
      }),
    );
    return 0;
  }
  const all = [...rows, ...byCoin];
  const graded = rows.length > 0 ? rows : byCoin;
  const count = graded.reduce((a, r) => a + r.count, 0);
  const lines = [
    `${file}: ${fmtInt(count)} events, ${fmtInt(graded.reduce((a, r) => a + r.graded, 0))} graded, ` +
      `${fmtInt(graded.reduce((a, r) => a + r.pending, 0))} pending (horizon past the recording’s end), ` +
      `${fmtInt(graded.reduce((a, r) => a + r.ungradable, 0))} ungradable` +
      (Number.isFinite(ledger.firstTime) ? ` — ${iso(ledger.firstTime)} to ${iso(ledger.clock)}` : ''),
  ];
  if (rows.length > 0) lines.push('', ...table(rows, false));
  if (byCoin.length > 0) lines.push('', ...table(byCoin, true));
  const directional = all.filter((r) => r.returns !== null);
  if (directional.length > 0) lines.push('', ...returnsTable(directional));
  const muted = all.filter((r) => r.mutedReason !== null);
  if (muted.length > 0) lines.push('', ...muted.map((r) => `${r.muted ? 'muted' : 'unmuted'} ${label(r)}: ${r.mutedReason}`));
  const rc = ledger.recalibration;
  lines.push(
    '',
    rc.fittedOn === 0
      ? 'recalibrated baseline: not fitted yet (too few graded forecasts): it is p0'
      : `recalibrated baseline (walk-forward, last fit on ${fmtInt(rc.fittedOn)} grades): logit p = ${sig(rc.coefficients.intercept)} + ${sig(rc.coefficients.baseline)}·logit p0`,
  );
  await out.line(lines.join('\n'));
  return 0;
}

function label(r: LedgerRow): string {
  return r.coin === null ? r.type : `${r.type} ${r.coin}`;
}

function table(rows: readonly LedgerRow[], byCoin: boolean): string[] {
  const head = [
    byCoin ? 'type / coin' : 'type',
    'count',
    'graded',
    'hit rate [Wilson 95 %]',
    'baseline',
    'lift',
    'median lead',
    'liq./notional',
    'Brier model / p0 / recal',
    'muted',
  ];
  const body = rows.map((r) => [
    label(r),
    fmtInt(r.count),
    fmtInt(r.graded),
    r.hitRate === null ? '—' : `${pct(r.hitRate)} [${pct(r.wilson?.lo)}–${pct(r.wilson?.hi)}]`,
    pct(r.baseline),
    r.lift === null ? '—' : `${sig(r.lift)}×`,
    r.medianLeadMs === null ? '—' : duration(r.medianLeadMs),
    pct(r.realisedShare),
    r.brier === null
      ? '—'
      : `${r.brier.model === null ? '—' : sig(r.brier.model)} / ${sig(r.brier.baseline)} / ${sig(r.brier.recalibrated)}`,
    r.muted ? 'yes' : 'no',
  ]);
  return columns(head, body, [false, true, true, true, true, true, true, true, true, false]);
}

function returnsTable(rows: readonly LedgerRow[]): string[] {
  const hs = rows[0]?.returns?.horizonsMs ?? [];
  const head = ['forward return in the event’s direction', 'n', ...hs.map((h) => `${duration(h)} (coin drift)`)];
  const body = rows.map((r) => [
    label(r),
    fmtInt(r.returns?.n ?? 0),
    ...hs.map((_, i) => `${bp(r.returns?.mean[i])} (${bp(r.returns?.drift[i] ?? undefined)})`),
  ]);
  return columns(head, body, [false, true, ...hs.map(() => true)]);
}

function columns(head: readonly string[], body: readonly string[][], right: readonly boolean[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (row: readonly string[]) =>
    row
      .map((c, i) => (right[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...body.map(fmt)];
}

/** Three significant figures, as people read a figure. */
function sig(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return String(Number(x.toPrecision(3)));
}

function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${sig(100 * x)} %`;
}

function bp(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${sig(1e4 * x)} bp`;
}

function duration(ms: number): string {
  if (ms >= 3600_000) return `${sig(ms / 3600_000)} h`;
  if (ms >= 60_000) return `${sig(ms / 60_000)} min`;
  return `${sig(ms / 1000)} s`;
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}
