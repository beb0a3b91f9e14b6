import type { EventRecord, Store } from '../store/types.ts';

export interface StoreTailOptions {
  /** How long a missing id is waited for before the tail passes it (ms). */
  readonly graceMs: number;
  /** At start, how far back (in ids) a hole below the newest id is looked for. */
  readonly lookback: number;
  readonly now: () => number;
  /** Told when the tail passes ids that did not come within the grace (from–to, inclusive). */
  readonly onSkip: (from: number, to: number) => void;
}

export const DEFAULT_TAIL: StoreTailOptions = { graceMs: 10_000, lookback: 5000, now: () => performance.now(), onSkip: () => {} };

/**
 * Follows a store's event log by id when several writers commit at once (the cluster's workers).
 * An event's id is its sequence on the event stream, handed out when the worker publishes it;
 * each worker then commits its batch in its own transaction, so id 120 can be readable while 110
 * is still on its way. Reading "every id after the last one seen" would pass 110 for good. The
 * tail hands out only the unbroken run of ids after its cursor; a hole holds it back until the
 * missing id commits, or for at most `graceMs` (a worker killed between publish and commit has its
 * batch redone by its successor with the same ids, usually within the lease's TTL and the rebuild;
 * a hole that outlasts the grace is passed and told through `onSkip`, the events behind it flow
 * on). Events that commit after their hole was passed are in the store (GET /v1/events, a resume
 * from an earlier id), not in the live stream.
 */
export class StoreTail {
  private readonly store: Pick<Store, 'events' | 'lastEventId'>;
  private readonly opts: StoreTailOptions;
  /** The id a hole starts at → when it was first seen. */
  private readonly holes = new Map<number, number>();

  constructor(store: Pick<Store, 'events' | 'lastEventId'>, opts: Partial<StoreTailOptions> = {}) {
    this.store = store;
    this.opts = { ...DEFAULT_TAIL, ...opts };
  }

  /** Where to follow from: the newest id, or just before the oldest hole among the last `lookback` ids. */
  async start(): Promise<number> {
    const last = await this.store.lastEventId();
    const from = Math.max(0, last - this.opts.lookback);
    const rows = await this.store.events({ afterId: from, limit: this.opts.lookback });
    let expect = from + 1;
    for (const r of rows) {
      if (r.id !== expect) return expect - 1;
      expect++;
    }
    return last;
  }

  /** Events after `afterId`, ascending, at most `limit`, stopping at a hole still within its grace. */
  async next(afterId: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.store.events({ afterId, limit });
    const out: EventRecord[] = [];
    let expect = afterId + 1;
    for (const r of rows) {
      if (r.id > expect) {
        const now = this.opts.now();
        const since = this.holes.get(expect);
        if (since === undefined) this.holes.set(expect, now);
        if (since === undefined || now - since < this.opts.graceMs) break;
        this.holes.delete(expect);
        this.opts.onSkip(expect, r.id - 1);
      }
      out.push(r);
      expect = r.id + 1;
    }
    for (const k of this.holes.keys()) if (k < expect) this.holes.delete(k);
    return out;
  }
}
