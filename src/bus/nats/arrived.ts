import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** How long a taker waits for the first message before it looks at its idle clock again. */
const WAIT_MS = 250;

/**
 * What a pull consumer (`consume`, a couple of batches buffered) has delivered, taken in batches
 * of what has arrived: under load a full batch per transaction, at a trickle each message at once
 * (a `fetch` would hold it until its batch filled or the pull expired). Ended when the consumer
 * stops delivering or `end()` is called (e.g. another stream the taker depends on failed).
 */
export class ArrivedMessages {
  private readonly queue: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private over = false;
  private idleSince = performance.now();
  /** Settles when the consumer has stopped delivering (after `close()` on it, or a failure). */
  readonly pumped: Promise<void>;

  /**
   * A pull consumer's messages (a couple of batches of `max` buffered), taken in batches of up
   * to `max`: the loop every raw-stream reader (coin worker, wallet owner, wallet partition) runs.
   */
  static async open(consumer: Consumer, max: number, note: (line: string) => void): Promise<ArrivedMessages> {
    const messages = await consumer.consume({ max_messages: Math.max(2 * max, 100), expires: 5000 });
    return new ArrivedMessages(messages, note, max);
  }

  private readonly messages: ConsumerMessages;
  private readonly max: number;

  private constructor(messages: ConsumerMessages, note: (line: string) => void, max: number) {
    this.messages = messages;
    this.max = max;
    this.pumped = (async () => {
      for await (const m of messages) {
        this.queue.push(m);
        this.wake?.();
      }
    })()
      .catch((e: unknown) => note(`the consumer stopped delivering: ${(e as Error).message}`))
      .finally(() => this.end());
  }

  get ended(): boolean {
    return this.over;
  }

  end(): void {
    this.over = true;
    this.wake?.();
  }

  /**
   * The batches in arrival order until `stopped()`, the end of delivery, or nothing for
   * `idleExitMs` (never empty: a wait with nothing is not a batch).
   */
  async *batches(stopped: () => boolean, idleExitMs: number | undefined): AsyncGenerator<JsMsg[]> {
    while (!stopped() && !this.over) {
      const got = await this.take(this.max);
      if (got.length > 0) yield got;
      else if (this.idleFor(idleExitMs)) return;
    }
  }

  /** Stops the consumer and waits until it has stopped delivering. */
  async close(): Promise<void> {
    await this.messages.close().catch(() => {});
    await this.pumped;
  }

  /** Up to `max` messages that have arrived, waiting up to 250 ms for the first; [] when none came. */
  private async take(max: number): Promise<JsMsg[]> {
    if (this.queue.length === 0) {
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, WAIT_MS);
      });
      this.wake = null;
      if (this.queue.length === 0) return [];
    }
    this.idleSince = performance.now();
    return this.queue.splice(0, max);
  }

  /** True when nothing has arrived for `ms` (never when `ms` is undefined). */
  private idleFor(ms: number | undefined): boolean {
    return ms !== undefined && performance.now() - this.idleSince >= ms;
  }
}
