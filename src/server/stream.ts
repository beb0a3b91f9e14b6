import type { WebSocket } from 'ws';
import type { GlassEventType, Priority } from '../domain/glass-event.ts';
import type { EventRecord } from '../store/types.ts';
import { encodeCursor } from './cursor.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { EventRecordT, HeatmapT } from './schemas.ts';
import type { GlassView } from './view.ts';

/**
 * The /v1/stream fan-out. Every event is serialised once (one UTF-8 buffer every client's socket
 * is handed) and kept in a ring of the newest `ringSize`; a client that resumes with its last id
 * gets the missed ones from the ring, or from the store when they are older than the ring, in
 * order, then live. Publishing never waits on a client. A live client whose socket holds more than
 * `behindBytes` unsent (its kernel buffers full: it is not reading) falls behind: it is no longer
 * written to, only its last id is kept, and once its socket drains it is caught up from the ring
 * and goes live again, so a stalled reader costs the fan-out nothing per event and its memory stays
 * bounded. One that misses more than the ring holds, or drains nothing for `catchUpStallMs`, is
 * closed with 1008 and the id to resume from (tardis-machine cuts slow clients the same way); so
 * is any whose socket holds more than `maxBufferedBytes` (the bound when `behindBytes` is not below it).
 *
 * Events are published as the engines detect them (`detected`), ahead of their store commit, by
 * tier: a P0 goes out at once (inside the engines' emit); a P1 when the engines' synchronous
 * stretch ends (a microtask) or, in a long stretch (engines catching up on a backlog), at the first
 * `tick` (each market event) once it has waited `tierDelayMs.P1`; a P2 within `tierDelayMs.P2` (a
 * timer, or the first tick after it): the P2s of that window leave together, one corked write per
 * client, and never stand between a P0 and the sockets. Ids stay in order on every socket: an
 * event sent out takes the queued ones before it along. Publishing ahead is safe for resume
 * because the pipeline is deterministic: a source resumed after a crash makes the same events with
 * the same ids and payloads again. At most `aheadMax` ids run past the last
 * committed one (beyond, events wait for the commit); a new source after a store that holds events
 * starts its ids that far past the last stored one (serveIngest), so an id a crashed run published
 * but never committed is never given to another event.
 */

export interface StreamOptions {
  /** Events kept in memory for resuming clients. */
  readonly ringSize: number;
  /** Bytes a client's socket may hold unsent before it is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  /**
   * Bytes a live client's socket may hold unsent before it falls behind (no more writes until it
   * drains, then caught up from the ring). At or above `maxBufferedBytes`: never, the client is
   * closed at the bound instead.
   */
  readonly behindBytes: number;
  /** Events read from the store per page while a resuming client catches up. */
  readonly catchUpPage: number;
  /**
   * A catching-up client whose socket holds more than half its bound unsent and drains none of it
   * for this long (ms) is closed as a slow consumer, as a live one is at its bound.
   */
  readonly catchUpStallMs: number;
  /** Events published ahead of their store commit at most (capped at the ring's size: the ring holds every uncommitted one). */
  readonly aheadMax: number;
  /** Wall clock of the `publishedAt` hop (ms since the epoch). */
  readonly clock: () => number;
  /** Longest a P1 / P2 waits inside one synchronous stretch of the engines (ms; checked at each `tick`). */
  readonly tierDelayMs: { readonly P1: number; readonly P2: number };
}

export const DEFAULT_STREAM: StreamOptions = {
  ringSize: 50_000,
  maxBufferedBytes: 4 << 20,
  behindBytes: 256 << 10,
  catchUpPage: 1000,
  catchUpStallMs: 30_000,
  aheadMax: 10_000,
  clock: Date.now,
  tierDelayMs: { P1: 10, P2: 50 },
};

/**
 * WebSocket close code for a policy violation (RFC 6455 §7.4.1): here, not keeping up, or a resume
 * from an id past the newest event (subscribe()).
 */
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
  /** The message as UTF-8, encoded once; every client's socket is handed the same buffer. */
  readonly bytes: Buffer;
}

