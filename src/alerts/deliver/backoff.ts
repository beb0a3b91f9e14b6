/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter",
 * 2015): the n-th retry waits a uniform random time in [0, min(cap, base · 2^(n−1))], which spreads
 * the retries of many senders apart. A receiver's retry_after is a floor: never sooner than asked.
 */
export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

export function backoffDelay(attempt: number, b: Backoff, retryAfterMs: number | null, random: () => number = Math.random): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = random() * ceiling;
  return retryAfterMs === null ? jitter : Math.max(retryAfterMs, jitter);
}
