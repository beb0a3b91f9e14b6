import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryRow } from '../../src/engine/heatmap/coin-state.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';

/**
 * Issue 10: `positions` and `heatmap` took 40–60× a replay because every coin's history was
 * sampled every minute and zones re-derived on every mark though neither was asked for. The
 * engine now keeps history only for the coins asked and, on demand, derives zones only when
 * asked: what it answers must be what the engine that did all the work answers.
 */
function simulate() {
  const p = new Pipeline({ strict: true });
  const full = new HeatmapEngine(p.book, () => {}, { history: 'all' });
  const lean = new HeatmapEngine(p.book, () => {}, { history: ['BTC'], zoneTracking: 'on-demand' });
  const bare = new HeatmapEngine(p.book, () => {}, { zoneTracking: 'on-demand' });
  p.attach(full);
  p.attach(lean);
  p.attach(bare);
  // Each BTC row as it is sampled, checked against the map at that instant (rows may share columns).
  const mismatches: string[] = [];
  let rows = 0;
  p.market.subscribe((e) => {
    if (e.type !== 'mark' || e.coin !== 'BTC') return;
    const h = lean.history('BTC');
    const last = h[h.length - 1];
    if (last === undefined || last.time !== e.time) return;
    rows++;
    const want = expectedRow(lean, last);
    if (want !== null) mismatches.push(`${new Date(last.time).toISOString()}: ${want}`);
  });
  let line = 0;
  const sim = new Simulator({ seed: 5, wallets: 1500, hours: 4 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  sim.run();
  return { full, lean, bare, mismatches, rows };
}

/** Null when `row` is the window of the map as it stands now, else what differs. */
function expectedRow(heat: HeatmapEngine, row: HistoryRow): string | null {
  const view = heat.view('BTC');
  if (view === null) return 'no view';
  if (view.bucketWidth !== row.bucketWidth) return `width ${row.bucketWidth} ≠ ${view.bucketWidth}`;
  const long = new Float32Array(row.longLiqUsd.length);
  const short = new Float32Array(row.shortLiqUsd.length);
  for (const b of view.buckets) {
    const i = Math.round((b.lo - row.fromPx) / row.bucketWidth);
    if (i < 0 || i >= long.length) continue;
    long[i] = b.longLiqUsd;
    short[i] = b.shortLiqUsd;
  }
  for (let i = 0; i < long.length; i++) {
    if (long[i] !== row.longLiqUsd[i] || short[i] !== row.shortLiqUsd[i])
      return `bucket ${i}: ${row.longLiqUsd[i]}/${row.shortLiqUsd[i]} ≠ ${long[i]}/${short[i]}`;
  }
  return null;
}

const run = simulate();

test('--history for one coin: the same rows as sampling every coin, each the map as it stood at its minute', () => {
  const all = run.full.history('BTC');
  const asked = run.lean.history('BTC');
  assert.ok(asked.length >= 230, `${asked.length} rows for 4 h`);
  assert.equal(asked.length, all.length);
  for (let i = 0; i < all.length; i++) assert.deepEqual(asked[i], all[i], `row ${i}`);
  assert.ok(run.rows >= 230);
  assert.deepEqual(run.mismatches, []);
});

test('history is kept only for the coins asked: none by default', () => {
  assert.ok(run.full.history('ETH').length > 0);
  assert.equal(run.lean.history('ETH').length, 0);
  for (const c of run.bare.coinList()) assert.equal(run.bare.history(c).length, 0, c);
});

test('zones derived on demand at the end equal the zones tracked live all along (ids aside)', () => {
  assert.ok(run.full.coinList().some((c) => run.full.zones(c).length > 0));
  for (const coin of run.full.coinList()) {
    const live = run.full.view(coin);
    const late = run.bare.view(coin);
    assert.ok(live !== null && late !== null);
    const strip = (v: typeof live) => ({
      ...v,
      zones: v.zones.map(({ id: _id, ...z }) => z),
      largest: v.largest === null ? null : { ...v.largest, zoneId: v.largest.zoneId === null ? null : 'zoned' },
    });
    assert.deepEqual(strip(late), strip(live), coin);
  }
});
