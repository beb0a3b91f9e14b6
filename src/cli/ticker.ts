import type { GlassEvent } from '../domain/glass-event.ts';

/** Most events held for the console between two looks (the rest are counted, not printed). */
const HELD = 2000;

/**
 * Notable events for a console, told in event time order. Engines emit an event when the message
 * that reveals it arrives, and a late fill or a syndicate's first member dates it earlier than one
 * already emitted; the ticker holds events until the stream has moved past them (`take(until)`),
 * sorts them, and never prints one older than a line it has printed.
 */
export class EventTicker {
  private held: GlassEvent[] = [];
  private last = Number.NEGATIVE_INFINITY;
  /** Events not printed: past the per-look limit, held too many, or older than a line already printed. */
  skipped = 0;

  push(e: GlassEvent): void {
    if (this.held.length < HELD) this.held.push(e);
    else this.skipped++;
  }

  /**
   * The held events dated up to `until` (event time; default all), oldest first, at most `max`
   * of them (the earliest); the rest of them are dropped, later ones stay held.
   */
  take(until = Number.POSITIVE_INFINITY, max = 5): GlassEvent[] {
    if (this.held.length === 0) return [];
    const due = this.held.filter((e) => e.time <= until).sort((a, b) => a.time - b.time);
    if (due.length === 0) return [];
    this.held = this.held.filter((e) => e.time > until);
    const inOrder = due.filter((e) => e.time >= this.last);
    const out = inOrder.slice(0, max);
    this.skipped += due.length - out.length;
    const newest = out[out.length - 1];
    if (newest !== undefined) this.last = newest.time;
    // Nothing printed may precede what was due now, printed or not.
    this.last = Math.max(this.last, (due[due.length - 1] as GlassEvent).time);
    return out;
  }
}
