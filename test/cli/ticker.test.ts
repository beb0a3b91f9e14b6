import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventTicker } from '../../src/cli/ticker.ts';
import { type GlassEvent, stampOf } from '../../src/domain/glass-event.ts';
import { coin, wallet } from '../../src/domain/ids.ts';

function liquidated(time: number): GlassEvent {
  return {
    id: `WHALE_LIQUIDATED:${time}`,
    type: 'WHALE_LIQUIDATED',
    time,
    coin: coin('HYPE'),
    severity: 'warning',
    ...stampOf('WHALE_LIQUIDATED', time),
    wallet: wallet('0xb4a493f6523611a8e42c50193603ac78de60aaca'),
    notionalUsd: 850_856,
    px: 31.2,
    score: null,
  };
}

test('the demo’s 24 h console case: a liquidation revealed after a sweep a second later is told first', () => {
  const t = new EventTicker();
  t.push(liquidated(5_775_000)); // 01:36:15 (the sweep, emitted first)
  t.push(liquidated(5_774_000)); // 01:36:14 (the fill revealing the liquidation, emitted after)
  assert.deepEqual(
    t.take(5_800_000).map((e) => e.time),
    [5_774_000, 5_775_000],
  );
});

test('whatever order events are emitted in and however the looks are spaced, what is told is in time order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.boolean()), { maxLength: 200 }),
      fc.integer({ min: 1, max: 8 }),
      (steps, max) => {
        const t = new EventTicker();
        const told: number[] = [];
        let clock = 0;
        for (const [time, look] of steps) {
          t.push(liquidated(time));
          clock += 50;
          if (look) for (const e of t.take(clock, max)) told.push(e.time);
        }
        for (const e of t.take(Number.POSITIVE_INFINITY, max)) told.push(e.time);
        for (let i = 1; i < told.length; i++) assert.ok((told[i] as number) >= (told[i - 1] as number), told.join(','));
        assert.ok(told.length + t.skipped === steps.length, 'every event is told or counted as skipped');
      },
    ),
  );
});