/** A text frame from a buffer (ws sends a Buffer as it is, without encoding it per client). */
const TEXT = { binary: false } as const;

/** Where the hub reads what the ring no longer holds, and the maps it starts heatmap clients with. */
export interface StreamSource {
  /** Events with id > afterId, ascending, at most `limit`. */
  eventsAfter(afterId: number, limit: number): Promise<EventRecordT[]>;
  heatmap(coin: string): Promise<HeatmapT | null>;
  /** The newest event id the store holds (absent: the hub knows only what it published). */
  lastEventId?(): Promise<number>;
}

/** The stream's source over the API's own view (the store's event log, the current maps). */
export function viewSource(view: GlassView): StreamSource {
  return {
    eventsAfter: async (afterId, limit) =>
      (await view.events({ ...(afterId > 0 ? { cursor: encodeCursor({ id: afterId }) } : {}), limit })).items,
    heatmap: (coin) => view.heatmap(coin, {}),
    lastEventId: async () => (await view.status()).lastEventId,
  };
}

class Client {
  readonly ws: WebSocket;
  sub: Subscription = { coins: null, types: null, heatmap: new Set() };
  /** Receives live events (it has caught up). */
  live = false;
  /** Fell behind while live: not written to until its socket drains and the ring catches it up. */
  behind = false;
  started = false;
  closed = false;
  /** Id of the last event queued to this client. */
  lastId: number;
  /** Bumped at each resume or fall behind: a catch-up of an earlier one stops (never two at once). */
  epoch = 0;

  constructor(ws: WebSocket, lastId: number) {
    this.ws = ws;
    this.lastId = lastId;
  }

