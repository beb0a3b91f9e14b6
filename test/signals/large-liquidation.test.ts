import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LargeLiquidationEvent, ZoneRef } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { LargeLiquidationDetector } from '../../src/engine/signals/large-liquidation.ts';
import { BTC, ETH, liquidation, MIN, run, T0, trade, W1 } from './helpers.ts';

/** An hour of BTC taker volume: 60 trades of 10 BTC at 100,000 = $60M, so the line is 1 % of it, $600k. */
function volume(): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let m = 0; m < 60; m++) out.push(trade(BTC, T0 + m * MIN + 500, 100_000, 10, m % 2 === 0 ? 'B' : 'A'));
  return out;
}

const ZONE: ZoneRef = { side: 'LONG_LIQ', lo: 99_000, hi: 99_600, peakPx: 99_300, notionalUsd: 12e6, wallets: 40, distancePct: -0.7 };
const OTHER: ZoneRef = { side: 'SHORT_LIQ', lo: 99_000, hi: 99_600, peakPx: 99_300, notionalUsd: 9e6, wallets: 30, distancePct: -0.7 };

function detect(liqs: MarketEvent[]): LargeLiquidationEvent[] {
  return run<LargeLiquidationEvent>(
    (emit) =>
      new LargeLiquidationDetector(emit, {
        score: (w) => (w === W1 ? 71.5 : null),
        zones: (c) => (c === BTC ? [OTHER, ZONE] : []),
      }),
    [...volume(), ...liqs],
  );
}

const AT = T0 + 60 * MIN;

test('a $610k long liquidation against a $600k line: LARGE_LIQUIDATION (P2) with wallet, score and the zone it was in', () => {
  const events = detect([liquidation(BTC, AT, 99_500, 6.1 / 0.995, 'long')]);
  assert.equal(events.length, 1);
  const e = events[0] as LargeLiquidationEvent;
  assert.equal(e.priority, 'P2');
  assert.equal(e.severity, 'warning');
  assert.equal(e.wallet, W1);
  assert.equal(e.score, 71.5);
  assert.equal(e.positionSide, 'long');
  assert.ok(Math.abs(e.thresholdUsd - 600_000) < 1);
  assert.ok(Math.abs(e.notionalUsd - 610_000) < 1);
  assert.deepEqual(e.zone, ZONE, 'the long-liquidation zone holding the mark, not the short one at the same prices');
});

test('a $590k liquidation, just below the line: nothing', () => {
  assert.deepEqual(detect([liquidation(BTC, AT, 99_500, 5.9 / 0.995, 'long')]), []);
});

test('above four times the line ($2.41M): raised to P0, critical; a short outside every zone has none', () => {
  const events = detect([liquidation(BTC, AT, 101_000, 2.41e6 / 101_000, 'short')]);
  assert.equal(events.length, 1);
  assert.equal(events[0]?.priority, 'P0');
  assert.equal(events[0]?.severity, 'critical');
  assert.equal(events[0]?.zone, null);
});

test('the line adapts per coin: a coin with no volume seen has the $100k floor, and BTC’s volume does not lift it', () => {
  const eth = detect([liquidation(ETH, AT, 3000, 101_000 / 3000, 'short'), liquidation(ETH, AT + 1, 3000, 99_000 / 3000, 'short')]);
  assert.equal(eth.length, 1);
  assert.ok(Math.abs((eth[0] as LargeLiquidationEvent).thresholdUsd - 100_000) < 1e-6);
});

test('the volume window trails: two hours later BTC’s line is back at the floor', () => {
  const late = detect([liquidation(BTC, AT + 2 * 60 * MIN, 100_000, 1.5, 'long')]);
  assert.equal(late.length, 1);
  assert.equal(late[0]?.thresholdUsd, 100_000);
});
