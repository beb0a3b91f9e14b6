import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransferEvent } from '../../src/domain/market-event.ts';
import { DecodeError } from '../../src/venues/decode.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { decodeError, normalizeAll, ofType } from '../helpers/collect.ts';
import { readFixture } from '../helpers/fixtures.ts';

/** Written to the documented shape (GitBook; nktkas/hyperliquid schema), not captured: see SOURCES.md. */
const info = () =>
  structuredClone(readFixture('hyperliquid/userNonFundingLedgerUpdates.documented.json')) as {
    request: { user: string };
    response: { time: number; hash: string; delta: Record<string, unknown> }[];
  };
const frames = () =>
  structuredClone(readFixture('hyperliquid-ws/userNonFundingLedgerUpdates.documented.json')) as Record<string, unknown>[];

const brief = (e: TransferEvent) => [e.via, e.from, e.to, e.usd, e.isSnapshot];

test('/info userNonFundingLedgerUpdates: transfers name both ends, deposits and withdrawals one; other updates are read past', () => {
  const doc = info();
  const U = doc.request.user;
  const { events, outcome } = normalizeAll(doc, 5);
  assert.equal(outcome.kind, 'data');
  const t = ofType(events, 'transfer');
  assert.equal(t.length, events.length);
  const V = doc.response[2]?.delta['destination'];
  const W = doc.response[3]?.delta['user'];
  const X = doc.response[4]?.delta['destination'];
  const S = doc.response[5]?.delta['destination'];
  assert.deepEqual(t.map(brief), [
    ['deposit', null, U, 25000, true],
    ['internalTransfer', U, V, 5000, true],
    // A token transfer counts at its USD value.
    ['spotTransfer', W, U, 218.4, true],
    ['send', U, X, 750, true],
    ['subAccountTransfer', U, S, 2000, true],
    // A send between the wallet's own dexes: both ends the same wallet (no link; the engine skips it).
    ['send', U, U, 50, true],
    ['withdraw', U, null, 1234.56, true],
  ]);
  // accountClassTransfer (perp ↔ spot of one wallet) and vaultDeposit move no money between wallets.
  assert.ok(!t.some((e) => e.via === 'accountClassTransfer' || e.via === 'vaultDeposit'));
  for (const e of t) {
    assert.equal(e.wallet, U);
    assert.equal(e.localTs, 5);
    assert.match(e.hash, /^0x[0-9a-f]{64}$/);
  }
  assert.deepEqual(
    t.map((e) => e.time),
    t.map((e) => e.time).toSorted((a, b) => a - b),
  );
});

test('WebSocket userNonFundingLedgerUpdates: the snapshot is history, the updates after it are news', () => {
  const n = new HyperliquidNormalizer();
  const got: TransferEvent[] = [];
  const kinds: string[] = [];
  for (const f of frames()) {
    kinds.push(
      n.normalize(f, 0, (e) => {
        if (e.type === 'transfer') got.push(e);
      }).kind,
    );
  }
  assert.deepEqual(kinds, ['control', 'data', 'data', 'control', 'data', 'data']);
  const live = got.filter((e) => !e.isSnapshot);
  assert.equal(live.length, 2, 'the live transfer, reported to both its wallets');
  assert.equal(live[0]?.hash, live[1]?.hash);
  assert.deepEqual(live.map(brief)[0], ['internalTransfer', live[0]?.from, live[0]?.to, 3100.25, false]);
  assert.notEqual(live[0]?.wallet, live[1]?.wallet);
});

test('a malformed ledger update names the field, and the message emits nothing', () => {
  const doc = info();
  (doc.response[2]?.delta as Record<string, unknown>)['usdc'] = 5000;
  const e = decodeError(doc);
  assert.equal(e.path, 'msg.response[2].delta.usdc');
  assert.match(e.message, /expected a decimal string, got number 5000/);
  const events: unknown[] = [];
  assert.throws(() => new HyperliquidNormalizer().normalize(doc, 0, (x) => events.push(x)), DecodeError);
  assert.equal(events.length, 0, 'the good updates before the bad one were not emitted');

  const ws = frames()[2] as { data: { nonFundingLedgerUpdates: { delta: Record<string, unknown> }[] } };
  (ws.data.nonFundingLedgerUpdates[0] as { delta: Record<string, unknown> }).delta['destination'] = '0xnope';
  assert.equal(decodeError(ws).path, 'msg.data.nonFundingLedgerUpdates[0].delta.destination');

  const noHash = info();
  delete (noHash.response[0] as Partial<(typeof noHash.response)[0]>).hash;
  assert.equal(decodeError(noHash).path, 'msg.response[0].hash');
  const negative = info();
  (negative.response[8]?.delta as Record<string, unknown>)['usdc'] = '-1.0';
  assert.match(decodeError(negative).message, /msg\.response\[8\]\.delta\.usdc: expected a non-negative decimal string/);
  assert.equal(
    decodeError({ request: { type: 'userNonFundingLedgerUpdates', user: info().request.user }, response: {} }).path,
    'msg.response',
  );
  assert.equal(decodeError({ request: { type: 'userNonFundingLedgerUpdates', user: 'me' }, response: [] }).path, 'msg.request.user');
});
