import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../types.ts';
import { failure, type Outcome, postJson, retryAfterHeader } from './http.ts';

/**
 * The webhook: a JSON body `{ id, idempotencyKey, alert, text }` POSTed with
 *   Glass-Timestamp: unix seconds when it was sent
 *   Glass-Signature: v1=hex(HMAC-SHA256(secret, `${timestamp}.${body}`))
 *   Idempotency-Key: `${alertId}|${destinationId}` (the same on every retry)
 * A receiver recomputes the signature over the raw body and refuses a timestamp outside its replay
 * window (verifyWebhook): a captured request cannot be replayed later.
 */
export const SIGNATURE_HEADER = 'glass-signature';
export const TIMESTAMP_HEADER = 'glass-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** The receiver's default replay window (s). */
export const REPLAY_WINDOW_SEC = 300;

export function sign(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

/**
 * What a receiver runs: true when the signature is the secret's over `timestamp.body` and the
 * timestamp is within `windowSec` of the receiver's clock (either way).
 */
export function verifyWebhook(o: {
  secret: string;
  body: string;
  timestamp: string | null | undefined;
  signature: string | null | undefined;
  nowMs: number;
  windowSec?: number;
}): boolean {
  if (o.timestamp == null || o.signature == null || !/^\d{1,12}$/.test(o.timestamp)) return false;
  const ts = Number(o.timestamp);
  if (Math.abs(o.nowMs / 1000 - ts) > (o.windowSec ?? REPLAY_WINDOW_SEC)) return false;
  const want = Buffer.from(sign(o.secret, ts, o.body));
  const got = Buffer.from(o.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export function webhookBody(alert: Alert, key: string, text: string, deliveredAt: number): string {
  return JSON.stringify({ id: alert.id, idempotencyKey: key, alert: { ...alert, hops: { ...alert.hops, delivered: deliveredAt } }, text });
}

export async function sendWebhook(
  d: { url: string; secret: string },
  alert: Alert,
  key: string,
  text: string,
  now: number,
  timeoutMs: number,
): Promise<Outcome> {
  const body = webhookBody(alert, key, text, now);
  const ts = Math.floor(now / 1000);
  const r = await postJson(
    d.url,
    body,
    { [SIGNATURE_HEADER]: sign(d.secret, ts, body), [TIMESTAMP_HEADER]: String(ts), [IDEMPOTENCY_HEADER]: key },
    timeoutMs,
  );
  if ('error' in r) return { ok: false, status: null, error: r.error, permanent: false, retryAfterMs: null };
  if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status };
  return failure(r.status, r.text, r.status === 429 || r.status === 503 ? retryAfterHeader(r.headers, now) : null);
}
