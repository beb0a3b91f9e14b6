import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GlassEvent, ZoneEvent } from '../../src/domain/glass-event.ts';
import { type Coin, coin, wallet } from '../../src/domain/ids.ts';
import type { PositionSnapshotEvent } from '../../src/domain/market-event.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { documentMessage } from '../../src/recording/reader.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import type { ClusterTruth } from '../../src/sim/truth.ts';
import { glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';
import { bookWithHeatmap } from '../helpers/heatmap.ts';

const OWNER = wallet('0x1111111111111111111111111111111111111111');

test('the engine path reproduces every liquidation price of the real 45-position account (margin tiers from meta)', () => {
  const p = new Pipeline({ strict: true });
  const heat = new HeatmapEngine(p.book);
  p.attach(heat);
  const meta = documentMessage(readFixture('hyperliquid/meta-with-marginTables.json'));
  p.ingest({ ...meta, line: 1 });
  const state = documentMessage(readFixture('hyperliquid/clearinghouseState-45positions-2026-10.json'));
  // The bare response does not say whose account it is; a recorder's /info line does.
  const msg = { request: { type: 'clearinghouseState', user: OWNER }, response: (state.msg as { response: unknown }).response };
  let reported: { coin: Coin; liq: number | null }[] = [];
  p.market.subscribe((e) => {
    if (e.type === 'snapshot') reported = e.positions.map((q) => ({ coin: q.coin, liq: q.liquidationPx }));
  });
  p.ingest({ line: 2, ts: state.ts, venue: 'hyperliquid', msg });
  assert.equal(reported.length, 45);
  const w = p.book.wallets.id(OWNER);
  let priced = 0;
  for (const r of reported) {
    const liq = heat.liqOf(p.book.slotId(w, p.book.coins.id(r.coin)));
    if (r.liq === null) {
      assert.ok(!(liq === liq), `${r.coin}: the venue reports no liquidation price, the engine filed ${liq}`);
      continue;
    }
    priced++;
    assert.ok(Math.abs(liq - r.liq) / r.liq <= 1e-6, `${r.coin}: venue ${r.liq}, engine ${liq}`);
  }
  assert.equal(priced, 24);
});

interface SimRun {
  readonly events: GlassEvent[];
  readonly heat: HeatmapEngine;
  readonly clusters: { truth: ClusterTruth; zone: ZoneEvent['zone'] | null; seenAt: number }[];
  /** Each change of a coin's bucket width: the zone ids tracked before it and after it. */
  readonly rebuckets: { coin: string; before: string[]; after: string[] }[];
}

/** Simulates, checking the heatmap once each planted cluster's members are open and their accounts refreshed. */
function simulate(): SimRun {
  const cfg = { seed: 11, wallets: 2500, hours: 6, clustersPerDay: 24, syndicatesPerDay: 8 };
  const p = new Pipeline({ strict: true });
  const events: GlassEvent[] = [];
  const heat = new HeatmapEngine(p.book, (e) => events.push(e), { history: 'all' });
  p.attach(heat);
  let line = 0;
  const sim = new Simulator(cfg, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  // Members open within 2 min; the refresher reaches every account in wallets / 10 per second.
  const settle = 120_000 + (cfg.wallets / 10) * 1000 + 30_000;
  const checked = new Map<string, SimRun['clusters'][number]>();
  const rebuckets: SimRun['rebuckets'] = [];
  const seen = new Map<string, { width: number; ids: string[] }>();
  sim.begin();
  let more = true;
  while (more) {
    more = sim.advance(30);
    for (const coin of heat.coinList()) {
      // Read the tracked zones as they stand (no detection forced, so the run's events are its own).
      const state = heat.coinState(coin)!;
      const ids = state.zones.map((z) => z.id);
      const was = seen.get(coin);
      if (was !== undefined && was.width !== state.buckets.width) rebuckets.push({ coin, before: was.ids, after: ids });
      seen.set(coin, { width: state.buckets.width, ids });
    }
    const now = Number.isFinite(p.lastTs) ? p.lastTs : 0;
    for (const c of sim.truth().clusters) {
      if (checked.has(c.id) || c.time + settle > now) continue;
      const view = heat.view(c.coin);
      const zone = view?.zones.find((z) => z.side === c.side && z.lo - view.bucketWidth <= c.liqPx && c.liqPx <= z.hi + view.bucketWidth);
      checked.set(c.id, { truth: c, zone: zone ?? null, seenAt: now });
    }
  }
  const final = sim.truth().clusters;
  return {
    events,
    heat,
    clusters: [...checked.values()].map((c) => ({ ...c, truth: final.find((f) => f.id === c.truth.id)! })),
    rebuckets,
  };
}

const run = simulate();

test('every planted cluster is found as a zone at its liquidation price, holding at least its members’ notional', () => {
  assert.ok(run.clusters.length >= 5, `clusters checked: ${run.clusters.length}`);
  for (const { truth, zone } of run.clusters) {
    assert.ok(zone !== null, `${truth.id} ${truth.coin} ${truth.side} at ${truth.liqPx}: no zone there`);
    // Notional at the liquidation price: members were sized at entry, 4 % away.
    const atLiq = truth.notionalUsd * (truth.side === 'LONG_LIQ' ? 0.96 : 1.04);
    assert.ok(zone.notionalUsd >= 0.95 * atLiq, `${truth.id}: zone $${zone.notionalUsd} < members' $${atLiq}`);
    assert.ok(zone.wallets >= truth.members.length * 0.95, `${truth.id}: ${zone.wallets} positions, ${truth.members.length} members`);
    assert.ok(Math.abs(zone.distancePct) > 2 && Math.abs(zone.distancePct) < 6, `${truth.id}: distance ${zone.distancePct} %`);
  }
});

test('re-bucketing at a new width keeps the identity of the zones it finds again', () => {
  const withZones = run.rebuckets.filter((r) => r.before.length > 0 && r.after.length > 0);
  assert.ok(withZones.length >= 2, `${withZones.length} width changes with zones on both sides`);
  // Zones merge when the width coarsens and split when it refines, so at most the smaller of the
  // two counts can keep an id.
  const possible = withZones.reduce((a, r) => a + Math.min(r.before.length, r.after.length), 0);
  const kept = withZones.reduce((a, r) => a + r.before.filter((id) => r.after.includes(id)).length, 0);
  assert.ok(kept >= 0.6 * possible, `${kept} of at most ${possible} zones kept their id across a width change`);
});

test('zone lifecycle: zones form, price approaches some and sweeps some, and a sweep reports what was liquidated', () => {
  const by = (t: string) => run.events.filter((e): e is ZoneEvent => e.type === t);
  const formed = by('ZONE_FORMED');
  const approached = by('ZONE_APPROACHED');
  const swept = by('ZONE_SWEPT');
  assert.ok(formed.length > 0 && approached.length > 0 && swept.length > 0, `${formed.length}/${approached.length}/${swept.length}`);
  const formedIds = new Set(formed.map((e) => e.id.split(':').slice(1, -1).join(':')));
  for (const e of [...approached, ...swept]) {
    assert.ok(formedIds.has(e.id.split(':').slice(1, -1).join(':')), `${e.id} without a ZONE_FORMED`);
  }
  for (const e of swept) {
    assert.equal(e.probability, null);
    assert.ok(e.liquidatedUsd !== null && e.liquidatedUsd >= 0);
    // Swept means price reached the zone: a long-liquidation zone from above, a short one from below.
    if (e.zone.side === 'LONG_LIQ') assert.ok(e.markPx <= e.zone.hi, `${e.id}: mark ${e.markPx} above ${e.zone.hi}`);
    else assert.ok(e.markPx >= e.zone.lo, `${e.id}: mark ${e.markPx} below ${e.zone.lo}`);
  }
  assert.ok(
    swept.some((e) => (e.liquidatedUsd ?? 0) > 0),
    'at least one sweep matched venue-reported liquidations',
  );
  for (const e of approached) assert.ok(e.probability !== null && e.probability > 0 && e.probability <= 1);
});

test('history: one price × time row per minute of the recording, each a window of the map around that minute’s mark', () => {
  const rows = run.heat.history('BTC');
  assert.ok(rows.length >= 355 && rows.length <= 361, `${rows.length} rows for 6 h`);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.time - rows[i - 1]!.time >= 60_000 - 1000);
  for (const r of rows) {
    assert.equal(r.longLiqUsd.length, r.shortLiqUsd.length);
    assert.ok(r.fromPx <= r.markPx && r.fromPx + r.longLiqUsd.length * r.bucketWidth >= r.markPx);
    assert.ok(Math.abs(r.fromPx / r.bucketWidth - Math.round(r.fromPx / r.bucketWidth)) < 1e-6, 'rows start on a bucket edge');
  }
  assert.ok(rows.filter((r) => r.longLiqUsd.some((x) => x > 0) && r.shortLiqUsd.some((x) => x > 0)).length > rows.length * 0.9);
});

test('glass heatmap --json prints the issue’s shape at the end of a recording', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-heat-'));
  const file = join(dir, 'h.ndjson');
  assert.equal(glass('sim', '--out', file, '--wallets', '3000', '--hours', '4', '--seed', '5').code, 0);
  const r = glass('heatmap', file, '--coin', 'BTC', '--json');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as {
    coin: string;
    time: number;
    markPx: number;
    bucketWidth: number;
    buckets: { lo: number; hi: number; longLiqUsd: number; shortLiqUsd: number }[];
    zones: { side: string; lo: number; hi: number; peakPx: number; notionalUsd: number; wallets: number; distancePct: number }[];
  };
  assert.equal(v.coin, 'BTC');
  assert.ok(v.markPx > 0 && v.bucketWidth > 0 && v.time > 0);
  assert.ok(v.buckets.length > 10);
  for (const b of v.buckets) {
    assert.ok(Math.abs(b.hi - b.lo - v.bucketWidth) < 1e-9 * b.hi);
    assert.ok(b.longLiqUsd >= 0 && b.shortLiqUsd >= 0 && b.longLiqUsd + b.shortLiqUsd > 0);
  }
  for (const z of v.zones) {
    assert.ok(z.side === 'LONG_LIQ' || z.side === 'SHORT_LIQ');
    assert.ok(z.lo < z.hi && z.peakPx >= z.lo && z.peakPx <= z.hi && z.notionalUsd > 0 && z.wallets > 0);
    assert.equal(Math.sign(z.distancePct), z.side === 'LONG_LIQ' ? -1 : 1);
  }
  // History: one row per minute of the 4 h (each minute's first mark), each a window holding the mark.
  const h = glass('heatmap', file, '--coin', 'BTC', '--json', '--history');
  assert.equal(h.code, 0, h.stderr);
  const doc = JSON.parse(h.stdout) as typeof v & {
    history: { time: number; markPx: number; bucketWidth: number; fromPx: number; longLiqUsd: number[]; shortLiqUsd: number[] }[];
  };
  assert.deepEqual({ ...doc, history: undefined }, { ...v, history: undefined });
  assert.ok(doc.history.length >= 4 * 60 && doc.history.length <= 4 * 60 + 1, `${doc.history.length} rows`);
  doc.history.forEach((r, i) => {
    if (i > 0) assert.equal(Math.floor(r.time / 60_000), Math.floor((doc.history[i - 1] as { time: number }).time / 60_000) + 1);
    assert.equal(r.longLiqUsd.length, r.shortLiqUsd.length);
    assert.ok(r.fromPx <= r.markPx && r.markPx < r.fromPx + r.longLiqUsd.length * r.bucketWidth);
  });
  // Zone lifecycle over the file, per coin: every approach and sweep is of a zone formed before it.
  const seen = new Set<string>();
  for (const c of ['BTC', 'ETH', 'SOL']) {
    const ev = glass('heatmap', file, '--coin', c, '--json', '--events');
    assert.equal(ev.code, 0, ev.stderr);
    const events = ev.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; type: string; coin: string; time: number; liquidatedUsd: number | null });
    const formed = new Set<string>();
    for (const [i, e] of events.entries()) {
      assert.equal(e.coin, c);
      if (i > 0) assert.ok(e.time >= (events[i - 1] as { time: number }).time);
      const zone = e.id.split(':').slice(1, -1).join(':');
      seen.add(e.type);
      if (e.type === 'ZONE_FORMED') formed.add(zone);
      else assert.ok(formed.has(zone), `${e.type} of ${zone} before it formed`);
      if (e.type === 'ZONE_SWEPT') assert.ok(typeof e.liquidatedUsd === 'number' && e.liquidatedUsd >= 0);
    }
  }
  assert.deepEqual([...seen].sort(), ['ZONE_APPROACHED', 'ZONE_FORMED', 'ZONE_SWEPT']);
  const bad = glass('heatmap', file, '--coin', 'NOPE');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /NOPE/);
});

