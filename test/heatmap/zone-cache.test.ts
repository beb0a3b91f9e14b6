import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { touchProbability } from '../../src/engine/common/volatility.ts';
import { costsToReach } from '../../src/engine/heatmap/cost-to-reach.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { ArmedDetector } from '../../src/engine/signals/armed.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';

/**
 * HeatmapEngine.zones() keeps its last answer per coin until the zones, the mark or the book move
 * (several engines ask it on every event), and zoneLines() the zones' shape until detection or the
 * width move. A kept answer must be the one the engine's state gives now: checked on a simulated
 * recording after every market event and position change, against figures recomputed from the
 * state (mark, vol, the coin's fresh l2Book) by the pure functions the engine uses.
 */
const HORIZON = 4 * 3600_000;

function check(heat: HeatmapEngine, coin: string, where: string, problems: string[]): void {
  const zones = heat.zones(coin);
  const again = heat.zones(coin);
  if (JSON.stringify(again) !== JSON.stringify(zones)) problems.push(`${where}: a second zones() differs`);
  const c = heat.coinState(coin);
  if (c === null || !(c.mark > 0)) return;
  const lines = heat.zoneLines(coin);
  const shape = zones.map((z) => ({ id: z.id, side: z.side, lo: z.lo, hi: z.hi, notionalUsd: z.notionalUsd }));
  if (JSON.stringify(lines) !== JSON.stringify(shape)) problems.push(`${where}: zoneLines ≠ zones`);
  const book = heat.depth.fresh(coin, c.markTime);
  const costs = book === null ? null : costsToReach(book, c.mark, zones);
  zones.forEach((z, i) => {
    const distancePct = ((z.peakPx - c.mark) / c.mark) * 100;
    if (z.distancePct !== distancePct) problems.push(`${where} ${z.id}: distance ${z.distancePct} ≠ ${distancePct} at mark ${c.mark}`);
    const p = touchProbability(Math.log(z.peakPx / c.mark), c.vol.sigma(HORIZON));
    if (z.probability !== p) problems.push(`${where} ${z.id}: probability ${z.probability} ≠ ${p}`);
    if (costs === null) {
      if (z.depthStale !== true) problems.push(`${where} ${z.id}: depth not stale without a fresh book`);
    } else if (
      JSON.stringify(costs[i]) !== JSON.stringify({ costToReachUsd: z.costToReachUsd, chain: z.chain, depthStale: z.depthStale })
    ) {
      problems.push(`${where} ${z.id}: cost ${z.costToReachUsd} ≠ ${costs[i]?.costToReachUsd} from the book now`);
    }
  });
}

test('zones() and zoneLines() kept between changes are what the state gives now (mark, vol, book, zones)', () => {
  const p = new Pipeline({ strict: true });
  const heat = new HeatmapEngine(p.book);
  p.attach(heat);
  const problems: string[] = [];
  let checked = 0;
  p.market.subscribe((e) => {
    if (!('coin' in e) || (e.type !== 'mark' && e.type !== 'book' && e.type !== 'trade')) return;
    check(heat, e.coin, `${e.type} ${e.coin} ${e.time}`, problems);
    checked++;
  });
  p.changes.subscribe((ch) => {
    check(heat, ch.coin, `change ${ch.coin} ${ch.time}`, problems);
    checked++;
  });
  let line = 0;
  new Simulator({ seed: 7, wallets: 600, hours: 2 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg })).run();
  assert.ok(checked > 1000, `checked ${checked} times`);
  const zoned = heat.coinList().filter((c) => heat.zones(c).length > 0);
  assert.ok(zoned.length > 0, 'some coin has zones');
  assert.ok(
    heat.coinList().some((c) => heat.zones(c).some((z) => z.depthStale === false)),
    'some zone has a cost from a fresh book',
  );
  assert.deepEqual(problems.slice(0, 5), []);
});

test('the armed detectors fire the same events reading zone shapes first as reading whole zones', () => {
  const p = new Pipeline({ strict: true });
  const heat = new HeatmapEngine(p.book);
  p.attach(heat);
  const whole: GlassEvent[] = [];
  const shaped: GlassEvent[] = [];
  const sigma = (c: string, h: number) => heat.coinState(c)?.vol.sigma(h) ?? 0;
  // Thresholds low enough that a small simulation arms clusters and hunting grounds.
  const opts = { minZoneUsd: 1_000, largeVsHourlyVolume: 0.001, costVsFlow: 5, nearSigmas: 3, thinRatio: 0.9 };
  p.attach(new ArmedDetector({ zones: (c) => heat.zones(c), sigma }, (e) => whole.push(e), opts));
  p.attach(new ArmedDetector({ zones: (c) => heat.zones(c), shapes: (c) => heat.zoneLines(c), sigma }, (e) => shaped.push(e), opts));
  let line = 0;
  new Simulator({ seed: 7, wallets: 600, hours: 2 }, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg })).run();
  assert.ok(
    whole.some((e) => e.type === 'LIQUIDATION_CLUSTER_ARMED'),
    `the run arms a cluster (${whole.length} events)`,
  );
  assert.equal(JSON.stringify(shaped), JSON.stringify(whole));
});
