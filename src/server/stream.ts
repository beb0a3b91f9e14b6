import type { WebSocket } from 'ws';
import type { GlassEventType } from '../domain/glass-event.ts';
import { encodeCursor } from './cursor.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { EventRecordT, HeatmapT } from './schemas.ts';
import type { GlassView } from './view.ts';

/**
 * The /v1/stream fan-out. Every event is serialised once and kept in a ring of the newest
 * `ringSize`; a client that resumes with its last id gets the missed ones from the ring, or from
 * the store when they are older than the ring, in order, then live. Publishing never waits on a
 * client: a client whose socket holds more than `maxBufferedBytes` unsent is closed with 1008 and
 * the id to resume from (tardis-machine cuts slow clients the same way), so one stalled reader
 * costs the engines and the other clients nothing.
 */

export interface StreamOptions {
  /** Events kept in memory for resuming clients. */
  readonly ringSize: number;
  /** Bytes a client's socket may hold unsent before it is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** Events read from the store per page while a resuming client catches up. */
  readonly catchUpPage: number;
}

export const DEFAULT_STREAM: StreamOptions = { ringSize: 50_000, maxBufferedBytes: 4 << 20, catchUpPage: 1000 };

/** WebSocket close code for a policy violation (RFC 6455 §7.4.1): here, not keeping up. */
export const CLOSE_SLOW = 1008;

export interface Subscription {
  /** Only these coins (null: every coin). */
  readonly coins: ReadonlySet<string> | null;
  /** Only these event types (null: every type). */
  readonly types: ReadonlySet<GlassEventType> | null;
  /** Coins whose heatmap deltas the client wants. */
  readonly heatmap: ReadonlySet<string>;
}

interface Entry {
  readonly id: number;
  readonly coin: string;
  readonly type: GlassEventType;
  readonly text: string;
}

/** Where the hub reads what the ring no longer holds, and the maps it starts heatmap clients with. */
export interface StreamSource {
  /** Events with id > afterId, ascending, at most `limit`. */
  eventsAfter(afterId: number, limit: number): Promise<EventRecordT[]>;
  heatmap(coin: string): Promise<HeatmapT | null>;
}

/** The stream's source over the API's own view (the store's event log, the current maps). */
export function viewSource(view: GlassView): StreamSource {
  return {
    eventsAfter: async (afterId, limit) =>
      (await view.events({ ...(afterId > 0 ? { cursor: encodeCursor({ id: afterId }) } : {}), limit })).items,
    heatmap: (coin) => view.heatmap(coin, {}),
  };
}

class Client {
  readonly ws: WebSocket;
  sub: Subscription = { coins: null, types: null, heatmap: new Set() };
  /** Receives live events (it has caught up). */
  live = false;
  started = false;
  closed = false;
  /** Id of the last event queued to this client. */
  lastId: number;

  constructor(ws: WebSocket, lastId: number) {
    this.ws = ws;
    this.lastId = lastId;
  }

  wants(e: Entry): boolean {
    return (this.sub.coins === null || this.sub.coins.has(e.coin)) && (this.sub.types === null || this.sub.types.has(e.type));
  }
}

type BucketT = HeatmapT['buckets'][number];

export class StreamHub {
  readonly opts: StreamOptions;
  private readonly ring: (Entry | undefined)[];
  /** Ring slot of the next entry; `count` entries are held. */
  private head = 0;
  private count = 0;
  private readonly clients = new Set<Client>();
  private readonly source: StreamSource;
  private readonly metrics: ServiceMetrics | null;
  /** Id of the newest event published. */
  lastId = 0;
  /** The last map sent per coin: deltas are against it. */
  private readonly maps = new Map<string, { width: number; buckets: Map<number, BucketT> }>();

