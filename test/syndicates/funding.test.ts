import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EntityGraph } from '../../src/engine/syndicates/entities.ts';
import { fundingOf, matchFlows } from '../../src/engine/syndicates/funding.ts';
import { DecodeError } from '../../src/venues/decode.ts';
import { normalizeAll, ofType } from '../helpers/collect.ts';

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const C = '0x00000000000000000000000000000000000000c3';
const answer = (user: string, delta: Record<string, unknown>, time = 1_700_000_000_000) => ({
  request: { type: 'userNonFundingLedgerUpdates', user },
  response: [{ time, hash: '0x01', delta }],
});

const transfers = (msg: unknown) => ofType(normalizeAll(msg).events, 'transfer');

test('ledger answers: a transfer names both ends; deposits and withdrawals one; a bad field is named', () => {
  const [t] = transfers(answer(B, { type: 'internalTransfer', usdc: '2500.5', user: A, destination: B, fee: '0.0' }));
  assert.deepEqual(t && fundingOf(t), { transfer: { from: A, to: B, time: 1_700_000_000_000, usd: 2500.5, via: 'transfer' } });
  const [w] = transfers(answer(A, { type: 'withdraw', usdc: '10.0', nonce: 1, fee: '0.0' }));
  assert.deepEqual(w && fundingOf(w), { flow: { wallet: A, time: 1_700_000_000_000, usd: -10 } });
  // A wallet sending to itself (between its own dexes) funds no one.
  const [self] = transfers(
    answer(A, { type: 'send', user: A, destination: A, sourceDex: '', destinationDex: 'spot', token: 'USDC', amount: '5', usdcValue: '5' }),
  );
  assert.equal(self && fundingOf(self), null);
  assert.throws(
    () => transfers(answer(B, { type: 'internalTransfer', usdc: '1', user: A, destination: 'nope' })),
    (e: unknown) => {
      assert.ok(e instanceof DecodeError);
      assert.match(e.message, /msg\.response\[0\]\.delta\.destination/);
      return true;
    },
  );
  assert.throws(() => transfers({ request: { type: 'userNonFundingLedgerUpdates', user: A }, response: {} }), /msg\.response/);
});

test('a withdrawal matches a deposit only when the amount is odd, the deposit soon after and the match unique', () => {
  const t0 = 1_700_000_000_000;
  const flows = [
    { wallet: A, time: t0, usd: -1234.56 },
    { wallet: B, time: t0 + 5 * 60_000, usd: 1234.56 },
    // Round amounts are what everyone moves: no link.
    { wallet: A, time: t0, usd: -5000 },
    { wallet: C, time: t0 + 60_000, usd: 5000 },
    // Two deposits of the same odd amount: ambiguous, no link.
    { wallet: C, time: t0, usd: -777.77 },
    { wallet: A, time: t0 + 60_000, usd: 777.77 },
    { wallet: B, time: t0 + 120_000, usd: 777.77 },
  ];
  assert.deepEqual(matchFlows(flows), [{ from: A, to: B, time: t0 + 5 * 60_000, usd: 1234.56, via: 'matched' }]);
});

test('funding joins wallets into one entity; a hub paying many wallets joins none', () => {
  const g = new EntityGraph({ maxFunded: 3 });
  const hub = '0x00000000000000000000000000000000000000ff';
  const many = Array.from({ length: 5 }, (_, i) => `0x${(0x100 + i).toString(16).padStart(40, '0')}`);
  g.fundingBatch([{ from: A, to: B, time: 1 }, { from: A, to: C, time: 2 }, ...many.map((to, i) => ({ from: hub, to, time: 3 + i }))]);
  const clusters = g.clusters();
  assert.equal(clusters.length, 1);
  assert.deepEqual([...(clusters[0]?.wallets ?? [])].sort(), [A, B, C].sort());
  assert.equal(clusters[0]?.entity, `ENT:${A}`);
  assert.ok(clusters[0]?.links.every((l) => l.kind === 'funding'));
});
