import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { WebSocket } from 'ws';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { CLOSE_SLOW, StreamHub, type Subscription } from '../../src/server/stream.ts';
import type { EventRecord } from '../../src/store/types.ts';

/**
 * What a stalled client costs the hub, counted on stand-in sockets (no timing assertions): one send
 * and one backlog check per event while it is under its bound, the close at the first event over
 * it, and nothing at all afterwards, however many events follow; catching up, it is woken by its
 * socket (not polled) and closed once it drains nothing for `catchUpStallMs`.
 */

/** A socket stand-in that counts what the hub does to it; a stalled one keeps every byte it is handed. */
class CountingSocket {
  readonly reading: boolean;
  sends = 0;
  /** Reads of `bufferedAmount` (the hub's backlog check). */
  checks = 0;
  /** Any other touch after the close (a send or a check). */
  afterClose = 0;
  held = 0;
  /** Bytes of the last message handed to it. */
  lastSize = 0;
  readonly closes: { code: number; reason: string; held: number; lastSize: number }[] = [];
  readonly ids: number[] = [];

  constructor(reading: boolean) {
    this.reading = reading;
  }

  get bufferedAmount(): number {
    this.checks++;
    if (this.closes.length > 0) this.afterClose++;
    return this.held;
  }

  send(data: string | Buffer): void {
    this.sends++;
    if (this.closes.length > 0) this.afterClose++;
    const text = String(data);
    const m = /^\{"kind":"event","id":(\d+),/.exec(text);
    if (m !== null) this.ids.push(Number(m[1]));
    this.lastSize = Buffer.byteLength(text);
    if (!this.reading) this.held += this.lastSize;
  }

  close(code: number, reason: string): void {
    this.closes.push({ code, reason, held: this.held, lastSize: this.lastSize });
  }

  on(): this {
    return this;
  }

  /** The TCP socket the hub corks and waits on to drain. */
  readonly _socket = Object.assign(new EventEmitter(), { cork() {}, uncork() {} });

  /** The peer read everything: nothing held, the socket says `drain`. */
  drain(): void {
    this.held = 0;
    this._socket.emit('drain');
  }
}

const T0 = 1_767_225_600_000;

function record(id: number): EventRecord {
  const coin = 'BTC' as Coin;
  const event = { id: `ZONE_FORMED:BTC:${id}`, type: 'ZONE_FORMED', time: T0 + id, coin, note: 'x'.repeat(150) } as unknown as GlassEvent;
  return { id, type: 'ZONE_FORMED', coin, time: T0 + id, receivedAt: T0 + id, detectedAt: T0 + id, event };
}

const EVERYTHING: Subscription = { coins: null, types: null, heatmap: new Set() };
const BOUND = 10_000;

async function hubWith(...sockets: CountingSocket[]): Promise<StreamHub> {
  const hub = new StreamHub(
    { eventsAfter: async () => [], heatmap: async () => null },
    { maxBufferedBytes: BOUND, clock: () => T0, catchUpPage: 50, catchUpStallMs: 1000 },
  );
  for (const s of sockets) await hub.subscribe(hub.attach(s as unknown as WebSocket), EVERYTHING, null);
  return hub;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a stalled stream client', () => {
  test('one send and one check per event under its bound, closed at the first event over it, then never touched again', async () => {
    const reader = new CountingSocket(true);
    const stalled = new CountingSocket(false);
    const hub = await hubWith(reader, stalled);
    const before = { sends: stalled.sends, checks: stalled.checks };
    // Events published one at a time (each a P0: its own flush).
    for (let id = 1; id <= 500; id++) hub.detected(record(id), 'P0');

    assert.equal(stalled.closes.length, 1, 'closed once');
    const [close] = stalled.closes as [{ code: number; reason: string; held: number; lastSize: number }];
    const cutAt = stalled.ids.at(-1) as number;
    assert.equal(close.code, CLOSE_SLOW);
    assert.equal(close.reason, `slow consumer: resume from id ${cutAt}`);
    // At once: the event that took it over the bound is the last it was handed.
    assert.ok(close.held > BOUND, `closed over its bound (${close.held} bytes)`);
    assert.ok(close.held - close.lastSize <= BOUND, `closed at the first event over its bound (${close.held} bytes after ${cutAt})`);
    assert.ok(cutAt < 100, `the bound is reached early in the run (id ${cutAt})`);
    assert.deepEqual(stalled.ids, range(1, cutAt));
    // O(1) an event while it was open: one send and one backlog check each, nothing else.
    assert.equal(stalled.sends - before.sends, cutAt);
    assert.equal(stalled.checks - before.checks, cutAt);
    // After the close, the 400-odd events that followed cost it nothing.
    assert.equal(stalled.afterClose, 0);
    // The reader got every event, one send and one check each.
    assert.deepEqual(reader.ids, range(1, 500));
    assert.equal(reader.checks, 500);
    assert.equal(hub.size, 1);
    assert.equal(hub.counters.slowClosed, 1);
    assert.equal(hub.counters.sends, 500 + cutAt);
  });

  test('a batch that crosses the bound stops at the crossing event for it and goes on for the others', async () => {
    const reader = new CountingSocket(true);
    const stalled = new CountingSocket(false);
    const late = new CountingSocket(true);
    const hub = await hubWith(reader, stalled, late);
    // One flush of 300 events (committed together).
    hub.committed(301, range(1, 300).map(record));
    const cutAt = stalled.ids.at(-1) as number;
    assert.equal(stalled.closes.length, 1);
    assert.ok(cutAt < 300);
    assert.equal(stalled.sends, cutAt + 1, 'its subscribed message, then the events up to the crossing one');
    assert.equal(stalled.afterClose, 0);
    assert.deepEqual(reader.ids, range(1, 300));
    assert.deepEqual(late.ids, range(1, 300), 'a client after the stalled one in the fan-out still gets the whole batch');
    hub.committed(601, range(301, 600).map(record));
    assert.equal(stalled.afterClose, 0);
    assert.deepEqual(late.ids, range(1, 600));
  });

  test('catching up, one that drains nothing is closed with its resume id, not waited on forever; one that drains catches up', async () => {
    const hub = await hubWith();
    // 300 events in the ring, then two clients resume from the start: pages of 50, half the bound is 5 kB.
    for (let id = 1; id <= 300; id++) hub.detected(record(id), 'P0');
    const stalled = new CountingSocket(false);
    const slowReader = new CountingSocket(false);
    const catching = [stalled, slowReader].map((s) => hub.subscribe(hub.attach(s as unknown as WebSocket), EVERYTHING, 0));
    // The slow reader reads what it holds every 20 ms.
    const reads = setInterval(() => slowReader.drain(), 20);
    await Promise.all(catching);
    clearInterval(reads);

    assert.equal(stalled.closes.length, 1);
    const [close] = stalled.closes as [{ code: number; reason: string; held: number; lastSize: number }];
    const cutAt = stalled.ids.at(-1) as number;
    assert.equal(close.code, CLOSE_SLOW);
    assert.equal(close.reason, `slow consumer: resume from id ${cutAt}`);
    assert.deepEqual(stalled.ids, range(1, cutAt));
    assert.ok(cutAt < 300);
    // While it waited it was looked at a few times (woken by the socket, or once per stall period), not polled.
    assert.ok(stalled.checks < 20, `${stalled.checks} backlog checks`);
    assert.equal(stalled.afterClose, 0);
    slowReader.drain();
    hub.detected(record(301), 'P0');
    assert.equal(stalled.afterClose, 0);

    assert.deepEqual(slowReader.ids, range(1, 301));
    assert.equal(slowReader.closes.length, 0);
    assert.equal(hub.size, 1);
  });
});
