import type { Store, WriteBatch } from '../store/types.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { StreamHub } from './stream.ts';

export interface Tapped {
  readonly store: Store;
  /** Receive time of the newest committed line (ms; NaN before the first batch). */
  lastReceived(): number;
}

/**
 * The store the serving engines write through: each committed batch tells the stream how far the
 * log is durable (the stream publishes events as they are detected, up to a bounded distance past
 * it; any event of the batch not yet published goes out now) and the metrics the batch latency,
 * the events, and the ingest lag when receive times are wall-clock times (live, not a recording or
 * the simulator). Nothing here reads an event's payload: the stream sends the recorder's text as
 * it is. Every other method is the store's own (a Proxy, so the wrapper never lags behind the
 * Store interface).
 */
export function tapStore(inner: Store, hub: StreamHub, metrics: ServiceMetrics, wallClock: boolean): Tapped {
  let lastReceived = Number.NaN;
  const write = async (batch: WriteBatch): Promise<void> => {
    const t0 = performance.now();
    await inner.write(batch);
    metrics.storeBatch(performance.now() - t0);
    hub.committed(batch.cursor.nextEventId, batch.events);
    if (batch.events.length > 0) metrics.eventsEmitted(batch.events.length);
    lastReceived = batch.cursor.ts;
    if (wallClock) metrics.ingestLag(Date.now() - batch.cursor.ts);
  };
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'write') return write;
      const v: unknown = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store, lastReceived: () => lastReceived };
}
