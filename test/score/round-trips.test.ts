import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FillEvent } from '../../src/domain/market-event.ts';
import { ScoreEngine } from '../../src/engine/score/engine.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { documentMessage } from '../../src/recording/reader.ts';
import { glass } from '../helpers/cli.ts';
import { fixturePath, readFixture } from '../helpers/fixtures.ts';
import { fill, W } from './stream.ts';

function run(fills: ReturnType<typeof fill>[]): ScoreEngine {
  const p = new Pipeline({ strict: true });
  const s = new ScoreEngine(p.book);
  p.attach(s);
  let line = 0;
  for (const f of fills) p.ingest({ line: ++line, ts: f.time, venue: 'hyperliquid', msg: f.msg });
  return s;
}

test('round trips: open, add, partial close, close; a flip closes one and opens the next; PnL against the average entry', () => {
  const a = W[0]!;
  const s = run([
    fill(a, 'BTC', 'B', 1, 100, 0, 1000),
    fill(a, 'BTC', 'B', 1, 110, 1, 2000), // add: average entry 105
    fill(a, 'BTC', 'A', 0.5, 120, 2, 3000), // partial: +7.5
    fill(a, 'BTC', 'A', 1.5, 90, 1.5, 4000), // close: −22.5
    fill(a, 'BTC', 'A', 2, 100, 0, 5000), // open short 2 @ 100
    fill(a, 'BTC', 'B', 3, 80, -2, 6000), // flip: +40 on the short, long 1 @ 80 opens
    fill(a, 'BTC', 'A', 1, 88, 1, 7000, true), // closed by liquidation: +8
  ]);
  const t = s.tradesOf(a);
  assert.equal(t.length, 3);
  const [first, second, third] = t as [(typeof t)[0], (typeof t)[0], (typeof t)[0]];
  assert.deepEqual(
    [first.side, first.entryPx, first.pnlUsd, first.adds, first.partialCloses, first.openTime, first.closeTime, first.holdMs],
    ['long', 105, -15, 1, 1, 1000, 4000, 3000],
  );
  assert.equal(first.notionalUsd, 210);
  assert.ok(Math.abs(first.exitPx - (0.5 * 120 + 1.5 * 90) / 2) < 1e-12);
  assert.deepEqual([second.side, second.entryPx, second.pnlUsd, second.liquidated], ['short', 100, 40, false]);
  assert.deepEqual([third.side, third.entryPx, third.pnlUsd, third.liquidated], ['long', 80, 8, true]);
});

test('a position already open when the stream starts is not a round trip until the engine has seen it open', () => {
  const a = W[1]!;
  const s = run([fill(a, 'ETH', 'A', 1, 10, 3, 1000), fill(a, 'ETH', 'A', 2, 11, 2, 2000), fill(a, 'ETH', 'B', 1, 9, 0, 3000)]);
  assert.equal(s.tradesOf(a).length, 0);
});

test('the real 500-fill response: every round trip starts and ends where the venue’s own startPosition chain crosses zero; scored and explained', () => {
  const m = documentMessage(readFixture('hyperliquid/userFills-2023.json'));
  const p = new Pipeline({ strict: true });
  const s = new ScoreEngine(p.book);
  p.attach(s);
  const fills: FillEvent[] = [];
  p.market.subscribe((e) => {
    if (e.type === 'fill') fills.push(e);
  });
  p.ingest({ ...m, line: 1 });
  const wallet = p.book.wallets.name(0);
  const trades = s.tradesOf(wallet);
  assert.ok(trades.length >= 10, `${trades.length} round trips`);
  const signed = (f: FillEvent) => f.startPosition + (f.side === 'B' ? f.sz : -f.sz);
  for (const t of trades) {
    const side = t.side === 'long' ? 1 : -1;
    const at = (time: number) => fills.filter((f) => f.coin === t.coin && f.time === time);
    // Opened: from flat into this side, or a flip into it, by the venue's own figures.
    assert.ok(
      at(t.openTime).some((f) => (f.startPosition === 0 || Math.sign(f.startPosition) === -side) && Math.sign(signed(f)) === side),
      `${t.coin} ${t.side} opened at ${t.openTime} without a venue fill that opens it`,
    );
    // Closed: the venue's position left this side at the closing fill (to flat or across zero).
    assert.ok(
      at(t.closeTime).some((f) => Math.sign(f.startPosition) === side && Math.sign(signed(f)) !== side),
      `${t.coin} ${t.side} closed at ${t.closeTime} without a venue fill that closes it`,
    );
    assert.ok(t.holdMs >= 0 && t.notionalUsd > 0 && t.entryPx > 0 && t.exitPx > 0);
  }
  const table = s.table();
  assert.equal(table.length, 1);
  const row = table[0]!;
  assert.ok(row.score >= 0 && row.score <= 100);
  const profile = s.profile(wallet)!;
  assert.equal(profile.explanation.trades, trades.length);
  // One score step per bet (round trips that overlap or follow within BET_GAP_MS), not per round trip.
  assert.ok(profile.explanation.bets >= 1 && profile.explanation.bets <= trades.length);
  assert.equal(profile.history.length, profile.explanation.bets);
  assert.ok(profile.movers.length > 0 && profile.movers.length <= 5);
  const r = glass('score', fixturePath('hyperliquid/userFills-2023.json'), '--wallet', wallet, '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { explanation: Record<string, unknown>; components: Record<string, number> };
  for (const k of ['hitRate', 'psr', 'sizeDispersion', 'liquidationRate', 'betsPerDay', 'bets', 'riskWeightedWinRate'])
    assert.ok(k in j.explanation, k);
  assert.deepEqual(Object.keys(j.components), ['accuracy', 'riskAdjusted', 'sizing', 'behaviour']);
});
