import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, parseDecimal } from '../../src/venues/decode.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { decodeError } from '../helpers/collect.ts';
import { readFixture } from '../helpers/fixtures.ts';

const trades = () => structuredClone(readFixture('hyperliquid-ws/trades_BTC_with_users.json')) as Record<string, unknown>[];

test('a wrong type in a trade names the element and field', () => {
  const data = trades();
  data[3]!['px'] = 84133;
  const e = decodeError({ channel: 'trades', data });
  assert.equal(e.path, 'msg.data[3].px');
  assert.match(e.message, /expected a decimal string, got number 84133/);
});

test('a malformed frame emits nothing, not the good half of itself', () => {
  const data = trades();
  data[49]!['users'] = ['0xnot-an-address', data[49]!['users']];
  const events: unknown[] = [];
  const n = new HyperliquidNormalizer();
  assert.throws(() => n.normalize({ channel: 'trades', data }, 0, (ev) => events.push(ev)), DecodeError);
  assert.equal(events.length, 0, 'the 49 good trades before the bad one were not emitted');
  n.normalize({ channel: 'trades', data: trades() }, 0, (ev) => events.push(ev));
  assert.equal(events.length, 50, 'the next good frame goes through whole');
  const e = decodeError({ channel: 'trades', data });
  assert.equal(e.path, 'msg.data[49].users[0]');
});

test('an unknown channel and an unknown /info request are named', () => {
  assert.equal(decodeError({ channel: 'candlez', data: {} }).path, 'msg.channel');
  assert.match(decodeError({ channel: 'candlez', data: {} }).message, /candlez/);
  assert.equal(decodeError({ request: { type: 'vaultDetails' }, response: {} }).path, 'msg.request.type');
});

test('nested snapshot fields are named down to the position', () => {
  const doc = structuredClone(readFixture('hyperliquid/clearinghouseState-2023-03-27.json')) as {
    response: { assetPositions: { position: Record<string, unknown> }[] };
  };
  doc.response.assetPositions[5]!.position['szi'] = 'abc';
  const e = decodeError(doc);
  assert.equal(e.path, 'msg.response.assetPositions[5].position.szi');
  doc.response.assetPositions[5]!.position['szi'] = '1';
  (doc.response.assetPositions[2]!.position['leverage'] as Record<string, unknown>)['type'] = 'portfolio';
  assert.equal(decodeError(doc).path, 'msg.response.assetPositions[2].position.leverage.type');
});

test('decimal strings: plain decimals parse, everything Number() would wrongly accept is refused', () => {
  assert.equal(parseDecimal('84133.0'), 84133);
  assert.equal(parseDecimal('-0.00785'), -0.00785);
  assert.equal(parseDecimal('.5'), 0.5);
  for (const bad of ['', ' 1', '0x1f', 'Infinity', '-Infinity', 'NaN', '1e400', 'abc', '+1']) {
    assert.ok(Number.isNaN(parseDecimal(bad)), JSON.stringify(bad));
  }
});
