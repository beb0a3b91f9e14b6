import { failure, jsonObject, type Outcome, postJson, secondsMs } from './http.ts';

/** The Bot API's base; tests and self-hosted Bot API servers give their own. */
export const TELEGRAM_API = 'https://api.telegram.org';

/**
 * Telegram Bot API `sendMessage` (https://core.telegram.org/bots/api#sendmessage): POST
 * `${base}/bot${token}/sendMessage` with `{chat_id, text}`. The answer is `{ok: true, result}` or
 * `{ok: false, error_code, description, parameters?: {retry_after}}`; on 429 `retry_after` is
 * the seconds to wait (https://core.telegram.org/bots/api#responseparameters). Telegram has no
 * idempotency key: a send cut by a crash after Telegram took it is sent again.
 */
export async function sendTelegram(
  d: { token: string; chatId: string | number; baseUrl?: string },
  text: string,
  timeoutMs: number,
): Promise<Outcome> {
  const base = (d.baseUrl ?? TELEGRAM_API).replace(/\/+$/, '');
  const r = await postJson(
    `${base}/bot${d.token}/sendMessage`,
    JSON.stringify({ chat_id: d.chatId, text, disable_web_page_preview: true }),
    {},
    timeoutMs,
  );
  if ('error' in r) return { ok: false, status: null, error: r.error, permanent: false, retryAfterMs: null };
  const j = jsonObject(r.text);
  if (r.status >= 200 && r.status < 300 && j?.ok === true) return { ok: true, status: r.status };
  const params = j?.parameters;
  const retryAfter = params !== null && typeof params === 'object' ? secondsMs((params as { retry_after?: unknown }).retry_after) : null;
  const desc = typeof j?.description === 'string' ? j.description : r.text;
  // The token never appears in an error: it is in the URL only.
  return failure(r.status >= 200 && r.status < 300 ? 502 : r.status, desc, retryAfter);
}
