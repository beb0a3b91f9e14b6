import { failure, jsonObject, type Outcome, postJson, retryAfterHeader, secondsMs } from './http.ts';

/**
 * Discord webhooks (https://discord.com/developers/docs/resources/webhook#execute-webhook): POST
 * the webhook URL with `{content, allowed_mentions: {parse: []}}` (no @everyone from an alert);
 * 204 (or 200 with ?wait=true) is success. A 429 carries `retry_after` in seconds in the JSON body
 * and a Retry-After header (https://discord.com/developers/docs/topics/rate-limits); the body's
 * figure is preferred (it has sub-second precision). Messages are capped at 2,000 characters.
 */
export const DISCORD_MAX = 2000;

export async function sendDiscord(d: { url: string }, text: string, now: number, timeoutMs: number): Promise<Outcome> {
  const content = text.length > DISCORD_MAX ? `${text.slice(0, DISCORD_MAX - 1)}…` : text;
  const r = await postJson(d.url, JSON.stringify({ content, allowed_mentions: { parse: [] } }), {}, timeoutMs);
  if ('error' in r) return { ok: false, status: null, error: r.error, permanent: false, retryAfterMs: null };
  if (r.status >= 200 && r.status < 300) return { ok: true, status: r.status };
  const j = jsonObject(r.text);
  const retryAfter = r.status === 429 ? (secondsMs(j?.retry_after) ?? retryAfterHeader(r.headers, now)) : null;
  return failure(r.status, typeof j?.message === 'string' ? j.message : r.text, retryAfter);
}
