import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ZoneSide } from '../../src/domain/glass-event.ts';
import type { BookLevel } from '../../src/domain/market-event.ts';
import { costsToReach, type DepthSnapshot, type ZoneLike } from '../../src/engine/heatmap/cost-to-reach.ts';
import { DepthBook } from '../../src/engine/heatmap/depth-book.ts';
import type { Obj } from '../../src/venues/decode.ts';
import { decodeL2Book } from '../../src/venues/hyperliquid/l2-book.ts';

/** The real l2Book response in the fixtures (DYDX, 20 levels a side), through the venue decoder. */
function fixtureBook() {
  const raw = JSON.parse(readFileSync(new URL('../fixtures/hyperliquid/l2Book.json', import.meta.url), 'utf8')) as { response: Obj };
  return decodeL2Book(raw.response, 0);
}

const close = (a: number | null | undefined, b: number, what: string) => {
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);
};

test('golden: cost to reach and the forced-flow chain on the real DYDX l2Book', () => {
  const book = fixtureBook();
  assert.equal(book.coin, 'DYDX');
  const mark = 2.1117; // the mid: (2.111 + 2.1124) / 2
  const zones: ZoneLike[] = [
    { side: 'LONG_LIQ', lo: 2.099, hi: 2.1, notionalUsd: 12_000 }, // A
    { side: 'LONG_LIQ', lo: 2.09, hi: 2.095, notionalUsd: 20_000 }, // B
    { side: 'LONG_LIQ', lo: 2.07, hi: 2.075, notionalUsd: 5_000 }, // C
    { side: 'LONG_LIQ', lo: 1.7, hi: 1.75, notionalUsd: 1e6 }, // E: past the deepest bid (1.81)
    { side: 'SHORT_LIQ', lo: 2.12, hi: 2.125, notionalUsd: 1e6 }, // D
  ];
  const [a, b, c, e, d] = costsToReach(book, mark, zones);

  // A: sells eat every bid above 2.1000:
  //   2.111×134.4 = 283.71840, 2.1105×141.1 = 297.79155, 2.1104×125.8 = 265.48832,
  //   2.1081×1379.2 = 2,907.49152, 2.1075×1417 = 2,986.32750, 2.1052×2800.9 = 5,896.45468,
  //   2.1017×3478 = 7,309.71260, 2.1007×1655.6 = 3,477.91892        → $23,424.90349
  close(a?.costToReachUsd, 23_424.90349, 'A cost');
  // A's $12,000 then eats 2.0998×1605.9 = 3,372.06882 and 2.0961×3695 = 7,745.08950 (11,117.15832)
  // and 882.84168 of 2.0947: price left at 2.0947, nothing above B's edge 2.0950 → B is reached;
  // B's $20,000: the rest of 2.0947 (8,193.83799 − 882.84168 = 7,310.99631), 2.0936×3736.5 =
  // 7,822.73640, 25.08360 + 31.29150 + 52.04750 (2.0903, 2.0861, 2.0819) → 15,242.15531, and
  // 4,757.84469 of 2.0786 (7,938.58912): price left at 2.0786, above C's edge 2.0750 → stop.
  assert.deepEqual(
    a?.chain.map((s) => [s.zoneLo, s.zoneHi, s.liquidatedUsd, s.pxAfter]),
    [
      [2.099, 2.1, 12_000, 2.0947],
      [2.09, 2.095, 20_000, 2.0786],
    ],
  );
  assert.equal(a?.depthStale, false);

  // B: A's bids, + 3,372.06882 + 7,745.08950                        → $34,542.06181
  close(b?.costToReachUsd, 34_542.06181, 'B cost');
  // B's $20,000 from 2.0947: 8,193.83799 + 7,822.73640 + 108.42260 = 16,124.99699, then 3,875.00301
  // of 2.0786 → price at 2.0786, C not reached.
  assert.deepEqual(
    b?.chain.map((s) => [s.liquidatedUsd, s.pxAfter]),
    [[20_000, 2.0786]],
  );

  // C: B's + 8,193.83799 + 7,822.73640 + 25.08360 + 31.29150 + 52.04750 + 7,938.58912 (2.0786)
  //    + 2.0778×40 = 83.11200: 42,735.89980, 50,558.63620, 50,667.05880, 58,605.64792 → $58,688.75992
  close(c?.costToReachUsd, 58_688.75992, 'C cost');
  // C's $5,000: 2.0736×63 = 130.63680, then 4,869.36320 of 2.0667 (7,582.72230) → 2.0667.
  assert.deepEqual(
    c?.chain.map((s) => [s.liquidatedUsd, s.pxAfter]),
    [[5_000, 2.0667]],
  );

  // E lies beyond the visible book (deepest bid 1.81): a cost would be a guess, so none.
  assert.equal(e?.costToReachUsd, null);
  assert.deepEqual(e?.chain, []);

  // D: buys eat every ask below 2.1200:
  //   744.19852 + 770.85125 + 8,024.41440 + 7,454.66400 + 7,682.57250 + 4,188.66633 + 4,138.12366
  //   + 4,048.40170                                                  → $37,051.89236
  close(d?.costToReachUsd, 37_051.89236, 'D cost');
  // D's $1M is more than the whole visible ask side ($75,149.86): the chain ends where the book does.
  assert.deepEqual(
    d?.chain.map((s) => [s.liquidatedUsd, s.pxAfter]),
    [[1e6, 2.1518]],
  );
});

