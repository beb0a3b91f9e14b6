import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { GlassEvent, WhalePositionEvent, ZoneEvent } from '../../src/domain/glass-event.ts';
import { coin, wallet } from '../../src/domain/ids.ts';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { AccuracyLedger, type Grade } from '../../src/engine/ledger/index.ts';
import { BTC, cascadeRisk, ETH, liquidation, MIN, mark, syndicate, whale, zoneEvent, zoneRef } from './helpers.ts';

type Item = { readonly market: MarketEvent } | { readonly glass: GlassEvent };

const COINS = [BTC, ETH];
const WALLETS = [1, 2, 3].map((i) => wallet(`0x${String(i).repeat(40)}`));
const WHALE_TYPES: WhalePositionEvent['type'][] = [
  'WHALE_POSITION_OPENED',
  'WHALE_POSITION_INCREASED',
  'WHALE_POSITION_REDUCED',
  'WHALE_POSITION_CLOSED',
  'WHALE_POSITION_FLIPPED',
];
const ZONE_TYPES: ZoneEvent['type'][] = ['ZONE_FORMED', 'ZONE_APPROACHED', 'ZONE_SWEPT'];

const step = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ k: fc.constant('mark' as const), c: fc.nat(1), dt: fc.nat(6), move: fc.integer({ min: -30, max: 30 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('liq' as const),
      c: fc.nat(1),
      long: fc.boolean(),
      off: fc.integer({ min: -5, max: 5 }),
      sz: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('zone' as const),
      c: fc.nat(1),
      t: fc.nat(2),
      long: fc.boolean(),
      dist: fc.nat(8),
      id: fc.nat(5),
      p: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('risk' as const),
      c: fc.nat(1),
      long: fc.boolean(),
      dist: fc.nat(8),
      p: fc.double({ min: 0, max: 1, noNaN: true }),
      p0: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('whale' as const),
      c: fc.nat(1),
      t: fc.nat(4),
      w: fc.nat(2),
      szi: fc.integer({ min: -5, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('syn' as const), c: fc.nat(1), long: fc.boolean() }) },
);

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** A stream on a 5-minute grid (so horizon ends often fall exactly on a cut), two coins, every kind of event. */
function build(steps: readonly Step[]): Item[] {
  const px = [100, 2000];
  let t = 0;
  let seq = 0;
  const items: Item[] = [];
  for (const s of steps) {
    const c = COINS[s.c] as (typeof COINS)[number];
    const p = px[s.c] as number;
    const id = ++seq;
    switch (s.k) {
      case 'mark':
        t += s.dt * 5 * MIN;
        px[s.c] = p * (1 + s.move / 1000);
        items.push({ market: mark(c, t, px[s.c] as number) });
        break;
      case 'liq':
        items.push({ market: liquidation(c, t, p * (1 + s.off / 100), s.sz, s.long ? 'long' : 'short') });
        break;
      case 'zone': {
        const peak = p * (1 + ((s.long ? -1 : 1) * s.dist) / 100);
        const z = zoneRef(s.long ? 'LONG_LIQ' : 'SHORT_LIQ', peak * 0.99, peak * 1.01, peak, 1e6);
        const type = ZONE_TYPES[s.t] as ZoneEvent['type'];
        const e = zoneEvent(type, c, t, z, type === 'ZONE_SWEPT' ? null : s.p, `${c}:${z.side}:${s.id}`);
        items.push({ glass: { ...e, id: `${e.id}#${id}` } });
        break;
      }
      case 'risk': {
        const peak = p * (1 + ((s.long ? -1 : 1) * s.dist) / 100);
        const e = cascadeRisk(c, t, zoneRef(s.long ? 'LONG_LIQ' : 'SHORT_LIQ', peak * 0.99, peak * 1.01, peak, 1e6), s.p, s.p0);
        items.push({ glass: { ...e, id: `${e.id}#${id}` } });
        break;
      }
      case 'whale': {
        const e = whale(WHALE_TYPES[s.t] as WhalePositionEvent['type'], c, t, s.szi, WALLETS[s.w]);
        items.push({ glass: { ...e, id: `${e.id}#${id}` } });
        break;
      }
      case 'syn':
        items.push({ glass: syndicate(c, t, s.long ? 'long' : 'short', `s${id}`) });
        break;
    }
  }
  return items;
}

