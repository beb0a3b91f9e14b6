import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { documentMessage } from '../../src/recording/reader.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { normalizeAll, ofType } from '../helpers/collect.ts';
import { readFixture } from '../helpers/fixtures.ts';

test('clearinghouseState fixtures decode every position with its margin mode and reported liquidation price', () => {
  const cases = [
    ['hyperliquid/clearinghouseState-2023-03-27.json', 12, 'cross'],
    ['hyperliquid/clearinghouseState-isolated-2024-02-22.json', 1, 'isolated'],
    ['hyperliquid/clearinghouseState-cross-2026-10.json', 1, 'cross'],
  ] as const;
  for (const [file, n, mode] of cases) {
    const { events } = normalizeAll(documentMessage(readFixture(file)).msg);
    const snaps = ofType(events, 'snapshot');
    assert.equal(snaps.length, 1, file);
    const s = snaps[0]!;
    assert.equal(s.positions.length, n, file);
    assert.equal(s.positions[0]!.marginMode, mode, file);
    assert.ok(s.accountValue > 0);
  }
  const iso = ofType(
    normalizeAll(documentMessage(readFixture('hyperliquid/clearinghouseState-isolated-2024-02-22.json')).msg).events,
    'snapshot',
  )[0]!;
  assert.equal(iso.positions[0]!.rawUsd, -95.059824);
  assert.equal(iso.positions[0]!.liquidationPx, 2866.26936529);
  assert.equal(iso.time, 1708622398623);
});

test('the bare 45-position response decodes as an anonymous snapshot with 45 positions (44 cross, 1 isolated)', () => {
  const { events } = normalizeAll(documentMessage(readFixture('hyperliquid/clearinghouseState-45positions-2026-10.json')).msg);
  const s = ofType(events, 'snapshot')[0]!;
  assert.equal(s.wallet, null);
  assert.equal(s.positions.length, 45);
  assert.equal(s.positions.filter((p) => p.marginMode === 'isolated').length, 1);
  assert.equal(s.crossMaintenanceMarginUsed, 113561.345371);
});

test('meta with margin tables gives every perp its tiers; meta 2023 its single max leverage', () => {
  const tiered = ofType(normalizeAll(documentMessage(readFixture('hyperliquid/meta-with-marginTables.json')).msg).events, 'meta')[0]!;
  assert.equal(tiered.assets.length, 234);
  const btc = tiered.assets.find((a) => a.coin === 'BTC')!;
  assert.equal(btc.maxLeverage, 40);
  assert.ok(btc.marginTiers.length >= 2, 'BTC is tiered');
  assert.ok(tiered.assets.some((a) => a.isDelisted));
  for (const a of tiered.assets) {
    for (let i = 1; i < a.marginTiers.length; i++) assert.ok(a.marginTiers[i]!.lowerBound > a.marginTiers[i - 1]!.lowerBound);
  }
  const old = ofType(normalizeAll(readFixture('hyperliquid/meta-2023-07-17.json')).events, 'meta')[0]!;
  assert.ok(old.assets.every((a) => a.marginTiers.length === 1 && a.marginTiers[0]!.maxLeverage === a.maxLeverage));
});

test('market data responses: allMids, l2Book, fundingHistory decode; candleSnapshot is control', () => {
  const mids = ofType(normalizeAll(readFixture('hyperliquid/allMids.json')).events, 'mark');
  assert.equal(mids.find((m) => m.coin === 'BTC')?.px, 30135);
  assert.ok(mids.every((m) => m.kind === 'mid'));
  const book = ofType(normalizeAll(readFixture('hyperliquid/l2Book.json')).events, 'book')[0]!;
  assert.equal(book.coin, 'DYDX');
  assert.ok(book.bids.length > 0 && book.asks.length > 0);
  assert.ok(book.bids[0]!.px < book.asks[0]!.px, 'bids below asks');
  const funding = ofType(normalizeAll(readFixture('hyperliquid/fundingHistory.json')).events, 'funding');
  assert.ok(funding.length > 100);
  assert.equal(funding[0]!.rate, -0.00061334);
  assert.equal(normalizeAll(readFixture('hyperliquid/candleSnapshot.json')).outcome.kind, 'control');
});

test('live BTC trades carry buyer and seller; 50 trades become 50 trade events', () => {
  const data = readFixture('hyperliquid-ws/trades_BTC_with_users.json');
  const { events } = normalizeAll({ channel: 'trades', data });
  const trades = ofType(events, 'trade');
  assert.equal(trades.length, 50);
  assert.ok(trades.every((t) => t.buyer.startsWith('0x') && t.seller.startsWith('0x') && t.buyer.length === 42));
  assert.ok(trades.every((t) => !t.isSnapshot));
});

test('a recorded WS session: subscription answers and pong are control, userFills decode, 25 venue errors surface', () => {
  const frames = readFixture('hyperliquid-ws/ws_session_userFills.json') as unknown[];
  const n = new HyperliquidNormalizer();
  const events: MarketEvent[] = [];
  const kinds = { data: 0, control: 0, 'venue-error': 0 };
  const errors: string[] = [];
  for (const f of frames) {
    const o = n.normalize(f, 0, (e) => events.push(e));
    kinds[o.kind]++;
    if (o.kind === 'venue-error') errors.push(o.message);
  }
  assert.equal(kinds['venue-error'], 25);
  assert.ok(errors.every((e) => e.includes('Cannot track more than 15 total users')));
  const fills = ofType(events, 'fill');
  assert.ok(fills.length > 0);
  assert.ok(fills.some((f) => f.isSnapshot) && fills.some((f) => !f.isSnapshot), 'snapshot and live fills');
  assert.ok(fills.every((f) => f.tid !== null && f.dir !== null));
  assert.equal(kinds.control + kinds.data + kinds['venue-error'], frames.length);
});

test('the first trades frame after a trades subscription is history, later frames are news', () => {
  const n = new HyperliquidNormalizer();
  const data = readFixture('hyperliquid-ws/trades_BTC_with_users.json') as unknown[];
  const events: MarketEvent[] = [];
  n.normalize(
    { channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } } },
    0,
    () => {},
  );
  n.normalize({ channel: 'trades', data: data.slice(0, 10) }, 1, (e) => events.push(e));
  n.normalize({ channel: 'trades', data: data.slice(10) }, 2, (e) => events.push(e));
  const trades = ofType(events, 'trade');
  assert.deepEqual(
    trades.map((t) => t.isSnapshot),
    [...Array(10).fill(true), ...Array(40).fill(false)],
  );
});
