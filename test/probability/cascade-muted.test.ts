import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachEngines, SIM_WHALES } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { MODEL_VALIDATED } from '../../src/engine/probability/model.ts';
import { CascadeMonitor } from '../../src/engine/probability/monitor.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';

test('CASCADE_RISK is muted by default unless validated walk-forward (the model is unvalidated); its figure rides on convergence events, labelled', () => {
  assert.equal(MODEL_VALIDATED, false);
  const p = new Pipeline();
  const events: GlassEvent[] = [];
  let enabled: CascadeMonitor | null = null;
  // The pipeline as `glass live` and `glass demo` run it, at the simulator's whale scale …
  const engines = attachEngines(p, SIM_WHALES, (e) => {
    events.push(e);
    enabled?.onGlass(e);
  });
  // … and beside it the same monitor with alerts explicitly on, on the same evidence: what the
  // default used to emit on this run.
  const raised: GlassEvent[] = [];
  enabled = new CascadeMonitor(
    { zones: (c) => engines.heat.zones(c), sigma: (c, h) => engines.heat.coinState(c)?.vol.sigma(h) ?? 0 },
    (e) => raised.push(e),
    { alerts: true },
  );
  p.attach(enabled);
  let line = 0;
  new Simulator({ seed: 2, wallets: 5000, hours: 6 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg })).run();
  assert.ok(raised.length >= 1, 'the model crosses its threshold on this run when alerts are enabled');
  for (const e of raised) if (e.type === 'CASCADE_RISK') assert.equal(e.validated, false);
  // With the ledger attached, what is emitted is an alert: unmuted (a threshold its past assessments
  // validated, the type unmuted), its probability the honest figure.
  const alerted = events.filter((e) => e.type === 'CASCADE_RISK');
  for (const e of alerted) {
    if (e.type !== 'CASCADE_RISK') continue;
    assert.equal(e.muted, undefined, e.muteReason);
    assert.equal(e.probability, e.evidence?.used === true ? e.modelProbability : e.recalibratedProbability);
  }
  assert.equal(engines.counts.CASCADE_RISK, alerted.length === 0 ? undefined : alerted.length);
  const near = events.filter((e) => e.type === 'WHALE_NEAR_ZONE' || e.type === 'SYNDICATE_NEAR_ZONE');
  assert.ok(near.length > 0);
  for (const e of near) {
    if (e.type !== 'WHALE_NEAR_ZONE' && e.type !== 'SYNDICATE_NEAR_ZONE') continue;
    assert.ok(e.model !== null && e.model.validated === false, JSON.stringify(e.model));
    assert.ok(e.model.probability >= 0 && e.model.probability <= 1);
  }
});
