import assert from 'node:assert/strict';
import { test } from 'node:test';
import { episodes, gradeSyndicates } from '../../src/backtest/syndicate-eval.ts';
import type { SyndicateEvent } from '../../src/domain/glass-event.ts';
import { SyndicateDetector } from '../../src/engine/syndicates/detector.ts';
import { WhalePolicy } from '../../src/engine/whales/policy.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { fill, W } from '../score/stream.ts';

const T = 1_700_000_000_000;

/** Runs venue messages through the pipeline into a detector with every wallet counted. */
function detect(
  msgs: { time: number; msg: unknown }[],
  opts: { windowMs?: number; minWallets?: number; minNotionalUsd?: number } = {},
): SyndicateEvent[] {
  const p = new Pipeline({ strict: true });
  const out: SyndicateEvent[] = [];
  p.attach(
    new SyndicateDetector(
      (e) => out.push(e),
      () => null,
      opts,
    ),
  );
  let line = 0;
  for (const m of msgs) p.ingest({ line: ++line, ts: m.time, venue: 'hyperliquid', msg: m.msg });
  return out;
}

const open = (w: number, t: number, side: 'B' | 'A' = 'B', start = 0) => fill(W[w]!, 'BTC', side, 1, 100, start, T + t);

test('exactly three wallets within 59.9 s fire once; the same at 60.1 s does not', () => {
  const fired = detect([open(0, 0), open(1, 30_000), open(2, 59_900)]);
  assert.deepEqual(
    fired.map((e) => [e.type, e.memberCount, e.direction, e.firstTime]),
    [['SYNDICATE_DETECTED', 3, 'long', T]],
  );
  assert.deepEqual(detect([open(0, 0), open(1, 30_000), open(2, 60_100)]), []);
  // The boundary is inclusive: 60.0 s is within the window.
  assert.equal(detect([open(0, 0), open(1, 30_000), open(2, 60_000)]).length, 1);
});

test('the notional floor applies to the order: fills of one wallet, coin, direction and millisecond add up', () => {
  // Each wallet's order fills against three counterparties, $40 each, under a $100 floor.
  const split = (w: number, t: number) => [0, 1, 2].map((k) => fill(W[w]!, 'BTC', 'B', 0.4, 100, k * 0.4, T + t));
  const fired = detect([...split(0, 0), ...split(1, 1000), ...split(2, 2000)], { minNotionalUsd: 100 });
  assert.deepEqual(
    fired.map((e) => [e.type, e.memberCount, Math.round(e.notionalUsd)]),
    [['SYNDICATE_DETECTED', 3, 360]], // each order counts once its third fill takes it to $120
  );
  // The same fills a millisecond apart are three orders, each under the floor.
  const apart = (w: number, t: number) => [0, 1, 2].map((k) => fill(W[w]!, 'BTC', 'B', 0.4, 100, k * 0.4, T + t + k));
  assert.deepEqual(detect([...apart(0, 0), ...apart(1, 1000), ...apart(2, 2000)], { minNotionalUsd: 100 }), []);
});

test('one wallet trading three times is not a syndicate; two wallets are not either', () => {
  assert.deepEqual(detect([open(0, 0), open(0, 10_000, 'B', 1), open(0, 20_000, 'B', 2)]), []);
  assert.deepEqual(detect([open(0, 0), open(1, 10_000), open(0, 20_000, 'B', 1)]), []);
});

test('closes never count; a flip counts in its new direction', () => {
  // Wallets 0 and 1 close longs (sells that reduce): not directional.
  const closes = [open(0, 0, 'A', 2), open(1, 1000, 'A', 3), open(2, 2000, 'A', 0)];
  assert.deepEqual(detect(closes), []);
  // Two opened shorts and a long that flips short: three short directional trades.
  const flips = [open(0, 0, 'A', 0), open(1, 1000, 'A', 0), fill(W[2]!, 'BTC', 'A', 3, 100, 1, T + 2000)];
  const fired = detect(flips);
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.direction, 'short');
  // The flip's directional notional is its new side only: 2 of the 3 sold.
  const detected = fired[0]!;
  assert.equal(detected.type, 'SYNDICATE_DETECTED');
  if (detected.type === 'SYNDICATE_DETECTED') assert.equal(detected.members.find((m) => m.wallet === W[2])!.notionalUsd, 200);
});

