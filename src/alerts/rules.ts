import type { GlassEvent, GlassEventType } from '../domain/glass-event.ts';
import type { Coin } from '../domain/ids.ts';
import { type EventFields, eventFields } from './fields.ts';
import type { Rule } from './schema.ts';
import type { Alert, LedgerStanding } from './types.ts';

export { parseRules, RuleError } from './parse.ts';
export type { Destination, Rule } from './schema.ts';

/** Defaults of a rule's timings (docs/alerts.md). */
export const RULE_DEFAULTS = { cooldownSec: 600, episodeSec: 4 * 3600, ttlSec: 300 } as const;

/** What the rules read from the accuracy ledger (ledgerView adapts an AccuracyLedger). */
export interface LedgerView {
  standing(type: GlassEventType, coin: Coin): LedgerStanding | null;
}

/** Why a matching event did not become an alert. */
export type DropReason = 'muted' | 'duplicate' | 'stale' | 'quiet' | 'cooldown';

export type Decision =
  | { readonly kind: 'alert'; readonly rule: Rule; readonly alert: Alert }
  | { readonly kind: 'drop'; readonly rule: Rule; readonly reason: DropReason; readonly detail: string; readonly event: GlassEvent };

/** Times of the event's hops known when it is evaluated (ms, epoch). */
export interface EventTimes {
  /** When Glass received the venue message (default: the event's time). */
  readonly receivedAt?: number;
  /** When the engine emitted the event (default: receivedAt). */
  readonly detectedAt?: number;
  /** The clock the TTL is checked against (default: detectedAt); a replay passes the event's time. */
  readonly now?: number;
}

interface Thread {
  readonly id: string;
  updates: number;
  /** Time of the thread's last event (alerted or not): the episode lives while events come. */
  lastEvent: number;
  /** Time of its last alert (first or update). */
  lastAlert: number;
}

interface RuleState {
  readonly rule: Rule;
  readonly cooldownMs: number;
  readonly episodeMs: number;
  readonly ttlMs: number;
  readonly quiet: ((t: number) => boolean) | null;
  /** coin → time of the rule's last new thread there. */
  readonly lastNew: Map<string, number>;
  readonly threads: Map<string, Thread>;
  /** Event ids already alerted or dropped (bounded: pruned with the threads). */
  readonly seen: Map<string, number>;
}

/**
 * The rules as a reducer over GlassEvents in emit order (pure: every time comes from the event or
 * the caller). Per rule: the filters, then the ledger's mute, de-duplication, TTL, quiet hours,
 * the episode's thread and the cooldown. Cooldown, episodes and quiet hours run on the event's
 * venue time, so `glass alerts test` on a recording decides as live would have.
 */
export class AlertRules {
  private readonly states: RuleState[];
  private readonly ledger: LedgerView | null;
  /** wallet:coin → the whale's last signed size: a liquidation's side. */
  private readonly szi = new Map<string, number>();
  private nextPrune = Number.NEGATIVE_INFINITY;

  constructor(rules: readonly Rule[], ledger: LedgerView | null = null) {
    this.ledger = ledger;
    this.states = rules.map((rule) => ({
      rule,
      cooldownMs: 1000 * (rule.cooldownSec ?? RULE_DEFAULTS.cooldownSec),
      episodeMs: 1000 * (rule.episodeSec ?? RULE_DEFAULTS.episodeSec),
      ttlMs: 1000 * (rule.ttlSec ?? RULE_DEFAULTS.ttlSec),
      quiet: rule.quietHours === undefined ? null : quietTest(rule.quietHours),
      lastNew: new Map(),
      threads: new Map(),
      seen: new Map(),
    }));
  }

  get rules(): readonly Rule[] {
    return this.states.map((s) => s.rule);
  }

