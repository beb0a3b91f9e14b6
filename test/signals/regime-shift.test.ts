import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegimeShiftEvent } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { RegimeShiftDetector, type RegimeShiftOptions, varianceRatio } from '../../src/engine/signals/regime-shift.ts';
import { BTC, H, MIN, mark, normals, run, T0 } from './helpers.ts';

const SIGMA = 0.001;

/** Minute marks whose log-returns are `ret(m)`, for `hours`; a last mark closes the last bar. */
function path(hours: number, ret: (m: number) => number): MarketEvent[] {
  const out: MarketEvent[] = [];
  let px = 100_000;
  const bars = hours * 60;
  for (let m = 0; m <= bars; m++) {
    out.push(mark(BTC, T0 + m * MIN + 1000, px));
    px *= Math.exp(ret(m));
  }
  return out;
}

/** Returns of exactly ±σ, alternating: realised volatility is σ to the digit; from hour 5 to 7 they are ±kσ. */
const volPath = (k: number) => path(9, (m) => (m % 2 === 0 ? 1 : -1) * SIGMA * (m >= 5 * 60 && m < 7 * 60 ? k : 1));

const detect = (events: MarketEvent[], opts: Partial<RegimeShiftOptions> = {}) =>
  run<RegimeShiftEvent>((emit) => new RegimeShiftDetector(emit, { trend: false, ...opts }), events);

test('volatility 2.05× its baseline for two hours: calm → volatile, then volatile → calm', () => {
  const events = detect(volPath(2.05));
  assert.deepEqual(
    events.map((e) => [e.kind, e.from, e.to]),
    [
      ['volatility', 'calm', 'volatile'],
      ['volatility', 'volatile', 'calm'],
    ],
  );
  const up = events[0] as RegimeShiftEvent;
  assert.equal(up.priority, 'P2');
  assert.ok(up.time > T0 + 5 * H && up.time <= T0 + 5.5 * H);
  assert.ok(Math.abs(up.baselineVol - SIGMA * Math.sqrt(525_600)) < 1e-9, 'the baseline is the calm realised vol');
  assert.ok(up.realisedVol / up.baselineVol >= 2);
});

test('1.95× (just below the 2× line): no shift', () => {
  assert.deepEqual(detect(volPath(1.95)), []);
});

test('no baseline before three hours: a burst in the second hour is not told', () => {
  const early = path(3, (m) => (m % 2 === 0 ? 1 : -1) * SIGMA * (m >= 60 && m < 120 ? 4 : 1));
  assert.deepEqual(detect(early), []);
});

test('trend regime: alternating returns (variance ratio 0.2) turning into runs of ten (3.4): mean-reverting → random → trending', () => {
  const runs = (m: number) => (Math.floor(m / 10) % 2 === 0 ? 1 : -1) * SIGMA;
  const alt = (m: number) => (m % 2 === 0 ? 1 : -1) * SIGMA;
  const events = detect(
    path(12, (m) => (m < 6 * 60 ? alt(m) : runs(m))),
    { trend: true },
  );
  assert.deepEqual(
    events.map((e) => [e.kind, e.from, e.to]),
    [
      ['trend', 'mean-reverting', 'random'],
      ['trend', 'random', 'trending'],
    ],
  );
  assert.ok((events[1]?.varianceRatio ?? 0) >= 1.8);
  assert.ok((events[1]?.time ?? 0) - (events[0]?.time ?? 0) >= H, 'a regime stands an hour before the next change');
});

test('a random walk for twelve hours: no trend or volatility regime change', () => {
  const n = normals(3);
  assert.deepEqual(
    detect(
      path(12, () => SIGMA * n()),
      { trend: true },
    ),
    [],
  );
});

test('variance ratio: 1/q for alternating returns, 17/5 for runs of ten, about 1 for a random walk', () => {
  const alt = Array.from({ length: 240 }, (_, i) => (i % 2 === 0 ? 1 : -1));
  assert.ok(Math.abs(varianceRatio(alt, 5) - 0.2) < 0.01);
  const runs = Array.from({ length: 2400 }, (_, i) => (Math.floor(i / 10) % 2 === 0 ? 1 : -1));
  assert.ok(Math.abs(varianceRatio(runs, 5) - 3.4) < 0.01);
  const n = normals(9);
  assert.ok(
    Math.abs(
      varianceRatio(
        Array.from({ length: 20_000 }, () => n()),
        5,
      ) - 1,
    ) < 0.05,
  );
});