test('joiners within the window extend the episode (UPDATED), a member trading again does not re-fire, a new cluster later is a new episode', () => {
  const fired = detect([
    open(0, 0),
    open(1, 10_000),
    open(2, 20_000),
    open(3, 70_000), // within 60 s of the last member: joins
    open(0, 75_000, 'B', 1), // a member again: silent
    open(4, 200_000), // the window has passed: starts afresh
    open(5, 210_000),
    open(6, 220_000),
  ]);
  assert.deepEqual(
    fired.map((e) => [e.type, e.memberCount]),
    [
      ['SYNDICATE_DETECTED', 3],
      ['SYNDICATE_UPDATED', 4],
      ['SYNDICATE_DETECTED', 3],
    ],
  );
  assert.equal(fired[0]!.syndicateId, fired[1]!.syndicateId);
  assert.notEqual(fired[0]!.syndicateId, fired[2]!.syndicateId);
  // The update carries the joiner only; the member's later add shows in the next event's totals.
  const update = fired[1]!;
  assert.equal(update.type, 'SYNDICATE_UPDATED');
  if (update.type === 'SYNDICATE_UPDATED') {
    assert.deepEqual(
      update.joined.map((m) => [m.wallet, m.notionalUsd]),
      [[W[3], 100]],
    );
    assert.deepEqual([update.addedNotionalUsd, update.notionalUsd], [100, 400]);
  }
});

test('fills out of order within one message are put in time order before they count', () => {
  // One userFills message per wallet is the venue's shape; here three wallets' fills arrive
  // with the message order reversed in time, and one wallet's batch is itself unordered.
  const batch = (w: number, times: number[]) => ({
    time: T,
    msg: {
      channel: 'userFills',
      data: {
        user: W[w],
        isSnapshot: false,
        fills: times.map((t, i) => ({
          coin: 'ETH',
          px: '10',
          sz: '1',
          side: 'A',
          time: T + t,
          startPosition: String(-times.filter((x) => x < t).length),
          closedPnl: '0',
          fee: '0',
          hash: '0x1',
          oid: i,
          tid: w * 100 + i,
          crossed: true,
        })),
      },
    },
  });
  const fired = detect([batch(2, [50_000]), batch(1, [30_000, 5_000]), batch(0, [0])]);
  // Wallet 1's two fills are applied in time order (its position chain is consistent: no drift).
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.direction, 'short');
  assert.equal(fired[0]!.memberCount, 3);
});

test('window and minimum count are configurable', () => {
  const msgs = [open(0, 0), open(1, 50_000), open(2, 100_000), open(3, 170_000)];
  assert.equal(detect(msgs).length, 0);
  assert.deepEqual(
    detect(msgs, { windowMs: 120_000 }).map((e) => [e.type, e.memberCount]),
    [
      ['SYNDICATE_DETECTED', 3],
      ['SYNDICATE_UPDATED', 4],
    ],
  );
  assert.deepEqual(
    detect(msgs, { windowMs: 180_000, minWallets: 4 }).map((e) => [e.type, e.memberCount]),
    [['SYNDICATE_DETECTED', 4]],
  );
  assert.equal(detect([open(0, 0), open(1, 1000)], { minWallets: 2 }).length, 1);
});

