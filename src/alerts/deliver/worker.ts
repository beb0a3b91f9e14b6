import { createHash } from 'node:crypto';
import type { Outbox, OutboxItem, OutboxRow } from '../../store/outbox.ts';
import { alertText } from '../message.ts';
import type { Destination } from '../schema.ts';
import type { Alert } from '../types.ts';
import { type Backoff, backoffDelay } from './backoff.ts';
import { sendDiscord } from './discord.ts';
import type { Outcome } from './http.ts';
import { sendTelegram } from './telegram.ts';
import { sendWebhook } from './webhook.ts';

/** A destination's id in idempotency keys: its `name`, else its kind and a hash of where it sends. */
export function destinationId(d: Destination): string {
  if (d.name !== undefined) return d.name;
  const where = d.kind === 'telegram' ? `${d.baseUrl ?? ''}|${d.token}|${d.chatId}` : d.url;
  return `${d.kind}-${createHash('sha256').update(where).digest('hex').slice(0, 12)}`;
}

/** The outbox rows of an alert: one per destination, keyed `${alert.id}|${destinationId}`. */
export function outboxItems(alert: Alert, destinations: readonly Destination[], now: number): OutboxItem[] {
  const payload = JSON.stringify(alert);
  return destinations.map((d) => {
    const dest = destinationId(d);
    return {
      key: `${alert.id}|${dest}`,
      alertId: alert.id,
      destination: dest,
      payload,
      createdAt: now,
      nextAt: now,
      expiresAt: alert.expiresAt,
    };
  });
}

export interface DeliveryOptions {
  readonly backoff: Backoff;
  /** Attempts before a row goes to the dead-letter list. */
  readonly maxAttempts: number;
  /** One attempt's bound (also cut to what is left of the alert's TTL). */
  readonly timeoutMs: number;
  /** How long a claimed row is held: past it, a crashed deliverer's row is claimed again. Above timeoutMs. */
  readonly leaseMs: number;
  /** Rows claimed (and sent concurrently) at once. */
  readonly batch: number;
  /** Poll interval when nothing is due. */
  readonly pollMs: number;
  readonly clock: () => number;
  readonly random: () => number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  backoff: { baseMs: 1000, capMs: 60_000 },
  maxAttempts: 12,
  timeoutMs: 10_000,
  leaseMs: 30_000,
  batch: 32,
  pollMs: 250,
  clock: Date.now,
  random: Math.random,
};

export interface DeliveryResult {
  readonly row: OutboxRow;
  readonly outcome: Outcome | null;
  readonly state: 'delivered' | 'retry' | 'dead';
  readonly at: number;
  readonly detail: string;
}

/**
 * Delivers the outbox: claims due rows, sends each to its destination, settles it — delivered;
 * retried after exponential backoff with full jitter (never sooner than a 429's retry_after); or
 * dead-lettered (a permanent 4xx, attempts used up, the TTL reached, an unknown destination).
 * An alert past its TTL is never sent: checked before each attempt, and an attempt's timeout is
 * cut to the time left.
 */
export class Deliverer {
  private readonly outbox: Outbox;
  private destinations: Map<string, Destination>;
  private readonly opts: DeliveryOptions;
  private readonly onResult: ((r: DeliveryResult) => void) | undefined;
  private running: Promise<void> | null = null;
  private stopping = false;
  private kicked = false;
  private wake: (() => void) | null = null;

  constructor(
    outbox: Outbox,
    destinations: readonly Destination[],
    opts: Partial<DeliveryOptions> = {},
    onResult?: (r: DeliveryResult) => void,
  ) {
    this.outbox = outbox;
    this.destinations = new Map(destinations.map((d) => [destinationId(d), d]));
    this.opts = { ...DEFAULT_DELIVERY, ...opts };
    this.onResult = onResult;
  }

  /** The destinations rows are sent to from now on (the rules changed); a row for none left goes dead. */
  setDestinations(destinations: readonly Destination[]): void {
    this.destinations = new Map(destinations.map((d) => [destinationId(d), d]));
  }

  /** Claims and settles one batch; returns how many rows it claimed. */
  async runOnce(): Promise<number> {
    const o = this.opts;
    const rows = await this.outbox.claim(o.clock(), o.batch, o.leaseMs);
    await Promise.all(rows.map((r) => this.deliver(r)));
    return rows.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const o = this.opts;
    const settle = async (state: DeliveryResult['state'], at: number, outcome: Outcome | null, detail: string, nextAt = at) => {
      if (state === 'delivered') await this.outbox.delivered(row.key, at);
      else if (state === 'dead') await this.outbox.dead(row.key, at, detail);
      else await this.outbox.retry(row.key, nextAt, detail);
      this.onResult?.({ row, outcome, state, at, detail });
    };
    const start = o.clock();
    if (start >= row.expiresAt)
      return settle('dead', start, null, `expired: TTL ended ${start - row.expiresAt} ms before attempt ${row.attempts}`);
    const d = this.destinations.get(row.destination);
    if (d === undefined) return settle('dead', start, null, `unknown destination ${row.destination}`);
    const alert = JSON.parse(row.payload) as Alert;
    const timeout = Math.max(1, Math.min(o.timeoutMs, row.expiresAt - start));
    const text = alertText(alert, start);
    let outcome: Outcome;
    switch (d.kind) {
      case 'webhook':
        outcome = await sendWebhook(d, alert, row.key, text, start, timeout);
        break;
      case 'telegram':
        outcome = await sendTelegram(d, text, timeout);
        break;
      case 'discord':
        outcome = await sendDiscord(d, text, start, timeout);
        break;
    }
    const now = o.clock();
    if (outcome.ok) return settle('delivered', now, outcome, `HTTP ${outcome.status}`);
    if (outcome.permanent) return settle('dead', now, outcome, outcome.error);
    if (row.attempts >= o.maxAttempts) return settle('dead', now, outcome, `${outcome.error} (after ${row.attempts} attempts)`);
    const nextAt = now + backoffDelay(row.attempts, o.backoff, outcome.retryAfterMs, o.random);
    if (nextAt >= row.expiresAt) return settle('dead', now, outcome, `${outcome.error}; the next attempt would be past the TTL`);
    return settle('retry', now, outcome, outcome.error, nextAt);
  }

  /** Runs until stop(): a batch, then the next at once if it was full, else after pollMs. */
  start(): void {
    if (this.running !== null) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        const n = await this.runOnce();
        if (n < this.opts.batch && !this.stopping && !this.kicked) {
          await new Promise<void>((r) => {
            const timer = setTimeout(r, this.opts.pollMs);
            this.wake = () => {
              clearTimeout(timer);
              r();
            };
          });
        }
        this.wake = null;
        this.kicked = false;
      }
    })();
  }

  /** Something was enqueued in this process: claim now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  /** Runs until no row is pending (or `maxMs` of wall time passed); returns the counts. */
  async drain(maxMs = 60_000): Promise<Record<'pending' | 'delivered' | 'dead', number>> {
    const end = Date.now() + maxMs;
    for (;;) {
      const n = await this.runOnce();
      const c = await this.outbox.counts();
      if (c.pending === 0 || Date.now() > end) return c;
      if (n === 0) await new Promise((r) => setTimeout(r, this.opts.pollMs));
    }
  }
}
