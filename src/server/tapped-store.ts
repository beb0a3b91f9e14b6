import type { Coin, Wallet } from '../domain/ids.ts';
import type { ApiKeyRecord, EventQuery, IngestCursor, RetentionPolicy, Store, WriteBatch } from '../store/types.ts';
import type { ServiceMetrics } from './metrics.ts';
import { eventOut } from './store-view.ts';
import type { StreamHub } from './stream.ts';

/**
 * The store the serving engines write through: each batch, once committed, goes to the stream
 * (so a client never holds an id the store could lose in a crash) and to the metrics (batch
 * latency, events, ingest lag). Reads pass straight through.
 */
export class TappedStore implements Store {
  private readonly inner: Store;
  private readonly hub: StreamHub;
  private readonly metrics: ServiceMetrics;
  /** Receive time of the newest committed line (ms; NaN before the first batch). */
  lastReceived = Number.NaN;

  constructor(inner: Store, hub: StreamHub, metrics: ServiceMetrics) {
    this.inner = inner;
    this.hub = hub;
    this.metrics = metrics;
  }

  async write(batch: WriteBatch): Promise<void> {
    const t0 = performance.now();
    await this.inner.write(batch);
    this.metrics.storeBatch(performance.now() - t0);
    for (const e of batch.events) this.hub.publish(eventOut(e));
    if (batch.events.length > 0) this.metrics.eventsEmitted(batch.events.length);
    this.lastReceived = batch.cursor.ts;
    this.metrics.ingestLag(Date.now() - batch.cursor.ts);
  }

  migrate(): Promise<void> {
    return this.inner.migrate();
  }
  cursor(source: string): Promise<IngestCursor | null> {
    return this.inner.cursor(source);
  }
  events(q: EventQuery) {
    return this.inner.events(q);
  }
  lastEventId(): Promise<number> {
    return this.inner.lastEventId();
  }
  coins(at?: number) {
    return this.inner.coins(at);
  }
  heatmap(coin: Coin, at?: number) {
    return this.inner.heatmap(coin, at);
  }
  heatmapHistory(coin: Coin, from: number, to: number, limit: number) {
    return this.inner.heatmapHistory(coin, from, to, limit);
  }
  positions(q: Parameters<Store['positions']>[0]) {
    return this.inner.positions(q);
  }
  scores(q: Parameters<Store['scores']>[0]) {
    return this.inner.scores(q);
  }
  scoreHistory(wallet: Wallet, at?: number) {
    return this.inner.scoreHistory(wallet, at);
  }
  createKey(k: ApiKeyRecord): Promise<void> {
    return this.inner.createKey(k);
  }
  keys(): Promise<ApiKeyRecord[]> {
    return this.inner.keys();
  }
  keyByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.inner.keyByHash(hash);
  }
  revokeKey(id: string, at: number): Promise<boolean> {
    return this.inner.revokeKey(id, at);
  }
  recordUsage(keyId: string, minute: number, requests: number): Promise<void> {
    return this.inner.recordUsage(keyId, minute, requests);
  }
  prune(policy: RetentionPolicy): Promise<Record<string, number>> {
    return this.inner.prune(policy);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