  wants(e: { readonly coin: string; readonly type: GlassEventType }): boolean {
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
  /**
   * What the fan-out did (the bench reads it to see whether a stalled client changes the server's
   * work): messages handed to client sockets, and slow consumers closed.
   */
  readonly counters = { sends: 0, slowClosed: 0, fellBehind: 0 };
  /** Clients behind (Client.behind): cut once the ring no longer holds the event after their last id. */
  private readonly behind = new Set<Client>();
  /** The last map sent per coin: deltas are against it. */
  private readonly maps = new Map<string, { width: number; buckets: Map<number, BucketT> }>();
  /** Detected events wait here, in id order, for their tier's flush or the commit that lets them run ahead. */
  private queue: EventRecord[] = [];
  /** The last id the store has committed: the queue is published up to `committedId + ahead`. */
  private committedId = 0;
  /**
   * Ids a run before this one may have published ahead of its commit (start(): the stored log's
   * last id + `ahead`): a client holding one is resumed, not refused (subscribe()).
   */
  private reach = 0;
  /** When the queue's most urgent waiting event is due (tierDelayMs); +∞ when none waits. */
  private dueAt = Number.POSITIVE_INFINITY;
  private soon = false;
  private later: NodeJS.Timeout | null = null;
  private readonly flushSoon = (): void => {
    this.soon = false;
    this.flush();
  };
  private readonly flushLater = (): void => {
    this.later = null;
    this.flush();
  };

  constructor(source: StreamSource, opts: Partial<StreamOptions> = {}, metrics: ServiceMetrics | null = null) {
    this.opts = { ...DEFAULT_STREAM, ...opts };
    this.ring = new Array<Entry | undefined>(this.opts.ringSize);
    this.source = source;
    this.metrics = metrics;
  }

  get size(): number {
    return this.clients.size;
  }

  /** Bytes every client's socket holds unsent now (the kernel's buffers not counted): the largest and the sum. */
  backlog(): { maxBytes: number; totalBytes: number } {
    let maxBytes = 0;
    let totalBytes = 0;
    for (const c of this.clients) {
      const b = c.ws.bufferedAmount;
      totalBytes += b;
      if (b > maxBytes) maxBytes = b;
    }
    return { maxBytes, totalBytes };
  }

  /** Id of the oldest event the ring holds (lastId + 1 when empty). */
  private get oldest(): number {
    const e = this.ring[(this.head - this.count + this.ring.length) % this.ring.length];
    return this.count === 0 || e === undefined ? this.lastId + 1 : e.id;
  }

  /**
   * Where the log stands when serving starts: the last id the store holds. Events at or below it
   * (a resumed source replaying its committed lines) are not published again.
   */
  start(lastStoredId: number): void {
    if (lastStoredId > this.lastId) this.lastId = lastStoredId;
    if (lastStoredId > this.committedId) this.committedId = lastStoredId;
    // A run on this store killed after publishing past its last commit gave clients ids up to
    // `ahead` past it: the same source resumed makes them again, a new one starts past them
    // (serveIngest), so either way they stay valid to resume from. An empty store (an in-memory
    // demo) promises nothing: its ids start again at 1.
    if (lastStoredId > 0) this.reach = Math.max(this.reach, lastStoredId + this.ahead);
  }

  /** Ids past the last committed one the hub publishes ahead at most. */
  get ahead(): number {
    return Math.min(this.opts.aheadMax, this.ring.length);
  }

  /**
   * An event as the engines made it, before its store commit: queued by tier and published (ring,
   * then every caught-up client) at once for P0, when the current synchronous stretch ends for P1,
   * within `tierDelayMs.P2` for P2 (and for either at the first `tick` past its delay). Ids must
   * come in ascending order.
   */
  detected(r: EventRecord, priority: Priority): void {
    if (r.id <= this.lastId) return;
    this.queue.push(r);
    if (priority === 'P0') {
      this.flush();
      return;
    }
    const due = this.opts.clock() + this.opts.tierDelayMs[priority];
    if (due < this.dueAt) this.dueAt = due;
    if (priority === 'P1') {
      if (!this.soon) {
        this.soon = true;
        queueMicrotask(this.flushSoon);
      }
    } else this.later ??= setTimeout(this.flushLater, this.opts.tierDelayMs.P2);
  }

  /** Publishes every queued event the ahead bound lets go, now (end of input; a test's checkpoint). */
  drain(): void {
    this.flush();
  }

  /** Between the engines' steps (each market event): publishes the queue once its oldest P1 or P2 is due. */
  tick(): void {
    if (this.dueAt !== Number.POSITIVE_INFINITY && this.opts.clock() >= this.dueAt) this.flush();
  }

  /**
   * A committed batch: its events may run `ahead` further; any of them not yet published (a store
   * written without `detected`, as in the tests) goes out now, in id order.
   */
  committed(nextEventId: number, events: readonly EventRecord[]): void {
    if (nextEventId - 1 > this.committedId) this.committedId = nextEventId - 1;
    const tail = this.queue.at(-1)?.id ?? this.lastId;
    for (const r of events) if (r.id > tail) this.queue.push(r);
    this.flush();
  }

  /** A new event, in id order (committed). Synchronous: sends to every caught-up client and returns. */
  publish(r: EventRecordT): void {
    this.publishAll([r]);
  }

  /** Committed events in id order (their records as the API shows them), published now. */
  publishAll(records: readonly EventRecordT[]): void {
    const tail = this.queue.at(-1)?.id ?? this.lastId;
    for (const r of records) {
      if (r.id > tail) this.queue.push({ ...r, payload: JSON.stringify(r.event) } as unknown as EventRecord);
      if (r.id > this.committedId) this.committedId = r.id;
    }
    this.flush();
  }

  /**
   * The queue into the ring and to every caught-up client, each message serialised once and
   * stamped with one `publishedAt`; each client's messages leave in one write (the socket is
   * corked across them): a syscall per client per flush, not per event.
   */
  private flush(): void {
    if (this.queue.length === 0) {
      this.dueAt = Number.POSITIVE_INFINITY;
      return;
    }
    const limit = this.committedId + this.ahead;
    const publishedAt = this.opts.clock();
    const fresh: Entry[] = [];
    let n = 0;
    for (; n < this.queue.length; n++) {
      const r = this.queue[n] as EventRecord;
      if (r.id > limit) break;
      if (r.id <= this.lastId) continue;
      const e: Entry = { id: r.id, coin: r.coin, type: r.type, bytes: Buffer.from(eventText(r, publishedAt)) };
      this.ring[this.head] = e;
      this.head = (this.head + 1) % this.ring.length;
      if (this.count < this.ring.length) this.count++;
      this.lastId = r.id;
      fresh.push(e);
    }
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
    // What the ahead bound holds goes with the commit that frees it (committed() flushes).
    this.dueAt = Number.POSITIVE_INFINITY;
    if (this.later !== null) {
      clearTimeout(this.later);
      this.later = null;
    }
    if (fresh.length === 0) return;
    if (this.behind.size > 0) {
      const oldest = this.oldest;
      for (const c of this.behind) if (c.lastId + 1 < oldest) this.cut(c);
    }
    // With falling behind on, a client's backlog is judged once, after its uncork: while corked the
    // socket holds the whole flush, which the kernel then takes from a client that reads.
    const perSend = !this.behindOn;
    const last = (fresh.at(-1) as Entry).id;
    for (const c of this.clients) {
      if (!c.live || c.closed) continue;
      let sock: ReturnType<typeof socketOf> | undefined;
      for (const e of fresh) {
        if (e.id <= c.lastId || !c.wants(e)) continue;
        if (sock === undefined) {
          sock = socketOf(c.ws);
          sock?.cork();
        }
        this.send(c, e.bytes, e.id, perSend);
        if (c.closed) break;
      }
      sock?.uncork();
      // Past every fresh event, wanted or not (as the ring's catch-up moves it): the id it resumes
      // from, and what a fall behind is judged against, is never an event it has already been past.
      if (!c.closed && c.live && last > c.lastId) c.lastId = last;
      if (!perSend && sock !== undefined) this.judge(c);
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
    // A client behind is not written to: it misses deltas, and gets whole maps when live again (catchUp).
    for (const c of this.clients) if (c.started && !c.behind && c.sub.heatmap.has(m.coin)) this.send(c, text, null);
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
      this.behindEnds(c);
      this.metrics?.wsClients(this.clients.size);
    });
    return c;
  }

