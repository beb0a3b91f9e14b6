import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Wallet } from '../../src/domain/ids.ts';
import type { TransferEvent } from '../../src/domain/market-event.ts';
import { EntityGraph } from '../../src/engine/syndicates/entities.ts';
import { type Flow, FundingStream, matchFlows } from '../../src/engine/syndicates/funding.ts';

const W = (i: number) => `0x${(0xa00 + i).toString(16).padStart(40, '0')}` as Wallet;
const MIN = 60_000;
let n = 0;

/** A flow as the normalizer emits it (a deposit: from null; a withdrawal: to null), received at `seenAt`. */
function flowEvent(f: Flow, seenAt = f.time): TransferEvent {
  const w = f.wallet as Wallet;
  return {
    type: 'transfer',
    venue: 'hyperliquid',
    time: f.time,
    localTs: seenAt,
    wallet: w,
    from: f.usd < 0 ? w : null,
    to: f.usd > 0 ? w : null,
    usd: Math.abs(f.usd),
    via: f.usd < 0 ? 'withdraw' : 'deposit',
    hash: `0x${(++n).toString(16).padStart(64, '0')}`,
    isSnapshot: false,
  };
}

class Links {
  readonly made: string[] = [];
  funding(from: string, to: string, time: number): void {
    this.made.push(`${from}>${to}@${time}`);
  }
}

const key = (t: { from: string; to: string; time: number }) => `${t.from}>${t.to}@${t.time}`;

// Few wallets, few amounts (some round), times within a few windows: collisions are common.
const flowFields = {
  wallet: fc.integer({ min: 0, max: 5 }),
  amount: fc.constantFrom(1234.56, 777.77, 5000, 42.5, 300),
  out: fc.boolean(),
};
const flowArb = fc.record({ ...flowFields, minute: fc.integer({ min: 0, max: 180 }) });

