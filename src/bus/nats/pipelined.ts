import type { PubAck } from '@nats-io/jetstream';
import { createInbox, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { BusError } from './connect.ts';

interface Waiting {
  readonly resolve: (a: PubAck) => void;
  readonly reject: (e: Error) => void;
  readonly at: number;
}

const dec = new TextDecoder();

/**
 * JetStream publishes with their PubAcks pipelined on one reply subscription: each message is a
 * plain publish whose reply subject is `<inbox>.<n>`, and the stream's PubAck to it settles the
 * n-th promise. The client's own `js.publish` is a request per message (a mux entry, a timer and
 * two Error objects made up front for the stack trace): measured, that was half of `glass ingest`'s
 * time. Order is the connection's: messages reach the stream in publish order. A PubAck that does
 * not come within `timeoutMs` (no stream on the subject, the server gone) fails every waiting
 * publish with a BusError; the caller stops and a successor resumes from the stream.
 */
export class PipelinedPublisher {
  private readonly nc: NatsConnection;
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly waiting = new Map<number, Waiting>();
  private readonly timer: NodeJS.Timeout;
  private readonly timeoutMs: number;
  private n = 0;

  constructor(nc: NatsConnection, timeoutMs = 10_000) {
    this.nc = nc;
    this.timeoutMs = timeoutMs;
    this.inbox = createInbox();
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, m) => {
        if (err !== null) {
          this.failAll(new BusError(`PubAcks: ${err.message}`, { cause: err }));
          return;
        }
        const k = Number(m.subject.slice(this.inbox.length + 1));
        const w = this.waiting.get(k);
        if (w === undefined) return;
        this.waiting.delete(k);
        let a: { stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: { description?: string; code?: number } };
        try {
          a = JSON.parse(dec.decode(m.data)) as typeof a;
        } catch {
          w.reject(new BusError(`unreadable PubAck (${m.data.length} bytes, status ${m.headers?.code ?? '?'})`));
          return;
        }
        if (a.error !== undefined || typeof a.seq !== 'number') {
          w.reject(new BusError(`JetStream refused the message: ${a.error?.description ?? 'no sequence'} (${a.error?.code ?? '?'})`));
          return;
        }
        w.resolve({ stream: a.stream ?? '', seq: a.seq, duplicate: a.duplicate === true, domain: a.domain ?? '' });
      },
    });
    this.timer = setInterval(
      () => {
        const oldest = this.waiting.values().next().value;
        if (oldest !== undefined && performance.now() - oldest.at > this.timeoutMs)
          this.failAll(new BusError(`no PubAck within ${this.timeoutMs} ms (is the stream there?)`));
      },
      Math.min(1000, timeoutMs),
    );
    this.timer.unref();
  }

  /** Publishes now; the promise settles with the stream's PubAck (observed: an unawaited failure is no crash). */
  publish(subject: string, data: Uint8Array | string, h: MsgHdrs, msgId: string): Promise<PubAck> {
    const k = ++this.n;
    h.set('Nats-Msg-Id', msgId);
    const p = new Promise<PubAck>((resolve, reject) => this.waiting.set(k, { resolve, reject, at: performance.now() }));
    p.catch(() => {});
    this.nc.publish(subject, data, { reply: `${this.inbox}.${k}`, headers: h });
    return p;
  }

  /** Publishes not acknowledged yet. */
  get pending(): number {
    return this.waiting.size;
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.sub.unsubscribe();
    this.failAll(new BusError('publisher closed'));
  }
}