test('depth older than the max age is stale, and said so', () => {
  const book = fixtureBook();
  const depth = new DepthBook(60_000);
  assert.equal(depth.fresh('DYDX', book.time), null, 'nothing before the first book');
  depth.onBook(book);
  assert.notEqual(depth.fresh('DYDX', book.time + 60_000), null);
  assert.equal(depth.fresh('DYDX', book.time + 60_001), null);
  assert.equal(depth.fresh('BTC', book.time), null, 'another coin has no depth');
});

/** A random book around 100: bids below, asks above, best first. */
const levelsArb = (side: 1 | -1) =>
  fc
    .array(fc.record({ gap: fc.double({ min: 0.01, max: 2, noNaN: true }), sz: fc.double({ min: 0.001, max: 500, noNaN: true }) }), {
      minLength: 1,
      maxLength: 40,
    })
    .map((ls) => {
      let px = 100;
      const out: BookLevel[] = [];
      for (const l of ls) {
        px += side * l.gap;
        out.push({ px, sz: l.sz });
      }
      return out;
    });

const zoneArb = (side: ZoneSide) =>
  fc
    .record({
      d: fc.double({ min: 0, max: 60, noNaN: true }),
      w: fc.double({ min: 0.01, max: 3, noNaN: true }),
      usd: fc.double({ min: 0, max: 1e6, noNaN: true }),
    })
    .map(
      ({ d, w, usd }): ZoneLike =>
        side === 'LONG_LIQ'
          ? { side, lo: 100 - d - w, hi: 100 - d, notionalUsd: usd }
          : { side, lo: 100 + d, hi: 100 + d + w, notionalUsd: usd },
    );

const caseArb = fc.record({
  bids: levelsArb(-1),
  asks: levelsArb(1),
  zones: fc.array(fc.oneof(zoneArb('LONG_LIQ'), zoneArb('SHORT_LIQ')), { minLength: 1, maxLength: 12 }),
});

test("property: a chain never liquidates more than its side's zones hold, each zone at most once", () => {
  fc.assert(
    fc.property(caseArb, ({ bids, asks, zones }) => {
      const book: DepthSnapshot = { bids, asks };
      const costs = costsToReach(book, 100, zones);
      costs.forEach((c, i) => {
        const side = (zones[i] as ZoneLike).side;
        const sideTotal = zones.filter((z) => z.side === side).reduce((s, z) => s + z.notionalUsd, 0);
        const liquidated = c.chain.reduce((s, x) => s + x.liquidatedUsd, 0);
        assert.ok(liquidated <= sideTotal * (1 + 1e-12), `${liquidated} > ${sideTotal}`);
        assert.ok(c.chain.length <= zones.filter((z) => z.side === side).length);
        if (c.costToReachUsd === null) assert.equal(c.chain.length, 0);
        else assert.equal(c.chain[0]?.liquidatedUsd, (zones[i] as ZoneLike).notionalUsd, 'a chain starts at its own zone');
      });
    }),
    { numRuns: 300 },
  );
});

test('property: the cost to reach grows with distance, and once past the book stays unknown', () => {
  fc.assert(
    fc.property(caseArb, ({ bids, asks, zones }) => {
      const costs = costsToReach({ bids, asks }, 100, zones);
      for (const side of ['LONG_LIQ', 'SHORT_LIQ'] as const) {
        const dist = (z: ZoneLike) => (side === 'LONG_LIQ' ? 100 - z.hi : z.lo - 100);
        const byDistance = zones
          .flatMap((z, i) => (z.side === side ? [{ d: dist(z), c: costs[i]?.costToReachUsd ?? null }] : []))
          .sort((x, y) => x.d - y.d);
        let prev = 0;
        let unknown = false;
        for (const { c } of byDistance) {
          if (c === null) {
            unknown = true;
            continue;
          }
          assert.ok(!unknown, 'a nearer zone beyond the book, a farther one costed');
          assert.ok(c >= prev - 1e-9, `cost fell with distance: ${c} < ${prev}`);
          prev = c;
        }
      }
    }),
    { numRuns: 300 },
  );
});
