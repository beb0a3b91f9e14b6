import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  fillDirection,
  liquidationPriceIn,
  liquidationPriceOnCash,
  type MaintenanceAtLiquidation,
  maintenanceMargin,
  maintenanceTerms,
  type SimMarginTier,
} from '../../src/sim/venue-rules.ts';

// The simulator's own venue rules against the venue's own responses. Fixtures are read raw here
// (no decoder from src/venues or src/engine), so neither side of the check borrows the other's code.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'hyperliquid');

type Json = Record<string, unknown>;
function fixture(name: string): Json {
  const raw = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json;
  return (raw.response ?? raw) as Json;
}
const num = (v: unknown): number => Number(v as string);

function tablesOf(meta: Json): Map<string, SimMarginTier[]> {
  const tables = new Map<number, SimMarginTier[]>();
  for (const [id, t] of (meta.marginTables ?? []) as [number, { marginTiers: { lowerBound: string; maxLeverage: number }[] }][]) {
    tables.set(
      id,
      t.marginTiers.map((x) => ({ lowerBound: num(x.lowerBound), maxLeverage: x.maxLeverage })),
    );
  }
  const out = new Map<string, SimMarginTier[]>();
  for (const u of meta.universe as { name: string; maxLeverage: number; marginTableId?: number }[]) {
    const table = u.marginTableId === undefined ? undefined : tables.get(u.marginTableId);
    out.set(u.name, table ?? [{ lowerBound: 0, maxLeverage: u.maxLeverage }]);
  }
  return out;
}

interface Checked {
  readonly coin: string;
  readonly ours: number | null;
  readonly venue: number | null;
}

/** Every position of one clearinghouseState response, priced by the simulator's rules. */
function priceAccount(state: Json, tiers: Map<string, SimMarginTier[]>, rule: MaintenanceAtLiquidation, ownLeverage = true): Checked[] {
  interface Pos {
    coin: string;
    szi: number;
    positionValue: number;
    liquidationPx: string | null;
    maxLeverage?: number;
    leverage: { type: string; rawUsd?: string };
  }
  const positions = (state.assetPositions as { position: Pos }[]).map((a) => a.position);
  // A newer response states each position's own maximum leverage; that wins over meta's table
  // (the meta fixture is from another day than some accounts). Otherwise the coin's tiers.
  const tiersOf = (p: Pos): SimMarginTier[] =>
    p.maxLeverage === undefined || !ownLeverage
      ? (tiers.get(p.coin) ?? [{ lowerBound: 0, maxLeverage: 50 }])
      : [{ lowerBound: 0, maxLeverage: p.maxLeverage }];
  const termsOf = (p: Pos) => maintenanceTerms(tiersOf(p), p.positionValue);
  for (const p of positions) {
    p.szi = num(p.szi);
    p.positionValue = num(p.positionValue);
  }
  const cross = positions.filter((p) => p.leverage.type === 'cross');
  const crossMaintenance =
    state.crossMaintenanceMarginUsed === undefined
      ? cross.reduce((s, p) => s + maintenanceMargin(tiersOf(p), p.positionValue), 0)
      : num(state.crossMaintenanceMarginUsed);
  const crossValue = num((state.crossMarginSummary as Json).accountValue);
  return positions.map((p) => {
    const markPx = p.positionValue / Math.abs(p.szi);
    const terms = termsOf(p);
    const own = p.positionValue * terms.rate - terms.deduction;
    const isolated = p.leverage.type === 'isolated';
    const ours = liquidationPriceIn(
      {
        szi: p.szi,
        markPx,
        accountValue: isolated ? num(p.leverage.rawUsd) + p.szi * markPx : crossValue,
        otherMaintenance: isolated ? 0 : crossMaintenance - own,
        terms,
      },
      rule,
    );
    return { coin: p.coin, ours, venue: p.liquidationPx === null ? null : num(p.liquidationPx) };
  });
}

function assertMatches(rows: Checked[], relTol: number): void {
  for (const r of rows) {
    if (r.venue === null) assert.equal(r.ours, null, `${r.coin}: venue says none, we say ${r.ours}`);
    else {
      assert.ok(r.ours !== null, `${r.coin}: venue ${r.venue}, we say none`);
      assert.ok(Math.abs(r.ours - r.venue) / r.venue <= relTol, `${r.coin}: ${r.ours} vs venue ${r.venue}`);
    }
  }
}