test('a zone that dips under the threshold and comes back within the grace period keeps its id; later it forms anew', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const BTC = coin('BTC');
  const events: GlassEvent[] = [];
  const { book, heat: h } = bookWithHeatmap((e) => events.push(e));
  /** A one-position cross account whose long liquidates at `liq` with the mark at 100,000 (l = 1/80). */
  const account = (i: number, time: number, szi: number, liq: number): PositionSnapshotEvent => {
    const mark = 100_000;
    const av = szi === 0 ? 1000 : (mark - liq) * szi * (1 - 1 / 80) + szi * mark * (1 / 80);
    return {
      type: 'snapshot',
      venue: 'hyperliquid',
      time,
      localTs: time,
      wallet: wallet(`0x${(i + 1).toString(16).padStart(40, '0')}`),
      accountValue: av,
      crossAccountValue: av,
      crossMaintenanceMarginUsed: null,
      positions:
        szi === 0
          ? []
          : [
              {
                coin: BTC,
                szi,
                entryPx: mark,
                positionValue: szi * mark,
                marginMode: 'cross',
                leverage: 20,
                rawUsd: null,
                marginUsed: (szi * mark) / 20,
                maxLeverage: 40,
                liquidationPx: null,
              },
            ],
    };
  };
  const mark = (time: number) =>
    h.onMarket({ type: 'mark', venue: 'hyperliquid', time, localTs: time, coin: BTC, px: 100_000, kind: 'mark' });
  // Background: 60 small longs liquidating evenly from 90,000 to 99,000.
  for (let i = 0; i < 60; i++) book.apply(account(i, T0, 0.05, 90_000 + 150 * i));
  const cluster = (time: number, on: boolean) => {
    for (let i = 0; i < 8; i++) book.apply(account(100 + i, time, on ? 2 : 0, 95_020 + 10 * i));
    mark(time);
  };
  cluster(T0, true);
  const formed = () => events.filter((e) => e.type === 'ZONE_FORMED' && e.zone.lo <= 95_050 && e.zone.hi >= 95_050);
  assert.equal(formed().length, 1, 'the cluster forms a zone');
  const id = h.zones('BTC').find((z) => z.lo <= 95_050 && z.hi >= 95_050)?.id;
  assert.ok(id !== undefined);
  cluster(T0 + 60_000, false);
  assert.equal(
    h.zones('BTC').find((z) => z.lo <= 95_050 && z.hi >= 95_050),
    undefined,
    'gone from the map while its positions are closed',
  );
  cluster(T0 + 10 * 60_000, true);
  assert.equal(formed().length, 1, 'back within the grace period: no second ZONE_FORMED');
  assert.equal(h.zones('BTC').find((z) => z.lo <= 95_050 && z.hi >= 95_050)?.id, id);
  cluster(T0 + 11 * 60_000, false);
  mark(T0 + 50 * 60_000);
  cluster(T0 + 52 * 60_000, true);
  assert.equal(formed().length, 2, 'back after the grace period: a new zone');
  assert.notEqual(h.zones('BTC').find((z) => z.lo <= 95_050 && z.hi >= 95_050)?.id, id);
  assert.equal(events.filter((e) => e.type === 'ZONE_SWEPT').length, 0, 'price never reached it: dissolving is not a sweep');
});

