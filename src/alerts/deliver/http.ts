/**
 * What one delivery attempt came to. `retryAfterMs`: the receiver asked to wait (429's
 * retry_after); `permanent`: retrying cannot help (a 4xx other than 408 and 429).
 */
export type Outcome =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      readonly status: number | null;
      readonly error: string;
      readonly permanent: boolean;
      readonly retryAfterMs: number | null;
    };

export interface Response {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** POSTs a JSON body; a timeout or a refused connection is an Outcome, not a throw. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<Response | { readonly error: string }> {
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    return { status: r.status, headers: r.headers, text: await r.text() };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError') return { error: `timed out after ${timeoutMs} ms` };
    return { error: err.cause?.code ?? err.message };
  }
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), as ms; null when absent or unreadable. */
export function retryAfterHeader(h: Headers, now: number): number | null {
  const v = h.get('retry-after');
  if (v === null) return null;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

/** The Outcome of a non-2xx answer: 408/429/5xx are worth retrying, other 4xx are not. */
export function failure(status: number, error: string, retryAfterMs: number | null): Outcome {
  const transient = status === 408 || status === 429 || status >= 500;
  return { ok: false, status, error: `HTTP ${status}: ${error.slice(0, 200)}`, permanent: !transient, retryAfterMs };
}

/** Reads a JSON object from a response text (null when it is not one). */
export function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A finite, non-negative number of seconds as ms (null otherwise). */
export function secondsMs(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v * 1000 : null;
}