const current = tablesOf(fixture('meta-with-marginTables.json'));

test('the 45-position account: every liquidation price within 1e-6 of the venue (tiers from meta, cross and isolated)', () => {
  const state = fixture('clearinghouseState-45positions-2026-10.json');
  const rows = priceAccount(state, current, 'moving');
  assert.equal(rows.length, 45);
  assert.equal(rows.filter((r) => r.venue !== null).length, 24);
  assertMatches(rows, 1e-6);
  // Same day as the meta fixture: the coins' margin tables alone give the same prices.
  assertMatches(priceAccount(state, current, 'moving', false), 1e-6);
});

test('the cross account and the isolated 2024 position match the venue', () => {
  const cross = priceAccount(fixture('clearinghouseState-cross-2026-10.json'), current, 'moving');
  const isolated = priceAccount(fixture('clearinghouseState-isolated-2024-02-22.json'), current, 'moving');
  assert.ok(cross.length >= 1 && isolated.length === 1);
  assertMatches([...cross, ...isolated], 1e-6);
});

test('the 2023 account matches the venue with maintenance held at the mark (the rule of the time), and not with the current one', () => {
  const tiers2023 = tablesOf(fixture('meta-2023-07-17.json'));
  const old = priceAccount(fixture('clearinghouseState-2023-03-27.json'), tiers2023, 'fixed');
  assertMatches(old, 1e-6);
  const now = priceAccount(fixture('clearinghouseState-2023-03-27.json'), tiers2023, 'moving');
  assert.ok(now.some((r) => r.venue !== null && r.ours !== null && Math.abs(r.ours - r.venue) / r.venue > 1e-4));
});

test('the cash form is the account form for a lone position backed by cash, at any mark', () => {
  const terms = maintenanceTerms([{ lowerBound: 0, maxLeverage: 20 }], 1);
  for (const [entry, szi, cash] of [
    [100, 3, 40],
    [2500, -0.4, 90],
    [0.5, 1e5, 2e3],
  ] as const) {
    const cashPx = liquidationPriceOnCash(entry, szi, cash, terms.rate);
    for (const mark of [entry * 0.97, entry, entry * 1.05]) {
      const accountPx = liquidationPriceIn({ szi, markPx: mark, accountValue: cash + szi * (mark - entry), otherMaintenance: 0, terms });
      assert.ok(cashPx !== null && accountPx !== null);
      assert.ok(Math.abs(cashPx - accountPx) / cashPx < 1e-12, `${cashPx} vs ${accountPx}`);
    }
  }
});

test('maintenance margin is continuous across a tier boundary (the documented deduction)', () => {
  const tiers = [
    { lowerBound: 0, maxLeverage: 10 },
    { lowerBound: 3e6, maxLeverage: 5 },
  ];
  const below = maintenanceMargin(tiers, 3e6 - 1e-3);
  const at = maintenanceMargin(tiers, 3e6);
  assert.ok(Math.abs(at - below) < 1e-3);
  assert.equal(maintenanceTerms(tiers, 4e6).rate, 0.1);
  assert.equal(maintenanceMargin(tiers, 4e6), 4e6 * 0.1 - 3e6 * (0.1 - 0.05));
});

test("every fill of the real 2023 userFills response gets the venue's direction from its start position", () => {
  const fills = fixture('userFills-2023.json') as unknown as { startPosition: string; side: 'B' | 'A'; sz: string; dir: string }[];
  assert.equal(fills.length, 500);
  const kinds = new Set<string>();
  for (const [i, f] of fills.entries()) {
    assert.equal(fillDirection(num(f.startPosition), f.side, num(f.sz)), f.dir, `fill ${i}`);
    kinds.add(f.dir);
  }
  assert.equal(kinds.size, 6, 'all six labels, flips included, are covered');
});

test('no file under src/sim imports from src/engine', () => {
  const simDir = join(ROOT, 'src', 'sim');
  const engineDir = join(ROOT, 'src', 'engine');
  const offenders: string[] = [];
  const files = readdirSync(simDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('simulator.ts') && files.includes('venue-rules.ts'));
  for (const f of files) {
    const text = readFileSync(join(simDir, f), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] as string;
      if (!spec.startsWith('.')) continue;
      const target = relative(engineDir, join(dirname(join(simDir, f)), spec));
      if (!target.startsWith('..')) offenders.push(`${f} → ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