test('estimates are graded against the exact price once the account is seen, once per estimate', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const BTC = coin('BTC');
  const A = wallet(`0x${'a'.repeat(40)}`);
  const B = wallet(`0x${'b'.repeat(40)}`);
  const { book, heat: h } = bookWithHeatmap();
  book.apply({
    type: 'trade',
    venue: 'hyperliquid',
    time: T0,
    localTs: T0,
    coin: BTC,
    px: 100_000,
    sz: 1,
    side: 'B',
    buyer: A,
    seller: B,
    tid: 1,
    isSnapshot: false,
  });
  // No meta: the coin's max leverage defaults to 50, so the estimate is 10× with l = 1/100.
  const estimate = (100_000 * (1 - 1 / 10)) / (1 - 1 / 100);
  const slotA = book.slotId(book.wallets.id(A), book.coins.id(BTC));
  assert.ok(Math.abs(h.liqOf(slotA) - estimate) <= 1e-9 * estimate);
  // A's account: one cross long of 1 BTC marked at 100,000 that liquidates at 95,000 (max leverage 40, l = 1/80).
  const av = (100_000 - 95_000) * (1 - 1 / 80) + 100_000 / 80;
  const snapshot = (time: number): PositionSnapshotEvent => ({
    type: 'snapshot',
    venue: 'hyperliquid',
    time,
    localTs: time,
    wallet: A,
    accountValue: av,
    crossAccountValue: av,
    crossMaintenanceMarginUsed: null,
    positions: [
      {
        coin: BTC,
        szi: 1,
        entryPx: 100_000,
        positionValue: 100_000,
        marginMode: 'cross',
        leverage: 20,
        rawUsd: null,
        marginUsed: 5_000,
        maxLeverage: 40,
        liquidationPx: null,
      },
    ],
  });
  book.apply(snapshot(T0 + 1000));
  assert.ok(Math.abs(h.liqOf(slotA) - 95_000) <= 1e-9 * 95_000);
  book.apply(snapshot(T0 + 2000));
  const g = h.liq.estimates.summary();
  assert.equal(g.n, 1, 'graded once: the second snapshot prices an exact position');
  const err = (estimate - 95_000) / 95_000;
  assert.equal(g.medianRelErr, Math.round(err * 1e4) / 1e4);
  assert.equal(g.medianAbsRelErr, Math.round(Math.abs(err) * 1e4) / 1e4);
  assert.equal(g.within1Pct, 0);
  assert.equal(g.within5Pct, 1);
});

