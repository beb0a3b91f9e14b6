import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetaEvent, PositionSnapshotEvent } from '../../src/domain/market-event.ts';
import { type LiqRule, ruleAt } from '../../src/engine/heatmap/liquidation-price.ts';
import { MarginTables } from '../../src/engine/heatmap/margin-tables.ts';
import { snapshotLiquidations } from '../../src/engine/heatmap/snapshot-liquidations.ts';
import { documentMessage } from '../../src/recording/reader.ts';
import { glass } from '../helpers/cli.ts';
import { normalizeAll, ofType } from '../helpers/collect.ts';
import { fixturePath, readFixture } from '../helpers/fixtures.ts';

function snapshot(file: string): PositionSnapshotEvent {
  const m = documentMessage(readFixture(file));
  return ofType(normalizeAll(m.msg, m.ts).events, 'snapshot')[0]!;
}

function tables(metaFile: string | null): MarginTables {
  const t = new MarginTables();
  if (metaFile !== null) t.apply(ofType(normalizeAll(documentMessage(readFixture(metaFile)).msg).events, 'meta')[0] as MetaEvent);
  return t;
}

const CASES: [string, string | null, LiqRule, number][] = [
  ['hyperliquid/clearinghouseState-2023-03-27.json', 'hyperliquid/meta-2023-07-17.json', 'pre2024', 5],
  ['hyperliquid/clearinghouseState-isolated-2024-02-22.json', null, 'current', 1],
  ['hyperliquid/clearinghouseState-cross-2026-10.json', 'hyperliquid/meta-with-marginTables.json', 'current', 1],
  ['hyperliquid/clearinghouseState-45positions-2026-10.json', 'hyperliquid/meta-with-marginTables.json', 'current', 24],
];

for (const [file, meta, rule, withPrice] of CASES) {
  test(`${file.split('/')[1]}: every reported liquidation price reproduced to 1e-6 (${rule} rule), nulls where the venue says none`, () => {
    const rows = snapshotLiquidations(snapshot(file), tables(meta), rule);
    const priced = rows.filter((r) => r.reported !== null);
    assert.equal(priced.length, withPrice);
    for (const r of rows) {
      if (r.reported === null) {
        assert.equal(r.computed, null, `${r.coin}: venue reports none, computed ${r.computed}`);
        continue;
      }
      assert.ok(r.relErr !== null && r.relErr <= 1e-6, `${r.coin}: reported ${r.reported} computed ${r.computed}`);
    }
  });
}

test('the rule changed: the 2023 response does not match the current rule, and is read by its date', () => {
  const s = snapshot('hyperliquid/clearinghouseState-2023-03-27.json');
  assert.equal(ruleAt(s.time), 'pre2024');
  const current = snapshotLiquidations(s, tables('hyperliquid/meta-2023-07-17.json'), 'current').filter((r) => r.relErr !== null);
  assert.ok(Math.max(...current.map((r) => r.relErr!)) > 1e-3, 'the (1 − side·l) divisor moves 2023 prices by > 0.1 %');
  assert.equal(ruleAt(snapshot('hyperliquid/clearinghouseState-isolated-2024-02-22.json').time), 'current');
});

test('the 45-position account: margin tiers give the venue maintenance margin to 1e-9 relative', () => {
  const s = snapshot('hyperliquid/clearinghouseState-45positions-2026-10.json');
  const t = tables('hyperliquid/meta-with-marginTables.json');
  const computed = s.positions
    .filter((p) => p.marginMode === 'cross')
    .reduce((mm, p) => mm + p.positionValue * t.maintenanceFraction(p.coin, p.positionValue, null), 0);
  assert.ok(Math.abs(computed - s.crossMaintenanceMarginUsed!) / s.crossMaintenanceMarginUsed! < 1e-9);
});

test('glass liqpx --json prints the table the issue names, from the fixture file itself', () => {
  const r = glass(
    'liqpx',
    fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json'),
    '--meta',
    fixturePath('hyperliquid/meta-with-marginTables.json'),
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    coin: string;
    szi: number;
    markPx: number;
    marginMode: string;
    reported: number | null;
    computed: number | null;
    relErr: number | null;
  }[];
  assert.equal(rows.length, 45);
  for (const key of ['coin', 'szi', 'markPx', 'marginMode', 'reported', 'computed', 'relErr']) assert.ok(key in rows[0]!, key);
  assert.ok(rows.every((x) => x.relErr === null || x.relErr <= 1e-6));
  const iso = rows.filter((x) => x.marginMode === 'isolated');
  assert.equal(iso.length, 1);
  assert.ok(iso[0]!.relErr !== null && iso[0]!.relErr <= 1e-6);
});
