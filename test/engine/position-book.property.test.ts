import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { coin, type Wallet, wallet } from '../../src/domain/ids.ts';
import type { FillEvent, MarketEvent, TradeEvent } from '../../src/domain/market-event.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';
import type { PositionChange } from '../../src/engine/position-book/change.ts';
import { deriveDirection } from '../../src/engine/position-book/direction.ts';
import { TidWindow } from '../../src/engine/position-book/tid-window.ts';

const W = [1, 2, 3, 4].map((i) => wallet(`0x${String(i).repeat(40)}`));
const BTC = coin('BTC');

interface Step {
  readonly buyer: number;
  readonly seller: number;
  readonly sz: number;
}

const steps = fc.array(fc.record({ buyer: fc.nat(3), seller: fc.nat(3), sz: fc.integer({ min: 1, max: 50 }).map((n) => n / 10) }), {
  minLength: 1,
  maxLength: 60,
});

function trades(ss: readonly Step[]): TradeEvent[] {
  return ss.map((s, i) => ({
    type: 'trade',
    venue: 'hyperliquid',
    coin: BTC,
    px: 100 + i,
    sz: s.sz,
    side: 'B',
    time: i,
    localTs: i,
    buyer: W[s.buyer] as Wallet,
    seller: W[s.seller] as Wallet,
    tid: 1000 + i,
    hash: '0x',
    isSnapshot: false,
  }));
}

function flatSnapshots(time: number): MarketEvent[] {
  return W.map((w) => ({
    type: 'snapshot',
    venue: 'hyperliquid',
    wallet: w,
    accountValue: 1e6,
    crossAccountValue: 1e6,
    crossMaintenanceMarginUsed: 0,
    positions: [],
    time,
    localTs: time,
  }));
}

/** The model: positions are running sums; directions follow from the sum before each fill. */
function model(ss: readonly Step[]): { finals: number[]; dirs: string[] } {
  const pos = [0, 0, 0, 0];
  const dirs: string[] = [];
  for (const s of ss) {
    dirs.push(deriveDirection(pos[s.buyer]!, 'B', s.sz));
    pos[s.buyer] = round(pos[s.buyer]! + s.sz);
    dirs.push(deriveDirection(pos[s.seller]!, 'A', s.sz));
    pos[s.seller] = round(pos[s.seller]! - s.sz);
  }
  return { finals: pos, dirs };
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

function run(events: readonly MarketEvent[]): { book: PositionBook; changes: PositionChange[] } {
  const changes: PositionChange[] = [];
  const book = new PositionBook({ change: (c) => changes.push(c), drift: () => {}, account: () => {} });
  for (const e of events) book.apply(e);
  return { book, changes };
}

test('known wallets: book positions are the running sums and every direction matches the model', () => {
  fc.assert(
    fc.property(steps, (ss) => {
      const { book, changes } = run([...flatSnapshots(-1), ...trades(ss)]);
      const m = model(ss);
      W.forEach((w, i) => {
        assert.ok(Math.abs((book.position(w, BTC)?.szi ?? 0) - m.finals[i]!) < 1e-9);
      });
      assert.deepEqual(
        changes.map((c) => c.dir),
        m.dirs,
      );
    }),
  );
});

test('unknown wallets: directions are uncertain until a snapshot, then resolved to the true ones', () => {
  fc.assert(
    fc.property(steps, (ss) => {
      const m = model(ss);
      const snap: MarketEvent[] = W.map((w, i) => ({
        type: 'snapshot',
        venue: 'hyperliquid',
        wallet: w,
        accountValue: 1e6,
        crossAccountValue: 1e6,
        crossMaintenanceMarginUsed: 0,
        positions:
          m.finals[i] === 0
            ? []
            : [
                {
                  coin: BTC,
                  szi: m.finals[i]!,
                  entryPx: 100,
                  positionValue: 0,
                  marginMode: 'cross',
                  leverage: 10,
                  rawUsd: null,
                  marginUsed: 0,
                  maxLeverage: 40,
                  liquidationPx: null,
                },
              ],
        time: 1e6,
        localTs: 1e6,
      }));
      const { changes, book } = run([...trades(ss), ...snap]);
      const live = changes.filter((c) => !c.resolved);
      const resolved = changes.filter((c) => c.resolved);
      assert.ok(live.every((c) => c.dir === null));
      // Each wallet side resolves in order; resolved changes, grouped per wallet, replay the model.
      const byTid = new Map(resolved.map((c) => [`${c.tid}:${c.side}`, c.dir]));
      const expected = ss.flatMap((_s, i) => [
        [`${1000 + i}:B`, m.dirs[2 * i]],
        [`${1000 + i}:A`, m.dirs[2 * i + 1]],
      ]);
      for (const [k, d] of expected) assert.equal(byTid.get(k as string), d, k as string);
      assert.equal(book.stats.drifts, 0);
    }),
  );
});

test('re-delivered trades (duplicates anywhere in the stream) change nothing', () => {
  fc.assert(
    fc.property(steps, fc.array(fc.nat(), { maxLength: 20 }), (ss, dupIdx) => {
      const base = [...flatSnapshots(-1), ...trades(ss)];
      const withDups: MarketEvent[] = [...base];
      for (const d of dupIdx) {
        const t = trades(ss)[d % ss.length]!;
        withDups.splice(Math.min(withDups.length, W.length + (d % ss.length) + 1 + dupIdx.length), 0, t);
      }
      const a = run(base);
      const b = run(withDups);
      W.forEach((w) => {
        assert.equal(b.book.position(w, BTC)?.szi ?? 0, a.book.position(w, BTC)?.szi ?? 0);
      });
      assert.deepEqual(
        b.changes.map((c) => c.dir),
        a.changes.map((c) => c.dir),
      );
    }),
  );
});

test('processing the same stream twice, or in two halves through one book, gives identical changes', () => {
  fc.assert(
    fc.property(steps, fc.nat(), (ss, cut) => {
      const events = [...flatSnapshots(-1), ...trades(ss)];
      const a = run(events).changes;
      const b = run(events).changes;
      assert.deepEqual(a, b);
      const k = cut % (events.length + 1);
      const changes: PositionChange[] = [];
      const book = new PositionBook({ change: (c) => changes.push(c), drift: () => {}, account: () => {} });
      for (const e of events.slice(0, k)) book.apply(e);
      for (const e of events.slice(k)) book.apply(e);
      assert.deepEqual(changes, a);
    }),
  );
});

test('fills with startPosition: the venue figure wins and a gap is reported as drift exactly once', () => {
  const f = (start: number, side: 'B' | 'A', sz: number, tid: number): FillEvent => ({
    type: 'fill',
    venue: 'hyperliquid',
    wallet: W[0]!,
    coin: BTC,
    px: 100,
    sz,
    side,
    time: tid,
    localTs: tid,
    startPosition: start,
    dir: null,
    closedPnl: 0,
    fee: 0,
    tid,
    hash: '0x',
    oid: null,
    crossed: true,
    liquidation: null,
    isSnapshot: false,
  });
  const drifts: number[] = [];
  const book = new PositionBook({ change: () => {}, drift: (d) => drifts.push(d.venueSzi), account: () => {} });
  book.apply(f(0, 'B', 1, 1));
  book.apply(f(1, 'B', 1, 2));
  book.apply(f(5, 'A', 2, 4)); // fills between tid 2 and 4 were missed: the venue says 5, the book 2
  assert.deepEqual(drifts, [5]);
  assert.equal(book.position(W[0]!, BTC)?.szi, 3);
});

test('TidWindow remembers at least the last N keys added and at most 2N: never a new key refused', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 2000 }), (keys) => {
      const cap = 64;
      const w = new TidWindow(6);
      const added: number[] = []; // keys the window took as new, in order
      for (const raw of keys) {
        const k = raw * 2 ** 33 + 1; // exercise the high word of the hash
        const last = added.lastIndexOf(k);
        const age = last < 0 ? Number.POSITIVE_INFINITY : added.length - last; // 1: the latest
        const isNew = w.add(k);
        if (age <= cap) assert.equal(isNew, false, `key added ${age} adds ago is remembered`);
        else if (age > 2 * cap) assert.equal(isNew, true, `key added ${age} adds ago (or never) is new`);
        if (isNew) added.push(k);
      }
    }),
  );
});

