import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeverageSpikeEvent } from '../../src/domain/glass-event.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { DEFAULT_LEVERAGE_SPIKE, LeverageSpikeDetector } from '../../src/engine/signals/leverage-spike.ts';
import { ETH, funding, H, MIN, mark, normals, run, snapshot, T0, walletN } from './helpers.ts';

const RAMP_AT = 7 * 60; // minute the build-up starts

/**
 * Eight hours of ETH: a random-walk price, open interest steady around 1M coins with 0.02 % noise a
 * minute; from hour 7, open interest ramps to e^rise of its level over 10 minutes while price holds
 * (or moves `pxMove` over the ramp).
 */
function recording(rise: number, pxMove = 0): MarketEvent[] {
  const n = normals(7);
  const out: MarketEvent[] = [];
  let px = 3000;
  let rampPx = 0;
  for (let m = 0; m < 8 * 60; m++) {
    const t = T0 + m * MIN + 1000;
    const inRamp = m >= RAMP_AT && m <= RAMP_AT + 10;
    if (m === RAMP_AT) rampPx = px;
    px = inRamp ? rampPx * (1 + (pxMove * (m - RAMP_AT)) / 10) : px * Math.exp(0.0005 * n());
    const ramp = m < RAMP_AT ? 0 : Math.min(1, (m - RAMP_AT) / 10) * rise;
    out.push(mark(ETH, t, px));
    out.push(funding(ETH, t + 1, 0.00001, 1e6 * Math.exp(ramp + 0.0002 * n())));
  }
  return out;
}

const detect = (events: MarketEvent[]) => run<LeverageSpikeEvent>((emit) => new LeverageSpikeDetector(emit), events);

test('open interest up 5.15 % in 10 minutes with price flat: one LEVERAGE_SPIKE, P0, with its figures', () => {
  const events = detect(recording(0.0515));
  assert.equal(events.length, 1);
  const e = events[0] as LeverageSpikeEvent;
  assert.equal(e.type, 'LEVERAGE_SPIKE');
  assert.equal(e.source, 'openInterest');
  assert.equal(e.priority, 'P0');
  assert.equal(e.coin, ETH);
  assert.ok(e.time >= T0 + (RAMP_AT + 9) * MIN && e.time <= T0 + (RAMP_AT + 11) * MIN, 'fires as the ramp crosses the line');
  assert.ok(e.rise >= DEFAULT_LEVERAGE_SPIKE.minRiseOi && e.zScore >= DEFAULT_LEVERAGE_SPIKE.zMin);
  assert.ok(Math.abs(e.priceChange) <= e.flatLine);
  assert.ok(e.openInterestUsd !== null && e.openInterestUsd > 3e9);
});

test('just below the line (4.85 % in 10 minutes): no event — and with the line at 4 % the same recording fires', () => {
  assert.deepEqual(detect(recording(0.0485)), []);
  const lower = run<LeverageSpikeEvent>((emit) => new LeverageSpikeDetector(emit, { minRiseOi: 0.04 }), recording(0.0485));
  assert.equal(lower.length, 1);
});

test('the same build-up while price moves 1 %: not flat, no event', () => {
  assert.deepEqual(detect(recording(0.0515, 0.01)), []);
});

/** 40 wallets on ETH, re-snapshotted every minute at ~5×; from hour 7 their leverage climbs to 5·e^rise over 10 minutes. */
function leverageRecording(rise: number): MarketEvent[] {
  const n = normals(11);
  const out: MarketEvent[] = [];
  for (let m = 0; m < 8 * 60; m++) {
    const t = T0 + m * MIN + 1000;
    out.push(mark(ETH, t, 3000 * (1 + 0.00005 * n())));
    const lev = 5 * Math.exp((m < RAMP_AT ? 0 : Math.min(1, (m - RAMP_AT) / 10) * rise) + 0.002 * n());
    for (let w = 0; w < 40; w++) out.push(snapshot(walletN(w + 1), t + 10 + w, ETH, 100_000, lev));
  }
  return out;
}

test('notional-weighted leverage of the snapshotted positions up 42 % in 10 minutes: LEVERAGE_SPIKE from leverage', () => {
  const events = run<LeverageSpikeEvent>((emit) => new LeverageSpikeDetector(emit, { flatCap: 1 }), leverageRecording(0.42));
  assert.equal(events.length, 1);
  assert.equal(events[0]?.source, 'leverage');
  assert.ok(Math.abs((events[0]?.value ?? 0) / 5 - Math.exp(0.42)) < 0.02, 'the book’s weighted leverage');
});

test('leverage up 38 % (below the 0.4 log-rise line): no event; with the line at 0.35 it fires', () => {
  const at = (minRiseLeverage: number) =>
    run<LeverageSpikeEvent>((emit) => new LeverageSpikeDetector(emit, { flatCap: 1, minRiseLeverage }), leverageRecording(0.38));
  assert.deepEqual(at(0.4), []);
  assert.equal(at(0.35).length, 1);
});

test('no baseline yet (the first hour): a build-up is not told', () => {
  const early = recording(0.2).filter((e) => e.time < T0 + H);
  assert.deepEqual(detect(early), []);
});
