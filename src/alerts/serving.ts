import type { Outbox, OutboxItem } from '../store/outbox.ts';
import type { EventRecord } from '../store/types.ts';
import { Deliverer, type DeliveryOptions, type DeliveryResult, outboxItems } from './deliver/worker.ts';
import { parseRules } from './parse.ts';
import { AlertRules, type LedgerView } from './rules.ts';
import type { Destination, Rule } from './schema.ts';

export interface ServingAlertsOptions {
  /** The ledger the rules read (the engines' own; null while they are not running). */
  readonly ledger: () => LedgerView | null;
  /**
   * Venue times are wall-clock times (live): the TTL runs from the event's venue time. Otherwise
   * (a recording, the simulator: times in the past or a world of their own) the rules run on the
   * stream's time, as `glass alerts test` does, and an alert's TTL runs from the moment it is made.
   */
  readonly wallClock: boolean;
  /** The stored rules are read again this often (ms): a rule put through /v1/alerts takes effect within it. */
  readonly reloadMs: number;
  readonly delivery: Partial<DeliveryOptions>;
  readonly clock: () => number;
  /** Each settled delivery (the server logs failures). */
  readonly onResult?: (r: DeliveryResult) => void;
  /** A problem that does not stop serving (an unreadable rule, an outbox that failed). */
  readonly warn?: (message: string, err?: unknown) => void;
}

export const DEFAULT_SERVING_ALERTS: Omit<ServingAlertsOptions, 'ledger'> = {
  wallClock: true,
  reloadMs: 1000,
  delivery: {},
  clock: Date.now,
};

/**
 * Alerts in a serving process (`glass demo|live|replay --serve`): the rules stored through
 * /v1/alerts run over every event the engines record, and their alerts go into the outbox before
 * the batch holding the events is committed — so a crash loses none (the resumed run raises the
 * same alerts again, and their idempotency keys make the second enqueue a no-op) — and a
 * Deliverer in the same process (the code of `glass alerts deliver`) sends them at once. Cooldown,
 * de-duplication, TTL and quiet hours are the rules' own (AlertRules); with no stored rule it does
 * nothing but look for rules again.
 */
export class ServingAlerts {
  private readonly outbox: Outbox;
  private readonly opts: ServingAlertsOptions;
  private rules: AlertRules | null = null;
  private destinations: Destination[] = [];
  /** The stored rules' JSON the current AlertRules were built from. */
  private loaded = '';
  private readonly deliverer: Deliverer;
  private timer: NodeJS.Timeout | null = null;
  /** Enqueues in batch order: each waits for the one before it. */
  private chain: Promise<unknown> = Promise.resolve();
  private started = false;
  /** Alerts enqueued so far (new keys). */
  enqueued = 0;

  constructor(outbox: Outbox, opts: Partial<ServingAlertsOptions> & Pick<ServingAlertsOptions, 'ledger'>) {
    this.outbox = outbox;
    this.opts = { ...DEFAULT_SERVING_ALERTS, ...opts };
    this.deliverer = new Deliverer(outbox, [], { clock: this.opts.clock, ...this.opts.delivery }, this.opts.onResult);
  }

  /** Reads the stored rules and starts the delivery loop. */
  async start(): Promise<void> {
    this.started = true;
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((e: unknown) => this.opts.warn?.('alert rules: reload failed', e));
    }, this.opts.reloadMs);
    this.timer.unref();
  }

  /**
   * The stored rules again; the rules' state (threads, cooldowns, events seen) is kept unless they
   * changed. A stored rule that no longer parses is left out, with a warning.
   */
  async reload(): Promise<void> {
    const stored = await this.outbox.rules();
    const text = JSON.stringify(stored.map((r) => [r.id, r.json]));
    if (text === this.loaded) return;
    this.loaded = text;
    const rules: Rule[] = [];
    for (const r of stored) {
      try {
        rules.push(...parseRules(r.json, `stored rule ${r.id}`));
      } catch (e) {
        this.opts.warn?.(`alert rules: ${(e as Error).message}`);
      }
    }
    this.rules = rules.length === 0 ? null : new AlertRules(rules, { standing: (t, c) => this.opts.ledger()?.standing(t, c) ?? null });
    this.destinations = rules.flatMap((r) => r.destinations ?? []);
    this.deliverer.setDestinations(this.destinations);
    // The loop runs while a stored rule names a destination: without one it would only
    // dead-letter rows another deliverer (glass alerts deliver RULE.json) is there to send.
    if (this.destinations.length > 0 && this.started) this.deliverer.start();
    else await this.deliverer.stop();
  }

  /** The outbox rows the rules make of these events (in order); evaluating moves the rules' state on. */
  evaluate(records: readonly EventRecord[]): OutboxItem[] {
    const rules = this.rules;
    if (rules === null || records.length === 0) return [];
    const items: OutboxItem[] = [];
    for (const r of records) {
      const now = this.opts.clock();
      const times = this.opts.wallClock
        ? { receivedAt: r.receivedAt, detectedAt: r.detectedAt, now }
        : { receivedAt: r.receivedAt, detectedAt: r.detectedAt, now: r.time };
      for (const d of rules.evaluate(r.event, times)) {
        if (d.kind !== 'alert') continue;
        const dests = (d.rule.destinations ?? []) as Destination[];
        if (dests.length === 0) continue;
        // On the stream's time the TTL starts now: the venue time is not a wall-clock time.
        const alert = this.opts.wallClock ? d.alert : { ...d.alert, expiresAt: now + (d.alert.expiresAt - r.time) };
        items.push(...outboxItems(alert, dests, now));
      }
    }
    return items;
  }

  /**
   * The events' alerts into the outbox, after those of every earlier call; resolves once they are
   * in (the batch is committed after). A failing outbox is told to `warn` and does not fail ingest.
   */
  enqueue(records: readonly EventRecord[]): Promise<void> {
    const items = this.evaluate(records);
    if (items.length === 0) return this.chain.then(() => {});
    const mine = this.chain.then(async () => {
      try {
        this.enqueued += await this.outbox.enqueue(items);
        this.deliverer.kick();
      } catch (e) {
        this.opts.warn?.(`alerts: ${items.length} not enqueued`, e);
      }
    });
    this.chain = mine;
    return mine;
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.chain.catch(() => {});
    await this.deliverer.stop();
  }
}
