import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccuracyLedger, DEFAULT_LEDGER, type Grade } from '../../src/engine/ledger/index.ts';
import { BTC, cascadeRisk, catchUp, ETH, H, liquidation, MIN, mark, whale, zoneEvent, zoneRef } from './helpers.ts';

function run(): { ledger: AccuracyLedger; grades: Grade[] } {
  const grades: Grade[] = [];
  return { ledger: new AccuracyLedger({ grade: (g) => grades.push(g) }), grades };
}

test('a zone reached at a known time: a hit, the lead time to the first touch, the notional liquidated in its range', () => {
  const { ledger, grades } = run();
  const zone = zoneRef('LONG_LIQ', 90, 92, 91, 1_000_000);
  ledger.onMarket(mark(BTC, 0, 100));
  ledger.onGlass(zoneEvent('ZONE_FORMED', BTC, 0, zone, 0.2));
  ledger.onMarket(mark(BTC, 1 * H, 95));
  ledger.onMarket(mark(BTC, 2 * H - MIN, 91.5)); // inside the zone, above its peak: not yet
  ledger.onMarket(mark(BTC, 2 * H, 90.5)); // first touch of the peak (91)
  ledger.onMarket(liquidation(BTC, 2 * H, 91.5, 1000, 'long')); // $91.5k in range, long side: counts
  ledger.onMarket(liquidation(BTC, 2 * H, 91, 500, 'short')); // wrong side
  ledger.onMarket(liquidation(BTC, 2 * H + MIN, 95, 500, 'long')); // out of range
  ledger.onMarket(mark(BTC, 3 * H, 93));
  ledger.onMarket(mark(BTC, 4 * H, 94));
  // The horizon ends at 4 h: data stamped 4 h may still come, so nothing is graded yet.
  assert.equal(grades.length, 0);
  ledger.onMarket(liquidation(BTC, 4 * H + 1, 91, 10_000, 'long')); // after the horizon: never read
  assert.equal(grades.length, 1);
  const g = grades[0] as Grade;
  assert.equal(g.kind, 'touch');
  if (g.kind !== 'touch') return;
  assert.equal(g.hit, true);
  assert.equal(g.leadMs, 2 * H);
  assert.equal(g.horizonEnd, 4 * H);
  assert.equal(g.liquidatedUsd, 91_500);
  assert.equal(g.zoneNotionalUsd, 1_000_000);
  assert.equal(g.baseline, 0.2);
  const [row] = ledger.rows();
  assert.equal(row?.graded, 1);
  assert.equal(row?.medianLeadMs, 2 * H);
  assert.equal(row?.realisedShare, 0.0915);
});

test('a zone never reached is a miss graded at exactly H; a touch just after H does not count, one at H does', () => {
  const { ledger, grades } = run();
  const below = zoneRef('LONG_LIQ', 80, 82, 81, 500_000);
  const above = zoneRef('SHORT_LIQ', 108, 112, 110, 500_000);
  ledger.onMarket(mark(ETH, 0, 100));
  ledger.onGlass(zoneEvent('ZONE_APPROACHED', ETH, 0, below, 0.3));
  ledger.onGlass(zoneEvent('ZONE_APPROACHED', ETH, 0, above, 0.3, 'ETH:SHORT_LIQ:2'));
  ledger.onMarket(mark(ETH, 2 * H, 90));
  ledger.onMarket(mark(ETH, 4 * H, 110)); // touches the short zone's peak at the horizon's last instant
  assert.equal(grades.length, 0);
  ledger.onMarket(mark(ETH, 4 * H + 1, 70)); // through the long zone, 1 ms too late
  assert.equal(grades.length, 2);
  const [a, b] = grades;
  assert.ok(a?.kind === 'touch' && b?.kind === 'touch');
  assert.equal(a.hit, false);
  assert.equal(a.leadMs, null);
  assert.equal(a.horizonEnd, 4 * H);
  assert.equal(b.hit, true);
  assert.equal(b.leadMs, 4 * H);
});