  /**
   * Starts (or re-filters) a client: resumes past `after` when given, then live. An `after` past
   * the newest event is refused (pastHead()): an `error` message and a close with 1008, both naming
   * the newest id, whichever way the subscription came (the query string or a message).
   */
  async subscribe(c: Client, sub: Subscription, after: number | null): Promise<void> {
    if (after !== null && after > this.lastId) {
      const head = await this.pastHead(after);
      if (c.closed) return;
      if (head !== null) {
        this.refuse(c, after, head);
        return;
      }
    }
    c.sub = sub;
    const resume = after !== null && (!c.started || after !== c.lastId);
    c.started = true;
    this.sendControl(c, { kind: 'subscribed', id: this.lastId, coins: list(sub.coins), types: list(sub.types), heatmap: [...sub.heatmap] });
    await this.wholeMaps(c);
    if (!resume) {
      // A client behind stays so: the ring catches it up under its new filter.
      if (!c.live && !c.behind) {
        c.epoch++;
        c.lastId = this.lastId;
        c.live = true;
      }
      return;
    }
    c.epoch++;
    c.live = false;
    this.behindEnds(c);
    c.lastId = after;
    await this.catchUp(c);
  }

  /**
   * Null when a client may resume past `after` (it is at most the head), else the head: the newest
   * id this hub published or the store holds, whichever is newer.
   *
   * Resuming past an id nobody has made would be silent: the client would wait, `live`, while the
   * ids up to its own went by unsent, and never learn that its log was reset (a restarted
   * in-memory demo starts again at 1) or is another store's. What a client may hold:
   * - an id this hub published: at most `lastId`, which is bumped as an event enters the ring,
   *   before any client is sent it, and never goes back. Events go out ahead of their commit, so
   *   a client may hold an id the store does not (yet): `lastId`, not the store, is the head, and
   *   the check against it is synchronous (no await between it and the decision);
   * - an id another server made from the same store (`glass serve` polls it, another API process
   *   may be ahead; /v1/events reads the store itself): at most the store's newest, asked for only
   *   when the hub's own head is not enough, and `lastId` read again after that await;
   * - an id a run before this one published ahead of its commit: at most `reach` (start()).
   */
  private async pastHead(after: number): Promise<number | null> {
    if (after <= this.lastId || after <= this.reach) return null;
    const stored = (await this.source.lastEventId?.()) ?? 0;
    const head = Math.max(this.lastId, stored);
    return after <= head ? null : head;
  }

