import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Wallet } from '../../src/domain/ids.ts';
import type { TradeEvent } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import type { PositionChange } from '../../src/engine/position-book/change.ts';
import { deriveDirection } from '../../src/engine/position-book/direction.ts';
import { SlotIndex } from '../../src/engine/position-book/slot-index.ts';
import { TidWindow } from '../../src/engine/position-book/tid-window.ts';
import { WalletIds } from '../../src/engine/position-book/wallet-ids.ts';

/**
 * The book's storage was rebuilt for speed (bench/shapes.bench.ts): wallet ids from an address
 * table, slots from per-wallet rows, uncertain changes kept as numbers, a Bloom filter in front of
 * the tid window's older table. Each is held here to the plain structure it replaced.
 */

const hex = (n: number) => fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: n, maxLength: n }).map((a) => a.join(''));

// Addresses that share their first 8 hex digits (the table's key) and some that are not addresses at all.
const addr = fc.oneof(
  fc.constantFrom('0xaaaaaaaa', '0x00000000', '0xdeadbeef').chain((p) => hex(32).map((t) => `${p}${t}`)),
  hex(40).map((h) => `0x${h}`),
  fc.string({ maxLength: 6 }),
) as fc.Arbitrary<Wallet>;

test('WalletIds gives the ids a Map-based interner gives, across table growth, shared prefixes and odd names', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(addr, fc.boolean()), { minLength: 1500, maxLength: 3000 }), (ops) => {
      const ids = new WalletIds();
      const model = new Map<string, number>();
      for (const [name, intern] of ops) {
        // A copy, not the same string object: ids must not depend on identity.
        const probe = `${name}`.slice(0) as Wallet;
        if (intern) {
          if (!model.has(name)) model.set(name, model.size);
          assert.equal(ids.id(probe), model.get(name));
        } else assert.equal(ids.peek(probe), model.get(name));
      }
      assert.equal(ids.size, model.size);
      for (const [name, id] of model) assert.equal(ids.name(id), name);
    }),
    { numRuns: 60, seed: 3 },
  );
});

test('SlotIndex finds what a Map keyed by wallet × coin finds, past a wallet’s eight inline coins', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(300), fc.nat(40)), { minLength: 2000, maxLength: 4000 }), (pairs) => {
      const idx = new SlotIndex(1 << 12);
      const model = new Map<number, number>();
      for (const [w, c] of pairs) {
        const key = w * 4096 + c;
        assert.equal(idx.get(w, c), model.get(key) ?? -1);
        if (!model.has(key)) {
          model.set(key, model.size);
          idx.set(w, c, model.size - 1);
        }
      }
      for (const [key, s] of model) assert.equal(idx.get(Math.floor(key / 4096), key % 4096), s);
    }),
    { numRuns: 60, seed: 4 },
  );
});

test('TidWindow with random tids, both sides of each trade: a re-delivery within the window is always caught', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 50 }), fc.nat(600)), { minLength: 1500, maxLength: 3000 }), (ops) => {
      const w = new TidWindow(8); // 256 keys per table: many turns
      const added: number[] = [];
      for (const [tid, back] of ops) {
        // A new trade, or the re-delivery of one `back` keys ago.
        const key =
          back < added.length && back % 3 === 0
            ? (added[added.length - 1 - back] as number)
            : TidWindow.key(tid, back % 2 === 0 ? 'B' : 'A');
        const last = added.lastIndexOf(key);
        const age = last < 0 ? Number.POSITIVE_INFINITY : added.length - last;
        const isNew = w.add(key);
        if (age <= 256) assert.equal(isNew, false);
        if (age > 512) assert.equal(isNew, true);
        if (isNew) added.push(key);
      }
    }),
    { numRuns: 40, seed: 5 },
  );
});

const WALLETS = ['0x1', '0x2', '0x3'].map((p) => p.padEnd(42, p.slice(2)) as Wallet);