  /** Every rule the event matches: an alert, or the reason it was not one. */
  evaluate(e: GlassEvent, times: EventTimes = {}): Decision[] {
    let prev: number | undefined;
    if ('szi' in e) {
      const k = `${e.wallet}:${e.coin}`;
      prev = this.szi.get(k);
      if (e.szi === 0) this.szi.delete(k);
      else this.szi.set(k, e.szi);
    } else if (e.type === 'WHALE_LIQUIDATED') {
      prev = this.szi.get(`${e.wallet}:${e.coin}`);
      this.szi.delete(`${e.wallet}:${e.coin}`);
    }
    const f = eventFields(e, prev);
    const received = times.receivedAt ?? e.time;
    const detected = times.detectedAt ?? received;
    const now = times.now ?? detected;
    if (e.time >= this.nextPrune) this.prune(e.time);
    const out: Decision[] = [];
    let standing: LedgerStanding | null | undefined;
    for (const s of this.states) {
      if (!matches(s.rule, f)) continue;
      standing ??= this.ledger?.standing(e.type, e.coin) ?? null;
      const minLift = s.rule.when?.minLift;
      if (minLift !== undefined && (standing?.lift === null || standing?.lift === undefined || standing.lift < minLift)) continue;
      const drop = (reason: DropReason, detail: string) => out.push({ kind: 'drop', rule: s.rule, reason, detail, event: e });
      if (standing?.muted === true && s.rule.includeMuted !== true) {
        drop('muted', standing.muteReason ?? 'muted by the ledger');
        continue;
      }
      // An event the engine raised only for the record (its type muted: no lift shown yet).
      if (e.type === 'CASCADE_RISK' && e.muted === true && s.rule.includeMuted !== true) {
        drop('muted', e.muteReason ?? 'raised muted by the engine');
        continue;
      }
      if (s.seen.has(e.id)) {
        drop('duplicate', `event ${e.id} already seen`);
        continue;
      }
      s.seen.set(e.id, e.time);
      const expiresAt = e.time + s.ttlMs;
      if (now > expiresAt) {
        drop('stale', `${Math.round((now - e.time) / 1000)} s old, TTL ${s.ttlMs / 1000} s`);
        continue;
      }
      let thread = s.threads.get(f.episode);
      if (thread !== undefined && e.time - thread.lastEvent > s.episodeMs) {
        s.threads.delete(f.episode);
        thread = undefined;
      }
      if (thread !== undefined) thread.lastEvent = Math.max(thread.lastEvent, e.time);
      if (s.quiet?.(e.time) === true) {
        drop('quiet', 'quiet hours');
        continue;
      }
      if (thread !== undefined) {
        if (e.time - thread.lastAlert < s.cooldownMs) {
          drop('cooldown', `thread ${thread.id} alerted ${Math.round((e.time - thread.lastAlert) / 1000)} s ago`);
          continue;
        }
      } else {
        const last = s.lastNew.get(e.coin);
        if (last !== undefined && e.time - last < s.cooldownMs) {
          drop('cooldown', `rule alerted on ${e.coin} ${Math.round((e.time - last) / 1000)} s ago`);
          continue;
        }
      }
      const id = `${s.rule.id}:${e.id}`;
      if (thread === undefined) {
        thread = { id, updates: 0, lastEvent: e.time, lastAlert: e.time };
        s.threads.set(f.episode, thread);
        s.lastNew.set(e.coin, e.time);
      } else {
        thread.updates++;
        thread.lastAlert = e.time;
      }
      const { episode, ...fields } = f;
      const alert: Alert = {
        id,
        ruleId: s.rule.id,
        ruleName: s.rule.name ?? s.rule.id,
        threadId: thread.id,
        update: thread.id === id ? 0 : thread.updates,
        fields,
        episode,
        ledger: standing,
        hops: { venue: e.time, received, detected, alerted: Math.max(now, detected) },
        expiresAt,
        link: s.rule.link === undefined ? null : `${s.rule.link}${s.rule.link.includes('?') ? '&' : '?'}coin=${encodeURIComponent(e.coin)}`,
        event: e,
      };
      out.push({ kind: 'alert', rule: s.rule, alert });
    }
    return out;
  }

  /** Forgets threads past their episode and event ids past every horizon. */
  private prune(t: number): void {
    for (const s of this.states) {
      for (const [k, th] of s.threads) if (t - th.lastEvent > s.episodeMs) s.threads.delete(k);
      const keep = Math.max(s.episodeMs, s.ttlMs, s.cooldownMs);
      for (const [id, at] of s.seen) if (t - at > keep) s.seen.delete(id);
    }
    this.nextPrune = t + 60_000;
  }
}

function matches(r: Rule, f: EventFields): boolean {
  const w = r.when;
  if (w === undefined) return true;
  if (w.types !== undefined && !w.types.includes(f.type)) return false;
  if (w.coins !== undefined && !w.coins.includes(f.coin)) return false;
  if (w.side !== undefined && f.side !== w.side) return false;
  if (!within(f.notionalUsd, w.minNotionalUsd, w.maxNotionalUsd)) return false;
  if (!within(f.wallets, w.minWallets, undefined)) return false;
  if (!within(f.score, w.minScore, w.maxScore)) return false;
  if (!within(f.probability, w.minProbability, w.maxProbability)) return false;
  if (w.maxDistancePct !== undefined && (f.distancePct === null || Math.abs(f.distancePct) > w.maxDistancePct)) return false;
  return true;
}

/** A bound on a field the event lacks (null) does not match. */
function within(v: number | null, lo: number | undefined, hi: number | undefined): boolean {
  if (lo === undefined && hi === undefined) return true;
  if (v === null) return false;
  return (lo === undefined || v >= lo) && (hi === undefined || v <= hi);
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Whether a time falls in the quiet window, read on the wall clock of the rule's time zone. */
export function quietTest(q: { from: string; to: string; timeZone?: string }): (t: number) => boolean {
  const from = minutesOf(q.from);
  const to = minutesOf(q.to);
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: q.timeZone ?? 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (t) => {
    let h = 0;
    let m = 0;
    for (const p of fmt.formatToParts(t)) {
      if (p.type === 'hour') h = Number(p.value);
      else if (p.type === 'minute') m = Number(p.value);
    }
    const x = h * 60 + m;
    if (from === to) return false;
    return from < to ? x >= from && x < to : x >= from || x < to;
  };
}
