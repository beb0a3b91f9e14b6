import { requestWeight, responseWeight, WeightBudget } from './limits.ts';

export interface InfoClientOptions {
  readonly url: string;
  readonly budget?: WeightBudget;
  readonly maxRetries?: number;
  /** An answer slower than this is abandoned and retried like a 5xx (default 10 s). */
  readonly timeoutMs?: number;
  /** Told, one line each, what is being retried and when (e.g. on stderr while the user waits). */
  readonly onRetry?: (line: string) => void;
  /** Aborting stops waiting and retrying: the pending request rejects with VenueUnreachable. */
  readonly signal?: AbortSignal;
  /** For tests: the clock and the sleep the client waits with. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The venue answered, but not with success (after the retries, for 429 and 5xx). */
export class VenueHttpError extends Error {
  readonly status: number;

  constructor(status: number, body: string, endpoint = '/info') {
    super(`venue ${endpoint} answered ${status}: ${body.slice(0, 200)}`);
    this.name = 'VenueHttpError';
    this.status = status;
  }
}

/** No answer at all: refused, unknown host, timed out, reset; or the wait was given up (aborted). */
export class VenueUnreachable extends Error {
  readonly endpoint: string;
  /** The last failure, in words: "connection refused", "no answer within 10 s"… */
  readonly reason: string;
  readonly attempts: number;
  readonly aborted: boolean;

  /** `detail` replaces the default ending ("no answer after N attempts"). */
  constructor(endpoint: string, reason: string, attempts: number, aborted: boolean, detail?: string) {
    const plural = attempts === 1 ? '' : 's';
    const dflt = aborted ? `stopped waiting after ${attempts} attempt${plural}` : `no answer after ${attempts} attempt${plural}`;
    super(`venue ${endpoint} unreachable (${reason}); ${detail ?? dflt}`);
    this.name = 'VenueUnreachable';
    this.endpoint = endpoint;
    this.reason = reason;
    this.attempts = attempts;
    this.aborted = aborted;
  }
}

/** A network failure in words; node's fetch reports them as TypeError('fetch failed') with the socket error as cause. */
export function networkReason(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to host';
    default:
      // undici refuses the ports the fetch standard blocks (9, 25, 6000 …) without connecting.
      if (cause instanceof Error && cause.message === 'bad port') return 'fetch blocks this port as unsafe; use another';
      return code ?? (cause instanceof Error ? cause.message : String(cause));
  }
}

type Answer = { ok: true; status: number; body: string } | { ok: false; status: number; body: string } | { ok: null; reason: string };

/**
 * The venue's `/info` endpoint under the weight budget: every request waits until its weight fits
 * the window; no answer, 429 and 5xx answers are retried with exponential backoff and jitter
 * (each retry is told to `onRetry`), other errors are thrown. Each answer is returned with the
 * request, in the recording's `{request, response}` shape.
 */
export class InfoClient {
  readonly budget: WeightBudget;
  private readonly opts: InfoClientOptions;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  requests = 0;
  retries = 0;
  timeouts = 0;

  constructor(opts: InfoClientOptions) {
    this.opts = opts;
    this.budget = opts.budget ?? new WeightBudget();
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => abortableSleep(ms, opts.signal));
  }

  private aborted(): boolean {
    return this.opts.signal?.aborted === true;
  }

  private get endpoint(): string {
    return `${this.opts.url}/info`;
  }

  async info(request: { type: string } & Record<string, unknown>): Promise<{ request: typeof request; response: unknown }> {
    const weight = requestWeight(request.type);
    const max = this.opts.maxRetries ?? 6;
    let reason = 'no answer yet';
    const gaveUp = (attempts: number) => new VenueUnreachable(this.endpoint, reason, attempts, true);
    for (let attempt = 0; ; attempt++) {
      if (this.aborted()) throw gaveUp(attempt);
      for (let w = this.budget.wait(this.now(), weight); w > 0; w = this.budget.wait(this.now(), weight)) await this.sleep(w);
      this.budget.spend(this.now(), weight);
      this.requests++;
      const answer = await this.post(request);
      if (answer.ok === true) {
        const response = JSON.parse(answer.body) as unknown;
        const extra = responseWeight(request.type, Array.isArray(response) ? response.length : 0);
        if (extra > 0) this.budget.spend(this.now(), extra);
        return { request, response };
      }
      if (this.aborted()) throw gaveUp(attempt + 1);
      reason = answer.ok === null ? answer.reason : `answered ${answer.status}`;
      if ((answer.ok === null || answer.status === 429 || answer.status >= 500) && attempt < max) {
        this.retries++;
        // Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … capped at 30 s.
        const wait = Math.random() * Math.min(30_000, 500 * 2 ** attempt);
        const what = answer.ok === null ? `unreachable (${reason})` : reason;
        this.opts.onRetry?.(`venue ${this.endpoint} ${what}; retry ${attempt + 1} in ${(wait / 1000).toFixed(1)} s`);
        await this.sleep(wait);
        continue;
      }
      if (answer.ok === null) throw new VenueUnreachable(this.endpoint, reason, attempt + 1, false);
      throw new VenueHttpError(answer.status, answer.body, this.endpoint);
    }
  }

  /** One POST; `ok: null` when it timed out or the connection failed (both worth a retry). */
  private async post(request: object): Promise<Answer> {
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = this.opts.signal === undefined ? timeout : AbortSignal.any([timeout, this.opts.signal]);
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal,
      });
      return { ok: res.ok, status: res.status, body: await res.text() };
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError') {
        this.timeouts++;
        return { ok: null, reason: `no answer within ${(timeoutMs / 1000).toFixed(timeoutMs < 1000 ? 1 : 0)} s` };
      }
      if (e instanceof Error && e.name === 'AbortError') return { ok: null, reason: 'stopped' };
      if (!(e instanceof TypeError)) throw e; // fetch reports network failures as TypeError
      return { ok: null, reason: networkReason(e) };
    }
  }
}

/** A sleep that ends early when `signal` aborts (the caller then sees the signal and stops). */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
