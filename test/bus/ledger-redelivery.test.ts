// A grade handed over again long after the first time (a replacement worker republishing past
// its predecessor's last message) counts once in the verdicts: receivers keep the keys of what they
// took for longer than the exchange keeps messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccuracyLedger, type SettledGrade } from '../../src/engine/ledger/ledger.ts';
import { BTC, H, mark } from '../ledger/helpers.ts';

const T0 = Date.UTC(2026, 0, 1, 4, 0, 0);

function settled(): SettledGrade {
  return {
    kind: 'grade',
    applyAt: T0 + 60_000,
    due: T0,
    at: T0 - 4 * H,
    coin: BTC,
    cs: 1,
    cls: null,
    grade: {
      kind: 'touch',
      id: 'CASCADE_RISK:x:1',
      type: 'CASCADE_RISK',
      coin: BTC,
      time: T0 - 4 * H,
      horizonEnd: T0,
      hit: true,
      baseline: 0.5,
      side: 'LONG_LIQ',
      level: 50,
      horizonMs: 4 * H,
      leadMs: 1000,
      zoneNotionalUsd: 1e6,
      liquidatedUsd: 0,
      forecast: { modelProbability: 0.5, baselineProbability: 0.5, recalibratedProbability: 0.5, recalibratedFrom: 0 },
    },
  };
}

test('a grade handed over twice counts once, even a day later', () => {
  const ledger = new AccuracyLedger();
  let t = T0;
  const message = (time: number) => {
    ledger.onMessage();
    ledger.onMarket(mark(BTC, time, 100));
  };
  message(t);
  ledger.receive(settled());
  t += 61_000;
  message(t);
  message(t + 1);
  assert.equal(ledger.evidenceStanding('CASCADE_RISK').n, 1, 'counted once');
  ledger.receive(settled()); // again within the day: ignored
  message(t + 2);
  message(t + 3);
  assert.equal(ledger.evidenceStanding('CASCADE_RISK').n, 1, 'again within a day: still once');
  t += 26 * H; // a replacement that hands grades over again
  message(t);
  message(t + 1);
  ledger.receive(settled());
  message(t + 2);
  message(t + 3);
  assert.equal(ledger.evidenceStanding('CASCADE_RISK').n, 1, 'a day later: still once');
  assert.equal(ledger.late, 0, 'not taken as a late grade');
});
