/** What the socket tells its owner besides venue messages: written into recordings as-is. */
export interface ConnectionNote {
  readonly channel: 'glass:connection';
  readonly data: { readonly state: 'open' | 'closed'; readonly reason: string };
}

export interface SocketOptions {
  readonly url: string;
  /** Subscription objects as the venue takes them: `{type: 'trades', coin: 'BTC'}` … */
  readonly subscriptions: readonly Record<string, unknown>[];
  readonly pingMs?: number;
  /** No message for this long means the connection is half-open: close and reconnect. */
  readonly staleMs?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * The venue WebSocket: subscribes, pings, notices a stale or half-open connection, reconnects
 * with exponential backoff and jitter and subscribes again. Every parsed message goes to `sink`
 * with its receive time; a frame that is not JSON is counted and reported, never passed on.
 * Connection changes go to `sink` too, as a ConnectionNote, so a recording shows its gaps.
 */
export class LiveSocket {
  private readonly opts: Required<SocketOptions>;
  private readonly sink: (ts: number, msg: unknown) => void;
  private readonly log: (line: string) => void;
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private lastMessage = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private pendingReconnect: ReturnType<typeof setTimeout> | null = null;
  connects = 0;
  malformed = 0;
  /** Connection attempts that never opened (refused, unknown host, handshake rejected). */
  failedAttempts = 0;

  /** `log` is told of malformed frames and of every reconnect, one line each. */
  constructor(opts: SocketOptions, sink: (ts: number, msg: unknown) => void, log: (line: string) => void = () => {}) {
    this.opts = { pingMs: 30_000, staleMs: 60_000, backoffMs: 500, maxBackoffMs: 30_000, ...opts };
    this.sink = sink;
    this.log = log;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    this.timer = setInterval(() => this.tick(), Math.min(this.opts.pingMs, this.opts.staleMs / 2));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.pendingReconnect !== null) clearTimeout(this.pendingReconnect);
    this.ws?.close();
    this.ws = null;
  }

  private connect(): void {
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.connects++;
      this.attempt = 0;
      this.lastMessage = Date.now();
      this.note('open', 'connected');
      for (const subscription of this.opts.subscriptions) ws.send(JSON.stringify({ method: 'subscribe', subscription }));
    });
    ws.addEventListener('message', (e: MessageEvent) => {
      if (this.ws !== ws) return; // an abandoned (stale) socket's late frames
      const ts = Date.now();
      this.lastMessage = ts;
      const text = typeof e.data === 'string' ? e.data : String(e.data);
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        this.malformed++;
        this.log(`malformed frame (${text.length} bytes): ${text.slice(0, 80)}`);
        return;
      }
      this.sink(ts, msg);
    });
    ws.addEventListener('close', (e: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const reason = opened ? e.reason || `code ${e.code}` : 'could not connect';
      this.note('closed', reason);
      if (!opened) this.failedAttempts++;
      if (!this.stopped) this.reconnectLater(opened ? `closed (${reason})` : `unreachable (${reason})`);
    });
    ws.addEventListener('error', () => {
      // A 'close' follows every 'error'; reconnecting happens there.
    });
  }

  private reconnectLater(what: string): void {
    const cap = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** this.attempt++);
    // Full jitter: many clients reconnecting after one outage should not arrive together.
    const wait = Math.random() * cap;
    this.log(`venue ${this.opts.url} ${what}; retry ${this.attempt} in ${(wait / 1000).toFixed(1)} s`);
    this.pendingReconnect = setTimeout(() => {
      this.pendingReconnect = null;
      if (!this.stopped) this.connect();
    }, wait);
  }

  private tick(): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessage > this.opts.staleMs) {
      // Half-open: the peer may never answer a close handshake, so the socket is abandoned now
      // (its late close event is ignored) and a new one is on its way.
      this.ws = null;
      ws.close(4000, 'stale');
      this.note('closed', 'stale: no message within the stale limit');
      this.reconnectLater('silent (no message within the stale limit)');
      return;
    }
    ws.send(JSON.stringify({ method: 'ping' }));
  }

  private note(state: 'open' | 'closed', reason: string): void {
    const n: ConnectionNote = { channel: 'glass:connection', data: { state, reason } };
    this.sink(Date.now(), n);
  }
}
