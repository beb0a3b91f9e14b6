import { existsSync } from 'node:fs';
import { ServiceMetrics } from '../../server/metrics.ts';
import { apiSettings, SERVE_HELP, SERVE_OPTIONS, servingLine, startApi, stopSignal } from '../../server/serve-engines.ts';
import { eventOut, StoreView } from '../../server/store-view.ts';
import { StreamHub, viewSource } from '../../server/stream.ts';
import { describeSpec, isPostgres, openStore, storeSpec } from '../../store/open.ts';
import { type CommandSpec, parseCommand, strOption, UsageError } from '../args.ts';
import { note } from '../output.ts';

export const serveSpec: CommandSpec = {
  name: 'serve',
  summary: 'The /v1 HTTP API and /v1/stream WebSocket over an existing store (what glass replay --db or a serving demo wrote).',
  usage: '[--db SPEC] [--port P] [--host H] [--open|--no-open] [--cors ORIGINS] [--log-level L]',
  options: { db: { type: 'string' }, port: { type: 'string' }, ...SERVE_OPTIONS },
  help: [
    '--db SPEC       the store: a SQLite file or postgres://… (default GLASS_DATABASE_URL, else ./glass.sqlite)',
    ...SERVE_HELP,
    'New events another process commits to the store reach /v1/stream within a quarter second.',
  ],
  positionals: { min: 0, max: 0 },
};

/** How often the store is read for events another process committed. */
const POLL_MS = 250;

export async function serveCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(serveSpec, argv);
  if (p === null) return 0;
  const settings = apiSettings(p, { logLevel: 'info' });
  const db = strOption(p, 'db');
  const spec = storeSpec(db);
  // Serving an empty file made up on the spot would only hide a wrong path.
  if (!isPostgres(spec) && spec !== ':memory:' && !existsSync(spec)) {
    throw new UsageError(`no store at ${spec} (glass replay F --db ${spec} or glass demo --serve --db ${spec} writes one)`);
  }
  const store = await openStore(db);
  const metrics = new ServiceMetrics();
  const view = new StoreView(store);
  const hub = new StreamHub(viewSource(view), {}, metrics);
  hub.lastId = await store.lastEventId();
  let api: Awaited<ReturnType<typeof startApi>>;
  try {
    api = await startApi(settings, { view, store, hub, metrics }, db);
  } catch (e) {
    await store.close();
    throw e;
  }
  note(servingLine('serve', api.url, settings));
  note(`  store ${describeSpec(storeSpec(db))}, ${hub.lastId} events`);
  // The stream follows the store: events committed by a writer elsewhere, in id order.
  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      for (;;) {
        const rows = await store.events({ afterId: hub.lastId, limit: 1000 });
        hub.publishAll(rows.map(eventOut));
        if (rows.length > 0) metrics.eventsEmitted(rows.length);
        if (rows.length < 1000) break;
      }
      for (const coin of hub.heatmapCoins()) {
        const m = await view.heatmap(coin, {});
        if (m !== null) hub.publishHeatmap(m);
      }
    } catch (e) {
      api.app.log.warn({ err: e }, 'stream poll failed');
    } finally {
      polling = false;
    }
  }, POLL_MS);
  await stopSignal().promise;
  clearInterval(poll);
  await api.app.close();
  await store.close();
  note('glass serve: stopped');
  return 0;
}
