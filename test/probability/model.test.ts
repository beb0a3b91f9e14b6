import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type GlassEvent, stampOf, type ZoneRef } from '../../src/domain/glass-event.ts';
import { coin, wallet } from '../../src/domain/ids.ts';
import { BASELINE_ONLY, brier, cascadeProbability, fitCascade, reliability } from '../../src/engine/probability/model.ts';
import { CascadeMonitor } from '../../src/engine/probability/monitor.ts';
import { Rng } from '../../src/sim/rng.ts';
import { glass } from '../helpers/cli.ts';

test('the fit recovers the coefficients that generated the outcomes, and beats the baseline it layers on', () => {
  const truth = { intercept: -0.5, baseline: 0.6, flow: 0.8, syndicates: 0.4 };
  const rng = new Rng(5);
  const draw = (n: number) =>
    Array.from({ length: n }, () => {
      const f = { baseline: Math.min(0.99, rng.next() ** 2), flow: rng.normal(), syndicates: rng.int(3) };
      return { f, hit: rng.chance(cascadeProbability(f, truth)) };
    });
  const fitted = fitCascade(draw(40_000));
  for (const k of ['intercept', 'baseline', 'flow', 'syndicates'] as const)
    assert.ok(Math.abs(fitted[k] - truth[k]) < 0.08, `${k}: ${fitted[k]} vs ${truth[k]}`);
  const held = draw(20_000);
  const hits = held.map((x) => x.hit);
  const model = brier(
    held.map((x) => cascadeProbability(x.f, fitted)),
    hits,
  );
  const base = brier(
    held.map((x) => cascadeProbability(x.f, BASELINE_ONLY)),
    hits,
  );
  const baselineOnly = fitCascade(held, false);
  const recal = brier(
    held.map((x) => cascadeProbability(x.f, baselineOnly)),
    hits,
  );
  assert.ok(model < recal && recal < base, `model ${model}, recalibrated baseline ${recal}, baseline ${base}`);
  // Calibrated: each decile's observed rate is near its mean forecast.
  for (const b of reliability(
    held.map((x) => cascadeProbability(x.f, fitted)),
    hits,
  )) {
    if (b.n >= 500) assert.ok(Math.abs(b.forecast - b.observed) < 0.05, JSON.stringify(b));
  }
  assert.equal(brier([1, 0], [true, false]), 0);
  assert.equal(brier([0.5], [true]), 0.25);
});

test('CASCADE_RISK fires once when whale flow toward a zone lifts it over the threshold, and re-arms after it falls back', () => {
  const BTC = coin('BTC');
  const zone: ZoneRef = {
    side: 'LONG_LIQ',
    lo: 97_000,
    hi: 97_500,
    peakPx: 97_250,
    notionalUsd: 2_000_000,
    wallets: 40,
    distancePct: -2.75,
  };
  const out: GlassEvent[] = [];
  const m = new CascadeMonitor({ zones: () => [zone], sigma: () => 0.02 }, (e) => out.push(e), {
    coefficients: { intercept: 0, baseline: 1, flow: 1.5, syndicates: 0 },
    intervalMs: 60_000,
    alerts: true, // muted by default (test/probability/cascade-muted.test.ts)
  });
  const mark = (t: number) => m.onMarket({ type: 'mark', venue: 'hyperliquid', coin: BTC, px: 100_000, kind: 'mark', time: t, localTs: t });
  const whale = (t: number, szi: number) =>
    m.onGlass({
      id: `w${t}`,
      type: 'WHALE_POSITION_OPENED',
      time: t,
      coin: BTC,
      severity: 'notice',
      ...stampOf('WHALE_POSITION_OPENED', t),
      wallet: wallet('0x1111111111111111111111111111111111111111'),
      szi,
      notionalUsd: 20_000_000,
      leverage: 10,
      score: 90,
      nearestZones: [],
    });
  mark(0);
  assert.equal(out.length, 0, 'the baseline alone is below the threshold');
  whale(30_000, -200); // a high-score whale goes short above the long-liquidation zone
  mark(60_000);
  mark(120_000);
  assert.equal(out.length, 1);
  const e = out[0]!;
  assert.equal(e.type, 'CASCADE_RISK');
  if (e.type === 'CASCADE_RISK') {
    assert.ok(e.probability >= 0.5 && e.baselineProbability < 0.5);
    assert.equal(e.wallets.length, 1);
  }
  mark(60_000 + 3600_000 + 60_000); // the flow ages out of the lookback: below again
  whale(3 * 3600_000, -200);
  mark(3 * 3600_000 + 60_000);
  assert.equal(out.length, 2, 're-armed after falling back');
});

test('glass backtest F --json: Brier of model and baseline on the held-out half, reliability, event types', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'glass-bt-')), 'b.ndjson');
  assert.equal(glass('sim', '--out', file, '--wallets', '2000', '--hours', '16', '--seed', '4').code, 0);
  const r = glass('backtest', file, '--json', '--min-account', '200000', '--min-position', '1000000', '--horizon-ms', '3600000');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    samples: { train: number; test: number };
    test: { brierModel: number; brierBaseline: number; reliabilityModel: { n: number }[] };
    events: Record<string, { n: number; reached: number }>;
    quietZones: { n: number };
  };
  assert.ok(j.samples.train > 100 && j.samples.test > 100, JSON.stringify(j.samples));
  assert.ok(j.test.brierModel > 0 && j.test.brierModel < 0.25 && j.test.brierBaseline > 0);
  assert.equal(
    j.test.reliabilityModel.reduce((a, b) => a + b.n, 0),
    j.samples.test,
  );
  assert.ok('ZONE_FORMED' in j.events && 'WHALE_NEAR_ZONE' in j.events);
  for (const v of Object.values(j.events)) assert.ok(v.n > 0 && v.reached >= 0 && v.reached <= 1);
});
