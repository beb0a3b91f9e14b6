import { randomBytes } from 'node:crypto';
import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import { InputError } from '../../recording/errors.ts';

/**
 * How far a stream of `{from, to}` messages about raw sequences covers the raw stream, for its
 * readers: messages may repeat or overlap (a successor republishing from its predecessor's last
 * message on), a gap is an error naming the stream, and `until` resolves once a sequence is covered.
 * The wallet owner's reads (wallet-state.ts) and each wallet partition's evidence (wallet-partition.ts).
 */
export class Coverage {
  /** Every raw sequence up to this one is covered. */
  covered = 0;
  private readonly what: string;
  private waiters: { seq: number; wake: () => void }[] = [];

  /** `what`: how a gap names the stream, e.g. "wallet stream: a gap (reads cover". */
  constructor(what: string) {
    this.what = what;
  }

  /**
   * A message covering raw sequences from…to: false when it adds nothing (already covered); else
   * the caller takes its part past `covered` (read it before calling `advance`).
   */
  fresh(from: number, to: number): boolean {
    if (to <= this.covered) return false;
    if (from > this.covered + 1) throw new InputError(`${this.what} raw sequences to ${this.covered}, the next message starts at ${from})`);
    return true;
  }

  /** The message's part is taken: coverage moves to `to`, waiters for it wake. */
  advance(to: number): void {
    this.covered = to;
    const still: { seq: number; wake: () => void }[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.covered) w.wake();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once raw sequence `seq` is covered (or at once). */
  until(seq: number): Promise<void> {
    if (seq <= this.covered) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ seq, wake }));
  }
}

/**
 * A reader of a stream from its first message (optionally one subject): an ordered consumer whose
 * name is new at every start. With a fixed name a replacement attached to its SIGKILLed
 * predecessor's consumer, which the server keeps for 5 minutes: positioned past everything the
 * predecessor was delivered, it got nothing from the stream's start and waited forever. Pulls
 * expire after 5 s, so a lost heartbeat or a consumer gone after a reconnect is noticed within
 * seconds and the client recreates it after the last sequence delivered. `close` removes it.
 */
export async function openOrderedReader(
  js: JetStreamClient,
  stream: string,
  namePrefix: string,
  opts: { readonly subject?: string; readonly max?: number } = {},
): Promise<{ readonly messages: ConsumerMessages; close(): Promise<void> }> {
  const consumer = await js.consumers.get(stream, {
    name_prefix: `${namePrefix}-${randomBytes(6).toString('hex')}`,
    ...(opts.subject === undefined ? {} : { filter_subjects: opts.subject }),
  });
  const messages = await consumer.consume({ max_messages: opts.max ?? 100, expires: 5000 });
  return {
    messages,
    close: async () => {
      await messages.close().catch(() => {});
      await consumer.delete().catch(() => false);
    },
  };
}