function play(items: readonly Item[], ledger: AccuracyLedger): void {
  for (const it of items) {
    if ('market' in it) ledger.onMarket(it.market);
    else ledger.onGlass(it.glass);
  }
}

function grades(items: readonly Item[]): Grade[] {
  const out: Grade[] = [];
  // Small muting and calibration minimums, so mutes and refits happen inside these short streams.
  play(
    items,
    new AccuracyLedger(
      { grade: (g) => out.push(g) },
      { muting: { minGraded: 3, window: 10 }, calibration: { minSamples: 5, refitEvery: 3 } },
    ),
  );
  return out;
}

const byId = (gs: readonly Grade[]) => gs.toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

test('point in time: grades computed on a stream cut at any point equal the full stream’s for every event whose horizon ended by the cut', () => {
  // Not vacuous: many grades compared, some of them with a horizon ending exactly at the cut.
  let compared = 0;
  let atTheCut = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 80, maxLength: 250 }), fc.nat(), fc.boolean(), (steps, cutAt, down) => {
      const items = build(steps);
      // Both runs end with the clock moved past their last time by a mark of a coin no event is
      // about, so an event whose horizon ends at the last mark is graded in either.
      const last = items.reduce((m, it) => ('market' in it ? Math.max(m, it.market.time) : m), 0);
      const full = grades([...items, { market: mark(coin('ZZZ'), last + 1, 1) }]);
      assert.equal(new Set(full.map((g) => g.id)).size, full.length, 'each event graded once');
      // Cut after item k; the cut's time T is the last market time before it. Everything stamped
      // up to T belongs to the prefix (the items up to the next market event past T).
      const k = cutAt % (items.length + 1);
      let T = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < k; i++) {
        const it = items[i] as Item;
        if ('market' in it) T = Math.max(T, it.market.time);
      }
      if (!Number.isFinite(T)) return;
      let end = k;
      while (end < items.length) {
        const it = items[end] as Item;
        if ('market' in it && it.market.time > T) break;
        end++;
      }
      const prefix = [...items.slice(0, end), { market: mark(coin('ZZZ'), T + 1, 1) }];
      const cut = grades(prefix);
      // And a hostile tail right after T: every coin's price through every zone one way, a large
      // liquidation in every range on both sides. Nothing after T may change a grade ending by T.
      const hostile: Item[] = COINS.flatMap((c) => [
        { market: mark(c, T + 1, down ? 1e-3 : 1e7) },
        ...[0.5, 0.9, 1, 1.1, 2].flatMap((f) => [
          { market: liquidation(c, T + 1, (c === BTC ? 100 : 2000) * f, 1e6, 'long') },
          { market: liquidation(c, T + 1, (c === BTC ? 100 : 2000) * f, 1e6, 'short') },
        ]),
      ]);
      const tailed = grades([...items.slice(0, end), ...hostile]);
      assert.deepEqual(byId(tailed.filter((g) => g.horizonEnd <= T)), byId(cut));
      compared += cut.length;
      atTheCut += cut.filter((g) => g.horizonEnd === T).length;
      for (const g of cut) assert.ok(g.horizonEnd <= T, `${g.id} graded on the prefix though its horizon ends at ${g.horizonEnd} > ${T}`);
      assert.deepEqual(byId(cut), byId(full.filter((g) => g.horizonEnd <= T)));
    }),
    { numRuns: 300 },
  );
  assert.ok(compared > 1000 && atTheCut > 10, `${compared} grades compared, ${atTheCut} at the cut`);
});
