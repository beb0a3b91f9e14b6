import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CascadeRiskEvent, GlassEvent, ZoneRef } from '../../src/domain/glass-event.ts';
import { AccuracyLedger } from '../../src/engine/ledger/ledger.ts';
import { CascadeMonitor, type MonitorOptions } from '../../src/engine/probability/monitor.ts';
import { BTC, cascadeRisk, catchUp, H, mark, zoneRef } from './helpers.ts';

/**
 * A ledger that has graded ten CASCADE_RISK forecasts on BTC, five of them reached (zone at 95,
 * price falls to 94) and five not (zone at 50). `model` says how the model's figures fared:
 * right (0.95 on the reached, 0.05 on the others: its Brier far below the recalibrated baseline's)
 * or wrong (the reverse). `p0` is the volatility baseline of every one: at 0.9 the type's hit rate
 * (0.5) is below it and the ledger mutes the type.
 */
function trained(model: 'right' | 'wrong', p0 = 0.5): AccuracyLedger {
  const ledger = new AccuracyLedger({}, { muting: { minGraded: 5, window: 10 }, calibration: { minSamples: 4, refitEvery: 100 } });
  ledger.onMarket(mark(BTC, 0, 100));
  for (let i = 0; i < 10; i++) {
    const reached = i % 2 === 0;
    const peak = reached ? 95 : 50;
    const right = reached ? 0.95 : 0.05;
    ledger.onGlass(cascadeRisk(BTC, 0, zoneRef('LONG_LIQ', peak - 1, peak + 1, peak, 1e6), model === 'right' ? right : 1 - right, p0));
  }
  ledger.onMarket(mark(BTC, 1 * H, 94));
  ledger.onMarket(mark(BTC, 4 * H + 1, 94));
  catchUp(ledger, BTC, 4 * H + 1, 94);
  return ledger;
}

/** A zone 10 % below a mark of 100 with σ 5 %: its volatility baseline is small, under the threshold. */
const ZONE: ZoneRef = zoneRef('LONG_LIQ', 89, 91, 90, 5e6);
/**
 * The model's figure is σ(3) ≈ 0.95 whatever the evidence; the configured threshold 0.4 (used
 * while none is validated walk-forward) is under both it and the recalibrated baseline here (≈ 0.5).
 */
const SURE: Partial<MonitorOptions> = { coefficients: { intercept: 3, baseline: 0, flow: 0, syndicates: 0 }, threshold: 0.4 };

/** Past assessments that validate a threshold of 0.7: candidates scoring 0.7–1 reached their zone 80 % of the time against a 5 % baseline. */
function validate(m: CascadeMonitor): void {
  for (let i = 0; i < 200; i++) {
    m.walk?.add({
      time: i,
      coin: BTC,
      features: { baseline: 0.05, flow: 0, syndicates: 0 },
      score: 0.7 + (0.3 * i) / 200,
      hit: i % 5 !== 0,
    });
  }
  assert.equal(m.walk?.threshold().value, 0.7, m.walk?.threshold().reason);
}

function monitor(ledger: AccuracyLedger | undefined, opts: Partial<MonitorOptions> = {}): { m: CascadeMonitor; out: GlassEvent[] } {
  const out: GlassEvent[] = [];
  const deps = { zones: () => [ZONE], sigma: () => 0.05, ...(ledger === undefined ? {} : { ledger }) };
  const m = new CascadeMonitor(deps, (e) => out.push(e), { ...SURE, ...opts });
  return { m, out };
}

const risks = (es: readonly GlassEvent[]) => es.filter((e): e is CascadeRiskEvent => e.type === 'CASCADE_RISK');

test('evidence that does not help, no threshold validated: CASCADE_RISK stays muted, carries the recalibrated baseline and says evidence.used=false', () => {
  const ledger = trained('wrong');
  assert.equal(ledger.evidenceHelps('CASCADE_RISK'), false);
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), false, 'the type itself is not muted: precision 0.5 against a baseline of 0.5');
  const before = ledger.rows().find((r) => r.type === 'CASCADE_RISK')?.count;
  const { m, out } = monitor(ledger);
  m.onMarket(mark(BTC, 5 * H, 100));
  assert.deepEqual(risks(out), [], 'muted: not emitted');
  // … but handed to the ledger, graded for the record: how the type can recover.
  assert.equal(ledger.rows().find((r) => r.type === 'CASCADE_RISK')?.count, (before as number) + 1);

  // Emitted when alerts are asked for, labelled muted, with the honest figure.
  const forced = monitor(ledger, { alerts: true });
  forced.m.onMarket(mark(BTC, 5 * H, 100));
  const [e] = risks(forced.out);
  assert.ok(e !== undefined);
  assert.equal(e.muted, true);
  assert.match(e.muteReason ?? '', /no threshold validated walk-forward/);
  assert.equal(e.evidence?.used, false);
  assert.match(e.evidence?.reason ?? '', /does not improve walk-forward Brier/);
  assert.equal(e.validated, false);
  assert.ok((e.modelProbability as number) > 0.9, 'the model figure is kept, labelled');
  assert.equal(e.probability, ledger.recalibrate(e.baselineProbability));
  assert.equal(e.recalibratedProbability, e.probability);
  assert.ok(Math.abs(e.probability - 0.5) < 0.05, `recalibrated on the graded half-and-half: ${e.probability}`);
  assert.notEqual(e.probability, e.baselineProbability);

  // The convergence events' figure from the same monitor: the recalibrated baseline, evidence unused.
  const fig = forced.m.modelFor('CASCADE_RISK', BTC, ZONE, 100, 5 * H);
  assert.equal(fig.evidence?.used, false);
  assert.equal(fig.recalibrated, e.probability);
  assert.equal(fig.probability, e.modelProbability);
});