  constructor(source: StreamSource, opts: Partial<StreamOptions> = {}, metrics: ServiceMetrics | null = null) {
    this.opts = { ...DEFAULT_STREAM, ...opts };
    this.ring = new Array<Entry | undefined>(this.opts.ringSize);
    this.source = source;
    this.metrics = metrics;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Id of the oldest event the ring holds (lastId + 1 when empty). */
  private get oldest(): number {
    const e = this.ring[(this.head - this.count + this.ring.length) % this.ring.length];
    return this.count === 0 || e === undefined ? this.lastId + 1 : e.id;
  }

  /** A new event, in id order. Synchronous: sends to every caught-up client and returns. */
  publish(r: EventRecordT): void {
    this.publishAll([r]);
  }

  /**
   * A committed batch of events, in id order. Each client's messages of the batch leave in one
   * write (the socket is corked across them): a syscall per client per batch, not per event.
   */
  publishAll(records: readonly EventRecordT[]): void {
    const fresh: Entry[] = [];
    for (const r of records) {
      if (r.id <= this.lastId) continue;
      const e: Entry = { id: r.id, coin: r.coin, type: r.type, text: JSON.stringify({ kind: 'event', ...r }) };
      this.ring[this.head] = e;
      this.head = (this.head + 1) % this.ring.length;
      if (this.count < this.ring.length) this.count++;
      this.lastId = r.id;
      fresh.push(e);
    }
    if (fresh.length === 0) return;
    for (const c of this.clients) {
      if (!c.live) continue;
      const sock = socketOf(c.ws);
      sock?.cork();
      for (const e of fresh) if (e.id > c.lastId && c.wants(e) && !c.closed) this.send(c, e.text, e.id);
      sock?.uncork();
    }
  }

  /** Coins some client wants heatmap deltas of (the feeder computes maps only for these). */
  heatmapCoins(): Set<string> {
    const out = new Set<string>();
    for (const c of this.clients) for (const coin of c.sub.heatmap) out.add(coin);
    return out;
  }

  /** A coin's current map: the buckets that changed since the last one sent, to every subscriber. */
  publishHeatmap(m: HeatmapT): void {
    const prev = this.maps.get(m.coin);
    const now = new Map(m.buckets.map((b) => [b.lo, b]));
    this.maps.set(m.coin, { width: m.bucketWidth, buckets: now });
    const full = prev === undefined || prev.width !== m.bucketWidth;
    const changed: BucketT[] = [];
    const removed: number[] = [];
    if (full) changed.push(...m.buckets);
    else {
      for (const b of m.buckets) {
        const o = prev.buckets.get(b.lo);
        if (o === undefined || o.longLiqUsd !== b.longLiqUsd || o.shortLiqUsd !== b.shortLiqUsd) changed.push(b);
      }
      for (const lo of prev.buckets.keys()) if (!now.has(lo)) removed.push(lo);
    }
    const text = heatmapText(m, this.lastId, full, changed, removed);
    for (const c of this.clients) if (c.started && c.sub.heatmap.has(m.coin)) this.send(c, text, null);
  }

  /**
   * A new connection. `after`: resume past this event id (null: live only, from now). The
   * subscription can come with the connection or later in a `subscribe` message (handle()).
   */
  attach(ws: WebSocket): Client {
    const c = new Client(ws, this.lastId);
    this.clients.add(c);
    this.metrics?.wsClients(this.clients.size);
    ws.on('close', () => {
      c.closed = true;
      this.clients.delete(c);
      this.metrics?.wsClients(this.clients.size);
    });
    return c;
  }

  /** Starts (or re-filters) a client: resumes past `after` when given, then live. */
  async subscribe(c: Client, sub: Subscription, after: number | null): Promise<void> {
    c.sub = sub;
    const resume = after !== null && (!c.started || after !== c.lastId);
    c.started = true;
    this.sendControl(c, { kind: 'subscribed', id: this.lastId, coins: list(sub.coins), types: list(sub.types), heatmap: [...sub.heatmap] });
    for (const coin of sub.heatmap) {
      const m = await this.source.heatmap(coin);
      if (m !== null && !c.closed) this.send(c, heatmapText(m, this.lastId, true, m.buckets, []), null);
    }
    if (!resume) {
      if (!c.live) {
        c.lastId = this.lastId;
        c.live = true;
      }
      return;
    }
    c.live = false;
    c.lastId = after;
    await this.catchUp(c);
  }

  /**
   * Store pages while the missed events are older than the ring, then ring pages, then live: ids
   * in order, none twice. Between pages the client's socket drains (a large catch-up is the hub's
   * own burst, not the client's fault); the last step to live is synchronous with publish().
   */
  private async catchUp(c: Client): Promise<void> {
    let waits = 0;
    while (!c.closed) {
      if (c.lastId + 1 < this.oldest) {
        const rows = await this.source.eventsAfter(c.lastId, this.opts.catchUpPage);
        if (c.closed) return;
        if (rows.length === 0) {
          // The store has not yet committed what the ring already dropped: wait for its next batch.
          if (++waits > 50) {
            c.ws.close(1011, `cannot resume from id ${c.lastId}: no longer kept`);
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        waits = 0;
        const oldest = this.oldest;
        for (const r of rows) {
          if (r.id >= oldest) break;
          c.lastId = r.id;
          if (c.wants({ id: r.id, coin: r.coin, type: r.type, text: '' }))
            this.send(c, JSON.stringify({ kind: 'event', ...r }), r.id, false);
        }
      } else {
        this.fromRing(c, this.opts.catchUpPage);
        if (c.lastId >= this.lastId) {
          c.live = true;
          this.sendControl(c, { kind: 'live', id: this.lastId });
          return;
        }
      }
      while (!c.closed && c.ws.bufferedAmount > this.opts.maxBufferedBytes / 2) await new Promise((r) => setTimeout(r, 10));
      if (c.ws.bufferedAmount <= this.opts.maxBufferedBytes / 2) await new Promise((r) => setImmediate(r));
    }
  }

  /** Up to `n` ring entries past the client's last id. */
  private fromRing(c: Client, n: number): void {
    const size = this.ring.length;
    const at = (i: number) => this.ring[(this.head - this.count + i + size) % size] as Entry;
    // Ids ascend along the ring: the first entry past the client's last id by bisection.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).id <= c.lastId) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.count && i < lo + n && !c.closed; i++) {
      const e = at(i);
      if (c.wants(e)) this.send(c, e.text, e.id, false);
      c.lastId = e.id;
    }
  }

  private send(c: Client, text: string, id: number | null, check = true): void {
    if (c.closed) return;
    c.ws.send(text);
    if (id !== null) c.lastId = id;
    if (check && c.ws.bufferedAmount > this.opts.maxBufferedBytes) this.cut(c);
  }

  sendControl(c: Client, msg: Record<string, unknown>): void {
    if (!c.closed) c.ws.send(JSON.stringify(msg));
  }

  /**
   * Closes a client that does not keep up. Everything queued before the close frame still reaches
   * it, so the last id queued is where it resumes.
   */
  private cut(c: Client): void {
    c.closed = true;
    c.live = false;
    this.clients.delete(c);
    this.metrics?.wsClients(this.clients.size);
    this.metrics?.slowClosed();
    c.ws.close(CLOSE_SLOW, `slow consumer: resume from id ${c.lastId}`);
  }

  /** Closes every client (server shutdown): 1001 going away, with the id to resume from. */
  closeAll(): void {
    for (const c of this.clients) {
      c.closed = true;
      c.ws.close(1001, `server shutting down: resume from id ${c.lastId}`);
    }
    this.clients.clear();
  }
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; absent once closed). */
function socketOf(ws: WebSocket): { cork(): void; uncork(): void } | null {
  const s = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  return s ?? null;
}

function list<T>(s: ReadonlySet<T> | null): T[] | null {
  return s === null ? null : [...s];
}

function heatmapText(m: HeatmapT, id: number, full: boolean, buckets: readonly BucketT[], removed: readonly number[]): string {
  return JSON.stringify({
    kind: 'heatmap',
    id,
    coin: m.coin,
    time: m.time,
    markPx: m.markPx,
    bucketWidth: m.bucketWidth,
    full,
    buckets,
    removed,
    zones: m.zones,
  });
}

export type { Client as StreamClient };