test('a whale entry followed by a known path: its returns in the trade’s direction at 5 min, 1 h, 4 h, against random times', () => {
  const { ledger, grades } = run();
  ledger.onMarket(mark(BTC, 0, 100));
  // A short: the trade sold, so a falling price is a gain.
  ledger.onGlass(whale('WHALE_POSITION_OPENED', BTC, 0, -10));
  ledger.onMarket(mark(BTC, 5 * MIN, 99));
  ledger.onMarket(mark(BTC, 1 * H, 102));
  ledger.onMarket(mark(BTC, 4 * H, 98));
  assert.equal(grades.length, 0);
  ledger.onMarket(mark(BTC, 4 * H + 1, 50));
  const g = grades.find((x) => x.kind === 'direction');
  assert.ok(g?.kind === 'direction');
  assert.equal(g.direction, -1);
  assert.equal(g.startPx, 100);
  assert.deepEqual(
    g.returns.map((r) => Math.round(r * 1e9) / 1e9),
    [0.01, -0.02, 0.02],
  );
  // Hit: the 1 h return in the whale's direction was positive — it was not.
  assert.equal(g.hit, false);
  // Random times: a sample starts at each 5-minute mark with a price (0, 5 min, 1 h, 4 h). By the
  // grade, their 1 h returns known are: from 0 (100 → 102), from 5 min (99 → 102), from 1 h
  // (102 → 102). None fell: the chance a random 1 h was a gain for a seller is 0 of 3.
  assert.equal(g.baseline, 0);
  const drift1h = (0.02 + (102 / 99 - 1) + 0) / 3;
  assert.ok(Math.abs((g.drift[1] as number) - -drift1h) < 1e-12, String(g.drift[1]));
  // 5 min: from 0 (100 → 99), 5 min (99 → 99), 1 h (102 → 102); the 4 h sample from 0 (100 → 98).
  assert.ok(Math.abs((g.drift[0] as number) - -(-0.01 / 3)) < 1e-12, String(g.drift[0]));
  assert.ok(Math.abs((g.drift[2] as number) - -(-0.02)) < 1e-12, String(g.drift[2]));
});

test('a whale close: the direction comes from the position the ledger saw; a close never seen opening is ungradable', () => {
  const { ledger, grades } = run();
  ledger.onMarket(mark(BTC, 0, 100));
  ledger.onGlass(whale('WHALE_POSITION_OPENED', BTC, 0, 5));
  ledger.onGlass(whale('WHALE_POSITION_INCREASED', BTC, MIN, 8)); // bought 3: +1
  ledger.onGlass(whale('WHALE_POSITION_REDUCED', BTC, MIN, 4)); // sold 4, still long: −1
  ledger.onGlass(whale('WHALE_POSITION_CLOSED', BTC, MIN, 0)); // sold 4: −1
  ledger.onGlass(whale('WHALE_POSITION_CLOSED', ETH, MIN, 0)); // nothing known of it
  ledger.onMarket(mark(BTC, 1 * H, 90));
  ledger.onMarket(mark(BTC, 5 * H, 90));
  assert.deepEqual(
    grades.map((g) => [g.type, g.kind === 'direction' ? g.direction : null]),
    [
      ['WHALE_POSITION_OPENED', 1],
      ['WHALE_POSITION_INCREASED', 1],
      ['WHALE_POSITION_REDUCED', -1],
      ['WHALE_POSITION_CLOSED', -1],
    ],
  );
  const close = grades.find((g) => g.type === 'WHALE_POSITION_CLOSED');
  assert.ok(close?.kind === 'direction');
  assert.equal(close.direction, -1);
  assert.equal(close.hit, true);
  const rows = ledger.rows(true);
  const eth = rows.find((r) => r.type === 'WHALE_POSITION_CLOSED' && r.coin === ETH);
  assert.equal(eth?.ungradable, 1);
  assert.equal(eth?.pending, 0);
});

test('a probability event: Brier of the model, the volatility baseline and (before any fit) the recalibrated baseline, by hand', () => {
  const { ledger, grades } = run();
  ledger.onMarket(mark(BTC, 0, 100));
  ledger.onGlass(cascadeRisk(BTC, 0, zoneRef('LONG_LIQ', 88, 92, 90, 1e6), 0.8, 0.3));
  ledger.onGlass(cascadeRisk(BTC, 0, zoneRef('SHORT_LIQ', 108, 112, 110, 1e6), 0.8, 0.3));
  ledger.onMarket(mark(BTC, 1 * H, 89)); // the long zone is reached, the short one never
  ledger.onMarket(mark(BTC, 4 * H + 1, 89));
  assert.equal(grades.length, 2);
  const [row] = ledger.rows();
  assert.ok(row?.brier);
  // Model: (0.8 − 1)² and (0.8 − 0)² → (0.04 + 0.64) / 2; baseline: (0.7² + 0.3²) / 2.
  assert.ok(Math.abs((row.brier.model as number) - 0.34) < 1e-12);
  assert.ok(Math.abs((row.brier.baseline as number) - 0.29) < 1e-12);
  assert.ok(Math.abs((row.brier.recalibrated as number) - 0.29) < 1e-12);
  assert.equal(row.hitRate, 0.5);
  assert.equal(row.baseline, 0.3);
  assert.ok(Math.abs((row.lift as number) - 0.5 / 0.3) < 1e-12);
  assert.deepEqual(row.reliability?.model, [{ lo: 0.8, hi: 0.9, n: 2, forecast: 0.8, observed: 0.5 }]);
});

