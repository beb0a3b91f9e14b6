import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A gauge with no sample at all until it is known (set()), and again after clear(): absent, never a false 0. */
class OptionalGauge extends Gauge {
  private known = false;

  override set(value: number): void;
  override set(labels: Record<string, string | number>, value: number): void;
  override set(a: number | Record<string, string | number>, b?: number): void {
    this.known = true;
    if (typeof a === 'number') super.set(a);
    else super.set(a, b as number);
  }

  clear(): void {
    this.known = false;
  }

  override async get(): Promise<Awaited<ReturnType<Gauge['get']>>> {
    const m = await super.get();
    return this.known ? m : { ...m, values: [] };
  }
}

/** Seconds the events-per-second gauge averages over. */
const RATE_WINDOW_S = 10;

/**
 * The service's Prometheus metrics, on a registry of its own (several servers in one process,
 * as in the tests, do not share counters). The feeders (serve-engines.ts, stream.ts) call the
 * methods; GET /v1/metrics renders the text format.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly events: Counter;
  private readonly eventRate: Gauge;
  private readonly lag: OptionalGauge;
  private readonly batch: Histogram;
  private readonly clients: Gauge;
  private readonly closedSlow: Counter;
  private readonly requests: Counter;
  /** Events counted per second over the window, newest last. */
  private readonly perSecond: { second: number; n: number }[] = [];

  constructor() {
    const registers = [this.registry];
    this.events = new Counter({ name: 'glass_events_total', help: 'Glass events emitted by the engines', registers });
    this.eventRate = new Gauge({
      name: 'glass_events_per_second',
      help: `Glass events emitted per second over the last ${RATE_WINDOW_S} s`,
      registers,
      collect: () => this.eventRate.set(this.rate(Date.now())),
    });
    this.lag = new OptionalGauge({
      name: 'glass_ingest_lag_seconds',
      help:
        'Live ingest only (glass live --serve): now minus the receive time of the newest ingested venue message, as /v1/health ingestLagMs. ' +
        'No sample for a replay, the demo or glass serve over a store: their times are not the wall clock',
      registers,
    });
    this.batch = new Histogram({
      name: 'glass_store_batch_seconds',
      help: 'Store write latency per batch (one transaction)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.clients = new Gauge({ name: 'glass_ws_clients', help: 'Connected /v1/stream clients', registers });
    this.closedSlow = new Counter({ name: 'glass_ws_slow_closed_total', help: 'Stream clients closed for not keeping up', registers });
    this.requests = new Counter({
      name: 'glass_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
  }

  eventsEmitted(n: number, nowMs = Date.now()): void {
    this.events.inc(n);
    const second = Math.floor(nowMs / 1000);
    const last = this.perSecond[this.perSecond.length - 1];
    if (last !== undefined && last.second === second) last.n += n;
    else this.perSecond.push({ second, n });
    while (this.perSecond.length > RATE_WINDOW_S + 1) this.perSecond.shift();
  }

  rate(nowMs: number): number {
    const from = Math.floor(nowMs / 1000) - RATE_WINDOW_S;
    let n = 0;
    for (const s of this.perSecond) if (s.second > from) n += s.n;
    return n / RATE_WINDOW_S;
  }

  /** The ingest lag (ms); null: not known here, and the metric has no sample. */
  ingestLag(ms: number | null): void {
    if (ms === null) this.lag.clear();
    else this.lag.set(Math.max(0, ms) / 1000);
  }

  storeBatch(ms: number): void {
    this.batch.observe(ms / 1000);
  }

  wsClients(n: number): void {
    this.clients.set(n);
  }

  slowClosed(): void {
    this.closedSlow.inc();
  }

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
