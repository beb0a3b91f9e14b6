import { endianness } from 'node:os';
import { type ConsumerMessages, type JetStreamManager, jetstream, type PubAck } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { type EvidenceMerge, ownsByHash, R, RECORD, RecordLog } from '../../engine/score/merge.ts';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { InputError } from '../../recording/errors.ts';
import { ArrivedMessages } from './arrived.ts';
import type { BusNames, ClusterConfig } from './config.ts';
import { Coverage, openOrderedReader } from './coverage.ts';
import { PipelinedPublisher } from './pipelined.ts';
import { LINE_HEADER, rawIn } from './raw.ts';
import { ensureStreams, resetConsumer } from './streams.ts';

/**
 * Wallet-hash partitions of the wallet owner (`glass worker --role wallets --partition i/n`, and
 * the merger `glass worker --role wallets --merge n`; docs/scale-out.md § Wallet hash partitions).
 *
 * A partition runs the book and the score engine's per-wallet part for the wallets whose address
 * hashes to i mod n (src/engine/score/merge.ts) and publishes its evidence updates, per batch of raw
 * messages, to `<prefix>.wallet.evidence.<i>of<n>` in the stream `<STEM>_WALLET_EVIDENCE`: one
 * message `[from, to, records…]` (float64, little-endian) covering raw sequences from…to, each record
 * carrying its raw sequence. The merger is the wallet owner with the merge in place of the score
 * engine: it applies raw message s once every partition's evidence covers s, and publishes the score
 * reads and records the scores as the single owner does (the coin workers are unchanged).
 */

/** One partition's engines: the book and its wallets' score engine, its evidence updates collected for the merge. */
export class WalletPartitionEngines {
  readonly pipeline = new Pipeline();
  readonly log = new RecordLog();
  readonly score: ScoreEngine;

  constructor(index: number, of: number, opts: { refreshEvery?: number } = {}) {
    const book = this.pipeline.book;
    const owns = ownsByHash((w) => book.wallets.name(w), index, of);
    this.score = new ScoreEngine(book, { ...opts, partition: { owns, evidence: (r) => this.log.push(r) } });
    this.pipeline.attach(this.score);
  }

  apply(item: Parameters<Pipeline['ingest']>[0]): void {
    this.pipeline.ingest(item);
  }
}

/** The partition name in subjects, leases and consumers: `<i>of<n>`. */
export function partitionName(index: number, of: number): string {
  return `${index}of${of}`;
}

export function evidenceSubject(cfg: ClusterConfig, index: number, of: number): string {
  return `${cfg.prefix}.wallet.evidence.${partitionName(index, of)}`;
}

/** The evidence stream, kept as long as the raw stream (a merger rebuilding from the raw stream's start needs it from there). */
export async function ensureEvidenceStream(nc: NatsConnection, cfg: ClusterConfig, names: BusNames): Promise<JetStreamManager> {
  const jsm = await ensureStreams(nc, cfg, names);
  const nanos = (ms: number) => ms * 1_000_000;
  const s = {
    name: names.walletEvidenceStream,
    subjects: [`${cfg.prefix}.wallet.evidence.>`],
    max_age: nanos(cfg.rawMaxAgeMs),
    max_bytes: cfg.rawMaxBytes,
    duplicate_window: nanos(Math.min(cfg.dedupWindowMs, cfg.rawMaxAgeMs)),
  };
  const info = await jsm.streams.info(s.name).catch(() => null);
  if (info === null) await jsm.streams.add(s);
  else await jsm.streams.update(s.name, { ...info.config, ...s });
  return jsm;
}

/** One evidence message: raw sequences from…to and the records made while they were applied. */
export interface EvidenceMessage {
  readonly from: number;
  readonly to: number;
  readonly records: Float64Array;
}

if (endianness() !== 'LE') throw new Error('wallet evidence messages are little-endian float64: this host is big-endian');

export function encodeEvidence(m: EvidenceMessage): Uint8Array {
  const out = new Float64Array(2 + m.records.length);
  out[0] = m.from;
  out[1] = m.to;
  out.set(m.records, 2);
  return new Uint8Array(out.buffer);
}

