import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { wallet } from '../../src/domain/ids.ts';
import { kaplanMeier, LeverageModel, PUBLISH_EVERY_MS } from '../../src/engine/heatmap/leverage-model.ts';
import { SurvivalTracker } from '../../src/engine/heatmap/survival.ts';
import { ethVenue, learnFiveLiquidatedLongs } from '../helpers/eth-venue.ts';

/**
 * Issue 14, survival: an estimated position still open after its coin traded through its
 * estimated liquidation price was held at a lower leverage than estimated. Only prices strictly
 * before a moment count at that moment, since the position opened (or was last added to).
 */

test('the worst price a position lived through is the extreme of the prices since it opened, strictly before the asking moment', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.double({ min: 1, max: 1000, noNaN: true })), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.boolean(),
      (steps, openAt, askOffset, long) => {
        const t = new SurvivalTracker();
        const prices: [number, number][] = [];
        let time = 0;
        for (const [dt, px] of steps) {
          time += dt;
          prices.push([time, px]);
        }
        const open = Math.min(openAt, time);
        t.position(7, 0, long ? 1 : -1, open);
        for (const [ts, px] of prices) t.price(0, px, ts);
        // Asked at the last price's moment or later: that moment counts only once time has moved past it.
        const ask = time + (askOffset % 3);
        const seen = prices.filter(([ts]) => ts >= open && ts < ask).map(([, px]) => px);
        const expected = seen.length === 0 ? Number.NaN : long ? Math.min(...seen) : Math.max(...seen);
        const got = t.worst(0, 7, long, ask);
        assert.ok(Object.is(got, expected) || got === expected, `${got} vs ${expected}`);
      },
    ),
  );
});

test('a position added to forgets what it lived through before; a flat one has no past', () => {
  const t = new SurvivalTracker();
  t.position(1, 0, 2, 0);
  t.price(0, 90, 1);
  t.price(0, 100, 2);
  assert.equal(t.worst(0, 1, true, 3), 90);
  t.position(1, 2, 1, 3); // reduced: still the same position
  assert.equal(t.worst(0, 1, true, 4), 90);
  t.position(1, 1, 3, 4); // added to
  t.price(0, 95, 5);
  t.price(0, 99, 6);
  assert.equal(t.worst(0, 1, true, 7), 95);
  t.position(1, 3, 0, 8);
  assert.ok(Number.isNaN(t.worst(0, 1, true, 9)));
});

test('a watched estimate is handed back once, when a later price reaches it, and not after it is dropped', () => {
  const t = new SurvivalTracker();
  t.position(3, 0, 1, 0);
  t.position(4, 0, -1, 0);
  t.watch(0, 3, true, 95); // a long re-filed at or below 95
  t.watch(0, 4, false, 110); // a short at or above 110
  assert.equal(t.price(0, 96, 1), null);
  assert.equal(t.price(0, 94, 2), null, 'held back until time moves on');
  assert.deepEqual(t.price(0, 100, 3), [3]);
  assert.equal(t.price(0, 80, 4), null);
  assert.equal(t.price(0, 100, 5), null, 'handed back once');
  t.unwatch(4);
  assert.equal(t.price(0, 120, 6), null);
  assert.equal(t.price(0, 120, 7), null, 'dropped');
  t.watch(0, 4, false, 110);
  assert.deepEqual(t.price(0, 121, 8), [4]);
});

test('Kaplan–Meier: without survivals the deaths are the distribution; survivals at a leverage lower its weight', () => {
  const m = new LeverageModel({ survivals: true });
  for (const lev of [5, 10, 20, 40]) for (let i = 0; i < 10; i++) m.observe(0, 5000, lev);
  m.publish(0);
  const deaths = m.quantiles(0, 5000);
  // Many positions lived through a 2.5 % move (40× would have died) and then closed.
  for (let i = 0; i < 200; i++) m.survived(0, 5000, 39);
  m.publish(PUBLISH_EVERY_MS);
  const weighed = m.quantiles(0, 5000);
  assert.ok(weighed.mid < deaths.mid, `${weighed.mid} vs ${deaths.mid}`);
  assert.ok(weighed.hi <= deaths.hi);
  // The density keeps the deaths' weight.
  const plain = new LeverageModel({ survivals: false });
  for (const lev of [5, 10, 20, 40]) for (let i = 0; i < 10; i++) plain.observe(0, 5000, lev);
  for (let i = 0; i < 200; i++) plain.survived(0, 5000, 39);
  plain.publish(0);
  assert.deepEqual(plain.quantiles(0, 5000), deaths, 'off: survivals change nothing');
  const hist = new Float64Array(120);
  hist[40] = 3;
  hist[60] = 1;
  const cens = new Float64Array(120);
  cens[50] = 5;
  cens[70] = 7;
  const km = kaplanMeier({ hist, cens, n: 4, survived: 12 });
  assert.ok(Math.abs(km.hist.reduce((a, b) => a + b, 0) - 4) < 1e-9);
  // The 5 that lived through bin 50's move were at risk at bin 60: the death there is one in 9 (the
  // 7 under bin 70 were not: they never lived through its move), the rest dies at bin 40. Scaled to the 4 deaths.
  assert.ok(Math.abs((km.hist[60] as number) - 4 / 9) < 1e-9, `${km.hist[60]}`);
  assert.ok(Math.abs((km.hist[40] as number) - 32 / 9) < 1e-9, `${km.hist[40]}`);
});

