import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CascadeRiskEvent, GlassEvent, ZoneRef } from '../../src/domain/glass-event.ts';
import { coin } from '../../src/domain/ids.ts';
import { AccuracyLedger } from '../../src/engine/ledger/ledger.ts';
import { AssessmentTape, type LabelledAssessment } from '../../src/engine/probability/assessments.ts';
import { BASELINE_ONLY } from '../../src/engine/probability/model.ts';
import { CascadeMonitor } from '../../src/engine/probability/monitor.ts';
import { WalkForwardCascade } from '../../src/engine/probability/walk-forward.ts';
import { rng } from '../helpers/rng.ts';

const BTC = coin('BTC');
const H = 3600_000;
const f = (baseline: number, flow = 0, syndicates = 0) => ({ baseline, flow, syndicates });

test('assessments are labelled at the first mark past their horizon, on marks after them only', () => {
  const tape = new AssessmentTape(4 * H);
  const out: LabelledAssessment[] = [];
  // Long liquidations at 95 below a mark of 100: reached when a mark is at or below 95.
  tape.add(BTC, 0, 95, true, f(0.2), 0.3);
  // Short liquidations at 105: never reached.
  tape.add(BTC, 0, 105, false, f(0.1), 0.15);
  // Assessed at 1 h, when the mark is already 95: that mark is not after it; later marks stay above.
  tape.add(BTC, H, 95, true, f(0.9), 0.8);
  tape.mark(BTC, H, 95, out);
  tape.mark(BTC, 2 * H, 96, out);
  tape.mark(BTC, 4 * H, 97, out);
  assert.deepEqual(out, [], 'at its horizon’s end an assessment is not labelled yet');
  tape.mark(BTC, 4 * H + 1, 97, out);
  assert.deepEqual(out, [
    { time: 0, coin: BTC, features: f(0.2), score: 0.3, hit: true },
    { time: 0, coin: BTC, features: f(0.1), score: 0.15, hit: false },
  ]);
  tape.mark(BTC, 5 * H + 1, 90, out);
  assert.equal(out.length, 3);
  assert.deepEqual(out[2], { time: H, coin: BTC, features: f(0.9), score: 0.8, hit: false });
  assert.equal(tape.size, 0);
});

test('a threshold is validated when past candidates above it beat their baseline (planted truth), and only then', () => {
  const r = rng(7);
  // Every candidate's baseline says 10 %; the truth is its score: above 0.2 it beats the baseline.
  const lift = new WalkForwardCascade(BASELINE_ONLY, { candidateBelow: 0.5, minLabels: 1e9 });
  for (let i = 0; i < 3000; i++) {
    const score = 0.6 * r();
    lift.add({ time: i, coin: BTC, features: f(0.1), score, hit: r() < score });
  }
  const t = lift.threshold();
  // Above 0.5 the Wilson bound is far above 10 %, but too few candidates score that high to judge 0.6.
  assert.equal(t.value, 0.5, t.reason);
  assert.match(t.reason, /threshold 0\.5 validated walk-forward: \d+ of \d+ past candidates at or above 0\.5 reached their zone/);

  // The same scores, but the zones are reached less often than the baseline says: nothing validated.
  const none = new WalkForwardCascade(BASELINE_ONLY, { candidateBelow: 0.5, minLabels: 1e9 });
  for (let i = 0; i < 3000; i++) none.add({ time: i, coin: BTC, features: f(0.3), score: 0.6 * r(), hit: r() < 0.2 });
  assert.equal(none.threshold().value, null);
  assert.match(none.threshold().reason, /no threshold validated walk-forward over 3000 labelled candidates/);

  // Assessments whose baseline alone was over the monitor's threshold are not candidates.
  const high = new WalkForwardCascade(BASELINE_ONLY, { candidateBelow: 0.5, minLabels: 1e9 });
  for (let i = 0; i < 3000; i++) high.add({ time: i, coin: BTC, features: f(0.7), score: 0.9, hit: true });
  assert.match(high.threshold().reason, /over 0 labelled candidates/);
});

