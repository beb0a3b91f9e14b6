import type { App, RouteDeps } from '../app.ts';
import { Health } from '../schemas.ts';

/** A stream further behind the venue than this is reported degraded. */
const DEGRADED_LAG_MS = 60_000;

/** GET /v1/health (no key needed) and /v1/metrics (Prometheus text). */
export function healthRoutes(app: App, { view, hub, metrics, started }: RouteDeps): void {
  app.get('/health', { schema: { summary: 'Liveness and where ingest stands (no key needed)', response: { 200: Health } } }, async () => {
    const s = await view.status();
    return {
      status: s.ingestLagMs !== null && s.ingestLagMs > DEGRADED_LAG_MS ? ('degraded' as const) : ('ok' as const),
      mode: view.mode,
      lastEventId: s.lastEventId,
      lastEventTime: s.lastEventTime,
      ingestLagMs: s.ingestLagMs,
      streamClients: hub.size,
      uptimeS: Math.round((Date.now() - started) / 1000),
    };
  });
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: ingest lag (live ingest only: no sample otherwise), events/s, store batch latency, stream clients',
        produces: ['text/plain'],
      },
    },
    async (_req, reply) => {
      metrics.wsClients(hub.size);
      // The lag as /v1/health gives it, or no sample at all when it is not known (never a false 0).
      const s = await view.status();
      metrics.ingestLag(s.ingestLagMs);
      reply.type(metrics.contentType);
      return metrics.text();
    },
  );
}