test('evidence that helps on an unmuted type, a threshold validated: CASCADE_RISK fires unmuted with the model probability', () => {
  const ledger = trained('right');
  assert.equal(ledger.evidenceHelps('CASCADE_RISK'), true);
  const unvalidated = monitor(ledger);
  unvalidated.m.onMarket(mark(BTC, 5 * H, 100));
  assert.deepEqual(risks(unvalidated.out), [], 'no threshold validated yet: muted');
  const { m, out } = monitor(ledger);
  validate(m);
  m.onMarket(mark(BTC, 5 * H, 100));
  const [e] = risks(out);
  assert.ok(e !== undefined, 'emitted without alerts being forced');
  assert.equal(e.muted, undefined);
  assert.equal(e.evidence?.used, true);
  assert.match(e.evidence?.reason ?? '', /evidence improves walk-forward Brier/);
  assert.equal(e.validated, true);
  assert.equal(e.probability, e.modelProbability);
  assert.ok(e.probability > 0.9);
  assert.equal(e.severity, 'critical');
  const fig = m.modelFor('WHALE_NEAR_ZONE', BTC, ZONE, 100, 5 * H);
  assert.equal(fig.evidence?.used, false, 'the verdict is per type: no WHALE_NEAR_ZONE graded yet');
  assert.match(fig.evidence?.reason ?? '', /too few graded WHALE_NEAR_ZONE/);
});

test('evidence that helps on a muted type: CASCADE_RISK stays muted with the ledger’s reason', () => {
  const ledger = trained('right', 0.9);
  assert.equal(ledger.evidenceHelps('CASCADE_RISK'), true);
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), true);
  const { m, out } = monitor(ledger, { alerts: true });
  m.onMarket(mark(BTC, 5 * H, 100));
  const [e] = risks(out);
  assert.ok(e !== undefined);
  assert.equal(e.muted, true);
  assert.equal(e.muteReason, ledger.muteReason('CASCADE_RISK', BTC));
  assert.equal(e.evidence?.used, true, 'the figure is the model’s: only the alert is muted');
  assert.equal(monitor(ledger).out.length, 0);
  const quiet = monitor(ledger);
  quiet.m.onMarket(mark(BTC, 5 * H, 100));
  assert.deepEqual(risks(quiet.out), []);
});

test('too few grades: the figure is the baseline unrecalibrated, no lift claimed, and a small one raises nothing', () => {
  const ledger = new AccuracyLedger();
  const { m, out } = monitor(ledger, { alerts: true });
  validate(m);
  m.onMarket(mark(BTC, 0, 100));
  assert.deepEqual(risks(out), [], 'the honest figure is p₀ (≈ 0.04): under any threshold, whatever the model says');
  const fig = m.modelFor('CASCADE_RISK', BTC, ZONE, 100, 0);
  assert.equal(fig.evidence?.used, false);
  assert.match(fig.evidence?.reason ?? '', /too few graded CASCADE_RISK/);
  assert.ok(fig.recalibrated !== undefined && fig.recalibrated < 0.1 && fig.probability > 0.9, JSON.stringify(fig));
});

test('without a ledger the monitor behaves as before: muted unless alerts are asked for, the model figure as it is', () => {
  const quiet = monitor(undefined);
  quiet.m.onMarket(mark(BTC, 0, 100));
  assert.deepEqual(quiet.out, []);
  const loud = monitor(undefined, { alerts: true });
  loud.m.onMarket(mark(BTC, 0, 100));
  const [e] = risks(loud.out);
  assert.ok(e !== undefined && e.evidence === undefined && e.muted === undefined && e.probability > 0.9);
});

test('the ledger grades the model figure a CASCADE_RISK carries, not its honest probability', () => {
  // The honest probability of a muted event is the recalibrated baseline: grading it as the model
  // would make the evidence's Brier that of the baseline, and the evidence could never earn its place.
  const ledger = trained('right');
  const forced = monitor(ledger, { alerts: true });
  const grader = new AccuracyLedger({}, { muting: { minGraded: 1, window: 10 } });
  grader.onMarket(mark(BTC, 5 * H, 100));
  forced.m.onMarket(mark(BTC, 5 * H, 100));
  const [e] = risks(forced.out);
  assert.ok(e !== undefined);
  grader.onGlass({ ...e, probability: 0.01 });
  grader.onMarket(mark(BTC, 6 * H, 80));
  grader.onMarket(mark(BTC, 10 * H, 80));
  const b = grader.rows().find((r) => r.type === 'CASCADE_RISK')?.brier;
  assert.ok(b !== undefined && b !== null);
  assert.ok(Math.abs((b.model as number) - (1 - (e.modelProbability as number)) ** 2) < 1e-12, JSON.stringify(b));
});
