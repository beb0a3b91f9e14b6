import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { attachEngines } from '../../src/cli/engines.ts';
import { playFile } from '../../src/cli/load.ts';
import { AccuracyLedger, type Grade, type LedgerRow } from '../../src/engine/ledger/index.ts';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { importRealExport } from '../helpers/real-export.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-ledger-'));
const REC = join(dir, 'real.ndjson');

test('the ledger on Hyperliquid’s 2023 export: every touch grade agrees with a plain scan of the recording’s prices', async () => {
  importRealExport({ out: REC });
  // The price path as the ledger documents it: a coin's fills until its first mark, then its marks.
  const path = new Map<string, { t: number[]; px: number[]; marked: boolean }>();
  const grades: Grade[] = [];
  const ledger = new AccuracyLedger({ grade: (g) => grades.push(g) });
  await playFile(REC, (p) => {
    p.market.subscribe((e) => {
      if (e.type !== 'mark' && e.type !== 'fill') return;
      const c = path.get(e.coin) ?? { t: [], px: [], marked: false };
      path.set(e.coin, c);
      if (e.type === 'mark') c.marked = true;
      else if (c.marked) return;
      c.t.push(e.time);
      c.px.push(e.px);
    });
    attachEngines(p, {}, (e) => ledger.onGlass(e), { alerts: true });
    p.attach(ledger);
  });
  const touches = grades.filter((g) => g.kind === 'touch');
  assert.ok(touches.length > 500, `${touches.length} touch grades`);
  assert.ok(
    touches.some((g) => g.hit),
    'some zones were reached',
  );
  assert.ok(
    touches.some((g) => !g.hit),
    'some were not',
  );
  for (const g of touches) {
    const c = path.get(g.coin);
    assert.ok(c !== undefined);
    let first: number | null = null;
    for (let i = 0; i < c.t.length; i++) {
      const t = c.t[i] as number;
      const px = c.px[i] as number;
      if (t < g.time || t > g.horizonEnd) continue;
      if (g.side === 'LONG_LIQ' ? px <= g.level : px >= g.level) {
        first = t;
        break;
      }
    }
    assert.equal(g.hit, first !== null, g.id);
    assert.equal(g.leadMs, first === null ? null : first - g.time, g.id);
    assert.ok(g.horizonEnd - g.time === g.horizonMs);
  }
  // Graded once each, in horizon order.
  assert.equal(new Set(grades.map((g) => g.id)).size, grades.length);
  for (let i = 1; i < grades.length; i++) assert.ok((grades[i] as Grade).horizonEnd >= (grades[i - 1] as Grade).horizonEnd);
});

test('glass ledger F --json --by-coin: each row adds up, its interval holds its rate, the coins add up to the type', () => {
  const r = glass('ledger', REC, '--json', '--by-coin');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { rows: LedgerRow[]; byCoin: LedgerRow[] };
  assert.ok(j.rows.some((x) => x.type === 'ZONE_FORMED' && x.graded > 0));
  for (const row of [...j.rows, ...j.byCoin]) {
    assert.equal(row.graded + row.pending + row.ungradable, row.count, row.type);
    assert.ok(row.hits <= row.graded);
    if (row.hitRate === null || row.wilson === null) continue;
    assert.ok(row.wilson.lo <= row.hitRate + 1e-9 && row.hitRate <= row.wilson.hi + 1e-9, JSON.stringify(row.wilson));
  }
  for (const row of j.rows) {
    const coins = j.byCoin.filter((x) => x.type === row.type);
    assert.equal(
      coins.reduce((a, x) => a + x.count, 0),
      row.count,
    );
    assert.equal(
      coins.reduce((a, x) => a + x.hits, 0),
      row.hits,
    );
  }
  assert.match(assertOneLineError(glass('ledger', REC, '--type', 'ZONE_BOGUS')), /--type takes one of WHALE_POSITION_OPENED/);
});
