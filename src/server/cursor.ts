import { badRequest } from './errors.ts';

/**
 * Opaque page cursors: base64url of a small JSON object the server wrote (an offset into a
 * ranked list, or the last event id). Clients pass `next` back as `cursor=` unchanged; anything
 * else is a 400 naming the field.
 */
export type CursorValue = { readonly o: number } | { readonly id: number } | { readonly k: string } | Pinned;

/**
 * A page of a ranked list that moves while it is read (/v1/wallets): the list's as-of time `a`
 * (the `at` its first page was answered for), the offset `o` into that list, and, when running
 * engines answered the first page, `e`: which of their answers it was (engine-view.ts keeps the
 * last few). Every page of one list is the same list, so each row is listed once.
 */
export interface Pinned {
  readonly a: number;
  readonly o: number;
  readonly e?: number;
}

export function encodeCursor(c: CursorValue): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decode(s: string | undefined): Record<string, unknown> | null {
  if (s === undefined) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // Not JSON: falls through to the 400 below.
  }
  throw badRequest('querystring/cursor', 'is not a cursor this API issued');
}

const natural = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** The offset a ranked-list cursor stands for (0 without one). */
export function offsetOf(s: string | undefined): number {
  const c = decode(s);
  if (c === null) return 0;
  if (!natural(c['o'])) throw badRequest('querystring/cursor', 'is not a cursor of this list');
  return c['o'];
}

/** A pinned ranked-list cursor (null without one). */
export function pinnedOf(s: string | undefined): Pinned | null {
  const c = decode(s);
  if (c === null) return null;
  const a = c['a'];
  if (!natural(a) || !natural(c['o']) || (c['e'] !== undefined && !natural(c['e'])))
    throw badRequest('querystring/cursor', 'is not a cursor of this list');
  return { a, o: c['o'], ...(c['e'] === undefined ? {} : { e: c['e'] as number }) };
}

/** The event id an event cursor stands for (0 without one: from the first). */
export function afterIdOf(s: string | undefined): number {
  const c = decode(s);
  if (c === null) return 0;
  if (!natural(c['id'])) throw badRequest('querystring/cursor', 'is not a cursor of this list');
  return c['id'];
}

/** A key-set cursor (the last row's key) or undefined without one. */
export function keyOf(s: string | undefined): string | undefined {
  const c = decode(s);
  if (c === null) return undefined;
  if (typeof c['k'] !== 'string') throw badRequest('querystring/cursor', 'is not a cursor of this list');
  return c['k'];
}
