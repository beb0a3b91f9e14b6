import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BetStore } from '../../src/engine/score/bets.ts';
import { Evidence } from '../../src/engine/score/evidence.ts';

/** A bet over: its wallet, times, result, sizes, entries (some matured), previous bet of the wallet. */
const bet = fc.record({
  wallet: fc.integer({ min: 0, max: 1500 }),
  open: fc.integer({ min: 0, max: 1e9 }),
  hold: fc.integer({ min: 0, max: 1e8 }),
  trips: fc.integer({ min: 1, max: 5 }),
  pnl: fc.double({ min: -1e5, max: 1e5, noNaN: true }),
  maxNotional: fc.double({ min: 1, max: 1e7, noNaN: true }),
  sigma: fc.double({ min: 1e-6, max: 1e-2, noNaN: true }),
  leverage: fc.oneof(fc.constant(Number.NaN), fc.double({ min: 1, max: 50, noNaN: true })),
  account: fc.oneof(fc.constant(Number.NaN), fc.double({ min: 100, max: 1e7, noNaN: true })),
  liquidated: fc.boolean(),
  entries: fc.integer({ min: 0, max: 4 }),
  matured: fc.integer({ min: 0, max: 4 }),
  z: fc.double({ min: -10, max: 10, noNaN: true }),
  hits: fc.integer({ min: 0, max: 4 }),
  accuracy: fc.boolean(),
});
type Bet = typeof bet extends fc.Arbitrary<infer T> ? T : never;

/** Adds the bet to the store (its wallet's previous bet linked) and to the evidence. */
function add(store: BetStore, last: Map<number, number>, ev: Evidence, b: Bet): void {
  const i = store.add();
  store.wallet[i] = b.wallet;
  store.openTime[i] = b.open;
  store.closeTime[i] = b.open + b.hold;
  store.trips[i] = b.trips;
  store.pnl[i] = b.pnl;
  store.maxNotional[i] = b.maxNotional;
  store.notional[i] = b.maxNotional;
  store.sigmaNotional[i] = b.maxNotional * b.sigma;
  store.leverage[i] = b.leverage;
  store.account[i] = b.account;
  store.liquidated[i] = b.liquidated ? 1 : 0;
  store.prevBet[i] = last.get(b.wallet) ?? -1;
  store.entries[i] = b.entries;
  store.maturedEntries[i] = Math.min(b.matured, b.entries);
  store.zSum[i] = b.z;
  store.moveSum[i] = Math.abs(b.z);
  store.hits[i] = Math.min(b.hits, b.matured);
  last.set(b.wallet, i);
  if (b.accuracy) ev.addBetAccuracy(store, i);
  else ev.addBet(store, i);
}

/** Everything the evidence holds, wallet by wallet (its sums included), and its clock. */
function state(ev: Evidence): unknown {
  const data = (ev as unknown as { data: Float64Array }).data;
  const rows = [];
  for (let w = 0; w < ev.size; w++) {
    rows.push([
      Array.from(data.subarray(w * 26, w * 26 + 26)),
      ev.trades[w],
      ev.bets[w],
      ev.betWins[w],
      ev.entries[w],
      ev.first[w],
      ev.last[w],
      ev.pnl[w],
    ]);
  }
  return { rows, t0: ev.t0, now: ev.now, size: ev.size };
}

test('property: after save, any bets (new wallets, nested saves), then restore, the evidence is as it was, and goes on as if never changed', () => {
  fc.assert(
    fc.property(
      fc.array(bet, { maxLength: 60 }),
      fc.array(bet, { maxLength: 60 }),
      fc.array(bet, { maxLength: 20 }),
      fc.array(bet, { maxLength: 30 }),
      (before, during, nested, after) => {
        const store = new BetStore();
        const last = new Map<number, number>();
        const ev = new Evidence();
        for (const b of before) add(store, last, ev, b);
        const lastBefore = new Map(last);
        const want = state(ev);
        const outer = ev.save();
        for (const b of during) add(store, last, ev, b);
        const mid = state(ev);
        const inner = ev.save();
        for (const b of nested) add(store, last, ev, b);
        ev.restore(inner);
        assert.deepEqual(state(ev), mid);
        ev.restore(outer);
        assert.deepEqual(state(ev), want);
        // Bets after the restore (each wallet's history as before the save) give what they give on
        // evidence that never saw the others.
        const plainStore = new BetStore();
        const plain = new Evidence();
        // The plain store holds `before` at the same rows, linked the same way.
        const plainLast = new Map<number, number>();
        for (const b of before) add(plainStore, plainLast, plain, b);
        const restoredLast = new Map(lastBefore);
        for (const b of after) {
          add(plainStore, plainLast, plain, b);
          add(store, restoredLast, ev, b);
        }
        assert.deepEqual(state(ev), state(plain));
      },
    ),
    { seed: 1201, numRuns: 200 },
  );
});
