import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifyWebhook } from '../../src/alerts/index.ts';

/**
 * Local HTTP servers on 127.0.0.1 (port 0) that answer as a webhook receiver, the Telegram Bot API
 * and Discord's webhooks do (their documented shapes), with a script of failures: a status with a
 * body and headers, a delay past the sender's timeout, or the whole server down for a while.
 */
export type Plan =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSec?: number }
  | { readonly kind: 'slow'; readonly delayMs: number };

export interface Received {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly plan: Plan;
}

export class Receiver {
  readonly requests: Received[] = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  private closed = false;
  /** Request number (0-based) → what to answer; default ok. */
  script: (n: number, body: string) => Plan = () => ({ kind: 'ok' });
  private readonly answer: (res: ServerResponse, req: Received) => void;

  constructor(answer: (res: ServerResponse, req: Received) => void) {
    this.answer = answer;
    this.server = this.make();
  }

  private make(): Server {
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const plan = this.script(this.requests.length, body);
        const r: Received = { at: performance.timeOrigin + performance.now(), path: req.url ?? '', headers: req.headers, body, plan };
        this.requests.push(r);
        if (plan.kind === 'slow') setTimeout(() => this.answer(res, r), plan.delayMs);
        else this.answer(res, r);
      });
    });
    s.on('connection', (c) => {
      this.sockets.add(c);
      c.on('close', () => this.sockets.delete(c));
    });
    return s;
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Down (connections refused) for `ms`, then up again on the same port. */
  async down(ms: number): Promise<void> {
    await this.shutdown();
    this.server = this.make();
    setTimeout(() => {
      if (!this.closed) void this.listen(this.port);
    }, ms);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    if (!this.server.listening) return;
    for (const c of this.sockets) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = body === null ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text === '' ? {} : { 'content-type': 'application/json' }), ...headers });
  res.end(text);
}

/**
 * A webhook receiver as docs/alerts.md asks one to be: it verifies the signature over
 * `timestamp.body` within its replay window, answers 401 to a bad one, and processes each
 * idempotency key once (a repeat is acknowledged, not processed again).
 */
export class WebhookReceiver extends Receiver {
  readonly processed = new Map<string, { at: number; body: Record<string, unknown> }>();
  badSignatures = 0;
  repeats = 0;

  constructor(secret: string) {
    super((res, r) => {
      if (r.plan.kind === 'status') {
        return send(
          res,
          r.plan.status,
          { error: 'scripted' },
          r.plan.retryAfterSec === undefined ? {} : { 'retry-after': String(r.plan.retryAfterSec) },
        );
      }
      const ok = verifyWebhook({
        secret,
        body: r.body,
        timestamp: r.headers['glass-timestamp'] as string | undefined,
        signature: r.headers['glass-signature'] as string | undefined,
        nowMs: Date.now(),
      });
      if (!ok) {
        this.badSignatures++;
        return send(res, 401, { error: 'bad signature' });
      }
      const key = String(r.headers['idempotency-key']);
      if (this.processed.has(key)) this.repeats++;
      else this.processed.set(key, { at: r.at, body: JSON.parse(r.body) as Record<string, unknown> });
      send(res, 200, { ok: true });
    });
  }
}

/** The Telegram Bot API's sendMessage: `{ok, result}` or `{ok: false, error_code, description, parameters}`. */
export class TelegramApi extends Receiver {
  readonly messages: { at: number; chatId: unknown; text: string }[] = [];
  private nextId = 1;

  constructor(token: string) {
    super((res, r) => {
      if (r.path !== `/bot${token}/sendMessage`) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      if (r.plan.kind === 'status') {
        const s = r.plan.status;
        const description = s === 429 ? `Too Many Requests: retry after ${r.plan.retryAfterSec ?? 1}` : 'Internal Server Error';
        return send(res, s, {
          ok: false,
          error_code: s,
          description,
          ...(s === 429 ? { parameters: { retry_after: r.plan.retryAfterSec ?? 1 } } : {}),
        });
      }
      const m = JSON.parse(r.body) as { chat_id: unknown; text: string };
      this.messages.push({ at: r.at, chatId: m.chat_id, text: m.text });
      send(res, 200, {
        ok: true,
        result: { message_id: this.nextId++, chat: { id: m.chat_id, type: 'private' }, date: Math.floor(r.at / 1000), text: m.text },
      });
    });
  }
}

/** A Discord webhook: 204 on success; 429 with `{message, retry_after (s), global}` and Retry-After. */
export class DiscordApi extends Receiver {
  readonly messages: { at: number; content: string; mentions: unknown }[] = [];

  constructor() {
    super((res, r) => {
      if (r.plan.kind === 'status') {
        const s = r.plan.status;
        if (s === 429) {
          const ra = r.plan.retryAfterSec ?? 1;
          return send(
            res,
            429,
            { message: 'You are being rate limited.', retry_after: ra, global: false },
            { 'retry-after': String(Math.ceil(ra)) },
          );
        }
        return send(res, s, { message: 'scripted', code: 0 });
      }
      const m = JSON.parse(r.body) as { content: string; allowed_mentions: unknown };
      this.messages.push({ at: r.at, content: m.content, mentions: m.allowed_mentions });
      send(res, 204, null);
    });
  }
}