function trade(i: number, buyer: number, seller: number, sz: number, side: 'B' | 'A'): TradeEvent {
  return {
    type: 'trade',
    venue: 'hyperliquid',
    coin: 'BTC' as TradeEvent['coin'],
    side,
    px: 100 + (i % 9),
    sz,
    time: 1000 + i,
    localTs: 1001 + i,
    tid: 7 * i + 3,
    buyer: WALLETS[buyer] as Wallet,
    seller: WALLETS[seller] as Wallet,
    isSnapshot: false,
  };
}

/**
 * The plain version of what the book keeps for late resolution: per position, its uncertain
 * changes as emitted, the newest 256. A resolution must re-emit exactly those, each as it was
 * first emitted with its start, end and direction filled in.
 */
test('resolved changes are the kept uncertain changes re-emitted whole (newest 256 per position), with their directions', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            buyer: fc.nat(2),
            seller: fc.nat(2),
            sz: fc.integer({ min: 1, max: 9 }),
            side: fc.constantFrom('B', 'A') as fc.Arbitrary<'B' | 'A'>,
            repeat: fc.nat(400),
          }),
          fc.record({ snap: fc.nat(2), szi: fc.integer({ min: -30, max: 30 }) }),
        ),
        { minLength: 20, maxLength: 200 },
      ),
      (steps) => {
        const out: PositionChange[] = [];
        const book = new PositionBook({ change: (c) => out.push(c), drift() {}, account() {} });
        const kept = new Map<number, PositionChange[]>();
        let i = 0;
        for (const st of steps) {
          const from = out.length;
          if ('snap' in st) {
            book.apply({
              type: 'snapshot',
              venue: 'hyperliquid',
              wallet: WALLETS[st.snap] as Wallet,
              accountValue: 1e6,
              crossAccountValue: 1e6,
              crossMaintenanceMarginUsed: null,
              positions: [
                {
                  coin: 'BTC' as TradeEvent['coin'],
                  szi: st.szi / 10,
                  entryPx: 100,
                  positionValue: 1,
                  marginMode: 'cross',
                  leverage: 10,
                  rawUsd: null,
                  marginUsed: 1,
                  maxLeverage: 40,
                  liquidationPx: null,
                },
              ],
              time: 1000 + i,
              localTs: 1000 + i,
            });
          } else if (st.buyer !== st.seller) {
            // Sometimes a long run on one position, past the 256 kept.
            const n = st.repeat > 390 ? 300 : 1;
            for (let k = 0; k < n; k++) book.apply(trade(i++, st.buyer, st.seller, st.sz / 10, st.side));
          }
          for (const c of out.slice(from)) {
            if (c.resolved) continue;
            if (c.dir === null) {
              const list = kept.get(c.slot) ?? [];
              list.push(c);
              if (list.length > 256) list.shift();
              kept.set(c.slot, list);
            }
          }
          const resolved = out.slice(from).filter((c) => c.resolved);
          const bySlot = new Map<number, PositionChange[]>();
          for (const r of resolved) bySlot.set(r.slot, [...(bySlot.get(r.slot) ?? []), r]);
          for (const [slot, rs] of bySlot) {
            const want = kept.get(slot) ?? [];
            kept.delete(slot);
            assert.equal(rs.length, want.length);
            rs.forEach((r, k) => {
              const w = want[k] as PositionChange;
              assert.deepStrictEqual({ ...r, before: 0, after: 0, dir: null, resolved: false }, { ...w, before: 0, after: 0, dir: null });
              assert.ok(Object.keys(r).join() === Object.keys(w).join(), 'same fields in the same order');
              assert.equal(r.dir, deriveDirection(r.before, r.side, r.sz));
              if (k > 0) assert.ok(Math.abs(r.before - (rs[k - 1] as PositionChange).after) < 1e-9);
            });
          }
          if ('snap' in st) {
            // The snapshot made the position known: nothing of it is left unresolved.
            const w = book.wallets.peek(WALLETS[st.snap] as Wallet);
            const c = book.coins.peek('BTC');
            const slot = w === undefined || c === undefined ? -1 : book.slotId(w, c);
            assert.equal(kept.get(slot)?.length ?? 0, 0);
          }
        }
      },
    ),
    { numRuns: 150, seed: 6 },
  );
});
