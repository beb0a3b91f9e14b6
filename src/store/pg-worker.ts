import { parentPort, workerData } from 'node:worker_threads';
import { StoreError } from './errors.ts';
import { encodeViews, MapEncoder } from './map-encoder.ts';
import { writePgWire } from './pg-rows.ts';
import { type PgTarget, pgClient, reachable } from './pg-target.ts';
import { type PackedMaps, type PackedScores, unpackMaps, unpackScores, WalletNames, type WireBatch } from './sqlite-write.ts';
import { FailedWrites } from './writer-thread.ts';

/**
 * The PostgreSQL store's writer thread: its own client (connections of its own), one transaction
 * per batch. The rows' JSON texts are built and the client encodes and sends them here, off the
 * thread that runs the engines, which only packs the batch (see `encodeBatch`, `packMaps`,
 * `packScores`) and hands its buffers over.
 */
const port = parentPort;
if (port === null) throw new Error('pg-worker.ts runs as a worker thread');
const { target, max, settings } = workerData as { target: PgTarget; max: number; settings: Record<string, string> };
const sql = pgClient(target, max, settings);

/** The newest write not yet settled: the next batch's transaction waits for it (see writePgWire). */
let lastWrite: Promise<void> = Promise.resolve();
/** The maps' documents and deltas are built here (map-encoder.ts): each coin's last whole map written. */
const maps = new MapEncoder();
/** The score rows' wallet numbers (writer-thread.ts numbers them; every batch's, refused or not, learnt in order). */
const names = new WalletNames();

/** Writes that failed and why: a batch sent while one of them was pending is refused (writer-thread.ts). */
const failed = new FailedWrites<{ readonly error: string; readonly unreachable: boolean }>();

port.on(
  'message',
  async (m: { id: number; after: number; batch: WireBatch; maps: PackedMaps; scores: PackedScores } | { id: number; close: true }) => {
    if ('close' in m) {
      try {
        await sql.end({ timeout: 5 });
      } finally {
        port.postMessage({ id: m.id, ok: true });
      }
      return;
    }
    names.learn(m.scores);
    const earlier = failed.refused(m.id, m.after);
    if (earlier !== undefined) {
      port.postMessage({
        id: m.id,
        ok: false,
        error: `not written: the batch before it failed (${earlier.error})`,
        unreachable: earlier.unreachable,
      });
      return;
    }
    const before = lastWrite;
    let mine: Promise<void>;
    try {
      unpackMaps(m.batch, m.maps);
      encodeViews(m.batch.heatmaps, m.batch.views, maps);
      // The recorder's rows go by binary COPY from their numbers (pg-score-copy.ts), others as text.
      const w = { ...m.batch, scores: m.scores.numeric ? [] : unpackScores(m.scores, names.of(m.scores)) };
      // (No rows: no COPY at all.)
      const packed = m.scores.numeric && m.scores.wallets.length > 0 ? { scores: m.scores, wallets: names.of(m.scores) } : undefined;
      mine = reachable(target.where, () => writePgWire(sql, w, before, packed));
    } catch (e) {
      mine = Promise.reject(e);
    }
    lastWrite = mine;
    try {
      await mine;
      port.postMessage({ id: m.id, ok: true });
    } catch (e) {
      // Not committed (nor any batch encoded after it, whose transaction waits on this one): their bases are not in the store.
      maps.forget();
      const error = e instanceof Error ? e.message : String(e);
      const unreachable = e instanceof StoreError;
      failed.fail(m.id, { error, unreachable });
      port.postMessage({ id: m.id, ok: false, error, unreachable });
    } finally {
      // Settled and reported: a batch sent after the report starts afresh (the store stays usable).
      if (lastWrite === mine) lastWrite = Promise.resolve();
    }
  },
);
port.postMessage({ ready: true });
