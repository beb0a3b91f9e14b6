import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachEngines, SIM_WHALES } from '../../src/cli/engines.ts';
import type { ConvergenceEvent, GlassEvent } from '../../src/domain/glass-event.ts';
import { DEFAULT_HUNTER } from '../../src/engine/whales/hunter.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';

/**
 * Issue 10: the demo printed `SYNDICATE_NEAR_ZONE` for the same episode and zone 3–5 times within
 * seconds. A NEAR_ZONE for the same whale or episode and the same zone (same side, overlapping
 * range) is news again only after the cool-down, or once its evidence has grown materially.
 */
test('no NEAR_ZONE repeats for the same whale or episode and zone within the cool-down unless its evidence grew', () => {
  const events: GlassEvent[] = [];
  const p = new Pipeline({ strict: true });
  attachEngines(p, SIM_WHALES, (e) => events.push(e));
  let line = 0;
  const sim = new Simulator({ seed: 1, wallets: 3000, hours: 12 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  sim.run();

  const { nearZoneCooldownMs: cooldown, nearZoneRegrowth: regrowth } = DEFAULT_HUNTER;
  // The evidence a NEAR_ZONE carries: the episode's notional as its last syndicate event said, or the whale's position.
  const episodeUsd = new Map<string, number>();
  const told = new Map<string, { e: ConvergenceEvent; evidence: number }[]>();
  let near = 0;
  let repeatsAllowed = 0;
  for (const e of events) {
    if (e.type === 'SYNDICATE_DETECTED' || e.type === 'SYNDICATE_UPDATED') episodeUsd.set(e.syndicateId, e.notionalUsd);
    if (e.type !== 'SYNDICATE_NEAR_ZONE' && e.type !== 'WHALE_NEAR_ZONE') continue;
    near++;
    const who = e.syndicateId ?? e.wallets[0]?.wallet;
    const evidence = e.syndicateId !== null ? (episodeUsd.get(e.syndicateId) ?? 0) : (e.wallets[0]?.notionalUsd ?? 0);
    const key = `${e.type}:${who}:${e.coin}`;
    const list = told.get(key) ?? [];
    const prev = list.find((t) => t.e.zone.side === e.zone.side && t.e.zone.lo <= e.zone.hi && e.zone.lo <= t.e.zone.hi);
    if (prev !== undefined && Math.abs(e.time - prev.e.time) < cooldown) {
      assert.ok(
        evidence >= regrowth * prev.evidence,
        `${e.type} ${who} ${e.coin} ${e.zone.side} ${e.zone.lo}–${e.zone.hi} again after ${(e.time - prev.e.time) / 1000} s ` +
          `with evidence $${evidence.toFixed(0)} (was $${prev.evidence.toFixed(0)})`,
      );
      repeatsAllowed++;
    }
    told.set(key, [...list.filter((t) => t !== prev), { e, evidence }]);
  }
  assert.ok(near > 20, `the simulation has convergence events (${near})`);
  assert.ok(repeatsAllowed < near / 2, `${repeatsAllowed} of ${near} repeated on grown evidence`);
});
