import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coin, wallet } from '../../src/domain/ids.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import { RefreshScheduler } from '../../src/venues/hyperliquid/live/refresh.ts';

const W = [1, 2, 3, 4, 5].map((i) => wallet(`0x${String(i).repeat(40)}`));
const BTC = coin('BTC');

function book(): PositionBook {
  const b = new PositionBook();
  // Positions: W0 $100k, W1 $300k, W2 $200k, W3 $50k (flat W4).
  [100, 300, 200, 50].forEach((k, i) => {
    const e: MarketEvent = {
      type: 'snapshot',
      venue: 'hyperliquid',
      wallet: W[i]!,
      accountValue: 1e6,
      crossAccountValue: 1e6,
      crossMaintenanceMarginUsed: 0,
      time: 0,
      localTs: 0,
      positions: [
        {
          coin: BTC,
          szi: k / 100,
          entryPx: 100_000,
          positionValue: k * 1000,
          marginMode: 'cross',
          leverage: 10,
          rawUsd: null,
          marginUsed: k * 100,
          maxLeverage: 40,
          liquidationPx: null,
        },
      ],
    };
    b.apply(e);
  });
  return b;
}

test('refresh order: seeds, then notional weighted by score and zone proximity; nobody twice within the minimum age', () => {
  const b = book();
  const id = (w: string) => b.wallets.peek(w)!;
  const sched = new RefreshScheduler({
    book: b,
    // W2 scores 100: its $200k weighs $400k and passes W1's $300k.
    score: (w) => (w === id(W[2]!) ? 100 : null),
    // W0's liquidation sits on a zone: $100k doubled.
    zoneDistance: (s) => (b.walletOf(s) === id(W[0]!) ? 0.005 : Number.NaN),
    seeds: [W[4]!],
    minAgeMs: 60_000,
  });
  assert.deepEqual(sched.pick(3, 0), [W[4], W[2], W[1]]);
  assert.deepEqual(sched.pick(3, 1000), [W[0], W[3]], 'the rest, once each, until the minimum age passes');
  assert.deepEqual(sched.pick(2, 61_000), [W[4], W[2]]);
});
