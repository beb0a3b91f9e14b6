import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FillEvent, MarketEvent } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import type { DriftReport, PositionChange } from '../../src/engine/position-book/change.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { readFixture } from '../helpers/fixtures.ts';

function fixtureFills(): FillEvent[] {
  const out: FillEvent[] = [];
  new HyperliquidNormalizer().normalize(readFixture('hyperliquid/userFills-2023.json'), 0, (e: MarketEvent) => {
    if (e.type === 'fill') out.push(e);
  });
  return out;
}

function inTimeOrder(fills: FillEvent[]): FillEvent[] {
  return fills.toSorted((a, b) => a.time - b.time);
}

test('the real 500-fill response decodes to 500 fills with the venue direction on each', () => {
  const fills = fixtureFills();
  assert.equal(fills.length, 500);
  assert.ok(fills.every((f) => f.dir !== null));
});

test('derived direction equals the venue dir for all 500 fills and startPosition chains', () => {
  // The response lists newest first by time, but fills of one order at one time in execution
  // order; a stable sort by time gives the stream order.
  const fills = inTimeOrder(fixtureFills());
  const changes: PositionChange[] = [];
  const driftList: DriftReport[] = [];
  const book = new PositionBook({
    change: (c) => changes.push(c),
    drift: (d) => driftList.push(d),
    account: () => {},
  });
  for (const f of fills) book.apply(f);
  assert.equal(changes.length, 500);
  const mismatches = changes.filter((c, i) => c.dir !== fills[i]?.dir);
  assert.deepEqual(mismatches, []);
  assert.equal(book.stats.dirMismatches, 0);
  // Chaining: every fill's startPosition is what the book held for that coin after the previous
  // fill, self-trades included (both halves carry the same startPosition). One break is real: the
  // oldest SUI fill is the second half of a self-trade whose first half fell outside the
  // response's 500-fill window, so the next SUI fill disagrees with the book, and only that one.
  assert.equal(driftList.length, 1);
  const oldestSui = fills.filter((f) => f.coin === 'SUI').slice(0, 2);
  assert.equal(driftList[0]?.time, oldestSui[1]?.time);
  assert.equal(driftList[0]?.venueSzi, oldestSui[1]?.startPosition);
  const kinds = new Set(changes.map((c) => c.dir));
  for (const d of ['Open Long', 'Open Short', 'Close Long', 'Close Short', 'Long > Short', 'Short > Long']) {
    assert.ok(kinds.has(d as PositionChange['dir']), `fixture exercises ${d}`);
  }
});

test('every flip crosses zero in the book; self-trade halves keep the book on the net position', () => {
  const fills = inTimeOrder(fixtureFills());
  const changes: PositionChange[] = [];
  const book = new PositionBook({ change: (c) => changes.push(c), drift: () => {}, account: () => {} });
  for (const f of fills) book.apply(f);
  let flips = 0;
  let mirrors = 0;
  changes.forEach((c, i) => {
    const f = fills[i] as FillEvent;
    if (Math.abs(c.before - f.startPosition) > 1e-9 * Math.max(1, Math.abs(f.startPosition))) {
      // Second half of a self-trade: applied on top of the first half, so the pair nets to zero.
      mirrors++;
      assert.ok(Math.abs(c.after - f.startPosition) < 1e-6, `self-trade nets to ${f.startPosition}`);
      return;
    }
    if (c.dir === 'Long > Short' || c.dir === 'Short > Long') {
      flips++;
      assert.equal(Math.sign(c.before), -Math.sign(c.after), `${c.before} → ${c.after}`);
    }
  });
  assert.ok(flips > 10, `flips seen: ${flips}`);
  assert.ok(mirrors > 50, `self-trade halves seen: ${mirrors}`);
});
