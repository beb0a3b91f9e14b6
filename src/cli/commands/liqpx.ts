import type { MetaEvent, PositionSnapshotEvent } from '../../domain/market-event.ts';
import { type LiqRule, ruleAt } from '../../engine/heatmap/liquidation-price.ts';
import { MarginTables } from '../../engine/heatmap/margin-tables.ts';
import { snapshotLiquidations } from '../../engine/heatmap/snapshot-liquidations.ts';
import { type CommandSpec, flag, parseCommand, strOption, UsageError } from '../args.ts';
import { playFile } from '../load.ts';
import { printJson } from '../output.ts';

export const liqpxSpec: CommandSpec = {
  name: 'liqpx',
  summary: 'Liquidation price of every position in a clearinghouseState (computed beside the venue-reported one).',
  usage: 'F [--meta M] [--rule current|pre2024] [--json]',
  options: { meta: { type: 'string' }, rule: { type: 'string' }, json: { type: 'boolean' }, strict: { type: 'boolean' } },
  help: [
    'F              a clearinghouseState response file, or a recording (latest snapshot per wallet)',
    "--meta M       a meta response for maxLeverage and margin tiers (default: the recording's own meta)",
    '--rule R       current (2024 on) or pre2024 (no (1 − side·l) divisor); default: by the snapshot time',
    '--json         one JSON document: [{wallet, coin, szi, markPx, marginMode, reported, computed, relErr}]',
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
    await playFile(metaFile, (pl) => pl.market.subscribe((e) => e.type === 'meta' && tables.apply(e as MetaEvent)));
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
  if (latest.size === 0) throw new UsageError(`${file}: no clearinghouseState in it`);
  const rows = [...latest.entries()].flatMap(([wallet, s]) =>
    snapshotLiquidations(s, tables, rule ?? ruleAt(s.time)).map((r) => ({ wallet, ...r, rule: rule ?? ruleAt(s.time) })),
  );
  if (flag(p, 'json')) printJson(rows);
  else {
    const fmt = (x: number | null) => (x === null ? 'null' : x.toPrecision(10));
    process.stdout.write(
      `${'coin'.padEnd(8)} ${'szi'.padStart(14)} ${'mark'.padStart(14)} mode      ${'reported'.padStart(16)} ${'computed'.padStart(16)} relErr\n`,
    );
    for (const r of rows) {
      process.stdout.write(
        `${r.coin.padEnd(8)} ${String(r.szi).padStart(14)} ${fmt(r.markPx).padStart(14)} ${r.marginMode.padEnd(9)} ${fmt(r.reported).padStart(16)} ${fmt(r.computed).padStart(16)} ${r.relErr === null ? '-' : r.relErr.toExponential(2)}\n`,
      );
    }
  }
  return 0;
}
