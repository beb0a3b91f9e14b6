import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { advise } from '../../src/engine/risk/advice.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';

const quiet = { markPx: 3100, zones: [], sigma: 0.02, horizonMs: 4 * 3600_000, maintenance: 0.02, whaleBias: 0 };

test('a short at 25× from 3,100 with its stop at 3,300: the first advice is that the stop lies beyond liquidation (3,160.78)', () => {
  const a = advise({ coin: 'ETH', side: 'short', entryPx: 3100, size: 1, leverage: 25, stopPx: 3300 }, quiet);
  assert.ok(a.liquidationPx !== null && Math.abs(a.liquidationPx - 3160.78) < 0.01, `liq ${a.liquidationPx}`);
  assert.equal(a.stopBeyondLiquidation, true);
  assert.equal(a.exitPx, a.liquidationPx);
  const first = a.suggestions[0];
  assert.ok(first !== undefined);
  assert.equal(first.action, 'stop');
  assert.ok(first.value !== null && first.value > 3100 && first.value < a.liquidationPx, `suggested stop ${first.value}`);
  assert.match(first.reason, /stop at 3,300 lies beyond your liquidation at 3,160\.8/);
});

test('a long’s stop below its liquidation is flagged the same way; a stop inside liquidation is not', () => {
  const beyond = advise(
    { coin: 'BTC', side: 'long', entryPx: 100_000, size: 1, leverage: 10, stopPx: 85_000 },
    { ...quiet, markPx: 100_000 },
  );
  assert.equal(beyond.stopBeyondLiquidation, true);
  const s = beyond.suggestions[0];
  assert.ok(s !== undefined && s.action === 'stop' && s.value !== null && s.value > (beyond.liquidationPx as number) && s.value < 100_000);
  const inside = advise(
    { coin: 'BTC', side: 'long', entryPx: 100_000, size: 1, leverage: 10, stopPx: 95_000 },
    { ...quiet, markPx: 100_000 },
  );
  assert.equal(inside.stopBeyondLiquidation, false);
  assert.deepEqual(inside.suggestions, []);
  // No leverage given: no liquidation price to compare with, nothing to flag.
  assert.equal(
    advise({ coin: 'ETH', side: 'short', entryPx: 3100, size: 1, leverage: null, stopPx: 3300 }, quiet).stopBeyondLiquidation,
    false,
  );
});

const MM = '0x00000000000000000000000000000000000000aa';
const WHALE = '0x00000000000000000000000000000000000000bb';
const T0 = Date.UTC(2026, 9, 1);

/**
 * ETH at 3,500 with the real meta: a market maker (always the passive side of 12 buys) short
 * 120 ETH ($420k), and a directional whale who bought 100 ETH ($350k) from one other wallet.
 * The venue's open interest for ETH is 5,000.
 */
function recording(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'glass-risk-')), 'r.ndjson');
  const w = new RecordingWriter(file);
  w.write(T0, 'hyperliquid', { request: { type: 'meta' }, response: readFixture('hyperliquid/meta-with-marginTables.json') });
  const trades = [];
  for (let i = 0; i < 12; i++) {
    const taker = `0x${(0x100 + i).toString(16).padStart(40, '0')}`;
    trades.push({
      coin: 'ETH',
      side: 'B',
      px: '3500.0',
      sz: '10.0',
      time: T0 + 1000 * (i + 1),
      hash: '0x0',
      tid: 1000 + i,
      users: [taker, MM],
    });
  }
  const seller = '0x00000000000000000000000000000000000000cc';
  trades.push({ coin: 'ETH', side: 'B', px: '3500.0', sz: '100.0', time: T0 + 20_000, hash: '0x0', tid: 2000, users: [WHALE, seller] });
  w.write(T0 + 20_000, 'hyperliquid', { channel: 'trades', data: trades });
  w.write(T0 + 30_000, 'hyperliquid', {
    channel: 'activeAssetCtx',
    data: { coin: 'ETH', ctx: { markPx: '3500.0', funding: '0.0000125', openInterest: '5000.0' } },
  });
  w.write(T0 + 31_000, 'hyperliquid', { channel: 'allMids', data: { mids: { ETH: '3500.0' } } });
  w.close();
  return file;
}

const FILE = recording();

test('glass risk: market makers are never whales — the lean is the directional whale’s, not the market maker’s inventory', () => {
  const r = glass('risk', FILE, '--coin', 'ETH', '--side', 'long', '--entry', '3500', '--size', '1', '--json');
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout) as { whaleBias: string; whaleNetUsd: number };
  // Counting the market maker's 120 ETH short (and the seller's) would make it "against you" at −$420k.
  assert.equal(a.whaleBias, 'with you');
  assert.equal(a.whaleNetUsd, 350_000);
});

test('glass risk on a recording: the stop beyond liquidation leads the text advice', () => {
  const r = glass('risk', FILE, '--coin', 'ETH', '--side', 'short', '--entry', '3100', '--size', '1', '--leverage', '25', '--stop', '3300');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0] as string, /liquidation 3,160\.8/);
  const first = lines[lines.indexOf('suggestions:') + 1];
  assert.match(first ?? '', /^ {2}stop 3,1\d\d(\.\d)?: your stop at 3,300 lies beyond your liquidation at 3,160\.8/);
});

test('glass risk refuses a size no position can have: $10B+ notional, or more than the coin’s open interest in F', () => {
  const huge = glass('risk', FILE, '--coin', 'ETH', '--side', 'long', '--entry', '3500', '--size', '1e12');
  assert.equal(huge.code, 2);
  assert.match(assertOneLineError(huge), /^glass risk: --size 1e12: .* is \$3,500T notional; no position on the venue is that large/);
  const oi = glass('risk', FILE, '--coin', 'ETH', '--side', 'long', '--entry', '3500', '--size', '6000');
  assert.equal(oi.code, 2);
  assert.match(assertOneLineError(oi), /--size 6000: more than ETH's whole open interest in .* \(5,000 ETH\)/);
  assert.equal(glass('risk', FILE, '--coin', 'ETH', '--side', 'long', '--entry', '3500', '--size', '4000').code, 0);
});
