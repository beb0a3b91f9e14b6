import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccuracyLedger, type MuteChange, median, wilson } from '../../src/engine/ledger/index.ts';
import { BTC, cascadeRisk, catchUp, ETH, H, MIN, mark, zoneRef } from './helpers.ts';

test('Wilson 95 % intervals match the published values (Newcombe 1998, method 3)', () => {
  const cases: [number, number, number, number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [0, 10, 0, 0.2775],
  ];
  for (const [hits, n, lo, hi] of cases) {
    const w = wilson(hits, n);
    assert.ok(w !== null);
    assert.ok(Math.abs(w.lo - lo) < 5e-5 && Math.abs(w.hi - hi) < 5e-5, `${hits}/${n}: ${w.lo}–${w.hi}`);
  }
  assert.equal(wilson(0, 0), null);
  assert.equal(wilson(10, 10)?.hi, 1);
  assert.equal(wilson(0, 3)?.lo, 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), null);
});

test('a type is muted once its precision is below its baseline after the minimum count, and heard again when it recovers', () => {
  const changes: MuteChange[] = [];
  const ledger = new AccuracyLedger({ mute: (m) => changes.push(m) }, { muting: { minGraded: 5, window: 10 } });
  let t = 0;
  ledger.onMarket(mark(BTC, t, 100));
  // Each CASCADE_RISK claims 0.6 on p0 0.6; a zone at 100 is touched at once, one at 50 never.
  const graded = (hit: boolean) => {
    ledger.onGlass(cascadeRisk(BTC, t, zoneRef('LONG_LIQ', hit ? 99 : 49, hit ? 101 : 51, hit ? 100 : 50, 1e6), 0.6, 0.6));
    t += 4 * H + 1;
    ledger.onMarket(mark(BTC, t, 100));
    t = catchUp(ledger, BTC, t, 100);
  };
  for (let i = 0; i < 4; i++) graded(false);
  // 0 of 4: the Wilson upper bound (49.0 %) is already below 60 %, but four is under the minimum.
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  graded(false);
  // 0 of 5: upper bound 43.4 % < 60 %.
  assert.equal(ledger.isMuted('CASCADE_RISK'), true);
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), true);
  assert.equal(ledger.isMuted('ZONE_FORMED'), false);
  assert.match(ledger.muteReason('CASCADE_RISK') ?? '', /precision below baseline: 0 hits in the last 5 graded .*baseline 60 %/);
  graded(true);
  // 1 of 6: upper bound 56.4 % — still below.
  assert.equal(ledger.isMuted('CASCADE_RISK'), true);
  graded(true);
  // 2 of 7: upper bound 64.1 % ≥ 60 %: recovered.
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  assert.equal(ledger.muteReason('CASCADE_RISK'), null);
  const [row] = ledger.rows();
  assert.equal(row?.muted, false);
  // The model said 0.6 as p0 did, with nothing fitted yet: its evidence has not beaten the recalibrated baseline.
  assert.equal(ledger.evidenceHelps('CASCADE_RISK'), false);
  assert.equal(ledger.evidenceHelps('ZONE_FORMED'), null);
  assert.match(row?.mutedReason ?? '', /^recovered: 2 hits in the last 7 graded/);
  // One switch on and one off for the type, and the same for the type on BTC.
  assert.deepEqual(
    changes.map((c) => [c.type, c.coin, c.muted]),
    [
      ['CASCADE_RISK', null, true],
      ['CASCADE_RISK', BTC, true],
      ['CASCADE_RISK', null, false],
      ['CASCADE_RISK', BTC, false],
    ],
  );
});

test('a type muted on one coin only is muted there, not elsewhere; the window lets old misses age out', () => {
  const ledger = new AccuracyLedger({}, { muting: { minGraded: 3, window: 4 } });
  let t = 0;
  const step = (c: typeof BTC, hit: boolean) => {
    ledger.onMarket(mark(c, t, 100));
    ledger.onGlass(cascadeRisk(c, t, zoneRef('SHORT_LIQ', hit ? 99 : 149, hit ? 101 : 151, hit ? 100 : 150, 1e6), 0.5, 0.5));
    t += 4 * H + MIN;
    ledger.onMarket(mark(c, t, 100));
    t = catchUp(ledger, c, t, 100);
  };
  for (let i = 0; i < 3; i++) step(BTC, false);
  for (let i = 0; i < 6; i++) step(ETH, true);
  // Overall 6 of 9 (Wilson upper 87.9 %) is above 50 %; on BTC 0 of 3 (upper 56.1 %) is not below 50 %.
  assert.equal(ledger.isMuted('CASCADE_RISK'), false);
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), false);
  step(BTC, false);
  // BTC: 0 of 4, upper 49.0 % < 50 %.
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), true);
  assert.equal(ledger.isMuted('CASCADE_RISK', ETH), false);
  assert.match(ledger.muteReason('CASCADE_RISK', BTC) ?? '', /^CASCADE_RISK on BTC: precision below baseline/);
  // One hit: BTC's window of four is 1 of 4 (upper 78.1 %): heard again.
  step(BTC, true);
  assert.equal(ledger.isMuted('CASCADE_RISK', BTC), false);
});