test('a position opened after the snapshot of an account that margins isolated is presumed isolated at its usual leverage', () => {
  const T0 = Date.UTC(2026, 0, 1);
  const [BTC, ETH] = [coin('BTC'), coin('ETH')];
  const A = wallet(`0x${'c'.repeat(40)}`);
  const B = wallet(`0x${'d'.repeat(40)}`);
  const { book, heat: h } = bookWithHeatmap();
  /** An isolated long of `szi` at `px` with margin notional / 5, as the venue reports it. */
  const iso = (c: typeof BTC, szi: number, px: number) => ({
    coin: c,
    szi,
    entryPx: px,
    positionValue: szi * px,
    marginMode: 'isolated' as const,
    leverage: 5,
    rawUsd: (szi * px) / 5 - szi * px,
    marginUsed: (szi * px) / 5,
    maxLeverage: 50,
    liquidationPx: null,
  });
  const snapshot = (time: number, positions: ReturnType<typeof iso>[]): PositionSnapshotEvent => ({
    type: 'snapshot',
    venue: 'hyperliquid',
    time,
    localTs: time,
    wallet: A,
    accountValue: 50_000,
    crossAccountValue: 10_000,
    crossMaintenanceMarginUsed: null,
    positions,
  });
  book.apply(snapshot(T0, [iso(ETH, 10, 3_000)]));
  book.apply({
    type: 'trade',
    venue: 'hyperliquid',
    time: T0 + 1000,
    localTs: T0 + 1000,
    coin: BTC,
    px: 100_000,
    sz: 1,
    side: 'B',
    buyer: A,
    seller: B,
    tid: 7,
    isSnapshot: false,
  });
  const slot = book.slotId(book.wallets.id(A), book.coins.id(BTC));
  // Isolated, margin notional / 5, no meta (l = 1/100): liq = entry · (1 − 1/5) / (1 − 1/100), whatever the cross cash.
  const presumed = (100_000 * (1 - 1 / 5)) / (1 - 1 / 100);
  const p = h.positions(A).find((x) => x.coin === 'BTC');
  assert.equal(p?.estimated, true, 'flagged as an estimate');
  assert.ok(Math.abs(h.liqOf(slot) - presumed) <= 1e-9 * presumed, `${h.liqOf(slot)} vs ${presumed}`);
  book.apply(snapshot(T0 + 2000, [iso(ETH, 10, 3_000), iso(BTC, 1, 100_000)]));
  assert.equal(h.positions(A).find((x) => x.coin === 'BTC')?.estimated, false);
  const g = h.liq.estimates.summary();
  assert.equal(g.priced, 1);
  assert.ok((g.medianAbsRelErr as number) <= 1e-4, `graded error ${g.medianAbsRelErr}`);
});
