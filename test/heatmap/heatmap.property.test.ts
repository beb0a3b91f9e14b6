import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Coin, coin, type Wallet, wallet } from '../../src/domain/ids.ts';
import type { MarketEvent, PositionState } from '../../src/domain/market-event.ts';
import { toUnits, UNIT } from '../../src/engine/heatmap/buckets.ts';
import type { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { detectZones } from '../../src/engine/heatmap/zones.ts';
import type { PositionBook } from '../../src/engine/position-book/book.ts';
import { bookWithHeatmap } from '../helpers/heatmap.ts';

const W = [1, 2, 3, 4, 5, 6].map((i) => wallet(`0x${String(i).repeat(40)}`));
// Nine coins, so a wallet can hold more positions than a wallet's row keeps inline (WalletSlots).
const COINS = ['BTC', 'ETH', 'SOL', 'HYPE', 'DOGE', 'XRP', 'SUI', 'AVAX', 'LINK'].map((c) => coin(c));
const BASE = [100_000, 3_000, 150, 40, 0.2, 2.5, 3.5, 25, 15];

type Op =
  | { kind: 'trade'; coin: number; buyer: number; seller: number; sz: number; px: number }
  | { kind: 'mark'; coin: number; px: number }
  | { kind: 'snap'; wallet: number; cash: number; iso: boolean; szi: number; lev: number };

const pxMove = fc.integer({ min: -300, max: 300 }).map((bp) => 1 + bp / 10_000);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('trade' as const),
    coin: fc.nat(COINS.length - 1),
    buyer: fc.nat(5),
    seller: fc.nat(5),
    sz: fc.integer({ min: 1, max: 400 }).map((n) => n / 100),
    px: pxMove,
  }),
  fc.record({ kind: fc.constant('mark' as const), coin: fc.nat(COINS.length - 1), px: pxMove }),
  fc.record({
    kind: fc.constant('snap' as const),
    wallet: fc.nat(5),
    cash: fc.integer({ min: 1_000, max: 500_000 }),
    iso: fc.boolean(),
    szi: fc.integer({ min: -300, max: 300 }).map((n) => n / 100),
    lev: fc.integer({ min: 2, max: 40 }),
  }),
);

/** Turns generated steps into venue-shaped events: trades move both sides, snapshots restate a wallet's BTC. */
function events(ops: readonly Op[]): MarketEvent[] {
  const base = { venue: 'hyperliquid' as const };
  const out: MarketEvent[] = [];
  const px = [...BASE];
  ops.forEach((o, i) => {
    const time = 1_700_000_000_000 + i * 1000;
    const t = { ...base, time, localTs: time };
    if (o.kind === 'mark' || o.kind === 'trade') {
      px[o.coin] = (px[o.coin] as number) * o.px;
      const c = COINS[o.coin] as Coin;
      const p = px[o.coin] as number;
      if (o.kind === 'mark') out.push({ ...t, type: 'mark', coin: c, px: p, kind: 'mark' });
      else {
        out.push({
          ...t,
          type: 'trade',
          coin: c,
          px: p,
          sz: o.sz,
          side: 'B',
          buyer: W[o.buyer] as Wallet,
          seller: W[o.seller] as Wallet,
          tid: 10_000 + i,
          isSnapshot: false,
        });
      }
      return;
    }
    const mark = px[0] as number;
    const positions: PositionState[] =
      o.szi === 0
        ? []
        : [
            {
              coin: COINS[0] as Coin,
              szi: o.szi,
              entryPx: mark,
              positionValue: Math.abs(o.szi) * mark,
              marginMode: o.iso ? 'isolated' : 'cross',
              leverage: o.lev,
              rawUsd: o.iso ? (Math.abs(o.szi) * mark) / o.lev - o.szi * mark : null,
              marginUsed: (Math.abs(o.szi) * mark) / o.lev,
              maxLeverage: 40,
              liquidationPx: null,
            },
          ];
    out.push({
      ...t,
      type: 'snapshot',
      wallet: W[o.wallet] as Wallet,
      accountValue: o.cash,
      crossAccountValue: o.cash,
      crossMaintenanceMarginUsed: null,
      positions,
    });
  });
  return out;
}

function run(evs: readonly MarketEvent[]): { book: PositionBook; heat: HeatmapEngine } {
  const { book, heat } = bookWithHeatmap();
  for (const e of evs) {
    book.apply(e);
    heat.onMarket(e);
  }
  return { book, heat };
}

const ops = fc.array(op, { minLength: 1, maxLength: 80 });

