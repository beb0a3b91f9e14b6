import { ledgerView, ServingAlerts } from '../../alerts/index.ts';
import { plural } from '../../domain/format.ts';
import type { GlassEventType } from '../../domain/glass-event.ts';
import { GradeBook } from '../../engine/ledger/book.ts';
import type { App } from '../../server/app.ts';
import { ServiceMetrics } from '../../server/metrics.ts';
import { apiSettings, exposureLines, SERVE_HELP, SERVE_OPTIONS, servingLine, startApi, stopSignal } from '../../server/serve-engines.ts';
import { eventOut, StoreView } from '../../server/store-view.ts';
import { StreamHub, viewSource } from '../../server/stream.ts';
import { StoreError } from '../../store/errors.ts';
import { describeSpec, missingStore, openStore, storeSpec } from '../../store/open.ts';
import type { Outbox } from '../../store/outbox.ts';
import type { EventRecord, Store } from '../../store/types.ts';
import { type CommandSpec, parseCommand, strOption } from '../args.ts';
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

/**
 * The stored rules (/v1/alerts) over the events another process commits, delivered from here: the
 * rules read the ledger rebuilt from the stored grades (a GradeBook fed the new ones as they come).
 * Venue times are taken as wall-clock times (a store followed while a live ingest writes it); the
 * events of a recording ingested elsewhere are past their TTL and dropped as stale.
 */
async function storeAlerts(
  store: Store,
  outbox: Outbox,
  app: App,
): Promise<{ enqueue(records: readonly EventRecord[]): Promise<void>; stop(): Promise<void> }> {
  const book = new GradeBook();
  let after = 0;
  const table = {
    get clock() {
      return book.time;
    },
    rows: () => book.rows(false),
    muteReason: (t: GlassEventType, c?: string) => book.muteReason(t, c),
  };
  const view = ledgerView(table);
  const alerting = new ServingAlerts(outbox, {
    wallClock: true,
    ledger: () => view,
    onResult: (r) => {
      if (r.state !== 'delivered') app.log.warn({ key: r.row.key, state: r.state, detail: r.detail }, 'alert not delivered');
    },
    warn: (message, err) => app.log.warn({ err }, message),
  });
  const catchUp = async (): Promise<void> => {
    for (;;) {
      const page = await store.grades({ afterId: after, limit: 5000 });
      for (const g of page) book.add(g.grade);
      after = page.at(-1)?.id ?? after;
      if (page.length < 5000) return;
    }
  };
  await catchUp();
  await alerting.start();
  return {
    enqueue: async (records) => {
      await catchUp();
      return alerting.enqueue(records);
    },
    stop: () => alerting.stop(),
  };
}

/** How often the store is read for events another process committed. */
const POLL_MS = 250;

/** How the stream follows the store (default: every id after the last one; `glass api` passes a gap-aware StoreTail). */
export interface EventFollower {
  start(): Promise<number>;
  next(afterId: number, limit: number): Promise<EventRecord[]>;
}

export async function serveCommand(argv: readonly string[], follower?: (store: Store) => EventFollower): Promise<number> {
  const p = parseCommand(serveSpec, argv);
  if (p === null) return 0;
  const settings = apiSettings(p, { logLevel: 'info' });
  const db = strOption(p, 'db');
  const spec = storeSpec(db);
  // Serving an empty file made up on the spot would only hide a wrong path.
  const missing = await missingStore(spec);
  // Exit 1, as every command given a file or store that is not there (2 is for a malformed command line).
  if (missing !== null) throw new StoreError(missing);
  const store = await openStore(db);
  const metrics = new ServiceMetrics();
  const view = new StoreView(store);
  const hub = new StreamHub(viewSource(view), {}, metrics);
  const follow = follower?.(store);
  hub.lastId = follow === undefined ? await store.lastEventId() : await follow.start();
  let api: Awaited<ReturnType<typeof startApi>>;
  try {
    api = await startApi(settings, { view, store, hub, metrics }, db);
  } catch (e) {
    await store.close();
    throw e;
  }
  note(servingLine('serve', api.url, settings));
  note(`  store ${describeSpec(storeSpec(db))}, ${plural(hub.lastId, 'event')}`);
  for (const line of exposureLines('serve', settings, api.port)) note(line);
  const alerting = api.alerts === undefined ? null : await storeAlerts(store, api.alerts, api.app);
  // The stream follows the store: events committed by a writer elsewhere, in id order.
  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      for (;;) {
        const rows = follow === undefined ? await store.events({ afterId: hub.lastId, limit: 1000 }) : await follow.next(hub.lastId, 1000);
        // Alerts of the stored rules, on the ledger as the stored grades tell it by now.
        await alerting?.enqueue(rows);
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
  await alerting?.stop();
  await api.app.close();
  await store.close();
  note('glass serve: stopped');
  return 0;
}
