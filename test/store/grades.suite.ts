import assert from 'node:assert/strict';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import type { DirectionGrade, Grade, TouchGrade } from '../../src/engine/ledger/grade.ts';
import type { EventRecord, Store, WriteBatch } from '../../src/store/types.ts';

/**
 * The ledger's grades in the store (migration 004_ledger_grades), run by store.suite.ts on
 * SQLite and PostgreSQL: written with their batch, read back byte for byte in grade order, and
 * point in time on the horizon's end — a grade is visible at `at` only when horizonEnd <= at.
 */
const BTC = 'BTC' as Coin;
const ETH = 'ETH' as Coin;

function touch(n: number, coin: Coin, time: number, horizonMs: number, hit: boolean): TouchGrade {
  return {
    id: `CASCADE_RISK:${coin}:LONG_LIQ:${n}:${time}`,
    type: 'CASCADE_RISK',
    coin,
    time,
    horizonEnd: time + horizonMs,
    hit,
    baseline: 0.1 + 0.2,
    kind: 'touch',
    side: 'LONG_LIQ',
    level: 90_500.125,
    horizonMs,
    leadMs: hit ? 1234 : null,
    zoneNotionalUsd: 1_234_567.89,
    liquidatedUsd: hit ? 98_765.4321 : 0,
    forecast: { modelProbability: 0.61, baselineProbability: 0.1 + 0.2, recalibratedProbability: 0.2468, recalibratedFrom: 31 },
  };
}

function direction(n: number, coin: Coin, time: number, hit: boolean): DirectionGrade {
  return {
    id: `WHALE_POSITION_OPENED:0xabc:${coin}:${time}:${n} '; DROP TABLE ledger_grades; --`,
    type: 'WHALE_POSITION_OPENED',
    coin,
    time,
    horizonEnd: time + 400,
    hit,
    baseline: null,
    kind: 'direction',
    direction: -1,
    startPx: 3001.5,
    horizonsMs: [5, 100, 400],
    returns: [0.001, hit ? 0.002 : -0.002, -1e-9],
    drift: [null, 0.0001, -0.00002],
  };
}

function event(id: number, coin: Coin, time: number): EventRecord {
  const e = {
    id: `ZONE_FORMED:${coin}:${id}:${time}`,
    type: 'ZONE_FORMED',
    time,
    coin,
    severity: 'info',
    zone: { side: 'LONG_LIQ', lo: 1, hi: 2, peakPx: 1.5, notionalUsd: 10, wallets: 1, distancePct: -1 },
    markPx: 3,
    probability: 0.5,
    liquidatedUsd: null,
  } as unknown as GlassEvent;
  return { id, type: 'ZONE_FORMED', coin, time, receivedAt: time, detectedAt: time, event: e };
}

function batch(position: number, grades: readonly Grade[], events: readonly EventRecord[] = []): WriteBatch {
  return {
    cursor: { source: 'g.ndjson', position, ts: position, nextEventId: (events.at(-1)?.id ?? 0) + 1 },
    events,
    heatmaps: [],
    positions: [],
    scores: [],
    grades: grades.map((grade, i) => (i % 2 === 0 ? { grade } : { grade, json: JSON.stringify(grade) })),
  };
}

export function gradeSuite(withStore: (title: string, f: (s: Store) => Promise<void>) => void): void {
  withStore('ledger grades: written with their batch, read back whole, in grade order, paged by afterId', async (s) => {
    // Grade order is horizon order; the events' own times are not monotonic (horizons differ).
    const first = [touch(1, BTC, 1000, 500, true), direction(2, ETH, 1200, false), touch(3, BTC, 900, 900, false)];
    const second = [direction(4, BTC, 1500, true), touch(5, ETH, 1000, 1200, true)];
    await s.write(batch(1, first));
    await s.write(batch(2, second));
    await s.write(batch(3, []));
    const all = await s.grades({ limit: 100 });
    assert.deepEqual(
      all.map((r) => r.grade),
      [...first, ...second],
    );
    const ids = all.map((r) => r.id as number);
    assert.deepEqual(
      ids,
      ids.toSorted((a, b) => a - b),
    );
    const page1 = await s.grades({ limit: 2 });
    const page2 = await s.grades({ limit: 2, afterId: page1.at(-1)?.id as number });
    const page3 = await s.grades({ limit: 2, afterId: page2.at(-1)?.id as number });
    assert.deepEqual([...page1, ...page2, ...page3], all);
    assert.deepEqual(
      (await s.grades({ limit: 100, types: ['CASCADE_RISK'], coin: ETH })).map((r) => r.grade),
      [second[1]],
    );
  });

  withStore('ledger grades are point in time on their horizon end: visible at horizonEnd, not before', async (s) => {
    const gs = [touch(1, BTC, 1000, 500, true), touch(2, BTC, 1100, 500, false), direction(3, ETH, 1300, true)];
    await s.write(batch(1, gs));
    for (const at of [0, 1499, 1500, 1599, 1600, 1699, 1700, 10_000]) {
      const want = gs.filter((g) => g.horizonEnd <= at);
      assert.deepEqual(
        (await s.grades({ at, limit: 100 })).map((r) => r.grade),
        want,
        `at ${at}`,
      );
    }
  });

  withStore('event counts per type, point in time and per coin', async (s) => {
    await s.write(batch(1, [], [event(1, BTC, 10), event(2, ETH, 20), event(3, BTC, 30)]));
    assert.deepEqual(await s.eventCounts({}), { ZONE_FORMED: 3 });
    assert.deepEqual(await s.eventCounts({ at: 20 }), { ZONE_FORMED: 2 });
    assert.deepEqual(await s.eventCounts({ at: 20, coin: BTC }), { ZONE_FORMED: 1 });
    assert.deepEqual(await s.eventCounts({ at: 5 }), {});
  });
}
