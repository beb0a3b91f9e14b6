import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { playFile } from '../../src/cli/load.ts';
import { RealisedVol } from '../../src/engine/common/volatility.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { type BucketWindow, coverLargest, DEFAULT_ZONE_PARAMS, detectZones } from '../../src/engine/heatmap/zones.ts';
import { importRealExport } from '../helpers/real-export.ts';

/**
 * Issue 14, "Zones that see the whole map": on ETH at the end of Hyperliquid's 2023 export the
 * largest liquidation bucket (5.8 % below the mark) was in no zone: zones were searched within
 * ±max(5 %, 8σ) with σ from a 1-hour EWMA that read 0.64 %/day against 2.5 % realised.
 */

/** A random bucket series around a mark: sparse spikes over a background, estimated parts included. */
const windows = fc
  .record({
    n: fc.integer({ min: 3, max: 300 }),
    markAt: fc.double({ min: -0.2, max: 1.2, noNaN: true }),
    seed: fc.array(
      fc.record({
        i: fc.nat(),
        long: fc.integer({ min: 0, max: 5_000_000 }),
        short: fc.integer({ min: 0, max: 5_000_000 }),
        estShare: fc.constantFrom(0, 0.5, 1),
      }),
      { maxLength: 80 },
    ),
    floor: fc.integer({ min: 0, max: 200_000 }),
    reach: fc.integer({ min: 1, max: 400 }),
  })
  .map(({ n, markAt, seed, floor, reach }): { w: BucketWindow; reach: number } => {
    const long = new Float64Array(n).fill(floor);
    const short = new Float64Array(n).fill(floor);
    const longEst = new Float64Array(n);
    const shortEst = new Float64Array(n);
    const longN = new Int32Array(n).fill(floor > 0 ? 1 : 0);
    const shortN = new Int32Array(n).fill(floor > 0 ? 1 : 0);
    for (const s of seed) {
      const i = s.i % n;
      long[i] = (long[i] as number) + s.long;
      short[i] = (short[i] as number) + s.short;
      longEst[i] = (longEst[i] as number) + Math.round(s.estShare * s.long);
      shortEst[i] = (shortEst[i] as number) + Math.round(s.estShare * s.short);
      if (s.long > 0) longN[i] = (longN[i] as number) + 1;
      if (s.short > 0) shortN[i] = (shortN[i] as number) + 1;
    }
    const from = 1000;
    return {
      w: { from, width: 1, markKey: from + Math.round(markAt * (n - 1)), long, short, longN, shortN, longEst, shortEst },
      reach,
    };
  });

test('property: the largest bucket within reach of the mark is in a zone, or the result says why not', () => {
  fc.assert(
    fc.property(windows, ({ w, reach }) => {
      const { zones, largest } = coverLargest(w, detectZones(w), reach);
      // The largest within reach, by a plain scan.
      let best = 0;
      for (let i = 0; i < w.long.length; i++) {
        if (Math.abs(w.from + i - w.markKey) > reach) continue;
        best = Math.max(best, w.long[i] as number, w.short[i] as number);
      }
      if (best === 0) {
        assert.equal(largest, null);
        return;
      }
      assert.ok(largest !== null);
      assert.equal(largest.units, best);
      const side = largest.side === 'LONG_LIQ' ? w.long : w.short;
      assert.equal(side[largest.key - w.from], best);
      const home = zones.filter((z) => z.side === largest.side && z.loKey <= largest.key && largest.key <= z.hiKey);
      if (largest.zoned === null) {
        // The only reason: it lies on the side of the mark its positions would already be liquidated at.
        assert.ok(largest.reason !== null && largest.reason.length > 0);
        assert.ok(largest.side === 'LONG_LIQ' ? largest.key > w.markKey : largest.key < w.markKey, largest.reason);
        assert.equal(home.length, 0);
      } else {
        assert.equal(largest.reason, null);
        assert.equal(home.length, 1, JSON.stringify(zones));
      }
      // The zones stay well-formed: each on its own side of the mark, none overlapping another of its side,
      // its figures the sums of its own buckets.
      for (const z of zones) {
        if (z.side === 'LONG_LIQ') assert.ok(z.hiKey <= w.markKey);
        else assert.ok(z.loKey >= w.markKey);
        const v = z.side === 'LONG_LIQ' ? w.long : w.short;
        let units = 0;
        for (let k = z.loKey; k <= z.hiKey; k++) units += v[k - w.from] as number;
        assert.equal(z.units, units);
        for (const o of zones) if (o !== z && o.side === z.side) assert.ok(o.hiKey < z.loKey || o.loKey > z.hiKey);
      }
      assert.ok(zones.filter((z) => z.side === 'LONG_LIQ').length <= DEFAULT_ZONE_PARAMS.maxPerSide + 1);
    }),
    { numRuns: 500 },
  );
});

