import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { writeBatch } from './sqlite-write.ts';
import type { WriteBatch } from './types.ts';

/**
 * The SQLite store's writer thread: its own connection to the same file (WAL lets the main
 * thread's connection read meanwhile), one transaction per batch. Encoding the JSON and inserting
 * happen here, off the thread that runs the engines.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-worker.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000');
port.on('message', (m: { id: number; batch: WriteBatch } | { id: number; close: true }) => {
  if ('close' in m) {
    db.close();
    port.postMessage({ id: m.id, ok: true });
    return;
  }
  try {
    writeBatch(db, m.batch);
    port.postMessage({ id: m.id, ok: true });
  } catch (e) {
    port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
