import type { GlassEvent } from '../domain/glass-event.ts';
import type { EventFields } from './fields.ts';

/** What the accuracy ledger says about an event's type (on its coin when the coin has grades). */
export interface LedgerStanding {
  /** Graded events of the type the figures are over. */
  readonly graded: number;
  readonly hitRate: number | null;
  readonly wilson: { readonly lo: number; readonly hi: number } | null;
  readonly baseline: number | null;
  readonly lift: number | null;
  readonly muted: boolean;
  /** Why it is muted (null: it is not). */
  readonly muteReason: string | null;
}

/** Per-hop times of an alert (ms, epoch): venue → receive → detect → deliver. */
export interface Hops {
  /** The venue's time of the market event that caused the Glass event. */
  readonly venue: number;
  /** When Glass received that venue message. */
  readonly received: number;
  /** When the engine emitted the Glass event. */
  readonly detected: number;
  /** When the rule made the alert (put in the outbox). */
  readonly alerted: number;
}

/** One alert: a rule matched an event. Serialisable: it is the outbox's payload and the webhook body's `alert`. */
export interface Alert {
  /** `ruleId:eventId`: the same event and rule give the same alert (idempotency key with the destination). */
  readonly id: string;
  readonly ruleId: string;
  readonly ruleName: string;
  /** The first alert of the episode; updates carry it (equal to `id` on the first). */
  readonly threadId: string;
  /** 0 the first alert of its episode, then 1, 2, … for the updates threaded under it. */
  readonly update: number;
  readonly fields: Omit<EventFields, 'episode'>;
  readonly episode: string;
  readonly ledger: LedgerStanding | null;
  readonly hops: Hops;
  /** Past this time (epoch ms) the alert is stale: dropped, never delivered late. */
  readonly expiresAt: number;
  /** Link to the dashboard (null: none configured). */
  readonly link: string | null;
  readonly event: GlassEvent;
}
