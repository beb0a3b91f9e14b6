import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CvdDivergenceEvent,
  type FundingExtremeEvent,
  type LargeLiquidationEvent,
  type LeverageSpikeEvent,
  type RegimeShiftEvent,
  stampEvent,
} from '../../src/domain/glass-event.ts';
import { AccuracyLedger, type Grade } from '../../src/engine/ledger/index.ts';
import { BTC, H, MIN, mark, T0, W1 } from './helpers.ts';

/** BTC wobbling within ±0.1 % of 100,000 (a 7-minute wave) for three hours, then falling 3 % over the next hour and flat after. */
function px(m: number): number {
  if (m < 180) return 100_000 * (1 + 0.001 * Math.sin((2 * Math.PI * m) / 7));
  if (m < 240) return 100_000 * (1 - (0.03 * (m - 180)) / 60);
  return 97_000;
}

const AT = T0 + 3 * H;

const spike = stampEvent<LeverageSpikeEvent>({
  id: 'LEVERAGE_SPIKE:BTC:1',
  type: 'LEVERAGE_SPIKE',
  time: AT,
  coin: BTC,
  severity: 'warning',
  source: 'openInterest',
  value: 1.2,
  baseline: 1,
  rise: 0.18,
  zScore: 6,
  windowMs: 10 * MIN,
  priceChange: 0,
  flatLine: 0.005,
  markPx: 100_000,
  openInterestUsd: null,
});
const shift = (to: 'calm' | 'volatile', time: number) =>
  stampEvent<RegimeShiftEvent>({
    id: `REGIME_SHIFT:BTC:volatility:${time}`,
    type: 'REGIME_SHIFT',
    time,
    coin: BTC,
    severity: 'info',
    kind: 'volatility',
    from: to === 'calm' ? 'volatile' : 'calm',
    to,
    realisedVol: 1,
    baselineVol: 0.5,
    varianceRatio: null,
    markPx: 100_000,
  });
const liq = stampEvent<LargeLiquidationEvent>({
  id: 'LARGE_LIQUIDATION:1',
  type: 'LARGE_LIQUIDATION',
  time: AT,
  coin: BTC,
  severity: 'warning',
  wallet: W1,
  score: null,
  positionSide: 'long',
  px: 100_000,
  markPx: 100_000,
  sz: 10,
  notionalUsd: 1e6,
  thresholdUsd: 6e5,
  highLineUsd: 2.4e6,
  zone: null,
});
const fundingHot = stampEvent<FundingExtremeEvent>({
  id: 'FUNDING_EXTREME:1',
  type: 'FUNDING_EXTREME',
  time: AT,
  coin: BTC,
  severity: 'notice',
  rate: 5e-4,
  annualised: 4.38,
  median: 1e-5,
  zScore: 9,
  reason: 'both',
  crowded: 'long',
  markPx: 100_000,
});
const cvd = stampEvent<CvdDivergenceEvent>({
  id: 'CVD:1',
  type: 'CVD_DIVERGENCE_EXTREME',
  time: AT,
  coin: BTC,
  severity: 'notice',
  windowMs: 15 * MIN,
  priceChange: -0.01,
  cvdUsd: 1e7,
  volumeUsd: 2e7,
  residualZ: -3,
  flowZ: 2,
  direction: 'long',
  markPx: 100_000,
});

function play(): { grades: Grade[]; ledger: AccuracyLedger } {
  const grades: Grade[] = [];
  const ledger = new AccuracyLedger({ grade: (g) => grades.push(g) });
  for (let m = 0; m <= 8 * 60; m++) {
    const t = T0 + m * MIN;
    if (t === T0 + 2 * H) ledger.onGlass(shift('volatile', t));
    if (t === AT) for (const e of [spike, liq, fundingHot, cvd]) ledger.onGlass(e);
    ledger.onMarket(mark(BTC, t, px(m)));
  }
  return { grades, ledger };
}

test('LEVERAGE_SPIKE: a move grade — a 3 % hour against a usual 0.2 % is a hit, baseline the share of random hours as large', () => {
  const g = play().grades.find((x) => x.id === spike.id);
  assert.ok(g !== undefined && g.kind === 'move');
  assert.equal(g.expect, 'large');
  assert.ok(g.hit);
  assert.ok(Math.abs(g.absReturn - 0.03) < 1e-9);
  assert.ok(g.line > 0 && g.line <= 0.002, 'median |1 h return| at random times before: the wave’s');
  assert.ok(g.baseline !== null && g.baseline > 0 && g.baseline <= 1);
  assert.equal(g.regime, 'volatile', 'filed under the regime the last REGIME_SHIFT set');
});

test('LARGE_LIQUIDATION of a long grades the sell side (hit on the fall); FUNDING_EXTREME with longs crowded too; CVD pointing long misses', () => {
  const { grades } = play();
  const by = (id: string) => grades.find((x) => x.id === id);
  const l = by(liq.id);
  const f = by(fundingHot.id);
  const c = by(cvd.id);
  assert.ok(l?.kind === 'direction' && l.direction === -1 && l.hit);
  assert.ok(f?.kind === 'direction' && f.direction === -1 && f.hit);
  assert.ok(c?.kind === 'direction' && c.direction === 1 && !c.hit);
});

test('REGIME_SHIFT to volatile expects a large move; rows by regime split every type', () => {
  const { grades, ledger } = play();
  const r = grades.find((x) => x.type === 'REGIME_SHIFT');
  assert.ok(r?.kind === 'move' && r.expect === 'large');
  assert.equal(r.regime, 'volatile');
  const rows = ledger.rowsByRegime();
  const spikeRow = rows.find((x) => x.row.type === 'LEVERAGE_SPIKE');
  assert.equal(spikeRow?.regime, 'volatile');
  assert.equal(spikeRow?.row.graded, 1);
  assert.deepEqual(
    rows.map((x) => x.regime).filter((x, i, a) => a.indexOf(x) === i),
    ['volatile'],
  );
});
