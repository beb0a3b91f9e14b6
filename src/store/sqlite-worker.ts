import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeViews, MapEncoder } from './map-encoder.ts';
import {
  type PackedMaps,
  type PackedScores,
  PRAGMAS,
  unpackMaps,
  unpackScores,
  WalletNames,
  type WireBatch,
  writeWire,
} from './sqlite-write.ts';
import { FailedWrites } from './writer-thread.ts';

/**
 * The SQLite store's writer thread: its own connection to the same file (WAL lets the main
 * thread's connection read meanwhile), one transaction per batch; the inserts and the commit's
 * disk writes happen here, off the thread that runs the engines.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
db.exec(PRAGMAS);
port.postMessage({ ready: true });
/** Batches arrive in cursor order, several at a time (ingest's writes in flight); see writer-thread.ts for refusals. */
const failed = new FailedWrites<string>();
/** The maps' documents and deltas are built here (map-encoder.ts): each coin's last whole map written. */
const maps = new MapEncoder();
/** The score rows' wallet numbers (writer-thread.ts numbers them; every batch's, refused or not, learnt in order). */
const names = new WalletNames();
port.on(
  'message',
  (m: { id: number; after: number; batch: WireBatch; maps: PackedMaps; scores: PackedScores } | { id: number; close: true }) => {
    if ('close' in m) {
      db.close();
      port.postMessage({ id: m.id, ok: true });
      return;
    }
    names.learn(m.scores);
    const earlier = failed.refused(m.id, m.after);
    if (earlier !== undefined) {
      port.postMessage({ id: m.id, ok: false, error: `not written: the batch before it failed (${earlier})` });
      return;
    }
    try {
      unpackMaps(m.batch, m.maps);
      encodeViews(m.batch.heatmaps, m.batch.views, maps);
      writeWire(db, { ...m.batch, scores: unpackScores(m.scores, names.of(m.scores), true) });
      port.postMessage({ id: m.id, ok: true });
    } catch (e) {
      // Not committed: the bases this batch set are not in the store.
      maps.forget();
      const error = e instanceof Error ? e.message : String(e);
      failed.fail(m.id, error);
      port.postMessage({ id: m.id, ok: false, error });
    }
  },
);
