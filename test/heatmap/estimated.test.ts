import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { detectZones } from '../../src/engine/heatmap/zones.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

/**
 * Issue 10: estimated positions (an assumed leverage, no account seen) made the demo's largest
 * zones — one market maker's inventory at 10×. On a simulation, with the simulator's own word on
 * who the market makers are: none of their estimated positions is on the map, and no zone is
 * mostly a guess without saying so.
 */
function simulate() {
  const cfg = { seed: 3, wallets: 2000, hours: 6 };
  const p = new Pipeline({ strict: true });
  const heat = new HeatmapEngine(p.book);
  p.attach(heat);
  let line = 0;
  const sim = new Simulator(cfg, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  const zoneChecks: { coin: string; zones: ReturnType<HeatmapEngine['zones']> }[] = [];
  const makers = new Set<string>(sim.truth().wallets.flatMap((w) => (w.role === 'market-maker' ? [w.wallet] : [])));
  sim.begin();
  let hour = 0;
  for (let more = true; more; ) {
    more = sim.advance(300);
    if (sim.elapsed / 3600 < hour + 1 && more) continue;
    hour = Math.floor(sim.elapsed / 3600);
    for (const coin of heat.coinList()) zoneChecks.push({ coin, zones: heat.zones(coin) });
  }
  return { heat, makers, zoneChecks };
}

const run = simulate();

test('a market maker’s position its account has not shown is not filed at an assumed leverage', () => {
  const mine = run.heat.positions().filter((p) => run.makers.has(p.wallet));
  assert.ok(mine.length > 0, 'the simulator’s market makers hold inventory');
  const estimated = mine.filter((p) => p.estimated);
  assert.ok(estimated.length > 0, 'some of it is not in an account snapshot');
  for (const p of estimated) {
    assert.equal(p.liquidationPx, null, `${p.wallet} ${p.coin} filed at ${p.liquidationPx}`);
    assert.equal(p.unpricedMaker, true);
  }
  // And none of it is in the map: every bucket's estimated notional comes from other wallets.
  for (const coin of run.heat.coinList()) {
    const filed = run.heat
      .positions()
      .filter((p) => p.coin === coin && p.estimated && p.liquidationPx !== null)
      .reduce((a, p) => a + Math.abs(p.szi) * p.liquidationPx!, 0);
    const view = run.heat.view(coin)!;
    const inMap = view.buckets.reduce((a, b) => a + b.longEstimatedUsd + b.shortEstimatedUsd, 0);
    assert.ok(Math.abs(inMap - filed) <= 1e-6 * Math.max(1, filed) + 1, `${coin}: map holds ${inMap} estimated, positions ${filed}`);
  }
});

test('every zone says how much of it is estimated, and one that is mostly estimated says so', () => {
  assert.ok(run.zoneChecks.some((c) => c.zones.length > 0));
  for (const { coin, zones } of run.zoneChecks) {
    for (const z of zones) {
      const est = z.estimatedUsd;
      assert.ok(est !== undefined && est >= 0 && est <= z.notionalUsd + 1e-6, `${coin} ${z.id}: estimated ${est} of ${z.notionalUsd}`);
      assert.ok(z.estimatedPositions !== undefined && z.estimatedPositions <= z.wallets);
      assert.equal(z.mostlyEstimated, 2 * est > z.notionalUsd, `${coin} ${z.id}: ${est} of ${z.notionalUsd} estimated`);
    }
  }
});

test('on the real export (fills only, no account ever seen) every zone is labelled mostly estimated, in JSON and text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-est-'));
  const file = join(dir, 'export.ndjson');
  const imported = glass('import', fixturePath('hyperliquid-historical/non_mm_trades.csv'), '--out', file);
  assert.equal(imported.code, 0, imported.stderr);
  const r = glass('heatmap', file, '--coin', 'ETH', '--json');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { zones: { notionalUsd: number; estimatedUsd: number; mostlyEstimated: boolean }[] };
  assert.ok(v.zones.length > 0);
  for (const z of v.zones) {
    assert.ok(Math.abs(z.estimatedUsd - z.notionalUsd) <= 0.01, `${z.estimatedUsd} of ${z.notionalUsd}`);
    assert.equal(z.mostlyEstimated, true);
  }
  const text = glass('heatmap', file, '--coin', 'ETH');
  const zoneLines = text.stdout.split('\n').filter((l) => /^\s+(LONG|SHORT)_LIQ/.test(l));
  assert.equal(zoneLines.length, v.zones.length);
  for (const l of zoneLines) assert.match(l, /MOSTLY ESTIMATED/);
});

test('zone detection weighs estimated notional at a discount: a guess does not outrank an account’s exact figure', () => {
  const n = 200;
  const long = new Float64Array(n);
  const longEst = new Float64Array(n);
  const longN = new Int32Array(n);
  const longEstN = new Int32Array(n);
  for (let i = 0; i < n; i++) long[i] = 1_000; // background
  // Bucket 40: $10 of exact notional; bucket 120: $20 all estimated (twice the face, half the weight).
  long[40] = (long[40] as number) + 10_000;
  longN[40] = 3;
  long[120] = (long[120] as number) + 20_000;
  longEst[120] = 20_000;
  longN[120] = 1;
  longEstN[120] = 1;
  const empty = () => new Float64Array(n);
  const w = { from: 0, width: 1, markKey: n, long, short: empty(), longN, shortN: new Int32Array(n), longEst, longEstN };
  const zones = detectZones(w);
  const exact = zones.find((z) => z.loKey <= 40 && z.hiKey >= 40);
  const guess = zones.find((z) => z.loKey <= 120 && z.hiKey >= 120);
  assert.ok(exact !== undefined && guess !== undefined, JSON.stringify(zones));
  assert.ok(zones.indexOf(exact) < zones.indexOf(guess), 'the exact zone ranks first');
  assert.ok(guess.units > exact.units, 'though the guess is larger at face value');
  assert.equal(guess.estimatedUnits, 20_000);
  assert.equal(guess.estimatedPositions, 1);
  assert.equal(exact.estimatedUnits, 0);
});
