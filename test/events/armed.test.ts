import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundUsd } from '../../src/domain/format.ts';
import type { ClusterArmedEvent, HuntingGroundArmedEvent } from '../../src/domain/glass-event.ts';
import { DEFAULT_ARMED } from '../../src/engine/signals/armed.ts';
import { base, book, type Line, mark, run, sells, T0 } from './recording.ts';

/**
 * LIQUIDATION_CLUSTER_ARMED and MM_HUNTING_GROUND_ARMED on a small hand-built recording
 * (./recording.ts): twelve isolated longs make one $2.44M LONG_LIQ zone at 92.2–92.5 on TST.
 * Each detector must fire just past its threshold and stay silent just short of it, on the same
 * recording otherwise.
 */

/** The mark falls from 100 to 93.2 over 12 minutes; returns the lines and the time after. */
function descent(): { lines: Line[]; t: number } {
  const lines = base();
  const t1 = T0 + 100_000;
  for (let k = 0; k <= 72; k++) lines.push(mark(t1 + k * 10_000, 100 - (6.8 * k) / 72));
  return { lines, t: t1 + 73 * 10_000 };
}

/** The mark 0.15 % above the zone's near edge, with a book there: the zone's cost to reach. */
function closeIn(): { lines: Line[]; t: number; mid: number; cost: number; edge: number } {
  const { lines, t } = descent();
  const zone = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ');
  assert.ok(zone !== undefined, 'the recording has its LONG_LIQ zone');
  const edge = zone.hi;
  const mid = edge * 1.0015;
  lines.push(mark(t, mid), book(t + 1_000, mid, 200_000));
  const now = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ');
  assert.equal(now?.depthStale, false);
  const cost = now?.costToReachUsd;
  assert.ok(typeof cost === 'number' && cost > 0, `a cost to reach (${cost})`);
  return { lines, t: t + 2_000, mid, cost, edge };
}

function armedWithFlow(flowOverThreshold: number): ClusterArmedEvent[] {
  const { lines, t, mid, cost } = closeIn();
  // Armed at cost ≤ costVsFlow × flow: the flow at `flowOverThreshold` times the flow that makes it equal.
  lines.push(sells(t, mid, (cost / DEFAULT_ARMED.costVsFlow) * flowOverThreshold), mark(t + 10_000, mid));
  return run(lines).events.filter((e): e is ClusterArmedEvent => e.type === 'LIQUIDATION_CLUSTER_ARMED');
}

test('LIQUIDATION_CLUSTER_ARMED fires when the cost to reach is just under half the recent taker flow toward the zone', () => {
  const { cost, edge } = closeIn();
  const fired = armedWithFlow(1.02);
  assert.equal(fired.length, 1);
  const e = fired[0] as ClusterArmedEvent;
  assert.equal(e.priority, 'P0');
  assert.equal(e.zone.side, 'LONG_LIQ');
  assert.equal(e.zone.hi, edge);
  // The event as it leaves the engines: USD to the cent (docs/events.md).
  assert.equal(e.costToReachUsd, roundUsd(cost));
  assert.ok(e.costToReachUsd <= DEFAULT_ARMED.costVsFlow * e.recentFlowUsd);
  // Evidence: the chain the zone sets off, on the event and on its zone.
  assert.ok((e.zone.chain?.length ?? 0) >= 1);
  // The sum of the steps, each to the cent as the total is.
  const steps = e.zone.chain ?? [];
  assert.ok(Math.abs(e.chainLiquidatedUsd - steps.reduce((s, c) => s + c.liquidatedUsd, 0)) <= 0.01 * steps.length);
  // Hops: venue time and the causing message's receive time (a replay: detect = receive).
  assert.equal(e.hops.venueTime, e.time);
  assert.equal(e.hops.receivedAt, e.time);
  assert.equal(e.hops.detectedAt, e.hops.receivedAt);
});

test('LIQUIDATION_CLUSTER_ARMED stays silent when the flow falls just short (cost a little over half of it)', () => {
  assert.equal(armedWithFlow(0.98).length, 0);
});

test('LIQUIDATION_CLUSTER_ARMED needs the price moving toward the zone', () => {
  // The same close-in, flow past the threshold, but the mark held flat for the momentum window first.
  const { lines, t } = descent();
  const zone = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ');
  const mid = (zone?.hi as number) * 1.0015;
  let ts = t;
  for (; ts <= t + DEFAULT_ARMED.momentumMs + 20_000; ts += 10_000) lines.push(mark(ts, mid));
  lines.push(book(ts, mid, 200_000));
  const cost = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ')?.costToReachUsd as number;
  lines.push(sells(ts + 1_000, mid, (cost / DEFAULT_ARMED.costVsFlow) * 2), mark(ts + 10_000, mid));
  assert.equal(run(lines).events.filter((e) => e.type === 'LIQUIDATION_CLUSTER_ARMED').length, 0);
});

/** Six books at full depth 10 s apart (the baseline), then one at `ratio` of it; the mark 0.4 % above the zone. */
function hunting(ratio: number): HuntingGroundArmedEvent[] {
  const { lines, t } = descent();
  const edge = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ')?.hi as number;
  const mid = edge * 1.004;
  let ts = t;
  lines.push(mark(ts, mid));
  for (let k = 0; k <= DEFAULT_ARMED.minBaselineSamples + 1; k++) {
    ts += 10_000;
    lines.push(book(ts, mid, k <= DEFAULT_ARMED.minBaselineSamples ? 200_000 : 200_000 * ratio));
  }
  return run(lines).events.filter((e): e is HuntingGroundArmedEvent => e.type === 'MM_HUNTING_GROUND_ARMED');
}

test('MM_HUNTING_GROUND_ARMED fires when the depth before a loaded zone is pulled just past the threshold', () => {
  const fired = hunting(DEFAULT_ARMED.thinRatio - 0.01);
  assert.equal(fired.length, 1);
  const e = fired[0] as HuntingGroundArmedEvent;
  assert.equal(e.priority, 'P1');
  assert.ok(e.depthRatio <= DEFAULT_ARMED.thinRatio, `ratio ${e.depthRatio}`);
  assert.ok(e.costToReachUsd < e.baselineCostUsd);
  assert.ok(e.costToReachUsd <= e.zone.notionalUsd);
  assert.equal(e.zone.costToReachUsd, e.costToReachUsd);
});

test('MM_HUNTING_GROUND_ARMED stays silent when the depth thins just short of the threshold', () => {
  assert.equal(hunting(DEFAULT_ARMED.thinRatio + 0.01).length, 0);
});