test('after any sequence of trades, snapshots and mark moves the incremental map equals one built from scratch', () => {
  fc.assert(
    fc.property(ops, (steps) => {
      const { heat } = run(events(steps));
      for (const c of heat.coinList()) {
        const live = heat.coinState(c)!.buckets;
        const fresh = heat.fromScratch(c)!;
        assert.deepEqual(live.nonEmpty(), fresh.nonEmpty());
        assert.equal(live.totalLongUnits, fresh.totalLongUnits);
        assert.equal(live.totalShortUnits, fresh.totalShortUnits);
        assert.equal(live.positions, fresh.positions);
      }
    }),
    { numRuns: 300 },
  );
});

test("after any sequence every position's liquidation price equals a full recompute of the accounts the engine holds", () => {
  fc.assert(
    fc.property(ops, (steps) => {
      const { book, heat } = run(events(steps));
      const incremental = Array.from({ length: book.slotCount }, (_, s) => heat.liqOf(s));
      heat.rebuild();
      const rebuilt = Array.from({ length: book.slotCount }, (_, s) => heat.liqOf(s));
      assert.deepEqual(incremental, rebuilt);
    }),
    { numRuns: 300 },
  );
});

test('bucket notional sums to the notional of the positions that have a liquidation price, longs and shorts apart', () => {
  fc.assert(
    fc.property(ops, (steps) => {
      const { book, heat } = run(events(steps));
      for (const c of heat.coinList()) {
        const id = book.coins.id(c);
        let long = 0;
        let short = 0;
        let n = 0;
        for (let s = 0; s < book.slotCount; s++) {
          if (book.coinOf(s) !== id) continue;
          const szi = book.sziAt(s);
          const liq = heat.liqOf(s);
          if (szi === 0) {
            assert.ok(!(liq === liq), `flat slot ${s} holds a liquidation price ${liq}`);
            continue;
          }
          if (!(liq === liq)) continue;
          n++;
          if (szi > 0) long += toUnits(szi * liq);
          else short += toUnits(-szi * liq);
        }
        const totals = heat.totals(c);
        assert.equal(totals.longUsd, long / UNIT);
        assert.equal(totals.shortUsd, short / UNIT);
        assert.equal(totals.positions, n);
        const view = heat.view(c)!;
        const sum = view.buckets.reduce((a, b) => a + toUnits(b.longLiqUsd) + toUnits(b.shortLiqUsd), 0);
        assert.equal(sum, long + short);
      }
    }),
    { numRuns: 300 },
  );
});

/** A bucket series with a few planted bumps over noise, as zone detection reads it. */
const series = fc.record({
  len: fc.integer({ min: 20, max: 400 }),
  seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 400, maxLength: 400 }),
  bumps: fc.array(fc.record({ at: fc.nat(399), height: fc.integer({ min: 1, max: 1e9 }), width: fc.integer({ min: 1, max: 6 }) }), {
    maxLength: 6,
  }),
  mark: fc.nat(399),
});

test("every zone's notional and position count equal the sums of its own buckets, on its own side of the mark", () => {
  fc.assert(
    fc.property(series, ({ len, seed, bumps, mark }) => {
      const long = new Float64Array(len);
      const short = new Float64Array(len);
      const longN = new Int32Array(len);
      const shortN = new Int32Array(len);
      for (let i = 0; i < len; i++) {
        const v = seed[i] as number;
        long[i] = v;
        short[i] = seed[len - 1 - i] as number;
        longN[i] = v > 0 ? 1 : 0;
        shortN[i] = (seed[len - 1 - i] as number) > 0 ? 1 : 0;
      }
      for (const b of bumps) {
        for (let k = 0; k < b.width && b.at + k < len; k++) {
          long[b.at + k] = (long[b.at + k] as number) + b.height;
          short[b.at + k] = (short[b.at + k] as number) + b.height;
          longN[b.at + k] = (longN[b.at + k] as number) + 3;
          shortN[b.at + k] = (shortN[b.at + k] as number) + 3;
        }
      }
      const from = 1000;
      const markKey = from + Math.min(mark, len - 1);
      const zones = detectZones({ from, width: 10, markKey, long, short, longN, shortN });
      for (const z of zones) {
        const v = z.side === 'LONG_LIQ' ? long : short;
        const cnt = z.side === 'LONG_LIQ' ? longN : shortN;
        let units = 0;
        let positions = 0;
        for (let k = z.loKey; k <= z.hiKey; k++) {
          units += v[k - from] as number;
          positions += cnt[k - from] as number;
        }
        assert.equal(z.units, units);
        assert.equal(z.positions, positions);
        assert.ok(z.peakKey >= z.loKey && z.peakKey <= z.hiKey);
        if (z.side === 'LONG_LIQ') assert.ok(z.hiKey <= markKey, 'long liquidations read below the mark');
        else assert.ok(z.loKey >= markKey, 'short liquidations read above the mark');
      }
      const keys = zones.map((z) => `${z.side}:${z.loKey}`);
      assert.equal(new Set(keys).size, keys.length, 'zones do not repeat');
    }),
    { numRuns: 300 },
  );
});