test('property: the stream matches withdrawals to deposits exactly as matchFlows over the whole, as they settle', () => {
  fc.assert(
    fc.property(fc.array(flowArb, { maxLength: 40 }), (raw) => {
      const flows: Flow[] = raw
        .map((r) => ({ wallet: W(r.wallet), time: 1_700_000_000_000 + r.minute * MIN, usd: r.out ? -r.amount : r.amount }))
        .sort((a, b) => a.time - b.time);
      const batch = matchFlows(flows).map(key).sort();
      const sink = new Links();
      const s = new FundingStream(sink);
      for (const f of flows) s.onMarket(flowEvent(f));
      // Decided while the stream ran, before the end: every withdrawal 2 windows older than the last flow.
      const settled = [...sink.made];
      s.finish();
      assert.deepEqual([...sink.made].sort(), batch);
      const last = flows.at(-1)?.time ?? 0;
      // A link's withdrawal is no later than its deposit: more than two windows past the deposit, it was settled.
      for (const m of batch)
        if (Number(m.split('@')[1]) + 2 * 30 * MIN < last) assert.ok(settled.includes(m), `${m} settled before the end`);
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('property: the same over days, where flows are let go as the stream runs (pruning never loses a match)', () => {
  const long = fc.record({ ...flowFields, minute: fc.integer({ min: 0, max: 3000 }) });
  fc.assert(
    fc.property(fc.array(long, { minLength: 100, maxLength: 300 }), (raw) => {
      const flows: Flow[] = raw
        .map((r) => ({ wallet: W(r.wallet), time: 1_700_000_000_000 + r.minute * MIN, usd: r.out ? -r.amount : r.amount }))
        .sort((a, b) => a.time - b.time);
      const sink = new Links();
      const s = new FundingStream(sink);
      let peak = 0;
      for (const f of flows) {
        s.onMarket(flowEvent(f));
        peak = Math.max(peak, s.heldFlows);
      }
      s.finish();
      assert.deepEqual([...sink.made].sort(), matchFlows(flows).map(key).sort());
      // Bounded by the span a decision can need, not by the stream's length.
      const perWindow = Math.max(...flows.map((f) => flows.filter((g) => Math.abs(g.time - f.time) <= 3 * 30 * MIN).length), 0);
      assert.ok(peak <= perWindow + 1, `${peak} held, ${perWindow} within ±3 windows`);
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('a transfer links at once; the same update twice (both wallets report it, a snapshot repeats) counts once', () => {
  const g = new EntityGraph();
  const t: TransferEvent = {
    type: 'transfer',
    venue: 'hyperliquid',
    time: 1,
    localTs: 1,
    wallet: W(1),
    from: W(1),
    to: W(2),
    usd: 10,
    via: 'internalTransfer',
    hash: '0x01',
    isSnapshot: false,
  };
  g.onMarket(t);
  assert.deepEqual(g.clusters()[0]?.wallets.toSorted(), [W(1), W(2)]);
  g.onMarket({ ...t, wallet: W(2), localTs: 2 });
  assert.equal(g.stream.counts.transfers, 1);
  assert.equal(g.stream.counts.duplicates, 1);
  assert.equal(g.clusters()[0]?.links.length, 1);
});

test('history arriving late (a subscription snapshot) waits from when it came, not from its old time', () => {
  const sink = new Links();
  const s = new FundingStream(sink);
  const t0 = 1_700_000_000_000;
  const now = t0 + 10 * 3600_000;
  // The withdrawal's wallet's snapshot arrives first; the deposit's wallet's a second later.
  s.onMarket(flowEvent({ wallet: W(1), time: t0, usd: -1234.56 }, now));
  s.advance(now + 500);
  assert.deepEqual(sink.made, [], 'not decided while the other snapshots may still come');
  s.onMarket(flowEvent({ wallet: W(2), time: t0 + 5 * MIN, usd: 1234.56 }, now + 1000));
  s.advance(now + 2 * 30 * MIN + 1);
  assert.deepEqual(sink.made, [`${W(1)}>${W(2)}@${t0 + 5 * MIN}`]);
});

test('bounded: flows no pending withdrawal can use are let go; a cap holds the rest', () => {
  const s = new FundingStream(new Links(), { maxFlows: 50 });
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 5000; i++) s.onMarket(flowEvent({ wallet: W(i % 7), time: t0 + i * MIN, usd: i % 2 === 0 ? -(100 + i / 100) : 300 }));
  const held = s.heldFlows;
  assert.ok(held <= 50, `${held} flows held`);
});

test('bounded on a long stream: a hub’s payees are counted only to one past the limit, and repeats are remembered among the last `dedupe` only', () => {
  const g = new EntityGraph();
  const hub = W(0);
  const transfer = (to: Wallet, i: number): TransferEvent => ({
    type: 'transfer',
    venue: 'hyperliquid',
    time: i,
    localTs: i,
    wallet: hub,
    from: hub,
    to,
    usd: 10,
    via: 'send',
    hash: `0x${i.toString(16)}`,
    isSnapshot: false,
  });
  for (let i = 1; i <= 5000; i++) g.onMarket(transfer(W(i), i));
  // The first `maxFunded` payees stay linked (incremental hub rule); no later one is.
  const linked = g.clusters().flatMap((c) => c.wallets);
  assert.ok(linked.includes(W(1)) && linked.includes(W(g.opts.maxFunded)));
  assert.ok(!linked.includes(W(g.opts.maxFunded + 1)) && !linked.includes(W(5000)));
  const funded = (g as unknown as { funded: Map<number, Set<number>> }).funded;
  assert.ok((funded.get(g.id(hub))?.size ?? 0) <= g.opts.maxFunded + 1, `${funded.get(g.id(hub))?.size} payees kept for one hub`);
  // Repeats: the last `dedupe` updates are recognised, older ones forgotten (the set is bounded).
  const s = new FundingStream(new Links(), { dedupe: 8 });
  for (let i = 1; i <= 100; i++) s.onMarket(transfer(W(i), i));
  s.onMarket(transfer(W(100), 100));
  assert.equal(s.counts.duplicates, 1);
  s.onMarket(transfer(W(1), 1));
  assert.equal(s.counts.duplicates, 1, 'the first update is long forgotten');
});