/** Validates an evidence message at the boundary; the error names the field. */
export function decodeEvidence(data: Uint8Array): EvidenceMessage {
  if (data.byteLength % 8 !== 0 || data.byteLength < 16)
    throw new InputError(`wallet evidence: a message of ${data.byteLength} bytes (expected 8 · (2 + ${RECORD} · records))`);
  const f = new Float64Array(data.byteLength / 8);
  new Uint8Array(f.buffer).set(data);
  const from = f[0] as number;
  const to = f[1] as number;
  if (!Number.isInteger(from) || from < 1) throw new InputError('wallet evidence: from: expected a raw sequence ≥ 1');
  if (!Number.isInteger(to) || to < from - 1) throw new InputError('wallet evidence: to: expected a raw sequence ≥ from − 1');
  if ((f.length - 2) % RECORD !== 0) throw new InputError(`wallet evidence: records: expected ${RECORD} numbers each`);
  return { from, to, records: f.subarray(2) };
}

/** Records per evidence message at most (168 bytes each): well under NATS's 1 MB payload. */
const CHUNK = 5000;

export interface WalletPartitionOptions {
  readonly venue: string;
  readonly index: number;
  readonly of: number;
  readonly batch?: number;
  readonly stopped: () => boolean;
  readonly note?: (line: string) => void;
  readonly idleExitMs?: number;
}

/** The last raw sequence a partition's evidence covers (0: none yet). */
export async function evidenceCovered(jsm: JetStreamManager, names: BusNames, subject: string): Promise<number> {
  const m = await jsm.streams.getMessage(names.walletEvidenceStream, { last_by_subj: subject }).catch(() => null);
  return m === null ? 0 : decodeEvidence(m.data).to;
}

/**
 * A wallet partition (`glass worker --role wallets --partition i/n`): its consumer
 * `worker-wallets-<i>of<n>` made afresh from the raw stream's first message (the engines rebuild),
 * per batch one evidence message (or more, split past CHUNK records at message boundaries) for the
 * sequences after those its subject already covers, PubAcks awaited, then the batch acknowledged.
 * It writes nothing to the store.
 */
export async function runWalletPartition(
  nc: NatsConnection,
  cfg: ClusterConfig,
  names: BusNames,
  o: WalletPartitionOptions,
): Promise<{ lastSeq: number; records: number }> {
  const note = o.note ?? (() => {});
  const jsm = await ensureEvidenceStream(nc, cfg, names);
  const js = jetstream(nc);
  const pub = new PipelinedPublisher(nc);
  const name = partitionName(o.index, o.of);
  const subject = evidenceSubject(cfg, o.index, o.of);
  const durable = `worker-wallets-${name}`;
  const coveredSeq = await evidenceCovered(jsm, names, subject);
  await resetConsumer(jsm, names.rawStream, durable, [names.rawVenue(o.venue)], false);
  const consumer = await js.consumers.get(names.rawStream, durable);
  if (coveredSeq > 0) note(`rebuilding from the stream's start; evidence published to raw sequence ${coveredSeq}`);
  const engines = new WalletPartitionEngines(o.index, o.of);
  const arrived = await ArrivedMessages.open(consumer, o.batch ?? 500, note);
  let lastSeq = 0;
  let published = 0;
  const out = new RecordLog();
  try {
    for await (const got of arrived.batches(o.stopped, o.idleExitMs)) {
      const acks: Promise<PubAck>[] = [];
      let from = 0;
      const flush = (to: number) => {
        const records = out.take();
        published += records.length / RECORD;
        acks.push(pub.publish(subject, encodeEvidence({ from, to, records }), headers(), `evidence:${name}:${from}-${to}`));
        from = 0;
      };
      for (const m of got) {
        if (m.seq <= lastSeq) continue; // delivered again: already taken
        lastSeq = m.seq;
        const line = Number(m.headers?.get(LINE_HEADER) ?? 0);
        engines.apply(rawIn(m.data, line));
        const made = engines.log.take();
        if (m.seq <= coveredSeq) continue;
        if (from === 0) from = m.seq;
        for (let k = 0; k < made.length; k += RECORD) {
          made[k + R.seq] = m.seq;
          out.push(made.subarray(k, k + RECORD));
        }
        if (out.n >= CHUNK) flush(m.seq);
      }
      if (from > 0) flush(lastSeq);
      for (const a of acks) await a;
      got.at(-1)?.ack();
    }
  } finally {
    await arrived.close();
    pub.close();
  }
  return { lastSeq, records: published };
}

