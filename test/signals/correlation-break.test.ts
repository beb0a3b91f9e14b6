import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CorrelationBreakEvent } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { CorrelationBreakDetector } from '../../src/engine/signals/correlation-break.ts';
import { correlation, winsorize } from '../../src/engine/signals/series.ts';
import { BTC, ETH, H, MIN, mark, normals, run, T0 } from './helpers.ts';

const SIGMA = 0.001;

/** BTC and ETH minute marks for 13 hours; ETH's shocks share BTC's with correlation 0.8, then `after` from hour 10. */
function recording(after: number): MarketEvent[] {
  const n = normals(21);
  const out: MarketEvent[] = [];
  let btc = 100_000;
  let eth = 3_000;
  for (let m = 0; m <= 13 * 60; m++) {
    const t = T0 + m * MIN + 1000;
    out.push(mark(BTC, t, btc), mark(ETH, t + 1, eth));
    const rho = m < 10 * 60 ? 0.8 : after;
    const zb = n();
    btc *= Math.exp(SIGMA * zb);
    eth *= Math.exp(SIGMA * (rho * zb + Math.sqrt(1 - rho * rho) * n()));
  }
  return out;
}

const detect = (events: MarketEvent[]) => run<CorrelationBreakEvent>((emit) => new CorrelationBreakDetector(emit), events);

test('ETH decouples from BTC (0.8 → 0): one CORRELATION_BREAK below its band, P2', () => {
  const events = detect(recording(0));
  assert.equal(events.length, 1, 'once per excursion');
  const e = events[0] as CorrelationBreakEvent;
  assert.equal(e.coin, ETH);
  assert.equal(e.reference, BTC);
  assert.equal(e.priority, 'P2');
  assert.ok(e.time > T0 + 10 * H && e.time < T0 + 12 * H);
  assert.ok(Math.abs(e.usual - 0.8) < 0.1, `usual ${e.usual}`);
  assert.ok(e.correlation < e.bandLo && e.bandLo <= e.usual - 0.25);
});

test('a mild drop (0.8 → 0.7) stays inside the band: nothing', () => {
  assert.deepEqual(detect(recording(0.7)), []);
});

test('BTC itself is never compared with itself; no band before six hours of history', () => {
  const early = recording(0).filter((e) => e.time < T0 + 6 * H);
  assert.deepEqual(detect(early), []);
});

test('winsorizing: one bar’s jump does not swing the correlation', () => {
  const n = normals(4);
  const x = Array.from({ length: 120 }, () => n());
  const y = x.map((v) => v + 0.3 * n());
  const jumped = [...y];
  jumped[60] = 80;
  assert.ok(correlation(x, jumped) < 0.3, 'raw Pearson is wrecked by the jump');
  assert.ok(correlation(winsorize(x, 2.5), winsorize(jumped, 2.5)) > 0.85);
});
