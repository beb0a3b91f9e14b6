import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZoneRef } from '../../src/domain/glass-event.ts';
import { liquidationPxFromCash } from '../../src/engine/heatmap/liquidation-price.ts';
import { advise, type MarketContext } from '../../src/engine/risk/advice.ts';

const longZone: ZoneRef = { side: 'LONG_LIQ', lo: 98_000, hi: 98_500, peakPx: 98_250, notionalUsd: 5e6, wallets: 80, distancePct: -1.75 };
const shortZone: ZoneRef = {
  side: 'SHORT_LIQ',
  lo: 103_000,
  hi: 103_400,
  peakPx: 103_200,
  notionalUsd: 3e6,
  wallets: 50,
  distancePct: 3.2,
};
const ctx = (whaleBias: number): MarketContext => ({
  markPx: 100_000,
  zones: [longZone, shortZone],
  sigma: 0.02,
  horizonMs: 4 * 3600_000,
  maintenance: 0.0125,
  whaleBias,
});

test('a 20× long with a loaded long-liquidation zone above its liquidation: stop before the zone, lower leverage, wait while whales lean short', () => {
  const a = advise({ coin: 'BTC', side: 'long', entryPx: 100_000, size: 1, leverage: 20, stopPx: null }, ctx(-30e6));
  assert.ok(a.liquidationPx !== null && Math.abs(a.liquidationPx - (100_000 * (1 - 1 / 20)) / (1 - 0.0125)) < 1e-3);
  assert.deepEqual(
    a.zonesInPath.map((z) => z.side),
    ['LONG_LIQ'],
  );
  assert.equal(a.whaleBias, 'against you');
  const stop = a.suggestions.find((x) => x.action === 'stop')!;
  assert.ok(stop.value! > longZone.hi && stop.value! < 100_000, `stop ${stop.value}`);
  const lev = a.suggestions.find((x) => x.action === 'leverage')!;
  // At the suggested leverage, liquidation sits a σ beyond the zone's far edge.
  const liq = liquidationPxFromCash(100_000, 1, 100_000 / lev.value!, 0.0125)!;
  assert.ok(liq <= longZone.lo * (1 - 0.02), `liq ${liq} at ${lev.value}×`);
  assert.ok(lev.value! < 20);
  assert.ok(a.suggestions.some((x) => x.action === 'timing'));
});

test('the same long with a stop above the zone has nothing in its path; whales with it ask no wait', () => {
  const a = advise({ coin: 'BTC', side: 'long', entryPx: 100_000, size: 1, leverage: 20, stopPx: 99_000 }, ctx(30e6));
  assert.equal(a.exitPx, 99_000);
  assert.deepEqual(a.zonesInPath, []);
  assert.equal(a.whaleBias, 'with you');
  assert.deepEqual(a.suggestions, []);
});

test('a short sees the short-liquidation zone above it, and a stop below the zone', () => {
  const a = advise({ coin: 'BTC', side: 'short', entryPx: 100_000, size: 2, leverage: 10, stopPx: null }, ctx(0));
  assert.deepEqual(
    a.zonesInPath.map((z) => z.side),
    ['SHORT_LIQ'],
  );
  const stop = a.suggestions.find((x) => x.action === 'stop')!;
  assert.ok(stop.value! < shortZone.lo && stop.value! > 100_000);
  assert.equal(a.whaleBias, 'neutral');
  // Beyond its liquidation a zone is not in the path: at 25× price liquidates the short first.
  const tight = advise({ coin: 'BTC', side: 'short', entryPx: 100_000, size: 2, leverage: 25, stopPx: null }, ctx(0));
  assert.ok(tight.liquidationPx! < shortZone.lo);
  assert.deepEqual(tight.zonesInPath, []);
});

test('a stop on the wrong side of the mark fires at once: said for a long and a short, not for a stop on the right side', () => {
  const long = advise({ coin: 'BTC', side: 'long', entryPx: 99_000, size: 1, leverage: 10, stopPx: 100_500 }, ctx(0));
  assert.ok(
    long.warnings.includes(
      "stop 100,500 is at or above the mark 100,000: a long's stop closes it as price falls to it, so there it fires at once",
    ),
    JSON.stringify(long.warnings),
  );
  const short = advise({ coin: 'BTC', side: 'short', entryPx: 101_000, size: 1, leverage: 10, stopPx: 100_000 }, ctx(0));
  assert.ok(
    short.warnings.some((w) => w.startsWith('stop 100,000 is at or below the mark 100,000')),
    JSON.stringify(short.warnings),
  );
  // A long's stop above its entry but below the mark (locking a gain) is a stop, not a mistake.
  const trailing = advise({ coin: 'BTC', side: 'long', entryPx: 98_000, size: 1, leverage: 10, stopPx: 99_500 }, ctx(0));
  assert.deepEqual(trailing.warnings, []);
});

test('no leverage: no liquidation price, and a warning that says so', () => {
  const a = advise({ coin: 'BTC', side: 'long', entryPx: 100_000, size: 1, leverage: null, stopPx: 99_000 }, ctx(0));
  assert.equal(a.liquidationPx, null);
  assert.deepEqual(a.warnings, [
    'no leverage given, so no liquidation price: the advice cannot say whether the stop or a zone lies beyond it (give the leverage)',
  ]);
});
