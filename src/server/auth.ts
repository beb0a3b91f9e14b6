import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyRecord, Store } from '../store/types.ts';

/** Requests per minute of a key created without --rate. */
export const DEFAULT_KEY_RATE = 600;
/** Requests per minute per client address in open mode (no key needed). */
export const OPEN_RATE = 1200;
/** A key looked up (or found missing) is trusted this long: a revocation takes effect within it. */
const CACHE_MS = 5_000;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new key: the record to store (the secret's hash only) and the secret, shown once. */
export function newKey(name: string, rateLimit: number, now: number): { record: ApiKeyRecord; secret: string } {
  const id = `key_${randomBytes(6).toString('hex')}`;
  const secret = `glass_${randomBytes(24).toString('base64url')}`;
  return { record: { id, name, hash: hashSecret(secret), createdAt: now, revokedAt: null, rateLimit }, secret };
}

/** The WebSocket subprotocol the stream speaks; a browser offers its key beside it (it cannot set headers). */
export const STREAM_PROTOCOL = 'glass.v1';
export const KEY_PROTOCOL_PREFIX = 'glass.key.';

/**
 * The secret a request carries: `x-api-key`, `Authorization: Bearer …`, or — for a browser's
 * WebSocket, which can set no header — a `Sec-WebSocket-Protocol` entry `glass.key.<secret>`
 * offered beside `glass.v1` (never a query string: URLs end up in logs and histories).
 */
export function secretOf(headers: Record<string, string | string[] | undefined>): string | null {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.length > 0) return x;
  const a = headers['authorization'];
  if (typeof a === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(a);
    if (m !== null) return m[1] as string;
  }
  const p = headers['sec-websocket-protocol'];
  if (typeof p === 'string') {
    for (const part of p.split(',')) {
      const t = part.trim();
      if (t.startsWith(KEY_PROTOCOL_PREFIX) && t.length > KEY_PROTOCOL_PREFIX.length) return t.slice(KEY_PROTOCOL_PREFIX.length);
    }
  }
  return null;
}

/** Where a key goes, as a 401 says it. */
const KEY_GOES = 'send the API key as Authorization: Bearer <key> or x-api-key: <key>';

/**
 * Why a request that needs a key carries none secretOf() reads: a key-like query parameter (a key
 * never goes in the URL), an Authorization header of another scheme (`Basic …`: named, so the
 * client learns which header is read), or nothing at all. Only the scheme's name is ever echoed,
 * and only when credentials follow it (a bare value may be the key itself).
 */
export function missingKeyMessage(url: string, headers: Record<string, string | string[] | undefined>): string {
  if (hasSecretParam(url)) {
    return 'an API key goes in a header (x-api-key or Authorization: Bearer), never the URL: URLs end up in logs and histories';
  }
  const a = headers['authorization'];
  if (typeof a === 'string' && a.trim() !== '') {
    const scheme = /^([A-Za-z][A-Za-z0-9._-]{0,19})\s+\S/.exec(a.trim())?.[1];
    return scheme === undefined || /^bearer$/i.test(scheme)
      ? `the Authorization header is not read: ${KEY_GOES}`
      : `Authorization: ${scheme} is not read: ${KEY_GOES}`;
  }
  return 'missing API key: send it as x-api-key or Authorization: Bearer';
}

/**
 * Keys by their secret's hash, through a short cache (a request costs no store round trip), and
 * each key's requests counted per minute, written to the store's usage table on flush().
 */
export class KeyRing {
  private readonly store: Store;
  private readonly cache = new Map<string, { key: ApiKeyRecord | null; until: number }>();
  private readonly usage = new Map<string, number>();

  constructor(store: Store) {
    this.store = store;
  }

  /** The live key for a secret, null when unknown or revoked. */
  async resolve(secret: string, now = Date.now()): Promise<ApiKeyRecord | null> {
    const hash = hashSecret(secret);
    const hit = this.cache.get(hash);
    if (hit !== undefined && hit.until > now) return hit.key;
    const found = await this.store.keyByHash(hash);
    const key = found !== null && found.revokedAt === null ? found : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { key, until: now + CACHE_MS });
    return key;
  }

  count(keyId: string, now = Date.now()): void {
    const k = `${keyId}\u0000${Math.floor(now / 60_000)}`;
    this.usage.set(k, (this.usage.get(k) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    const rows = [...this.usage];
    this.usage.clear();
    for (const [k, n] of rows) {
      const [id, minute] = k.split('\u0000') as [string, string];
      await this.store.recordUsage(id, Number(minute), n);
    }
  }
}

/** Query parameters that look like a credential: their values never reach a log. */
const SECRET_PARAM = /^(key|api[-_]?key|x-api-key|token|access[-_]?token|auth|authorization|secret|password|bearer)$/i;

/** Whether a URL's query string carries a key-like parameter (a key sent where it must not be). */
export function hasSecretParam(url: string): boolean {
  const q = url.indexOf('?');
  if (q < 0) return false;
  for (const part of url.slice(q + 1).split('&')) {
    if (SECRET_PARAM.test(safeDecode(part.split('=')[0] ?? ''))) return true;
  }
  return false;
}

/**
 * A URL as the log may show it: the value of every key-like query parameter (key=, api_key=,
 * token=, …) replaced by `[redacted]`, the rest as sent. A key belongs in a header; one sent in
 * the URL still never reaches a log line.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      return SECRET_PARAM.test(safeDecode(name)) ? `${name}=[redacted]` : part;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
