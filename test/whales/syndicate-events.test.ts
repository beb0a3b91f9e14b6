import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SyndicateEvent } from '../../src/domain/glass-event.ts';
import { SyndicateDetector } from '../../src/engine/syndicates/detector.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';

test('an UPDATE carries only what changed: its size is bounded whatever the episode’s size, and DETECTED + UPDATEs fold back to the detector’s state', () => {
  const p = new Pipeline({ strict: true });
  // Every wallet counts: the simulator's crowds make episodes of hundreds of wallets.
  const folded = new Map<string, { members: string[]; notional: number }>();
  let largest = 0;
  let longestUpdate = 0;
  let updates = 0;
  let checked = 0;
  const detector: SyndicateDetector = new SyndicateDetector((e: SyndicateEvent) => {
    const json = JSON.stringify(e);
    if (e.type === 'SYNDICATE_DETECTED') {
      assert.equal(folded.has(e.syndicateId), false, `${e.syndicateId} detected twice`);
      folded.set(e.syndicateId, { members: e.members.map((m) => m.wallet), notional: e.notionalUsd });
    } else {
      updates++;
      longestUpdate = Math.max(longestUpdate, json.length);
      const f = folded.get(e.syndicateId);
      assert.ok(f !== undefined, `${e.syndicateId} updated before it was detected`);
      f.members.push(...e.joined.map((m) => m.wallet));
      f.notional += e.addedNotionalUsd;
    }
    const f = folded.get(e.syndicateId) as { members: string[]; notional: number };
    largest = Math.max(largest, f.members.length);
    // The fold equals what the detector holds at this event.
    const state = detector.openEpisodes().find((s) => s.syndicateId === e.syndicateId);
    assert.ok(state !== undefined);
    assert.deepEqual(f.members, state.members);
    assert.equal(e.memberCount, state.members.length);
    assert.equal(e.notionalUsd, state.notionalUsd);
    assert.ok(Math.abs(f.notional - state.notionalUsd) <= 1e-9 * state.notionalUsd, `${f.notional} vs ${state.notionalUsd}`);
    checked++;
  });
  p.attach(detector);
  let line = 0;
  new Simulator({ seed: 7, wallets: 3000, hours: 4 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg })).run();
  assert.ok(largest >= 200, `largest episode ${largest} members: the check needs a crowd`);
  assert.ok(updates > 1000 && checked > updates, `${updates} updates`);
  // One joiner per update: a few hundred bytes, where repeating the members took ~100 bytes each.
  assert.ok(longestUpdate < 800, `longest UPDATED line ${longestUpdate} bytes`);
});
