import { fmtPx, fmtSz, roundPx, roundSz } from '../../domain/format.ts';
import type { MetaEvent, PositionSnapshotEvent } from '../../domain/market-event.ts';
import { type LiqRule, ruleAt } from '../../engine/heatmap/liquidation-price.ts';
import { MarginTables } from '../../engine/heatmap/margin-tables.ts';
import { snapshotLiquidations } from '../../engine/heatmap/snapshot-liquidations.ts';
import { InputError } from '../../recording/errors.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printJson, printText } from '../output.ts';

export const liqpxSpec: CommandSpec = {
  name: 'liqpx',
  summary: 'Liquidation price of every position in a clearinghouseState (computed beside the venue-reported one).',
  usage: 'F [--meta M] [--rule current|pre2024] [--json]',
  options: { meta: { type: 'string' }, rule: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' } },
  help: [
    'F              a clearinghouseState response file, or a recording (latest snapshot per wallet)',
    "--meta M       a meta response for maxLeverage, margin tiers and szDecimals (default: the recording's own meta)",
    '--rule R       current (2024 on) or pre2024 (no (1 − side·l) divisor); default: by the snapshot time',
    '--json         one JSON document: [{wallet, coin, szi, markPx, marginMode, maintenance, reported, computed, relErr, rule}];',
    '               prices as the venue writes them (5 significant figures, at most 6 − szDecimals decimals),',
    '               szi to the coin’s szDecimals, relErr to 3 significant figures',
  ],
  positionals: { min: 1, max: 1 },
};

function parseRule(s: string | undefined): LiqRule | null {
  if (s === undefined) return null;
  if (s === 'current' || s === 'pre2024') return s;
  throw new UsageError(`--rule takes current or pre2024, got ${s}`);
}

export async function liqpxCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(liqpxSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const rule = parseRule(strOption(p, 'rule'));
  const tables = new MarginTables();
  const metaFile = strOption(p, 'meta');
  if (metaFile !== undefined) {
    let metas = 0;
    await playFile(metaFile, (pl) =>
      pl.market.subscribe((e) => {
        if (e.type !== 'meta') return;
        metas++;
        tables.apply(e as MetaEvent);
      }),
    );
    if (metas === 0)
      throw new UsageError(`--meta ${metaFile}: not a meta response (no perp universe with maxLeverage and szDecimals in it)`);
  }
  const latest = new Map<string, PositionSnapshotEvent>();
  await playFile(
    file,
    (pl) =>
      pl.market.subscribe((e) => {
        if (e.type === 'meta' && metaFile === undefined) tables.apply(e);
        if (e.type === 'snapshot') latest.set(e.wallet ?? '(unknown)', e);
      }),
    { strict: flag(p, 'strict') },
  );
  if (latest.size === 0) throw new InputError(`${file}: no clearinghouseState in it`);
  const rows = [...latest.entries()].flatMap(([wallet, s]) =>
    snapshotLiquidations(s, tables, rule ?? ruleAt(s.time)).map((r) => ({ wallet, ...r, rule: rule ?? ruleAt(s.time) })),
  );
  const szd = (c: string) => tables.szDecimals(c);
  if (flag(p, 'json')) {
    const px = (x: number | null, c: string) => (x === null ? null : roundPx(x, szd(c)));
    await printJson(
      rows.map((r) => ({
        ...r,
        szi: roundSz(r.szi, szd(r.coin)),
        markPx: px(r.markPx, r.coin),
        maintenance: Number(r.maintenance.toPrecision(6)),
        reported: px(r.reported, r.coin),
        computed: px(r.computed, r.coin),
        relErr: r.relErr === null ? null : Number(r.relErr.toPrecision(3)),
      })),
    );
  } else {
    const fmt = (x: number | null, c: string) => (x === null ? 'none' : fmtPx(x, szd(c)));
    await printText(
      `${'coin'.padEnd(8)} ${'szi'.padStart(14)} ${'mark'.padStart(12)} mode      ${'reported'.padStart(12)} ${'computed'.padStart(12)} relErr\n`,
    );
    for (const r of rows) {
      await printText(
        `${r.coin.padEnd(8)} ${fmtSz(r.szi, szd(r.coin)).padStart(14)} ${fmt(r.markPx, r.coin).padStart(12)} ${r.marginMode.padEnd(9)} ${fmt(r.reported, r.coin).padStart(12)} ${fmt(r.computed, r.coin).padStart(12)} ${r.relErr === null ? '-' : r.relErr.toExponential(2)}\n`,
      );
    }
  }
  return 0;
}
