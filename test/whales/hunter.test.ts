import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvergenceEvent, GlassEvent, WhalePositionEvent } from '../../src/domain/glass-event.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { WhaleHunter } from '../../src/engine/whales/hunter.ts';
import { WhalePolicy } from '../../src/engine/whales/policy.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { fill, mids, W } from '../score/stream.ts';

const T = 1_700_000_000_000;

test('a whale’s position events: opened, increased, reduced, flipped, closed, liquidated; small wallets make none', () => {
  const p = new Pipeline({ strict: true });
  const out: GlassEvent[] = [];
  const hunter = new WhaleHunter(p.book, (e) => out.push(e));
  p.attach(hunter);
  const msgs = [
    mids(T, { BTC: 100_000 }),
    fill(W[0]!, 'BTC', 'B', 5, 100_000, 0, T + 1), // $500k: a whale by position
    fill(W[0]!, 'BTC', 'B', 2, 100_000, 5, T + 2),
    fill(W[0]!, 'BTC', 'A', 3, 100_000, 7, T + 3),
    fill(W[0]!, 'BTC', 'A', 8, 100_000, 4, T + 4), // long 4 → short 4
    fill(W[0]!, 'BTC', 'B', 4, 100_000, -4, T + 5, true), // closed by liquidation
    fill(W[1]!, 'BTC', 'B', 0.01, 100_000, 0, T + 6), // $1k: not a whale
  ];
  let line = 0;
  for (const m of msgs) p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
  assert.deepEqual(
    out.map((e) => e.type),
    [
      'WHALE_POSITION_OPENED',
      'WHALE_POSITION_INCREASED',
      'WHALE_POSITION_REDUCED',
      'WHALE_POSITION_FLIPPED',
      'WHALE_POSITION_CLOSED',
      'WHALE_LIQUIDATED',
    ],
  );
  const opened = out[0] as WhalePositionEvent;
  assert.equal(opened.szi, 5);
  assert.equal(opened.notionalUsd, 500_000);
  assert.equal((out[3] as WhalePositionEvent).szi, -4);
  assert.equal(new Set(out.map((e) => e.id)).size, out.length, 'ids are unique');
});

test('on a simulated day, convergence events follow the rule: shorts above long-liquidation zones, longs below short ones, within reach', () => {
  const p = new Pipeline({ strict: true });
  const out: GlassEvent[] = [];
  const heat = new HeatmapEngine(p.book, (e) => out.push(e));
  const score = new ScoreEngine(p.book);
  const hunter = new WhaleHunter(
    p.book,
    (e) => out.push(e),
    { zones: (c) => heat.zones(c), score: (w) => score.scoreNow(w) },
    { policy: { minAccountUsd: 200_000, minPositionUsd: 1_000_000 }, syndicates: { minNotionalUsd: 50_000 } },
  );
  p.attach(heat);
  p.attach(score);
  p.attach(hunter);
  let line = 0;
  const truth = new Simulator({ seed: 2, wallets: 5000, hours: 24, syndicatesPerDay: 48 }, (ts, msg) =>
    p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }),
  ).run();
  const conv = out.filter((e): e is ConvergenceEvent => e.type === 'WHALE_NEAR_ZONE' || e.type === 'SYNDICATE_NEAR_ZONE');
  assert.ok(conv.some((e) => e.type === 'WHALE_NEAR_ZONE') && conv.some((e) => e.type === 'SYNDICATE_NEAR_ZONE'));
  for (const e of conv) {
    const z = e.zone;
    // The zone sits on the side the positioning profits from, at the time of the event.
    if (z.side === 'LONG_LIQ') assert.ok(z.distancePct < 0, `${e.id}: long-liquidation zone above price`);
    else assert.ok(z.distancePct > 0, `${e.id}: short-liquidation zone below price`);
    assert.ok(e.probability > 0 && e.probability <= 1);
    assert.ok(e.wallets.length >= 1);
    if (e.type === 'SYNDICATE_NEAR_ZONE') assert.ok(e.syndicateId !== null);
  }
  // Syndicates planted near a zone are reported near it more often than those planted anywhere.
  const synConv = new Set(conv.filter((e) => e.type === 'SYNDICATE_NEAR_ZONE').map((e) => `${e.coin}:${e.time}`));
  const syn = out.filter((e) => e.type === 'SYNDICATE_DETECTED' || e.type === 'SYNDICATE_UPDATED');
  const nearShare = (near: boolean) => {
    const planted = truth.syndicates.filter((s) => s.nearZone === near && s.members.length >= 3);
    const hit = planted.filter((s) =>
      syn.some((e) => e.coin === s.coin && Math.abs(e.time - s.end) <= 60_000 && synConv.has(`${e.coin}:${e.time}`)),
    );
    return hit.length / Math.max(1, planted.length);
  };
  assert.ok(nearShare(true) > nearShare(false), `near-zone plants ${nearShare(true)} vs others ${nearShare(false)}`);
});

test('the whale policy: a wallet that has only been the passive side shows no direction; one taker fill does, ten passive in eleven make a market maker', () => {
  const p = new Pipeline({ strict: true });
  const policy = new WhalePolicy(p.book, () => null, { minAccountUsd: 500_000, minPositionUsd: Number.POSITIVE_INFINITY });
  const verdicts: boolean[] = [];
  const maker = '0x00000000000000000000000000000000000000aa';
  p.changes.subscribe((c) => {
    policy.observe(c);
    if (p.book.wallets.name(c.walletId) === maker) verdicts.push(policy.tracked(c));
  });
  let tid = 1;
  // A $1M account; `side` is the taker's: 'A' with the maker as buyer leaves it passive.
  const trade = (taker: boolean) => ({
    channel: 'trades',
    data: [
      {
        coin: 'BTC',
        side: taker ? 'B' : 'A',
        px: '100000',
        sz: '2',
        time: T + tid,
        hash: '0x00',
        tid: tid++,
        users: [maker, W[1]],
      },
    ],
  });
  const account = {
    marginSummary: { accountValue: '1000000.0' },
    crossMarginSummary: { accountValue: '1000000.0' },
    assetPositions: [],
    time: T,
  };
  p.ingest({ line: 0, ts: T, venue: 'hyperliquid', msg: { request: { type: 'clearinghouseState', user: maker }, response: account } });
  const seq = [false, false, true, false, false, false, false, false, false, false, false];
  seq.forEach((taker, i) => {
    p.ingest({ line: i + 1, ts: T + i, venue: 'hyperliquid', msg: trade(taker) });
  });
  // Passive, passive: no direction shown. Taker: a whale from then on, until one taker fill in
  // eleven falls under a tenth and makes it a market maker (judged over at least eight fills).
  assert.deepEqual(verdicts, [false, false, true, true, true, true, true, true, true, true, false]);
});
