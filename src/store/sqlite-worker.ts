import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { PRAGMAS, type WireBatch, writeWire } from './sqlite-write.ts';

/**
 * The SQLite store's writer thread: its own connection to the same file (WAL lets the main
 * thread's connection read meanwhile), one transaction per batch; the inserts and the commit's
 * disk writes happen here, off the thread that runs the engines.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
db.exec(PRAGMAS);
port.on('message', (m: { id: number; batch: WireBatch } | { id: number; close: true }) => {
  if ('close' in m) {
    db.close();
    port.postMessage({ id: m.id, ok: true });
    return;
  }
  try {
    writeWire(db, m.batch);
    port.postMessage({ id: m.id, ok: true });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