test('the recalibration is fitted on past grades only: an event made before the fit carries p0, one after the fitted figure', () => {
  const grades: Grade[] = [];
  const ledger = new AccuracyLedger({ grade: (g) => grades.push(g) }, { calibration: { minSamples: 4, refitEvery: 100 } });
  ledger.onMarket(mark(BTC, 0, 100));
  // Four forecasts of 0.9: one is right. The fit must bring 0.9 down.
  for (let i = 0; i < 4; i++) {
    const peak = i === 0 ? 95 : 50;
    ledger.onGlass(cascadeRisk(BTC, 0, zoneRef('LONG_LIQ', peak - 1, peak + 1, peak, 1e6), 0.9, 0.9));
  }
  ledger.onMarket(mark(BTC, 1 * H, 94));
  ledger.onGlass(cascadeRisk(BTC, 1 * H, zoneRef('LONG_LIQ', 49, 51, 50, 1e6), 0.9, 0.9)); // before any grade
  ledger.onMarket(mark(BTC, 4 * H + 1, 94)); // the first four are graded …
  const t = catchUp(ledger, BTC, 4 * H + 1, 94); // … and count a minute later: the fit happens
  ledger.onGlass(cascadeRisk(BTC, t, zoneRef('LONG_LIQ', 49, 51, 50, 1e6), 0.9, 0.9));
  ledger.onMarket(mark(BTC, 9 * H, 94));
  const late = grades.filter((g) => g.kind === 'touch' && g.time > 0);
  assert.equal(late.length, 2);
  const [before, after] = late;
  assert.ok(before?.kind === 'touch' && after?.kind === 'touch');
  assert.equal(before.forecast?.recalibratedFrom, 0);
  assert.equal(before.forecast?.recalibratedProbability, 0.9);
  assert.equal(after.forecast?.recalibratedFrom, 4);
  const p = after.forecast?.recalibratedProbability as number;
  assert.ok(p < 0.5 && p > 0.1, String(p));
});

test('a grade counts in the verdicts at the first message whose start is past its clock plus the delay, and the verdicts hold still within a message', () => {
  const ledger = new AccuracyLedger({}, { muting: { minGraded: 1, window: 10 } });
  const D = DEFAULT_LEDGER.applyDelayMs;
  const message = (...times: number[]) => {
    ledger.onMessage();
    for (const t of times) ledger.onMarket(mark(BTC, t, 100));
  };
  message(0);
  // A CASCADE_RISK on a zone never reached: one miss against p0 0.9 mutes the type (minGraded 1).
  ledger.onGlass(cascadeRisk(BTC, 0, zoneRef('LONG_LIQ', 49, 51, 50, 1e6), 0.9, 0.9));
  message(4 * H + 1); // graded here, at clock 4 H + 1: counts from a message starting past 4 H + 1 + D
  assert.equal(ledger.rows()[0]?.graded, 1, 'the table has it at once');
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  message(4 * H + 1 + D); // starts at clock 4 H + 1: not past
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  message(4 * H + 5 + D); // starts at exactly 4 H + 1 + D: not past it either
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  message(4 * H + 6 + D); // starts at 4 H + 5 + D: past
  assert.equal(ledger.isMuted('CASCADE_RISK'), true);
  // Within one message the verdicts hold: a second grade made mid-message waits for the next start.
  const m2 = new AccuracyLedger({}, { muting: { minGraded: 1, window: 10 } });
  m2.onMessage();
  m2.onMarket(mark(BTC, 0, 100));
  m2.onGlass(cascadeRisk(BTC, 0, zoneRef('LONG_LIQ', 49, 51, 50, 1e6), 0.9, 0.9));
  m2.onMessage();
  m2.onMarket(mark(BTC, 4 * H + 1, 100));
  m2.onMarket(mark(BTC, 4 * H + 2 + 2 * D, 100)); // the clock passes applyAt inside the message
  assert.equal(m2.isMuted('CASCADE_RISK'), false, 'not inside the message');
  m2.onMessage();
  assert.equal(m2.isMuted('CASCADE_RISK'), true, 'at the next start');
});