test('the model is refitted on the labels so far and recovers planted coefficients', () => {
  const r = rng(11);
  const truth = { intercept: -0.5, baseline: 0.4, flow: 0, syndicates: 0.8 };
  const w = new WalkForwardCascade(BASELINE_ONLY, { candidateBelow: 0.5, minLabels: 500, refitEvery: 500 });
  assert.deepEqual(w.coefficients, BASELINE_ONLY, 'the prior until the first fit');
  for (let i = 0; i < 8000; i++) {
    const p0 = 0.02 + 0.9 * r();
    const syn = r() < 0.3 ? 1 + Math.floor(3 * r()) : 0;
    const z = truth.intercept + truth.baseline * Math.log(p0 / (1 - p0)) + truth.syndicates * syn;
    w.add({ time: i, coin: BTC, features: f(p0, 0, syn), score: 0, hit: r() < 1 / (1 + Math.exp(-z)) });
  }
  assert.equal(w.fittedOn, 8000);
  assert.ok(Math.abs(w.coefficients.baseline - truth.baseline) < 0.1, JSON.stringify(w.coefficients));
  assert.ok(Math.abs(w.coefficients.syndicates - truth.syndicates) < 0.15, JSON.stringify(w.coefficients));
});

/** A zone 10 % below a mark of 100 with σ 8 %: its volatility baseline (≈ 0.19) is under the monitor's 0.5. */
const ZONE: ZoneRef = { side: 'LONG_LIQ', lo: 89, hi: 91, peakPx: 90, notionalUsd: 5e6, wallets: 3, distancePct: -10 };
const mark = (time: number, px: number) => ({ type: 'mark' as const, time, coin: BTC, px, source: 'oracle' as const }) as never;

test('with a ledger, CASCADE_RISK is an alert only above the threshold its past assessments validate; its probability stays honest', () => {
  const out: GlassEvent[] = [];
  const ledger = new AccuracyLedger();
  const m = new CascadeMonitor({ zones: () => [ZONE], sigma: () => 0.08, ledger }, (e) => out.push(e), {
    alerts: true,
    walkForward: { minAlerts: 50, window: 1000, minLabels: 1e9 },
  });
  // No labels yet: nothing validated; raised (for the record) only at the configured threshold.
  m.onMarket(mark(0, 100));
  assert.equal(out.length, 0, 'the honest figure (p₀, nothing recalibrated yet) is under 0.5');
  const r = rng(3);
  // Past candidates scoring up to 0.2 reached their zone half the time against a baseline of 3 %.
  const p0 = (m.walk as WalkForwardCascade).threshold();
  assert.equal(p0.value, null);
  for (let i = 0; i < 400; i++) m.walk?.add({ time: i, coin: BTC, features: f(0.03), score: 0.2 * r(), hit: r() < 0.5 });
  const tau = m.walk?.threshold();
  assert.ok(tau?.value !== null && tau?.value !== undefined && tau.value <= 0.15, tau?.reason);
  m.onMarket(mark(H, 100));
  const risks = out.filter((e): e is CascadeRiskEvent => e.type === 'CASCADE_RISK');
  assert.equal(risks.length, 1);
  const e = risks[0] as CascadeRiskEvent;
  assert.equal(e.muted, undefined, e.muteReason);
  // Honest: no evidence graded, so the figure is the baseline (recalibrated: nothing fitted yet, p₀ itself).
  assert.equal(e.evidence?.used, false);
  assert.equal(e.probability, e.baselineProbability);
  assert.ok(e.probability >= (tau?.value as number));
  // Raised once: again only after the figure has fallen under the threshold.
  m.onMarket(mark(2 * H, 100));
  assert.equal(out.filter((x) => x.type === 'CASCADE_RISK').length, 1);
});