test('planted syndicates are found among whales on a simulated day; no episode fires twice', () => {
  const p = new Pipeline({ strict: true });
  const out: SyndicateEvent[] = [];
  // Whales as the simulator makes them (accounts from $250k): its smaller traders chase strong
  // drifts together by design, which is crowding, not a syndicate.
  const policy = new WhalePolicy(p.book, () => null, { minAccountUsd: 250_000, minPositionUsd: Number.POSITIVE_INFINITY });
  p.changes.subscribe((c) => policy.observe(c));
  p.attach(
    new SyndicateDetector(
      (e) => out.push(e),
      () => null,
      { minNotionalUsd: 50_000, tracked: (c) => policy.tracked(c) },
    ),
  );
  let line = 0;
  const truth = new Simulator({ seed: 2, wallets: 5000, hours: 24 }, (ts, msg) =>
    p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }),
  ).run();
  const g = gradeSyndicates(episodes(out), truth.syndicates, 60_000);
  assert.ok(g.planted >= 20, `${g.planted} planted`);
  assert.equal(g.refired, 0);
  assert.ok(g.recall >= 0.95, `recall ${g.recall}: missed ${g.unmatchedPlanted.join(', ')}`);
  // Measured 1.00 on this seed (README): organic whales sometimes enter together too (seed 1: 0.96).
  assert.ok(g.precision >= 0.95, `precision ${g.precision} (${g.detected} detected)`);
});

test('grading: an episode is correct when it matches a planted entry, or when two of its members are the syndicate acting again on its shared clock', () => {
  const t0 = 1_000_000;
  const planted = [
    {
      id: 'syn-0',
      coin: 'ETH',
      direction: 'short' as const,
      nearZone: false,
      members: ['a', 'b', 'c'].map((wallet, i) => ({ wallet, time: t0 + i * 1000 })),
      start: t0,
      end: t0 + 2000,
      followUps: [
        { wallet: 'a', time: t0 + 3_600_000, direction: 'short' as const },
        { wallet: 'b', time: t0 + 3_610_000, direction: 'short' as const },
        { wallet: 'c', time: t0 + 3_620_000, direction: 'long' as const },
      ],
    },
  ];
  const ep = (id: string, firstTime: number, members: string[], direction: 'long' | 'short' = 'short') => ({
    id,
    coin: 'ETH',
    direction,
    firstTime,
    lastTime: firstTime + 20_000,
    members,
    detections: 1,
  });
  const grade = (found: ReturnType<typeof ep>[]) => gradeSyndicates(found, planted, 60_000);
  assert.deepEqual([grade([ep('e', t0, ['a', 'b', 'x'])]).recall, grade([ep('e', t0, ['a', 'b', 'x'])]).precision], [1, 1]);
  // The later add by a and b: correct, but it does not find the planted entry (recall).
  const later = grade([ep('f', t0 + 3_600_000, ['a', 'b', 'y'])]);
  assert.deepEqual([later.recall, later.precision], [0, 1]);
  // Only one member acting in that direction then (c flipped long): not the syndicate.
  assert.equal(grade([ep('g', t0 + 3_600_000, ['a', 'c', 'y'])]).precision, 0);
  assert.equal(grade([ep('h', t0 + 3_600_000, ['a', 'b', 'c'], 'long')]).precision, 0);
});

test('a fill re-emitted once its direction is known (resolved) is not counted again at its past time', () => {
  const out: SyndicateEvent[] = [];
  const d = new SyndicateDetector((e) => out.push(e));
  const change = (w: number, t: number, resolved: boolean) => ({
    type: 'position' as const,
    wallet: W[w]!,
    walletId: w,
    coin: 'BTC' as never,
    coinId: 0,
    slot: w,
    time: T + t,
    localTs: T + t,
    px: 100,
    sz: 1,
    side: 'B' as const,
    before: 0,
    after: 1,
    dir: 'Open Long' as const,
    closedPnl: 0,
    entryPx: 100,
    liquidation: false,
    taker: true,
    tid: w,
    source: 'trade' as const,
    history: false,
    resolved,
  });
  // Two wallets live; a third wallet's fill from the same minute is resolved an hour later, when
  // the book learns its position: it is that fill again, not a live entry.
  d.onChange(change(0, 0, false));
  d.onChange(change(1, 10_000, false));
  d.onChange(change(2, 20_000, true));
  assert.deepEqual(out, []);
});
