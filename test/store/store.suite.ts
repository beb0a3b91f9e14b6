import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type GlassEvent, stampOf } from '../../src/domain/glass-event.ts';
import type { Coin, Wallet } from '../../src/domain/ids.ts';
import type { EventRecord, HeatmapSnapshotRecord, PositionSnapshotRecord, ScoreRecord, Store, WriteBatch } from '../../src/store/types.ts';
import { gradeSuite } from './grades.suite.ts';

/**
 * The one store test suite: sqlite.test.ts and postgres.test.ts run it against a fresh store
 * each. `fresh` opens (and migrates) an empty store; `done` closes and removes it.
 */
export interface StoreHarness {
  readonly fresh: () => Promise<Store>;
  readonly done: (s: Store) => Promise<void>;
}

const BTC = 'BTC' as Coin;
const ETH = 'ETH' as Coin;
const W1 = '0x1111111111111111111111111111111111111111' as Wallet;
const W2 = '0x2222222222222222222222222222222222222222' as Wallet;
const W3 = '0x3333333333333333333333333333333333333333' as Wallet;
/**
 * Strings a careless store would execute or mangle; they must come back byte for byte. (NUL is
 * not among them: PostgreSQL text cannot hold it; inside JSON documents it is escaped and kept.)
 */
const NASTY = [
  "'; DROP TABLE events; --",
  '<script>alert("x")</script>',
  "Robert'); DELETE FROM api_keys WHERE ('1'='1",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text ${x}, not a template
  '\\"?$1 %s ${x} 🙂 \u2028',
];

function zoneEvent(id: number, coin: Coin, time: number, note = ''): EventRecord {
  const event: GlassEvent = {
    id: `ZONE_FORMED:${coin}:LONG_LIQ:${id}:${time}${note}`,
    type: 'ZONE_FORMED',
    time,
    coin,
    severity: 'info',
    ...stampOf('ZONE_FORMED', time),
    zone: {
      side: 'LONG_LIQ',
      lo: 90_000.5,
      hi: 91_000.25,
      peakPx: 90_500.125,
      notionalUsd: 1_234_567.89,
      wallets: 3,
      distancePct: -0.1 + -0.2,
    },
    markPx: 95_000.1,
    probability: 0.1 + 0.2,
    liquidatedUsd: null,
  };
  return { id, type: event.type, coin, time, receivedAt: time + 7, detectedAt: 1_700_000_000_000 + id, event };
}

function whaleEvent(id: number, coin: Coin, wallet: Wallet, time: number): EventRecord {
  const event: GlassEvent = {
    id: `WHALE_POSITION_OPENED:${wallet}:${coin}:${time}:${id}`,
    type: 'WHALE_POSITION_OPENED',
    time,
    coin,
    severity: 'notice',
    ...stampOf('WHALE_POSITION_OPENED', time),
    wallet,
    szi: -12.5,
    notionalUsd: 1e6,
    leverage: null,
    score: 71.25,
    nearestZones: [],
  };
  return { id, type: event.type, coin, time, receivedAt: time + 3, detectedAt: 1_700_000_000_000 + id, event };
}

function batch(b: Partial<WriteBatch> & { position: number; source?: string }): WriteBatch {
  const events = b.events ?? [];
  const last = events.at(-1);
  return {
    cursor: { source: b.source ?? 'rec.ndjson', position: b.position, ts: 1000 + b.position, nextEventId: (last?.id ?? 0) + 1 },
    events,
    heatmaps: b.heatmaps ?? [],
    positions: b.positions ?? [],
    scores: b.scores ?? [],
  };
}

function map(coin: Coin, time: number, markPx: number): HeatmapSnapshotRecord {
  return {
    coin,
    time,
    reason: 'cadence',
    map: { coin, time, markPx, bucketWidth: 50, buckets: [{ lo: 100, hi: 150, longLiqUsd: 1.5, shortLiqUsd: 0 }], zones: [] },
  };
}

