import { requestWeight, responseWeight, WeightBudget } from './limits.ts';

export interface InfoClientOptions {
  readonly url: string;
  readonly budget?: WeightBudget;
  readonly maxRetries?: number;
  /** An answer slower than this is abandoned and retried like a 5xx (default 10 s). */
  readonly timeoutMs?: number;
  /** For tests: the clock and the sleep the client waits with. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class VenueHttpError extends Error {
  readonly status: number;

  constructor(status: number, body: string) {
    super(`venue /info answered ${status}: ${body.slice(0, 200)}`);
    this.name = 'VenueHttpError';
    this.status = status;
  }
}

/**
 * The venue's `/info` endpoint under the weight budget: every request waits until its weight fits
 * the window; 429 and 5xx answers are retried with exponential backoff and jitter, other errors
 * are thrown. Each answer is returned with the request, in the recording's `{request, response}`
 * shape.
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
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async info(request: { type: string } & Record<string, unknown>): Promise<{ request: typeof request; response: unknown }> {
    const weight = requestWeight(request.type);
    const max = this.opts.maxRetries ?? 6;
    for (let attempt = 0; ; attempt++) {
      for (let w = this.budget.wait(this.now(), weight); w > 0; w = this.budget.wait(this.now(), weight)) await this.sleep(w);
      this.budget.spend(this.now(), weight);
      this.requests++;
      const answer = await this.post(request);
      if (answer?.ok) {
        const response = JSON.parse(answer.body) as unknown;
        const extra = responseWeight(request.type, Array.isArray(response) ? response.length : 0);
        if (extra > 0) this.budget.spend(this.now(), extra);
        return { request, response };
      }
      if ((answer === null || answer.status === 429 || answer.status >= 500) && attempt < max) {
        this.retries++;
        // Exponential backoff with full jitter: 0.5 s, 1 s, 2 s … capped at 30 s.
        await this.sleep(Math.random() * Math.min(30_000, 500 * 2 ** attempt));
        continue;
      }
      if (answer === null) throw new VenueHttpError(0, `no answer after ${attempt + 1} attempts`);
      throw new VenueHttpError(answer.status, answer.body);
    }
  }

  /** One POST; null when it timed out or the connection failed (both worth a retry). */
  private async post(request: object): Promise<{ ok: boolean; status: number; body: string } | null> {
    try {
      const res = await fetch(`${this.opts.url}/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      return { ok: res.ok, status: res.status, body: await res.text() };
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError') this.timeouts++;
      else if (!(e instanceof TypeError)) throw e; // fetch reports network failures as TypeError
      return null;
    }
  }
}
