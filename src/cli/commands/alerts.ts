import { readFileSync } from 'node:fs';
import {
  AlertRules,
  DEFAULT_DELIVERY,
  Deliverer,
  type DeliveryOptions,
  type Destination,
  type DropReason,
  ledgerView,
  parseRules,
  type Rule,
} from '../../alerts/index.ts';
import type { Alert } from '../../alerts/types.ts';
import { fmtUsd, tidy } from '../../domain/format.ts';
import { AccuracyLedger, type Grade } from '../../engine/ledger/index.ts';
import type { HunterOptions } from '../../engine/whales/hunter.ts';
import { InputError } from '../../recording/errors.ts';
import { describeSpec, storeSpec } from '../../store/open.ts';
import { openOutbox } from '../../store/outbox.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { attachEngines, SIM_WHALES } from '../engines.ts';
import { playFile } from '../load.ts';
import { fmtInt, note, out, printJson } from '../output.ts';

export const alertsSpec: CommandSpec = {
  name: 'alerts',
  summary: 'Alert rules tried on a recording (with the ledger’s grade of each alert), and the outbox’s dead letters.',
  usage:
    'test RULE.json F [--json] [--dropped] [--sim-scale] | deliver [RULE.json] [--db SPEC] [--lease-ms N] [--timeout-ms N] | dead [--db SPEC] [--limit N] [--json]',
  options: {
    json: { type: 'boolean' },
    dropped: { type: 'boolean' },
    'sim-scale': { type: 'boolean' },
    db: { type: 'string' },
    limit: { type: 'string' },
    'lease-ms': { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  help: [
    'test RULE.json F  which events of recording F the rules (docs/alerts.md) would have sent, each with the',
    '                  ledger’s standing of its type then and its grade once its horizon ended (F played',
    '                  through every engine, CASCADE_RISK raised, and the accuracy ledger; times are venue times)',
    '--dropped         also list the matching events the rules dropped, with the reason (muted, cooldown, …)',
    '--sim-scale       whales of the simulator’s scale (as glass ledger --sim-scale)',
    'deliver [RULE.json]  delivers the store’s alert outbox to the rules’ destinations until stopped (no file:',
    '                  the rules stored through /v1/alerts); retries with backoff, 429 retry_after honoured,',
    '                  dead letters; a killed deliverer loses nothing (at-least-once)',
    '--lease-ms N      how long a claimed alert is held before another deliverer may take it (default 30000)',
    '--timeout-ms N    one attempt’s bound (default 10000)',
    'dead              the outbox’s dead-letter list (alerts not delivered, with the last error)',
    '--db SPEC         the store (a SQLite file or postgres://…; default GLASS_DATABASE_URL or ./glass.sqlite)',
    '--limit N         rows of the dead-letter list (default 50)',
    '--json            JSON instead of the table',
  ],
  positionals: { min: 1, max: 3 },
};

interface Tried {
  readonly alert: Alert;
  grade: Grade | null;
}

export async function alertsCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(alertsSpec, argv);
  if (p === null) return 0;
  const [sub, ...rest] = p.positionals;
  if (sub === 'dead') {
    if (rest.length > 0) throw new UsageError('alerts dead takes no file (use --db)');
    return dead(strOption(p, 'db'), intOption(p, 'limit', 50, 1, 10_000), flag(p, 'json'));
  }
  if (sub === 'deliver') {
    if (rest.length > 1) throw new UsageError('alerts deliver takes at most a rule file: glass alerts deliver [RULE.json] [--db SPEC]');
    // No file: the rules stored through /v1/alerts.
    const rules = rest[0] === undefined ? null : parseRules(readRules(rest[0]), rest[0]);
    const timeoutMs = intOption(p, 'timeout-ms', DEFAULT_DELIVERY.timeoutMs, 1, 600_000);
    const leaseMs = intOption(p, 'lease-ms', DEFAULT_DELIVERY.leaseMs, timeoutMs + 1, 3_600_000);
    return deliver(rules, strOption(p, 'db'), { timeoutMs, leaseMs });
  }
  if (sub !== 'test') throw new UsageError(`alerts: unknown subcommand ${sub ?? ''} (test RULE.json F, or dead)`);
  if (rest.length !== 2) throw new UsageError('alerts test takes a rule file and a recording: glass alerts test RULE.json F');
  const [ruleFile, file] = rest as [string, string];
  const rules = parseRules(readRules(ruleFile), ruleFile);
  const tried = new Map<string, Tried[]>();
  const alerts: Tried[] = [];
  const dropped: { reason: DropReason; detail: string; rule: string; eventId: string; type: string; coin: string; time: number }[] = [];
  const ledger = new AccuracyLedger({
    grade: (g) => {
      for (const t of tried.get(g.id) ?? []) t.grade = g;
      tried.delete(g.id);
    },
  });
  const engine = new AlertRules(rules, ledgerView(ledger));
  const whales: Partial<HunterOptions> = flag(p, 'sim-scale') ? { ...SIM_WHALES } : {};
  await playFile(file, (pl) => {
    attachEngines(
      pl,
      whales,
      (e) => {
        // Before the ledger takes the event: the standing the alert would have carried.
        for (const d of engine.evaluate(e, { now: e.time })) {
          if (d.kind === 'alert') {
            const t: Tried = { alert: d.alert, grade: null };
            alerts.push(t);
            const list = tried.get(e.id) ?? [];
            list.push(t);
            tried.set(e.id, list);
          } else {
            dropped.push({ reason: d.reason, detail: d.detail, rule: d.rule.id, eventId: e.id, type: e.type, coin: e.coin, time: e.time });
          }
        }
      },
      { alerts: true },
      // The engines' own ledger: it takes each event right after the rules saw it.
      ledger,
    );
  });
  const reasons: Partial<Record<DropReason, number>> = {};
  for (const d of dropped) reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
  if (flag(p, 'json')) {
    await printJson(
      tidy({
        rules: ruleFile,
        file,
        alerts: alerts.map((t) => ({ alert: { ...t.alert, event: undefined }, eventId: t.alert.event.id, grade: t.grade })),
        dropped: flag(p, 'dropped') ? dropped : undefined,
        droppedByReason: reasons,
      }),
    );
    return 0;
  }
  const graded = alerts.filter((t) => t.grade !== null);
  const hits = graded.filter((t) => t.grade?.hit === true).length;
  const lines = [
    `${ruleFile} on ${file}: ${fmtInt(alerts.length)} alerts (${fmtInt(alerts.filter((t) => t.alert.update === 0).length)} threads), ` +
      `${fmtInt(dropped.length)} dropped${
        dropped.length > 0
          ? ` (${Object.entries(reasons)
              .map(([r, n]) => `${fmtInt(n)} ${r}`)
              .join(', ')})`
          : ''
      }; ` +
      `graded ${fmtInt(graded.length)}: ${fmtInt(hits)} right${graded.length > 0 ? ` (${Math.round((100 * hits) / graded.length)} %)` : ''}`,
  ];
  if (alerts.length > 0) {
    const head = ['venue time', 'rule', 'type', 'coin', 'side', 'notional', 'P', 'thread', 'ledger then', 'grade'];
    const body = alerts.map((t) => {
      const a = t.alert;
      const f = a.fields;
      const L = a.ledger;
      return [
        iso(a.hops.venue),
        a.ruleId,
        f.type,
        f.coin,
        f.side ?? '—',
        fmtUsd(f.notionalUsd),
        f.probability === null ? '—' : `${Math.round(100 * f.probability)} %`,
        a.update === 0 ? 'new' : `update ${a.update}`,
        L === null || L.hitRate === null
          ? 'not graded yet'
          : `${Math.round(100 * L.hitRate)} % of ${L.graded}${L.lift === null ? '' : ` (${L.lift.toFixed(2)}×)`}${L.muted ? ' muted' : ''}`,
        gradeText(t.grade),
      ];
    });
    lines.push('', ...columns(head, body));
  }
  if (flag(p, 'dropped') && dropped.length > 0) {
    lines.push('', 'dropped:');
    for (const d of dropped) lines.push(`  ${iso(d.time)}  ${d.rule}  ${d.type} ${d.coin}: ${d.reason} — ${d.detail}`);
  }
  await out.line(lines.join('\n'));
  return 0;
}

function readRules(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** Runs the deliverer until SIGINT/SIGTERM; each settled row is one line on stderr. */
async function deliver(fromFile: Rule[] | null, db: string | undefined, opts: Partial<DeliveryOptions>): Promise<number> {
  const outbox = await openOutbox(db);
  let rules = fromFile;
  if (rules === null) rules = (await outbox.rules()).map((r) => JSON.parse(r.json) as Rule);
  const destinations: Destination[] = rules.flatMap((r) => r.destinations ?? []);
  if (destinations.length === 0) {
    await outbox.close();
    throw new UsageError(`deliver: the rules${fromFile === null ? ' stored in the store (/v1/alerts)' : ''} name no destination`);
  }
  const d = new Deliverer(outbox, destinations, opts, (r) => {
    if (r.state !== 'delivered') note(`${r.row.key}: ${r.state} — ${r.detail}`);
  });
  note(`glass alerts deliver: ${destinations.length} destinations, outbox of ${describeSpec(storeSpec(db))}`);
  d.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await d.stop();
  await outbox.close();
  return 0;
}

function gradeText(g: Grade | null): string {
  if (g === null) return 'pending (horizon past the end)';
  const verdict = g.hit ? 'right' : 'wrong';
  switch (g.kind) {
    case 'touch':
      return g.leadMs === null ? `${verdict}: zone not reached` : `${verdict}: reached in ${Math.round(g.leadMs / 60_000)} min`;
    case 'sweep':
      return `${verdict}: ${Math.round(100 * g.realisedShare)} % of the zone liquidated`;
    case 'direction': {
      const r = g.returns[1];
      return `${verdict}: ${r === undefined ? '—' : `${(1e4 * r).toFixed(0)} bp`} in 1 h`;
    }
    case 'move':
      return `${verdict}: moved ${(1e4 * g.absReturn).toFixed(0)} bp in 1 h (${g.expect} against the usual ${(1e4 * g.line).toFixed(0)} bp)`;
  }
}

async function dead(db: string | undefined, limit: number, json: boolean): Promise<number> {
  const outbox = await openOutbox(db);
  try {
    const rows = await outbox.list('dead', limit);
    if (json) {
      await printJson(
        rows.map((r) => ({ key: r.key, destination: r.destination, attempts: r.attempts, at: r.nextAt, error: r.lastError })),
      );
      return 0;
    }
    const c = await outbox.counts();
    const lines = [`outbox: ${fmtInt(c.pending)} pending, ${fmtInt(c.delivered)} delivered, ${fmtInt(c.dead)} dead`];
    for (const r of rows) lines.push(`  ${iso(r.nextAt)}  ${r.key}  after ${r.attempts} attempts: ${r.lastError ?? ''}`);
    await out.line(lines.join('\n'));
    return 0;
  } finally {
    await outbox.close();
  }
}

function columns(head: readonly string[], body: readonly string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const fmt = (row: readonly string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...body.map(fmt)];
}

function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ');
}