  /** Refuses a resume past the newest event: says where the log stands and how to go on, then closes. */
  private refuse(c: Client, after: number, head: number): void {
    this.sendControl(c, {
      kind: 'error',
      id: head,
      message:
        `after=${after} is past the newest event ${head}: the event log may have been reset (an in-memory ` +
        `store starts again at 1 when the server restarts) or belong to another store; resume with ` +
        `after=${head} for the events from now on, or after=0 for every event kept`,
    });
    // A catch-up in flight for it stops at its next page.
    c.epoch++;
    // At most 96 bytes (two numbers of at most 23 characters): within a close frame's 123.
    this.drop(c, `bad subscription: after=${after} is past the newest event ${head}`);
  }

  /**
   * Store pages while the missed events are older than the ring, then ring pages, then live: ids
   * in order, none twice. Between pages the client's socket drains (a large catch-up is the hub's
   * own burst, not the client's fault; one that drains nothing for `catchUpStallMs` is closed as a
   * slow consumer); the last step to live is synchronous with publish().
   */
  private async catchUp(c: Client): Promise<void> {
    const epoch = c.epoch;
    const current = () => !c.closed && c.epoch === epoch;
    let waits = 0;
    while (current()) {
      if (c.lastId + 1 < this.oldest) {
        // A client that fell behind while live resumes from the ring only (flush() cuts it as soon
        // as the ring drops what it misses; this is the same rule, should it be seen here first).
        if (c.behind) {
          this.cut(c);
          return;
        }
        const rows = await this.source.eventsAfter(c.lastId, this.opts.catchUpPage);
        if (!current()) return;
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
          if (c.wants(r)) this.send(c, JSON.stringify({ kind: 'event', ...r }), r.id, false);
        }
      } else {
        this.fromRing(c, this.opts.catchUpPage);
        if (c.lastId >= this.lastId) {
          c.live = true;
          // A resume is announced; a client that only fell behind never sees the difference.
          if (c.behind) {
            this.behindEnds(c);
            // The heatmap deltas it missed while behind: its maps whole again.
            await this.wholeMaps(c);
          } else this.sendControl(c, { kind: 'live', id: this.lastId });
          return;
        }
      }
      const below = c.behind ? this.opts.behindBytes / 2 : this.opts.maxBufferedBytes / 2;
      if (!(await this.drained(c, below, current)) || !current()) return;
    }
  }

  /** The client's heatmap coins, each its current map whole (deltas follow against it). */
  private async wholeMaps(c: Client): Promise<void> {
    for (const coin of c.sub.heatmap) {
      const m = await this.source.heatmap(coin);
      if (m !== null && !c.closed) this.send(c, heatmapText(m, this.lastId, true, m.buckets, []), null);
    }
  }

  /**
   * A live client whose socket holds more than `behindBytes` unsent: off the fan-out until its
   * socket holds at most half that, then caught up from the ring (a page each time it is back
   * under that) and live again. Cut when the ring drops what it misses (flush()), or when it drains
   * nothing for `catchUpStallMs` (drained()).
   */
  private fallBehind(c: Client): void {
    c.live = false;
    c.behind = true;
    this.behind.add(c);
    this.counters.fellBehind++;
    const epoch = ++c.epoch;
    void (async () => {
      const current = () => c.epoch === epoch;
      if ((await this.drained(c, this.opts.behindBytes / 2, current)) && current()) await this.catchUp(c);
    })();
  }

  private behindEnds(c: Client): void {
    c.behind = false;
    this.behind.delete(c);
  }

  /**
   * Waits while the client's socket holds more than `below` unsent (half its bound; half
   * `behindBytes` for one that fell behind): woken by its `drain` (no work while it reads nothing;
   * a check a second at most), cut as a slow consumer once it has drained nothing for
   * `catchUpStallMs`. False when the client is gone.
   */
  private async drained(c: Client, below: number, current: () => boolean): Promise<boolean> {
    let held = c.ws.bufferedAmount;
    let since = performance.now();
    while (!c.closed && held > below) {
      // A wait that a resume or a later fall behind superseded ends here, cutting nothing: the
      // client is someone else's to judge now.
      if (!current()) return false;
      const sock = socketOf(c.ws);
      if (sock === null) return false;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          sock.off('drain', done);
          sock.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(1000, this.opts.catchUpStallMs));
        sock.once('drain', done);
        sock.once('close', done);
      });
      const now = c.ws.bufferedAmount;
      if (now < held) since = performance.now();
      else if (performance.now() - since >= this.opts.catchUpStallMs && !c.closed && current()) this.cut(c);
      held = now;
    }
    if (c.closed) return false;
    await new Promise((r) => setImmediate(r));
    return !c.closed;
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
      if (c.wants(e)) this.send(c, e.bytes, e.id, false);
      c.lastId = e.id;
    }
  }

  /** Clients fall behind before their bound (behindBytes below maxBufferedBytes). */
  private get behindOn(): boolean {
    return this.opts.behindBytes < this.opts.maxBufferedBytes;
  }

  private send(c: Client, data: string | Buffer, id: number | null, check = true): void {
    if (c.closed) return;
    c.ws.send(data, TEXT);
    this.counters.sends++;
    if (id !== null) c.lastId = id;
    if (check) this.judge(c);
  }

  /** A client's unsent backlog: over the bound it is cut; a live one over `behindBytes` falls behind. */
  private judge(c: Client): void {
    const held = c.ws.bufferedAmount;
    if (held > this.opts.maxBufferedBytes) this.cut(c);
    else if (held > this.opts.behindBytes && c.live && this.behindOn) this.fallBehind(c);
  }

  sendControl(c: Client, msg: Record<string, unknown>): void {
    if (!c.closed) c.ws.send(JSON.stringify(msg));
  }

  /**
   * Closes a client that does not keep up. Everything queued before the close frame still reaches
   * it, so the last id queued is where it resumes.
   */
  private cut(c: Client): void {
    this.metrics?.slowClosed();
    this.counters.slowClosed++;
    this.drop(c, `slow consumer: resume from id ${c.lastId}`);
  }

  /** Takes a client out of the fan-out and closes it with 1008 and `reason` (a slow consumer, a refused resume). */
  private drop(c: Client, reason: string): void {
    c.closed = true;
    c.live = false;
    this.behindEnds(c);
    this.clients.delete(c);
    this.metrics?.wsClients(this.clients.size);
    c.ws.close(CLOSE_SLOW, reason);
  }

  /** Closes every client (server shutdown): 1001 going away, with the id to resume from. */
  closeAll(): void {
    for (const c of this.clients) {
      c.closed = true;
      c.ws.close(1001, `server shutting down: resume from id ${c.lastId}`);
    }
    this.clients.clear();
    this.behind.clear();
  }
}

/** The TCP socket under a ws WebSocket (ws keeps it as `_socket`; absent once closed). */
interface RawSocket {
  cork(): void;
  uncork(): void;
  once(event: 'drain' | 'close', f: () => void): unknown;
  off(event: 'drain' | 'close', f: () => void): unknown;
}

function socketOf(ws: WebSocket): RawSocket | null {
  const s = (ws as unknown as { _socket?: RawSocket })._socket;
  return s ?? null;
}

/** A JSON number (NaN and infinities as null, as JSON.stringify writes them). */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

/**
 * An event's stream message, built around the payload text the store writes (no parse, no
 * re-encode): the record's fields, the `publishedAt` hop, then the event itself.
 */
export function eventText(r: EventRecord, publishedAt: number): string {
  return (
    `{"kind":"event","id":${r.id},"type":${JSON.stringify(r.type)},"coin":${JSON.stringify(r.coin)},"time":${num(r.time)},` +
    `"receivedAt":${num(r.receivedAt)},"detectedAt":${num(r.detectedAt)},"publishedAt":${num(publishedAt)},` +
    `"event":${r.payload ?? JSON.stringify(r.event)}}`
  );
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
