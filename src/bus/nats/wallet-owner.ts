import type { PubAck } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { HeatmapEngine } from '../../engine/heatmap/engine.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { EvidenceMerge } from '../../engine/score/merge.ts';
import { EntityGraph } from '../../engine/syndicates/entities.ts';
import { type HunterOptions, WhaleHunter } from '../../engine/whales/hunter.ts';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { RecordError } from '../../recording/errors.ts';
import { Recorder } from '../../store/recorder.ts';
import type { Store } from '../../store/types.ts';
import { ArrivedMessages } from './arrived.ts';
import type { BusNames, ClusterConfig } from './config.ts';
import { PipelinedPublisher } from './pipelined.ts';
import { LINE_HEADER, rawIn } from './raw.ts';
import { ensureStreams, resetConsumer } from './streams.ts';
import { type EvidenceReaders, openEvidenceReaders } from './wallet-partition.ts';
import { encodeReads, ReadLog, StreamTicks, walletCovered } from './wallet-state.ts';
import { workerSource } from './worker.ts';

/** The wallet owner's consumer, lease (`worker.wallets`) and store cursor name. */
export const WALLET_OWNER = 'wallets';

/** Reads per wallet-stream message at most (numbers, four per read): well under NATS's 1 MB payload. */
const CHUNK = 4 * 20_000;

export interface WalletOwnerOptions {
  readonly venue: string;
  /** The whale thresholds: the coin workers' (a read is made where their policy and detector make one). */
  readonly whales?: Partial<HunterOptions>;
  readonly batch?: number;
  readonly stopped: () => boolean;
  readonly onCommit?: (seq: number, scores: number) => void;
  readonly note?: (line: string) => void;
  readonly idleExitMs?: number;
  /** The merger of this many wallet partitions (`--merge n`): their evidence in place of the score engine's own work. */
  readonly merge?: number;
}

/**
 * The wallet owner's engines: the book, the score engine, and the readers of scores whose state
 * spans coins, attached in attachEngines' order so that every read sees the score engine where the
 * single process's does: the syndicates' entity graph, the whale hunter (its policy and syndicate detector, on every coin, no
 * zones, its events dropped) and the liquidations (LARGE_LIQUIDATION names the liquidated wallet's
 * score; the signal detectors decide per coin whether to emit, so every one is read).
 */
export class WalletOwnerEngines {
  readonly pipeline = new Pipeline();
  readonly ticks = new StreamTicks(this.pipeline);
  readonly log = new ReadLog(this.ticks);
  /** The score engine, or with `merge` the merge of the wallet partitions' evidence (`--role wallets --merge n`; wallet-partition.ts). */
  readonly score: ScoreEngine;
  private publishing = false;

  constructor(whales: Partial<HunterOptions> = {}, opts: { merge?: EvidenceMerge } = {}) {
    this.score = new ScoreEngine(this.pipeline.book, opts.merge === undefined ? {} : { merge: opts.merge });
    const read = (w: number): number | null => {
      const s = this.score.scoreNow(w);
      if (this.publishing) this.log.note(w, s);
      return s;
    };
    // As attachEngines does: the syndicates' entity graph fed the stream's ledger updates, attached first.
    const entities = whales.syndicates?.entities === undefined ? new EntityGraph() : whales.syndicates.entities;
    if (entities !== null) this.pipeline.attach(entities);
    this.pipeline.attach(this.score);
    this.pipeline.attach(
      new WhaleHunter(this.pipeline.book, () => {}, { score: read }, { ...whales, syndicates: { ...whales.syndicates, entities } }),
    );
    this.pipeline.market.subscribe((e) => {
      if (e.type !== 'liquidation') return;
      const id = this.pipeline.book.wallets.peek(e.wallet);
      if (id !== undefined) read(id);
    });
  }

  /** Raw message `seq`; its reads go to the log when `publish` (those the wallet stream lacks). */
  apply(seq: number, item: Parameters<Pipeline['ingest']>[0], publish: boolean): void {
    this.ticks.begin(seq);
    this.publishing = publish;
    this.pipeline.ingest(item);
    this.publishing = false;
  }
}

export { walletCovered } from './wallet-state.ts';

