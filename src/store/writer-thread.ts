import type { Worker } from 'node:worker_threads';
import { encodeBatch, packMaps, packScores, WalletNumbers } from './sqlite-write.ts';
import type { WriteBatch } from './types.ts';

/**
 * The hand-over of batches between a store and its writer thread, the same for SQLite
 * (sqlite-worker.ts) and PostgreSQL (pg-worker.ts). Each batch names the write still pending when
 * it was sent (`after`); the thread refuses it if that one failed, whenever it learns of the
 * failure, so a later cursor is never committed over a batch that is not. One sent after the
 * failure was reported is written (the store stays usable).
 */

/** What a writer thread answers to a request. */
export interface WriterReply {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  /** PostgreSQL: the server could not be reached (the store then fails with a StoreError). */
  readonly unreachable?: boolean;
}

/** The store's side: requests sent and waiting for their reply. */
export class WriterRequests {
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextMsg = 0;
  /** The newest write not yet settled (−1: none). */
  private pendingWrite = -1;
  /** The score rows' wallets as numbers, for the thread they were numbered for (its WalletNames). */
  private numbers = new WalletNumbers();
  private numbered: Worker | null = null;

  /** The batch encoded for the thread (maps and scores in moved buffers); settles once committed or refused. */
  async write(w: Worker, b: WriteBatch): Promise<void> {
    if (w !== this.numbered) {
      this.numbers = new WalletNumbers();
      this.numbered = w;
    }
    const known = this.numbers.size;
    const id = this.nextMsg++;
    try {
      const wire = encodeBatch(b, false);
      const scores = packScores(b.scores, this.numbers);
      const maps = packMaps(wire);
      w.postMessage({ id, after: this.pendingWrite, batch: wire, maps, scores }, [
        maps.bytes.buffer,
        scores.nums.buffer,
        scores.wallets.buffer,
        scores.ends.buffer,
      ]);
    } catch (e) {
      // Not sent (a record that cannot be encoded, say): the thread never learns this batch's wallet numbers.
      this.numbers.truncate(known);
      throw e;
    }
    // Waited for once sent (its reply comes as a later message): a batch not sent leaves nothing waiting.
    const done = this.wait(w, id);
    this.pendingWrite = id;
    try {
      await done;
    } finally {
      if (this.pendingWrite === id) this.pendingWrite = -1;
    }
  }

  /** Asks the thread to close its connection; settles on its answer. */
  close(w: Worker): Promise<void> {
    const id = this.nextMsg++;
    const done = this.wait(w, id);
    w.postMessage({ id, close: true });
    return done;
  }

  /** A reply: settles its request (`error` makes the failure's Error). Only a pending request keeps the process alive for the thread. */
  settle(w: Worker, m: WriterReply, error: (m: WriterReply) => Error): void {
    const p = this.waiting.get(m.id);
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) w.unref();
    if (m.ok) p?.resolve();
    else p?.reject(error(m));
  }

  /** The thread died: every request waiting fails with `e`. */
  failAll(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  get pending(): number {
    return this.waiting.size;
  }

  private wait(w: Worker, id: number): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    w.ref();
    return done;
  }
}

/** The thread's side: the writes that failed, by id, and why (`T`: what a refusal carries on). */
export class FailedWrites<T> {
  private readonly failed = new Map<number, T>();

  /** Why the write `id` is refused (the write pending when it was sent, `after`, failed), recorded for it in turn; undefined: go on. */
  refused(id: number, after: number): T | undefined {
    const earlier = this.failed.get(after);
    if (earlier !== undefined) this.failed.set(id, earlier);
    return earlier;
  }

  fail(id: number, why: T): void {
    this.failed.set(id, why);
  }
}
