import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FundingExtremeEvent } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { DEFAULT_FUNDING_EXTREME, FundingExtremeDetector, HOURS_PER_YEAR } from '../../src/engine/signals/funding-extreme.ts';
import { ETH, funding, MIN, mark, run, T0 } from './helpers.ts';

/**
 * Four hours of ETH funding once a minute, alternating 0.9 and 1.1 bp an hour: median 1 bp, every
 * deviation 0.1 bp, so the robust standard deviation is exactly 1.4826 × 0.1 bp. Then one rate.
 */
const SPREAD = 1.4826e-5;
function recording(last: number): MarketEvent[] {
  const out: MarketEvent[] = [];
  for (let m = 0; m < 240; m++) {
    out.push(mark(ETH, T0 + m * MIN, 3000));
    out.push(funding(ETH, T0 + m * MIN + 1, m % 2 === 0 ? 0.9e-4 : 1.1e-4));
  }
  out.push(funding(ETH, T0 + 240 * MIN + 1, last));
  return out;
}

const detect = (events: MarketEvent[]) => run<FundingExtremeEvent>((emit) => new FundingExtremeDetector(emit), events);

test('funding 4.05 robust standard deviations above its median: FUNDING_EXTREME, longs crowded', () => {
  const events = detect(recording(1e-4 + 4.05 * SPREAD));
  assert.equal(events.length, 1);
  const e = events[0] as FundingExtremeEvent;
  assert.equal(e.priority, 'P2');
  assert.equal(e.reason, 'distribution');
  assert.equal(e.crowded, 'long');
  assert.ok(Math.abs((e.zScore ?? 0) - 4.05) < 1e-6);
  assert.ok(Math.abs((e.median ?? 0) - 1e-4) < 1e-12);
  assert.equal(e.markPx, 3000);
});

test('3.95 robust standard deviations: nothing', () => {
  assert.deepEqual(detect(recording(1e-4 + 3.95 * SPREAD)), []);
});

test('below the median as far (funding still positive): shorts crowded — the side the rate leans to', () => {
  const events = detect(recording(1e-4 - 4.05 * SPREAD));
  assert.equal(events[0]?.crowded, 'short');
});

test('the absolute line: 3.01× a year fires before any distribution exists, 2.99× does not', () => {
  const line = DEFAULT_FUNDING_EXTREME.absoluteAnnualised / HOURS_PER_YEAR;
  const above = detect([funding(ETH, T0, -1.003 * line)]);
  assert.equal(above.length, 1);
  assert.equal(above[0]?.reason, 'absolute');
  assert.equal(above[0]?.zScore, null);
  assert.deepEqual(detect([funding(ETH, T0, -0.997 * line)]), []);
});

test('once per excursion: a run of extreme rates is one event; after it is back inside, the next excursion is another', () => {
  const base = recording(1e-4);
  const hot = (t: number) => funding(ETH, t, 1e-4 + 12 * SPREAD);
  const t1 = T0 + 241 * MIN;
  const events = detect([...base, hot(t1), hot(t1 + MIN), hot(t1 + 2 * MIN), funding(ETH, t1 + 70 * MIN, 1e-4), hot(t1 + 71 * MIN)]);
  assert.equal(events.length, 2);
});
