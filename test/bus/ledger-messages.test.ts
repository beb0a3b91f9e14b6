import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLedger, encodeLedger, LedgerExchange, type LedgerMessage } from '../../src/bus/nats/ledger-exchange.ts';
import { coin } from '../../src/domain/ids.ts';
import { AccuracyLedger, DEFAULT_LEDGER, type SettledLabel } from '../../src/engine/ledger/ledger.ts';
import { mark } from '../ledger/helpers.ts';

const BTC = coin('BTC');
const bytes = (s: string) => new TextEncoder().encode(s);

function label(cs: number, applyAt: number): SettledLabel {
  return {
    kind: 'label',
    applyAt,
    due: applyAt - 60_000,
    at: Number.NEGATIVE_INFINITY,
    coin: BTC,
    cs,
    label: { time: 1, coin: BTC, features: { baseline: 0.1, flow: 0, syndicates: 0 }, score: 0.1, hit: cs % 2 === 0 },
  };
}

test('ledger messages: a round trip keeps −∞ clocks; a malformed one is an error naming the field', () => {
  const m: LedgerMessage = { w: 'part-0-of-2', to: 7, clock: Number.NEGATIVE_INFINITY, s: [label(1, 5)] };
  const back = decodeLedger(bytes(encodeLedger(m)));
  assert.deepEqual(back, m);
  assert.throws(() => decodeLedger(bytes('nope')), /not JSON/);
  assert.throws(() => decodeLedger(bytes('{"w":"a","to":-1,"clock":null,"s":[]}')), /to: expected a raw sequence/);
  assert.throws(() => decodeLedger(bytes('{"w":"a","to":1,"clock":"x","s":[]}')), /clock: expected a number or null/);
  assert.throws(
    () =>
      decodeLedger(bytes('{"w":"a","to":1,"clock":1,"s":[{"kind":"grade","applyAt":1,"due":1,"cs":1,"coin":"BTC","at":1,"grade":{}}]}')),
    /s\[0\]\.grade: expected id, type and hit/,
  );
  assert.throws(() => decodeLedger(bytes('{"w":"a","to":1,"clock":1,"s":[{"kind":"x"}]}')), /s\[0\]\.kind: expected grade or label/);
});

test('ledger exchange: pieces carry the new clock only on the last; the wait holds until every other worker is within the delay', () => {
  const ledger = new AccuracyLedger();
  const ex = new LedgerExchange(ledger, 'a', ['a', 'b', 'c'], DEFAULT_LEDGER.applyDelayMs);
  assert.equal(ex.ready(), true, 'no clock yet: nothing to wait for');
  ledger.onMarket(mark(BTC, 1_000_000, 100));
  assert.equal(ex.ready(), false, 'b and c have told nothing');
  assert.deepEqual(
    ex.behind().map((b) => b.worker),
    ['b', 'c'],
  );
  // A replacement: its predecessor's last message covered raw sequence 40 at clock 999,000.
  ex.resume({ to: 40, clock: 999_000 });
  for (let i = 1; i <= 5; i++) ex.made(label(i, 2_000_000 + i));
  const pieces = ex.take(42, 2);
  assert.deepEqual(
    pieces.map((p) => [p.s.length, p.to, p.clock]),
    [
      [2, 40, 999_000],
      [2, 40, 999_000],
      [1, 42, 1_000_000],
    ],
    'pieces before the last claim only what was covered before',
  );
  assert.equal(ex.pending, 0);
  // b reaches the clock less the delay, c not yet; then c; a stranger and this worker's own messages change nothing.
  ex.add({ w: 'b', to: 3, clock: 1_000_000 - DEFAULT_LEDGER.applyDelayMs, s: [label(1, 10)] });
  assert.equal(ex.ready(), false);
  ex.add({ w: 'z', to: 3, clock: 9e12, s: [] });
  ex.add({ w: 'a', to: 3, clock: 9e12, s: [] });
  assert.equal(ex.strangers, 1);
  assert.equal(ex.ready(), false);
  ex.add({ w: 'c', to: 3, clock: 999_999, s: [] });
  assert.equal(ex.ready(), true);
  // A clock never moves back; a grade handed over twice counts once (b's label 1 again).
  ex.add({ w: 'c', to: 2, clock: 5, s: [label(1, 10)] });
  assert.equal(ex.ready(), true);
  assert.equal(ledger.applyPending, 1, 'one label waiting to count, taken once');
});

test('ledger exchange: a worker given up on is not waited for again until it publishes', () => {
  const ledger = new AccuracyLedger();
  const ex = new LedgerExchange(ledger, 'a', ['a', 'b'], DEFAULT_LEDGER.applyDelayMs);
  ledger.onMarket(mark(BTC, 1_000_000, 100));
  assert.equal(ex.ready(), false);
  ex.giveUp();
  assert.equal(ex.ready(), true);
  ledger.onMarket(mark(BTC, 5_000_000, 100));
  assert.equal(ex.ready(), true, 'still gone: no wait for every later message');
  ex.add({ w: 'b', to: 9, clock: 2_000_000, s: [] });
  assert.equal(ex.ready(), false, 'back: waited for again');
  assert.deepEqual(
    ex.behind().map((b) => b.worker),
    ['b'],
  );
});
