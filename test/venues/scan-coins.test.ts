import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { parseRecordLine, scanRecordLine } from '../../src/recording/reader.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';

/**
 * The scanner finds a coin it has seen by a hash of its bytes (ScanDecoder `coin`): whatever the
 * names and however they collide in its cache, every trade frame must scan to the coin the general
 * path reads, or be declined.
 */

const W1 = `0x${'1'.repeat(40)}`;
const W2 = `0x${'2'.repeat(40)}`;

function frame(coin: string, tid: number): string {
  const trade = {
    coin,
    side: 'B',
    px: '10.5',
    sz: '2.0',
    time: 1_790_000_000_000 + tid,
    hash: `0x${'0'.repeat(64)}`,
    tid,
    users: [W1, W2],
  };
  return JSON.stringify({ ts: 1_790_000_000_100 + tid, venue: 'hyperliquid', msg: { channel: 'trades', data: [trade] } });
}

function general(n: HyperliquidNormalizer, line: string): MarketEvent[] {
  const item = parseRecordLine(line, 1);
  assert.ok(item !== null && !(item instanceof RecordError));
  const out: MarketEvent[] = [];
  n.normalize(item.msg, item.ts, (e) => out.push(e));
  return out;
}

function scanned(n: HyperliquidNormalizer, line: string): MarketEvent[] | null {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  const item = scanRecordLine(bytes, 0, bytes.length - 1, 1);
  if (item === null) return null;
  const out: MarketEvent[] = [];
  return n.normalizeBytes(item.bytes, item.msgFrom, item.msgTo, item.ts, (e) => out.push(e)) === null ? null : out;
}

/** Frames of `coins` in the given order through both paths; returns how many the scanner read. */
function compare(coins: readonly string[]): number {
  const a = new HyperliquidNormalizer();
  const b = new HyperliquidNormalizer();
  let read = 0;
  coins.forEach((coin, i) => {
    const line = frame(coin, i + 1);
    const want = general(a, line);
    const got = scanned(b, line);
    if (got === null) return;
    read++;
    assert.deepStrictEqual(got, want, `frame ${i + 1} (${JSON.stringify(coin)})`);
  });
  return read;
}

test('frames alternating over 3,000 coin names (far more than the cache has places) scan to the general path’s coins', () => {
  const names: string[] = [];
  for (let i = 0; i < 3000; i++)
    names.push(i % 3 === 0 ? `C${i}` : i % 3 === 1 ? `k${i.toString(36).toUpperCase()}` : `COIN${'X'.repeat(i % 20)}${i}`);
  const order: string[] = [];
  for (let round = 0; round < 3; round++)
    for (let i = 0; i < names.length; i++) order.push(names[(i * 7919 + round * 13) % names.length] as string);
  assert.equal(compare(order), order.length);
});

test('coin names that share bytes, differ in length or are not ASCII: the same coins as the general path, or declined', () => {
  const alphabet = ['A', 'B', 'k', '1', 'é', '€', ' ', '-', '/'];
  const name = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 34 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(fc.array(name, { minLength: 1, maxLength: 60 }), fc.array(fc.nat(59), { minLength: 1, maxLength: 200 }), (pool, picks) => {
      // Names longer than 32 characters are not coins: both paths refuse them, so leave them out.
      const coins = pool.filter((c) => c.length <= 32);
      if (coins.length === 0) return;
      compare(picks.map((i) => coins[i % coins.length] as string));
    }),
    { numRuns: 150 },
  );
});
