import { normalizeCoin, normalizeEventType as normalizeType } from '../cli/validate.ts';
import { GLASS_EVENT_TYPES, type GlassEventType } from '../domain/glass-event.ts';
import { badRequest } from './errors.ts';
import type { Subscription } from './stream.ts';

/**
 * Coins and event types in any case, as the CLI takes them (src/cli/validate.ts): all lower case
 * is read as the venue's upper case (btc → BTC; kPEPE, with both cases, as written), an event type
 * as the engines spell it (zone_formed → ZONE_FORMED). Applied once, where a request comes in:
 * query strings and path parameters by app.ts before validation, a posted position by its route,
 * the stream's subscribe message and query string here.
 */
export { normalizeCoin };

const KNOWN = new Set<string>(GLASS_EVENT_TYPES);

const mapList = (v: string, f: (s: string) => string): string => v.split(',').map(f).join(',');

/** The parameters that name coins or event types, wherever a request carries them. */
const FIELDS: Record<string, (v: string) => string> = {
  coin: normalizeCoin,
  coins: (v) => mapList(v, normalizeCoin),
  heatmap: (v) => mapList(v, normalizeCoin),
  type: (v) => mapList(v, normalizeType),
  types: (v) => mapList(v, normalizeType),
};

/** A query string's or path's coins and types, normalised in place (a repeated parameter: each value). */
export function normalizeParams(part: unknown): void {
  if (part === null || typeof part !== 'object' || Array.isArray(part)) return;
  const o = part as Record<string, unknown>;
  for (const [k, f] of Object.entries(FIELDS)) {
    const v = o[k];
    if (typeof v === 'string') o[k] = f(v);
    else if (Array.isArray(v)) o[k] = v.map((x) => (typeof x === 'string' ? f(x) : x));
  }
}

/** `type=A,B` → the types, any case, each checked (400 naming the unknown one and the known ones); `` → none. */
export function eventTypes(v: string | undefined, field: string): GlassEventType[] | undefined {
  if (v === undefined) return undefined;
  if (v === '') return [];
  const out = v.split(',').map(normalizeType);
  for (const t of out) {
    if (!KNOWN.has(t)) throw badRequest(field, `has an unknown event type ${t}; the types are ${GLASS_EVENT_TYPES.join(', ')}`);
  }
  return out as GlassEventType[];
}

const coinSet = (v: string | undefined): Set<string> | null =>
  v === undefined
    ? null
    : new Set(
        v
          .split(',')
          .filter((x) => x.length > 0)
          .map(normalizeCoin),
      );

/**
 * The stream's query string (`?coins=&types=&heatmap=`) as a subscription, as the subscribe
 * message reads: an empty `types=` is no event at all (heatmap deltas alone, as `"types":[]`).
 * Throws a 400 error naming the field for an unknown type.
 */
export function streamSubscription(q: { coins?: string; types?: string; heatmap?: string }): Subscription {
  const types = eventTypes(q.types, 'querystring/types');
  return { coins: coinSet(q.coins), types: types === undefined ? null : new Set(types), heatmap: coinSet(q.heatmap) ?? new Set() };
}

/** A parsed subscribe message with its coins and types normalised (before its schema check; anything else as it is). */
export function normalizeSubscribe(msg: unknown): unknown {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return msg;
  const o = { ...(msg as Record<string, unknown>) };
  const each = (k: string, f: (s: string) => string) => {
    const v = o[k];
    if (Array.isArray(v)) o[k] = v.map((x) => (typeof x === 'string' ? f(x) : x));
  };
  each('coins', normalizeCoin);
  each('heatmap', normalizeCoin);
  each('types', normalizeType);
  return o;
}