/**
 * The wallet owner (`glass worker --role wallets`): the one process that runs the score engine.
 * It reads every raw message (a durable pull consumer `worker-wallets`, made afresh from the
 * stream's first message like a coin worker's), runs the book, the score engine and the readers
 * of scores that span coins (the whale policy and the syndicate detector on every coin's changes,
 * every liquidation's wallet), and per batch:
 *  1. publishes the batch's score reads to `<prefix>.wallet.reads` (wallet-state.ts), covering
 *     its raw sequences (after those the stream already covers: a successor rebuilds and goes on
 *     from its predecessor's last message);
 *  2. commits the scores the recorder made (the single process's score records) with its cursor
 *     (when there are any);
 *  3. acknowledges the batch.
 * Coin workers apply raw message s only once the reads cover s. With `merge` (`--merge n`) the
 * score engine is the merge of n wallet partitions' evidence (wallet-partition.ts): raw message s is
 * applied once every partition's evidence covers s.
 */
export async function runWalletOwner(
  nc: NatsConnection,
  cfg: ClusterConfig,
  names: BusNames,
  store: Store,
  o: WalletOwnerOptions,
): Promise<{ lastSeq: number; scores: number; reads: number }> {
  const note = o.note ?? (() => {});
  const jsm = await ensureStreams(nc, cfg, names);
  const js = jetstream(nc);
  const pub = new PipelinedPublisher(nc);
  const durable = `worker-${WALLET_OWNER}`;
  const source = workerSource(names, durable);
  const committedSeq = (await store.cursor(source))?.position ?? 0;
  const coveredSeq = await walletCovered(jsm, names);
  await resetConsumer(jsm, names.rawStream, durable, [names.rawVenue(o.venue)], false);
  const consumer = await js.consumers.get(names.rawStream, durable);
  if (committedSeq > 0 || coveredSeq > 0)
    note(`rebuilding from the stream's start; reads published to raw sequence ${coveredSeq}, scores committed to ${committedSeq}`);

  const merge = o.merge === undefined ? undefined : new EvidenceMerge(o.merge);
  const owner = new WalletOwnerEngines(o.whales ?? {}, merge === undefined ? {} : { merge });
  const evidence: EvidenceReaders | null = merge === undefined ? null : await openEvidenceReaders(nc, cfg, names, merge);
  const covers = (seq: number) => evidence === null || evidence.remotes.every((r) => r.covered >= seq);
  const { pipeline, log } = owner;
  // The recorder's score records are the single process's; its maps come from a heatmap that is not fed (none).
  const rec = new Recorder(pipeline, { heat: new HeatmapEngine(pipeline.book), score: owner.score }, { firstEventId: 1 });

  let lastSeq = 0;
  let lastTs = 0;
  let scoresWritten = 0;
  let readsPublished = 0;
  const arrived = await ArrivedMessages.open(consumer, o.batch ?? 500, note);
  try {
    for await (const got of arrived.batches(o.stopped, o.idleExitMs)) {
      const acks: Promise<PubAck>[] = [];
      let from = 0;
      const flush = (to: number) => {
        const r = log.take();
        readsPublished += r.length / 4;
        const h = headers();
        acks.push(pub.publish(names.walletSubject, encodeReads({ from, to, r }), h, `reads:${from}-${to}`));
        from = 0;
      };
      let fresh = false;
      for (const m of got) {
        if (m.seq <= lastSeq) continue; // delivered again: already taken
        lastSeq = m.seq;
        const publishing = m.seq > coveredSeq;
        if (publishing && from === 0) from = m.seq;
        const line = Number(m.headers?.get(LINE_HEADER) ?? 0);
        const item = rawIn(m.data, line);
        if (!covers(m.seq)) await (evidence as EvidenceReaders).until(m.seq, note);
        const ts = item instanceof RecordError ? lastTs : item.ts;
        rec.beginLine(ts);
        owner.apply(m.seq, item, publishing);
        rec.endLine();
        lastTs = ts;
        if (m.seq <= committedSeq) rec.take();
        else fresh = true;
        if (publishing && log.size >= CHUNK) flush(m.seq);
      }
      if (from > 0) flush(lastSeq);
      const failed = evidence?.error() ?? null;
      if (failed !== null) throw failed;
      for (const a of acks) await a;
      const r = fresh ? rec.take() : null;
      // Scores are recorded on a cadence (5 min of venue time): most batches have none, and commit
      // nothing. That is safe: the cursor only tells a successor which score records exist, and a
      // batch without any left none behind.
      if (r !== null && r.scores.length > 0) {
        await store.write({
          cursor: { source, position: lastSeq, ts: lastTs, nextEventId: 1, complete: false },
          events: [],
          heatmaps: [],
          positions: [],
          scores: r.scores,
        });
        scoresWritten += r.scores.length;
        o.onCommit?.(lastSeq, r.scores.length);
      }
      got.at(-1)?.ack();
    }
  } finally {
    await arrived.close();
    await evidence?.close();
    pub.close();
  }
  return { lastSeq, scores: scoresWritten, reads: readsPublished };
}