/**
 * The merger's side of one partition's evidence: its messages in stream order into the merge.
 * Messages may repeat or overlap (a successor partition republishes from its predecessor's last
 * message on): records of sequences already covered are skipped.
 */
export class RemoteEvidence {
  private readonly merge: EvidenceMerge;
  private readonly partition: number;
  private readonly coverage: Coverage;

  constructor(merge: EvidenceMerge, partition: number) {
    this.merge = merge;
    this.partition = partition;
    this.coverage = new Coverage(`wallet evidence ${partition}: a gap (evidence covers`);
  }

  /** Every raw sequence up to this one has its evidence in the merge. */
  get covered(): number {
    return this.coverage.covered;
  }

  add(m: EvidenceMessage): void {
    if (!this.coverage.fresh(m.from, m.to)) return;
    const covered = this.coverage.covered;
    let k = 0;
    while (k < m.records.length && (m.records[k + R.seq] as number) <= covered) k += RECORD;
    this.merge.add(this.partition, m.records.subarray(k));
    this.coverage.advance(m.to);
  }

  /** Resolves once the evidence covers raw sequence `seq` (or at once). */
  until(seq: number): Promise<void> {
    return this.coverage.until(seq);
  }
}

/** The merger's readers of every partition's evidence: ordered consumers from each subject's first message. */
export interface EvidenceReaders {
  readonly remotes: readonly RemoteEvidence[];
  /** Resolves once every partition covers raw sequence `seq`; says so every 10 s it waits. */
  until(seq: number, note: (line: string) => void): Promise<void>;
  /** Rejects when a reader fails (a gap, a malformed message). */
  readonly failed: Promise<never>;
  /** The first reader's failure (null: none): the merger checks it per batch, not only while it waits. */
  error(): Error | null;
  close(): Promise<void>;
}

export async function openEvidenceReaders(
  nc: NatsConnection,
  cfg: ClusterConfig,
  names: BusNames,
  merge: EvidenceMerge,
): Promise<EvidenceReaders> {
  await ensureEvidenceStream(nc, cfg, names);
  const js = jetstream(nc);
  const of = merge.partitions;
  const remotes = Array.from({ length: of }, (_, k) => new RemoteEvidence(merge, k));
  const streams: ConsumerMessages[] = [];
  let failure: Error | null = null;
  let reject: (e: unknown) => void = () => {};
  const failed = new Promise<never>((_, r) => {
    reject = r;
  });
  const fail = (e: unknown) => {
    failure ??= e instanceof Error ? e : new Error(String(e));
    reject(failure);
  };
  failed.catch(() => {});
  for (let k = 0; k < of; k++) {
    const { messages } = await openOrderedReader(js, names.walletEvidenceStream, `wallet-evidence-${partitionName(k, of)}`, {
      subject: evidenceSubject(cfg, k, of),
      max: 50,
    });
    streams.push(messages);
    const remote = remotes[k] as RemoteEvidence;
    void (async () => {
      for await (const m of messages) remote.add(decodeEvidence(m.data));
    })().catch(fail);
  }
  return {
    remotes,
    failed,
    error: () => failure,
    until: async (seq, note) => {
      for (const r of remotes) {
        if (r.covered >= seq) continue;
        const t0 = performance.now();
        const timer = setInterval(
          () =>
            note(
              `waiting ${Math.round((performance.now() - t0) / 1000)} s for wallet partitions' evidence to cover raw sequence ${seq} (covered: ${remotes.map((x) => x.covered).join(', ')})`,
            ),
          10_000,
        );
        try {
          await Promise.race([r.until(seq), failed]);
        } finally {
          clearInterval(timer);
        }
      }
    },
    close: async () => {
      for (const s of streams) await s.close().catch(() => {});
    },
  };
}
