import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundUsd } from '../../src/domain/format.ts';
import type { ZoneEvent } from '../../src/domain/glass-event.ts';
import { userFillsMessage } from '../../src/sim/messages.ts';
import { base, type Line, mark, run, T0 } from './recording.ts';

/**
 * ZONE_SWEPT's `liquidatedUsd` on a small hand-built recording: the zone near 91 of recording.ts
 * (twelve isolated longs of 2,000–2,407 TST), price walked down through it, and the venue's
 * liquidation fills arriving as they do on the venue: in the same instant as the crossing price,
 * after it (the sweep used to be emitted before they were counted: $0 liquidated).
 */
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
let tid = 1;

/** The venue's userFills for one liquidated long of wallet `i` (its whole `szi`), triggered at mark `markPx`. */
function liquidation(ts: number, i: number, szi: number, px: number, markPx: number, long = true): Line {
  tid++;
  return {
    ts,
    msg: userFillsMessage({
      user: addr(i),
      trade: { coin: 'TST', side: long ? 'A' : 'B', px, sz: szi, time: ts - 1_000, tid, hashN: tid, buyer: addr(3000), seller: addr(i) },
      side: long ? 'A' : 'B',
      startPosition: long ? szi : -szi,
      dir: long ? 'Close Long' : 'Close Short',
      closedPnl: -szi * 9,
      liquidationMarkPx: markPx,
    }),
  };
}

/** Marks from 100 down to 94 (the zone near 92 forms and stands), then the crossing mark at 90.5 at `cross`; `extra` (given the zone's middle) appended after it. */
function scenario(extra: (cross: number, px: number) => Line[]): ZoneEvent[] {
  const lines = base();
  const t1 = T0 + 100_000;
  for (let k = 0; k <= 40; k++) lines.push(mark(t1 + k * 10_000, 100 - (6 * k) / 40));
  const cross = t1 + 41 * 10_000;
  const zone = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ');
  assert.ok(zone !== undefined && zone.lo > 90.5, 'the zone stands above the crossing price');
  const mid = Math.round(50 * (zone.lo + zone.hi)) / 100;
  lines.push(mark(cross, 90.5), ...extra(cross, mid));
  for (let k = 1; k <= 5; k++) lines.push(mark(cross + k * 1_000, 90.5));
  return run(lines).events.filter((e): e is ZoneEvent => e.type === 'ZONE_SWEPT' && e.coin === 'TST');
}

test('ZONE_SWEPT counts the liquidation fills that arrive in the instant price crosses the zone, after the price', () => {
  let at = 0;
  const swept = scenario((cross, px) => {
    at = px;
    return [liquidation(cross, 1, 2_000, px, px), liquidation(cross, 2, 2_037, px, px)];
  });
  assert.equal(swept.length, 1, JSON.stringify(swept));
  const e = swept[0] as ZoneEvent;
  assert.equal(e.zone.side, 'LONG_LIQ');
  assert.ok(e.zone.lo <= at && e.zone.hi >= at, `zone ${e.zone.lo}–${e.zone.hi}, fills at ${at}`);
  // To the cent, as every USD figure leaves the engines.
  assert.equal(e.liquidatedUsd, roundUsd(2_000 * at + 2_037 * at));
  // The event is the crossing's: its time and mark; the count waited for the fills.
  assert.equal(e.markPx, 90.5);
});

test('ZONE_SWEPT leaves out liquidations outside its window: another side, outside the range, received after the settle window', () => {
  let at = 0;
  const swept = scenario((cross, px) => {
    at = px;
    return [
      liquidation(cross, 1, 2_000, px, px),
      // A short's liquidation at the zone's price: not this (long) zone's.
      liquidation(cross, 20, 500, px, px, false),
      // A long liquidated far below the zone (its mark 80): not in the zone's range.
      liquidation(cross + 100, 21, 500, 80, 80),
      // In the zone, but received 2 s after the crossing: the sweep has left (settle 500 ms, released by the next message).
      liquidation(cross + 2_000, 2, 2_037, px, px),
    ];
  });
  assert.equal(swept.length, 1);
  assert.equal((swept[0] as ZoneEvent).liquidatedUsd, roundUsd(2_000 * at));
});

test('a sweep with no liquidation reported says $0, not the zone’s notional', () => {
  const swept = scenario(() => []);
  assert.equal(swept.length, 1);
  assert.equal((swept[0] as ZoneEvent).liquidatedUsd, 0);
  assert.ok((swept[0] as ZoneEvent).zone.notionalUsd > 100_000);
});
