import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coin, wallet } from '../../src/domain/ids.ts';
import type { MarketEvent, TradeEvent } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import type { PositionChange } from '../../src/engine/position-book/change.ts';

const A = wallet('0x1111111111111111111111111111111111111111');
const B = wallet('0x2222222222222222222222222222222222222222');
const BTC = coin('BTC');

const trade = (tid: number, time: number, isSnapshot = false): TradeEvent => ({
  type: 'trade',
  venue: 'hyperliquid',
  coin: BTC,
  px: 100,
  sz: 1,
  side: 'B',
  buyer: A,
  seller: B,
  tid,
  time,
  localTs: time,
  isSnapshot,
});
const snapshot = (w: typeof A): MarketEvent => ({
  type: 'snapshot',
  venue: 'hyperliquid',
  wallet: w,
  accountValue: 1e6,
  crossAccountValue: 1e6,
  crossMaintenanceMarginUsed: 0,
  positions: [],
  time: 0,
  localTs: 0,
});
const disconnect: MarketEvent = { type: 'disconnect', venue: 'hyperliquid', time: 0, localTs: 0, reason: 'test' };

function run(events: MarketEvent[]): { book: PositionBook; changes: PositionChange[] } {
  const changes: PositionChange[] = [];
  const book = new PositionBook({ change: (c) => changes.push(c), drift: () => {}, account: () => {} });
  for (const e of events) book.apply(e);
  return { book, changes };
}

test('a resubscribe batch reaching back past the gap fills it: missed trades applied once, as history; positions stay known', () => {
  const { book, changes } = run([
    snapshot(A),
    snapshot(B),
    trade(1, 10),
    trade(2, 20),
    disconnect,
    // The venue's batch of recent trades: 1 and 2 were seen live, 3 and 4 happened during the gap.
    trade(1, 10, true),
    trade(2, 20, true),
    trade(3, 30, true),
    trade(4, 40, true),
    trade(5, 50),
  ]);
  const a = book.position(A, BTC)!;
  assert.equal(a.szi, 5);
  assert.equal(a.known, true);
  const missed = changes.filter((c) => c.tid === 3 || c.tid === 4);
  assert.equal(missed.length, 4);
  assert.ok(missed.every((c) => c.history && c.dir !== null));
  assert.equal(changes.filter((c) => c.tid === 5 && !c.history).length, 2);
});

test('a batch that does not reach back to the gap leaves the coin’s positions uncertain until snapshots', () => {
  const { book, changes } = run([snapshot(A), snapshot(B), trade(1, 10), trade(2, 20), disconnect, trade(9, 90, true), trade(10, 100)]);
  assert.equal(book.position(A, BTC)!.known, false);
  assert.equal(changes.find((c) => c.tid === 10)!.dir, null, 'directions are not claimed after an unfilled gap');
});

test('the first subscribe’s batch is history the book may already hold: remembered, never applied', () => {
  const { book, changes } = run([snapshot(A), snapshot(B), trade(1, 10, true), trade(2, 20, true), trade(2, 20), trade(3, 30)]);
  assert.deepEqual(
    changes.map((c) => c.tid),
    [3, 3],
  );
  assert.equal(book.position(A, BTC)!.szi, 1);
});