test('an estimated position the price passes without liquidating it is re-filed beyond that price at once, and the map equals one built from scratch', () => {
  const { heat, fill, mark } = ethVenue();
  const t0 = Date.UTC(2025, 0, 1);
  // Five longs opened at 2000 and liquidated 3–5 % lower: the model learns 20–30×.
  const later = learnFiveLiquidatedLongs(fill, t0);
  const fresh = `0x${'f'.repeat(40)}`;
  fill(fresh, later, 2000, 2, 'B', 0, false, 0);
  const filed = () => heat.positions(wallet(fresh))[0]?.liquidationPx as number;
  const first = filed();
  assert.ok(first > 1900 && first < 2000, `${first}`);
  // The coin trades down to 1880 and back, the position untouched and not liquidated.
  mark(later + 60_000, 1880);
  assert.equal(filed(), first, 'not before time has moved past that price');
  mark(later + 120_000, 1990);
  const after = filed();
  assert.ok(after <= 1880 + 1e-6, `${after}`);
  const view = heat.view('ETH');
  assert.ok(view !== null);
  assert.equal(
    view.buckets.filter((b) => b.lo > 1880 && b.longEstimatedUsd > 0).length,
    0,
    'no part of it is filed where the price has been without liquidating it',
  );
  assert.deepEqual(heat.fromScratch('ETH')?.nonEmpty(), heat.coinState('ETH')?.buckets.nonEmpty());
  // Liquidated later at 1850: graded against what the map held (survival included).
  fill(fresh, later + 180_000, 1850, 2, 'A', 2, true, -300);
  const at = heat.liq.liquidationEstimates;
  assert.equal(at.model.summary().priced, 6);
  assert.equal(at.deathsOnly.summary().priced, 6);
  // The last one: within 30/1850 with survival (filed at or below 1880); the deaths-only estimate, above 1880, further.
  const model = at.model.errors().at(-1) as number;
  const deaths = at.deathsOnly.errors().at(-1) as number;
  assert.ok(Math.abs(model) <= (1880 - 1850) / 1850 + 1e-9, `${model}`);
  assert.ok(Math.abs(deaths) > Math.abs(model), `${deaths} vs ${model}`);
});

test('a late-asked moment (an event older than prices already counted) sees no price at or after it', () => {
  // Prices reach the tracker in event order except for the question: a liquidation fill at 5 that
  // arrives after the coin's prices at 10 and 11 must not have lived through the 50 at 10.
  const t = new SurvivalTracker();
  t.position(1, 0, 1, 0);
  t.price(0, 100, 1);
  t.price(0, 50, 10);
  t.price(0, 100, 11);
  const got = t.worst(0, 1, true, 5);
  assert.ok(!(got < 100), `worst ${got}: a price from moment 10 counted at moment 5`);
  assert.equal(t.worst(0, 1, true, 12), 50);
  // Property: whatever the order of the question, only prices strictly before it count.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.double({ min: 1, max: 1000, noNaN: true })), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 0, max: 200 }),
      fc.boolean(),
      (steps, ask, long) => {
        const s = new SurvivalTracker();
        s.position(2, 0, long ? 1 : -1, 0);
        let time = 0;
        const seen: number[] = [];
        for (const [dt, px] of steps) {
          time += dt;
          s.price(0, px, time);
          if (time < ask) seen.push(px);
        }
        const got = s.worst(0, 2, long, ask);
        if (got === got) {
          assert.ok(seen.includes(got), `${got} is not a price before ${ask}`);
        }
      },
    ),
  );
});

test('watches dropped or replaced (every re-file watches again) do not pile up while the price stays away', () => {
  const t = new SurvivalTracker();
  for (let s = 0; s < 50; s++) t.position(s, 0, 1, 0);
  let time = 1;
  for (let round = 0; round < 2000; round++) {
    // Every position re-filed (a publication, an account's recompute): watched again far below.
    for (let s = 0; s < 50; s++) t.watch(0, s, true, 10 + s);
    t.price(0, 1000, time++);
  }
  for (let s = 0; s < 50; s++) t.unwatch(s);
  for (let s = 0; s < 50; s++) t.watch(0, s, true, 10 + s);
  assert.ok(t.watching <= 4 * 50 + 2048, `${t.watching} watches kept for 50 positions`);
  // The live ones still fire, once each.
  const passed = [...(t.price(0, 5, time++) ?? []), ...(t.price(0, 1000, time++) ?? [])].sort((a, b) => a - b);
  assert.deepEqual(
    passed,
    Array.from({ length: 50 }, (_, i) => i),
  );
});