function pos(wallet: Wallet, coin: Coin, time: number, szi: number, notionalUsd = Math.abs(szi) * 100): PositionSnapshotRecord {
  return {
    wallet,
    coin,
    time,
    szi,
    entryPx: 100.5,
    liquidationPx: szi > 0 ? 80.25 : null,
    notionalUsd,
    leverage: szi > 0 ? 10 : null,
    estimated: szi < 0,
  };
}

function score(wallet: Wallet, time: number, s: number, trades: number): ScoreRecord {
  return { wallet, time, score: s, confidence: 0.5, trades, components: { accuracy: 61.5, profit: s, consistency: 40, sharpe: 55 } };
}

export function storeSuite(name: string, h: StoreHarness): void {
  const withStore = (title: string, f: (s: Store) => Promise<void>) =>
    test(title, async () => {
      const s = await h.fresh();
      try {
        await f(s);
      } finally {
        await h.done(s);
      }
    });

  describe(`${name} store`, () => {
    withStore('migrations apply once: a second migrate on the same store changes nothing', async (s) => {
      await s.write(batch({ position: 1, events: [zoneEvent(1, BTC, 10)] }));
      await s.migrate();
      assert.equal(await s.lastEventId(), 1);
    });

    withStore('events come back as written, ids ascending, paged by afterId', async (s) => {
      const all = Array.from({ length: 25 }, (_, i) =>
        i % 3 === 0 ? whaleEvent(i + 1, ETH, W1, 100 + i) : zoneEvent(i + 1, BTC, 100 + i),
      );
      await s.write(batch({ position: 10, events: all.slice(0, 12) }));
      await s.write(batch({ position: 20, events: all.slice(12) }));
      assert.equal(await s.lastEventId(), 25);
      const pages: EventRecord[] = [];
      let after = 0;
      for (;;) {
        const page = await s.events({ afterId: after, limit: 7 });
        if (page.length === 0) break;
        pages.push(...page);
        after = page.at(-1)?.id as number;
      }
      assert.deepEqual(pages, all);
      const cursor = await s.cursor('rec.ndjson');
      assert.deepEqual(cursor, { source: 'rec.ndjson', position: 20, ts: 1020, nextEventId: 26, complete: false, firstEventId: 1 });
    });

    withStore('event filters: type, coin, since and the point in time', async (s) => {
      const all = Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0 ? whaleEvent(i + 1, ETH, W2, 1000 + 10 * i) : zoneEvent(i + 1, BTC, 1000 + 10 * i),
      );
      await s.write(batch({ position: 1, events: all }));
      const expect = (f: (e: EventRecord) => boolean) => all.filter(f);
      assert.deepEqual(
        await s.events({ types: ['ZONE_FORMED'], limit: 100 }),
        expect((e) => e.type === 'ZONE_FORMED'),
      );
      assert.deepEqual(
        await s.events({ coin: ETH, limit: 100 }),
        expect((e) => e.coin === ETH),
      );
      assert.deepEqual(
        await s.events({ since: 1100, limit: 100 }),
        expect((e) => e.time >= 1100),
      );
      assert.deepEqual(
        await s.events({ at: 1055, limit: 100 }),
        expect((e) => e.time <= 1055),
      );
      assert.deepEqual(
        await s.events({ types: ['WHALE_POSITION_OPENED', 'ZONE_FORMED'], coin: BTC, since: 1020, at: 1200, afterId: 5, limit: 3 }),
        expect((e) => e.coin === BTC && e.time >= 1020 && e.time <= 1200 && e.id > 5).slice(0, 3),
      );
    });

    withStore('a batch is one transaction: a failing batch leaves no row and no cursor behind', async (s) => {
      await s.write(batch({ position: 5, events: [zoneEvent(1, BTC, 10)], heatmaps: [map(BTC, 10, 100)] }));
      // Event id 1 again: the primary key refuses it, and nothing else of the batch may stay.
      const bad = batch({
        position: 9,
        events: [zoneEvent(2, BTC, 20), zoneEvent(1, BTC, 20)],
        heatmaps: [map(BTC, 20, 200)],
        positions: [pos(W1, BTC, 20, 1)],
        scores: [score(W1, 20, 50, 1)],
      });
      await assert.rejects(s.write(bad));
      assert.equal(await s.lastEventId(), 1);
      assert.equal((await s.cursor('rec.ndjson'))?.position, 5);
      assert.equal((await s.heatmap(BTC))?.time, 10);
      assert.deepEqual(await s.positions({ limit: 10 }), []);
      assert.deepEqual(await s.scores({ limit: 10 }), []);
      // The store is usable after the failure.
      await s.write(batch({ position: 9, events: [zoneEvent(2, BTC, 20)] }));
      assert.equal(await s.lastEventId(), 2);
    });

    withStore('writes in flight commit in order; one sent while a failing one was pending is refused', async (s) => {
      // Ingest hands over the next batch before the previous one committed (two in flight).
      const first = s.write(batch({ position: 5, events: [zoneEvent(1, BTC, 10)], heatmaps: [map(BTC, 10, 1)] }));
      const second = s.write(batch({ position: 7, events: [zoneEvent(2, BTC, 11)], heatmaps: [map(BTC, 10, 2)] }));
      await Promise.all([first, second]);
      assert.equal((await s.cursor('rec.ndjson'))?.position, 7);
      // Same time: the later batch's map is the newer one (serial ids in batch order).
      assert.equal((await s.heatmap(BTC))?.map.markPx, 2);
      // A failing batch (id 1 again), and one sent before its failure was known: neither is kept,
      // or the cursor would claim line 12 over the lines of the batch that failed.
      const bad = s.write(batch({ position: 9, events: [zoneEvent(1, BTC, 20)] }));
      // This thread held for 300 ms: a writer thread has failed the bad batch before the next one
      // reaches it, while this side has not yet heard (what a loaded machine does by chance).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      const later = s.write(batch({ position: 12, events: [zoneEvent(3, BTC, 30)] }));
      await assert.rejects(bad);
      await assert.rejects(later);
      assert.equal((await s.cursor('rec.ndjson'))?.position, 7);
      assert.equal(await s.lastEventId(), 2);
      // Sent after the failure was reported: written.
      await s.write(batch({ position: 9, events: [zoneEvent(3, BTC, 20)] }));
      assert.equal(await s.lastEventId(), 3);
    });

    withStore('cursors are per source; complete and the first event id are kept', async (s) => {
      assert.equal(await s.cursor('a'), null);
      await s.write({
        ...batch({ position: 3, source: 'a' }),
        cursor: { source: 'a', position: 3, ts: 5, nextEventId: 1, complete: true },
      });
      await s.write({
        ...batch({ position: 4, source: 'b' }),
        cursor: { source: 'b', position: 4, ts: 6, nextEventId: 9, firstEventId: 7 },
      });
      assert.deepEqual(await s.cursor('a'), { source: 'a', position: 3, ts: 5, nextEventId: 1, complete: true, firstEventId: 1 });
      assert.deepEqual(await s.cursor('b'), { source: 'b', position: 4, ts: 6, nextEventId: 9, complete: false, firstEventId: 7 });
    });

    withStore('heatmaps: the newest snapshot ≤ at, history in a range, coins known then', async (s) => {
      await s.write(batch({ position: 1, heatmaps: [map(BTC, 100, 1), map(ETH, 150, 2), map(BTC, 200, 3), map(BTC, 300, 4)] }));
      assert.equal(await s.heatmap(BTC, 99), null);
      assert.equal((await s.heatmap(BTC, 100))?.map.markPx, 1);
      assert.equal((await s.heatmap(BTC, 299))?.map.markPx, 3);
      assert.equal((await s.heatmap(BTC))?.map.markPx, 4);
      assert.deepEqual(await s.heatmap(BTC), map(BTC, 300, 4));
      assert.deepEqual(
        (await s.heatmapHistory(BTC, 100, 250, 10)).map((h) => h.time),
        [100, 200],
      );
      assert.deepEqual(
        (await s.heatmapHistory(BTC, 0, 1000, 2)).map((h) => h.time),
        [100, 200],
      );
      assert.deepEqual(await s.coins(120), [BTC]);
      assert.deepEqual(await s.coins(), [BTC, ETH]);
    });

    withStore('positions: each wallet × coin as of at, closed ones gone, filters and pages', async (s) => {
      await s.write(
        batch({
          position: 1,
          positions: [
            pos(W1, BTC, 100, 2),
            pos(W2, BTC, 110, -5),
            pos(W1, ETH, 120, 1),
            pos(W1, BTC, 200, 3),
            pos(W2, BTC, 250, 0),
            pos(W3, BTC, 260, 40),
          ],
        }),
      );
      const keys = (ps: PositionSnapshotRecord[]) => ps.map((p) => `${p.wallet.slice(0, 3)}${p.coin}@${p.time}`);
      assert.deepEqual(keys(await s.positions({ at: 150, limit: 10 })), ['0x1BTC@100', '0x1ETH@120', '0x2BTC@110']);
      assert.deepEqual(keys(await s.positions({ limit: 10 })), ['0x1BTC@200', '0x1ETH@120', '0x3BTC@260']);
      assert.deepEqual(keys(await s.positions({ coin: BTC, limit: 10 })), ['0x1BTC@200', '0x3BTC@260']);
      assert.deepEqual(keys(await s.positions({ wallet: W1, limit: 10 })), ['0x1BTC@200', '0x1ETH@120']);
      assert.deepEqual(keys(await s.positions({ minNotionalUsd: 300, limit: 10 })), ['0x1BTC@200', '0x3BTC@260']);
      const first = await s.positions({ limit: 2 });
      const last = first.at(-1) as PositionSnapshotRecord;
      assert.deepEqual(keys(await s.positions({ limit: 2, after: `${last.wallet}:${last.coin}` })), ['0x3BTC@260']);
      assert.deepEqual((await s.positions({ wallet: W2, at: 200, limit: 1 }))[0], pos(W2, BTC, 110, -5));
    });

    withStore('scores: each wallet’s newest ≤ at, highest first, paged by rank; history', async (s) => {
      await s.write(
        batch({
          position: 1,
          scores: [score(W1, 100, 60, 3), score(W2, 100, 70, 5), score(W1, 200, 80, 4), score(W3, 300, 65, 1), score(W2, 400, 10, 6)],
        }),
      );
      const ws = (r: ScoreRecord[]) => r.map((x) => `${x.wallet.slice(0, 3)}:${x.score}`);
      assert.deepEqual(ws(await s.scores({ at: 150, limit: 10 })), ['0x2:70', '0x1:60']);
      assert.deepEqual(ws(await s.scores({ limit: 10 })), ['0x1:80', '0x3:65', '0x2:10']);
      assert.deepEqual(ws(await s.scores({ limit: 10, minTrades: 2 })), ['0x1:80', '0x2:10']);
      assert.deepEqual(ws(await s.scores({ limit: 1, afterRank: 1 })), ['0x3:65']);
      assert.deepEqual(await s.scoreHistory(W1), [score(W1, 100, 60, 3), score(W1, 200, 80, 4)]);
      assert.deepEqual(await s.scoreHistory(W1, 199), [score(W1, 100, 60, 3)]);
    });

    withStore('API keys: hashed lookup, revoke once, usage per minute adds up', async (s) => {
      const k = { id: 'k1', name: NASTY[0] as string, hash: 'a'.repeat(64), createdAt: 5, revokedAt: null, rateLimit: 600 };
      await s.createKey(k);
      await s.createKey({ ...k, id: 'k2', name: 'bot', hash: 'b'.repeat(64), createdAt: 6 });
      assert.deepEqual(await s.keyByHash('a'.repeat(64)), k);
      assert.equal(await s.keyByHash('c'.repeat(64)), null);
      assert.equal(await s.revokeKey('k2', 99), true);
      assert.equal(await s.revokeKey('k2', 100), false);
      assert.equal(await s.revokeKey('nope', 100), false);
      assert.deepEqual(
        (await s.keys()).map((x) => [x.id, x.revokedAt]),
        [
          ['k1', null],
          ['k2', 99],
        ],
      );
      await s.recordUsage('k1', 1000, 3);
      await s.recordUsage('k1', 1000, 4);
      await s.recordUsage('k1', 1001, 1);
      await s.recordUsage('k2', 1000, 50);
      assert.equal(await s.usage('k1', 1000, 1000), 7);
      assert.equal(await s.usage('k1', 0, 2000), 8);
      await assert.rejects(s.createKey({ ...k, id: 'k3' }), 'a second key with the same hash is refused');
    });

    withStore('SQL- and script-looking strings are stored and returned verbatim', async (s) => {
      const evs = NASTY.map((n, i) => {
        const e = zoneEvent(i + 1, n as Coin, 10 + i, n);
        return { ...e, event: { ...e.event, coin: n as Coin } } as EventRecord;
      });
      await s.write(
        batch({
          position: 1,
          source: NASTY[1] as string,
          events: evs,
          heatmaps: NASTY.map((n) => ({ ...map(n as Coin, 5, 1), map: { note: n, nul: `a\u0000${n}` } })),
          positions: NASTY.map((n) => pos(n as Wallet, n as Coin, 5, 1)),
          scores: [{ ...score(W1, 5, 1, 1), components: { [NASTY[0] as string]: 1 } }],
        }),
      );
      assert.deepEqual(await s.events({ limit: 10 }), evs);
      for (const n of NASTY) {
        assert.deepEqual(
          (await s.events({ coin: n as Coin, limit: 10 })).map((e) => e.event.id),
          [`ZONE_FORMED:${n}:LONG_LIQ:${NASTY.indexOf(n) + 1}:${10 + NASTY.indexOf(n)}${n}`],
        );
        assert.deepEqual((await s.heatmap(n as Coin))?.map, { note: n, nul: `a\u0000${n}` });
        assert.equal((await s.positions({ wallet: n as Wallet, limit: 10 }))[0]?.coin, n);
      }
      assert.equal((await s.cursor(NASTY[1] as string))?.position, 1);
      assert.deepEqual((await s.scores({ limit: 1 }))[0]?.components, { [NASTY[0] as string]: 1 });
      assert.equal(await s.lastEventId(), NASTY.length, 'the events table is still there');
    });

    withStore('prune: rows older than the window go, each key keeps the state that held at the cut', async (s) => {
      await s.write(
        batch({
          position: 1,
          events: [zoneEvent(1, BTC, 100), zoneEvent(2, BTC, 500), zoneEvent(3, BTC, 1000)],
          heatmaps: [map(BTC, 100, 1), map(BTC, 200, 2), map(BTC, 1000, 3), map(ETH, 50, 9)],
          positions: [pos(W1, BTC, 100, 1), pos(W1, BTC, 200, 2), pos(W2, BTC, 900, 1)],
          scores: [score(W1, 100, 1, 1), score(W1, 200, 2, 2), score(W1, 950, 3, 3)],
        }),
      );
      const deleted = await s.prune({ eventsMs: 600, heatmapsMs: 600, positionsMs: 600, scoresMs: null });
      assert.deepEqual(deleted, { events: 1, heatmap_snapshots: 1, position_snapshots: 1, scores: 0 });
      assert.deepEqual(
        (await s.events({ limit: 10 })).map((e) => e.id),
        [2, 3],
      );
      // At 450 (inside the window) the answers are what they were before pruning.
      assert.equal((await s.heatmap(BTC, 450))?.map.markPx, 2);
      assert.equal((await s.heatmap(ETH, 450))?.map.markPx, 9);
      assert.equal((await s.positions({ wallet: W1, at: 450, limit: 1 }))[0]?.szi, 2);
      assert.equal((await s.scoreHistory(W1)).length, 3);
    });

    withStore('prune scores: each wallet keeps its newest record before the cut and every one after it', async (s) => {
      const recs = [
        score(W1, 100, 1, 1),
        score(W1, 200, 2, 2),
        score(W2, 150, 5, 1),
        score(W1, 700, 3, 3),
        score(W2, 300, 6, 2),
        score(W1, 1000, 4, 4),
        score(W2, 300, 7, 3),
      ];
      await s.write(batch({ position: 1, scores: recs.slice(0, 4) }));
      await s.write(batch({ position: 2, scores: recs.slice(4) }));
      const before = await Promise.all([0, 250, 400, 800, 1000].map((at) => s.scores({ at, limit: 10 })));
      assert.equal(await s.latestScoreTime(), 1000);
      // Cut at 1000 - 600 = 400: W1 keeps 200 (its state at the cut), 700, 1000; W2 keeps its last row at 300 (two at 300: the later).
      const deleted = await s.prune({ eventsMs: null, heatmapsMs: null, positionsMs: null, scoresMs: 600 });
      assert.equal(deleted['scores'], 3);
      assert.deepEqual(
        (await s.scoreHistory(W1)).map((r) => r.time),
        [200, 700, 1000],
      );
      assert.deepEqual(
        (await s.scoreHistory(W2)).map((r) => [r.time, r.score]),
        [[300, 7]],
      );
      // From the cut on, the ranked list at any time is what it was before pruning.
      for (const [i, at] of [400, 800, 1000].entries()) assert.deepEqual(await s.scores({ at, limit: 10 }), before[i + 2]);
      assert.equal(await s.latestScoreTime(), 1000);
      // Nothing more to prune until newer records move the cut.
      assert.equal((await s.prune({ eventsMs: null, heatmapsMs: null, positionsMs: null, scoresMs: 600 }))['scores'], 0);
    });

    withStore('property: point-in-time reads equal a model replayed up to at (no look-ahead)', async (s) => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              dt: fc.integer({ min: 0, max: 50 }),
              w: fc.constantFrom(W1, W2),
              szi: fc.integer({ min: -3, max: 3 }),
              px: fc.integer({ min: 1, max: 9 }),
            }),
            {
              minLength: 1,
              maxLength: 25,
            },
          ),
          fc.integer({ min: 0, max: 1300 }),
          async (steps, at) => {
            // Each run on its own coin: the store is shared across runs.
            const c = `P${n++}` as Coin;
            let t = 0;
            const snaps = steps.map((x) => {
              t += x.dt;
              return { h: map(c, t, x.px), p: pos(x.w, c, t, x.szi) };
            });
            for (let i = 0; i < snaps.length; i += 5) {
              const part = snaps.slice(i, i + 5);
              await s.write(batch({ position: i, heatmaps: part.map((x) => x.h), positions: part.map((x) => x.p) }));
            }
            const known = snaps.filter((x) => x.h.time <= at);
            assert.deepEqual(await s.heatmap(c, at), known.at(-1)?.h ?? null);
            const open = new Map<string, PositionSnapshotRecord>();
            for (const x of known) open.set(x.p.wallet, x.p);
            const want = [...open.values()].filter((p) => p.szi !== 0).sort((a, b) => (a.wallet < b.wallet ? -1 : 1));
            assert.deepEqual(await s.positions({ coin: c, at, limit: 10 }), want);
          },
        ),
        { numRuns: 40, seed: 7 },
      );
    });

    gradeSuite(withStore);
  });
}