test('the day’s realised volatility remembers a morning’s fall the hourly EWMA has forgotten', () => {
  const v = new RealisedVol();
  const t0 = Date.UTC(2025, 0, 1);
  // A 6 % slide over the first hour, then 12 quiet hours: 12 five-minute returns of 0.5 % over 13 hours
  // of grid read √(12 · 0.005² · 288 / 156) ≈ 2.4 % a day.
  for (let m = 0; m <= 60; m++) v.update(100 * (1 - 0.001 * m), t0 + m * 60_000);
  const px = 100 * (1 - 0.06);
  for (let m = 61; m <= 13 * 60; m++) v.update(px * (1 + 0.0001 * Math.sin(m)), t0 + m * 60_000);
  assert.ok(v.daily() < 0.01, `EWMA ${v.daily()}`);
  assert.ok(Math.abs(v.dayRealised() - Math.sqrt((12 * 0.005 ** 2 * 288) / 156)) < 0.001, `day ${v.dayRealised()}`);
  assert.ok(v.dayRealised() > 3 * v.daily());
  assert.equal(v.wideDaily(), v.dayRealised());
});

test('on the 2023 export: ETH’s largest bucket within ±10 % of the mark is in a zone, and every coin’s is or says why', async () => {
  const rec = join(mkdtempSync(join(tmpdir(), 'glass-largest-')), 'real.ndjson');
  importRealExport({ out: rec });
  let heat: HeatmapEngine | null = null;
  await playFile(rec, (p) => {
    heat = new HeatmapEngine(p.book);
    p.attach(heat);
  });
  const h = heat as unknown as HeatmapEngine;
  const eth = h.view('ETH');
  assert.ok(eth !== null);
  const vol = h.coinState('ETH')?.vol;
  assert.ok(vol !== undefined);
  // The hour's EWMA reads calm; the day's path does not, and the search reaches by the wider one.
  assert.ok(vol.dayRealised() > 3 * vol.daily(), `${vol.dayRealised()} vs ${vol.daily()}`);
  // … 8 daily sigmas of it each side (≈ ±20 %), where the hour's EWMA gave ±5 %.
  const state = h.coinState('ETH');
  assert.ok(state !== null);
  const { from, to } = state.window();
  const width = state.buckets.width;
  const reach = 8 * vol.dayRealised();
  assert.ok(from * width <= eth.markPx * (1 - reach) + width, `window from ${from * width}, mark ${eth.markPx}`);
  assert.ok((to + 1) * width >= eth.markPx * (1 + reach) - width, `window to ${(to + 1) * width}`);
  const inReach = eth.buckets.filter((b) => Math.abs((b.lo + b.hi) / 2 / eth.markPx - 1) <= 0.1);
  const top = Math.max(...inReach.map((b) => Math.max(b.longLiqUsd, b.shortLiqUsd)));
  assert.ok(eth.largest !== null);
  assert.ok(Math.abs(eth.largest.notionalUsd - top) < 1e-6, `${eth.largest.notionalUsd} vs ${top}`);
  assert.ok(eth.largest.zoneId !== null, JSON.stringify(eth.largest));
  const zone = eth.zones.find((z) => z.id === eth.largest?.zoneId);
  assert.ok(zone !== undefined && zone.lo <= eth.largest.lo && eth.largest.hi <= zone.hi);
  for (const coin of h.coinList()) {
    const v = h.view(coin);
    if (v?.largest == null) continue;
    assert.ok((v.largest.zoneId === null) !== (v.largest.reason === null), `${coin}: ${JSON.stringify(v.largest)}`);
  }
});
