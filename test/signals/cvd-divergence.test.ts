import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CvdDivergenceEvent } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { CvdDivergenceDetector, type CvdDivergenceOptions } from '../../src/engine/signals/cvd-divergence.ts';
import { ETH, MIN, mark, normals, run, T0, trade } from './helpers.ts';

/**
 * Seven hours of ETH minute bars where price follows taker flow: each minute a net flow of about
 * $1M either way (plus $2M two-sided) and a return of 0.1 % per $1M of net buying, with noise. The
 * last bar carries `flowUsd` of net taker flow and a return of `ret`; a mark in the next minute
 * closes it.
 */
function recording(flowUsd: number, ret: number): MarketEvent[] {
  const n = normals(5);
  const out: MarketEvent[] = [];
  let px = 3000;
  const bars = 7 * 60;
  for (let m = 0; m < bars; m++) {
    const t = T0 + m * MIN;
    const last = m === bars - 1;
    const d = last ? flowUsd : 1e6 * n();
    out.push(trade(ETH, t + 100, px, 1e6 / px, 'B'), trade(ETH, t + 200, px, 1e6 / px, 'A'));
    out.push(trade(ETH, t + 300, px, Math.abs(d) / px, d >= 0 ? 'B' : 'A'));
    px *= Math.exp(last ? ret : 1e-9 * d + 0.0003 * n());
    out.push(mark(ETH, t + 30_000, px));
  }
  out.push(mark(ETH, T0 + bars * MIN + 1000, px));
  return out;
}

const detect = (events: MarketEvent[], opts: Partial<CvdDivergenceOptions> = {}) =>
  run<CvdDivergenceEvent>((emit) => new CvdDivergenceDetector(emit, opts), events);

test('heavy net buying ($12M in a minute) while price falls 1.2 %: CVD_DIVERGENCE_EXTREME, P1, pointing long', () => {
  const events = detect(recording(12e6, -0.012));
  assert.equal(events.length, 1);
  const e = events[0] as CvdDivergenceEvent;
  assert.equal(e.priority, 'P1');
  assert.equal(e.direction, 'long');
  assert.ok(e.residualZ <= -2, `residual ${e.residualZ}`);
  assert.ok(e.cvdUsd > 0 && e.priceChange < 0);
  assert.equal(e.time, T0 + 7 * 60 * MIN, 'at the bar’s end');
});

test('just below the residual line: the same window with the line a hair above its residual is quiet, a hair below fires', () => {
  const events = detect(recording(12e6, -0.012));
  const r = Math.abs((events[0] as CvdDivergenceEvent).residualZ);
  assert.deepEqual(detect(recording(12e6, -0.012), { residualZ: r + 0.01 }), []);
  assert.equal(detect(recording(12e6, -0.012), { residualZ: r - 0.01 }).length, 1);
});

test('the same buying with price rising as the relation says: no divergence', () => {
  assert.deepEqual(detect(recording(12e6, 0.012)), []);
});