/** The model's realised PnL per side of each trade: the closed part at the average entry, 0 when nothing closes. */
function modelPnl(ss: readonly Step[]): number[] {
  const pos = [0, 0, 0, 0];
  const entry = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  const out: number[] = [];
  ss.forEach((s, i) => {
    const px = 100 + i;
    for (const [w, d] of [
      [s.buyer, 1],
      [s.seller, -1],
    ] as const) {
      const p = pos[w] as number;
      const closed = p * d < 0 ? Math.min(s.sz, Math.abs(p)) : 0;
      out.push(closed > 0 ? closed * (px - (entry[w] as number)) * Math.sign(p) : 0);
      const next = round(p + d * s.sz);
      if (next === 0) entry[w] = Number.NaN;
      else if (p === 0 || Math.sign(p) !== Math.sign(next)) entry[w] = px;
      else if (Math.abs(next) > Math.abs(p)) entry[w] = ((entry[w] as number) * Math.abs(p) + px * s.sz) / Math.abs(next);
      pos[w] = next;
    }
  });
  return out;
}

test('known wallets: every change realises the closed part at the average entry, and 0 (never NaN) when nothing closes', () => {
  fc.assert(
    fc.property(steps, (ss) => {
      const { changes } = run([...flatSnapshots(-1), ...trades(ss)]);
      const want = modelPnl(ss);
      assert.equal(changes.length, want.length);
      changes.forEach((c, i) => {
        const w = want[i] as number;
        assert.ok(Number.isFinite(c.closedPnl), `change ${i}: closedPnl ${c.closedPnl}`);
        assert.ok(Math.abs(c.closedPnl - w) <= 1e-9 * Math.max(1, Math.abs(w)), `change ${i}: ${c.closedPnl} vs ${w}`);
      });
    }),
    { numRuns: 300 },
  );
});
