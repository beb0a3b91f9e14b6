import { type JetStreamClient, type JetStreamManager, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Pipeline } from '../../pipeline/pipeline.ts';
import { InputError } from '../../recording/errors.ts';
import type { BusNames } from './config.ts';
import { Coverage, openOrderedReader } from './coverage.ts';

/**
 * Wallet-level state between partitions: the score reads.
 *
 * A wallet's Nexus Score is a function of every wallet's trades in every coin (its own evidence,
 * decayed to the newest evidence's time, ranked against the universe of all wallets), so it has
 * one owner: `glass worker --role wallets`. The coin workers do not run the score engine; the
 * engines they run read a wallet's score at a few points (a whale's change, a syndicate member
 * joining, a large liquidation), and the value each read gets is the owner's. The owner runs the
 * score engine and the readers that are not per-coin (the whale policy, the syndicate detector,
 * the liquidations) on every raw message, and publishes every read with its place in the stream:
 * the raw message's stream sequence and the *tick* within it (the n-th publication on the
 * pipeline's market and change buses while that message was applied). A coin worker's pipeline
 * publishes the same market events and position changes in the same order (it runs the same
 * normalizer and book on the same stream), so its reads fall on the same (sequence, tick), and
 * each gets the value the single process would have read there. Before it applies raw message
 * s, a coin worker waits until the owner's published reads cover s (the owner's watermark).
 */

/** Counts the publications on a pipeline's market and change buses within the current raw message. */
export class StreamTicks {
  seq = 0;
  tick = 0;

  /** Subscribed before any engine: each publication is counted before an engine sees it. */
  constructor(pipeline: Pipeline) {
    pipeline.market.subscribe(() => {
      this.tick++;
    });
    pipeline.changes.subscribe(() => {
      this.tick++;
    });
  }

  begin(seq: number): void {
    this.seq = seq;
    this.tick = 0;
  }
}

/**
 * One message of the wallet stream: the reads made while raw messages `from`…`to` were applied,
 * flat: (sequence, tick, wallet id, score) per read, score -1 for null (scores are 0…100). Wallet
 * ids are the book's, interned in the order of the raw stream: the same in every process that
 * reads the stream from its first message (every worker does).
 */
export interface ReadsMessage {
  readonly from: number;
  readonly to: number;
  readonly r: readonly number[];
}

export function encodeReads(m: ReadsMessage): string {
  return JSON.stringify(m);
}

/** Validates a wallet-stream message at the boundary; the error names the field. */
export function decodeReads(data: Uint8Array): ReadsMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (e) {
    throw new InputError(`wallet stream: a message is not JSON (${(e as Error).message})`, { cause: e });
  }
  const o = doc as Partial<ReadsMessage> | null;
  if (typeof o !== 'object' || o === null) throw new InputError('wallet stream: a message is not an object');
  if (!Number.isInteger(o.from) || (o.from as number) < 1) throw new InputError('wallet stream: from: expected a raw sequence ≥ 1');
  if (!Number.isInteger(o.to) || (o.to as number) < (o.from as number) - 1)
    throw new InputError('wallet stream: to: expected a raw sequence ≥ from − 1');
  if (!Array.isArray(o.r) || o.r.length % 4 !== 0 || !o.r.every((x) => typeof x === 'number'))
    throw new InputError('wallet stream: r: expected numbers, four per read');
  return { from: o.from as number, to: o.to as number, r: o.r };
}

/** Owner side: the reads of the current batch of raw messages, each (sequence, tick, wallet) once. */
export class ReadLog {
  private readonly ticks: StreamTicks;
  private out: number[] = [];
  private at = -1;
  private atSeq = -1;
  private readonly atWallets = new Set<number>();

  constructor(ticks: StreamTicks) {
    this.ticks = ticks;
  }

  /** A score read at the current place: recorded (a second read of the wallet there is the same value). */
  note(walletId: number, score: number | null): void {
    const { seq, tick } = this.ticks;
    if (seq !== this.atSeq || tick !== this.at) {
      this.atSeq = seq;
      this.at = tick;
      this.atWallets.clear();
    }
    if (this.atWallets.has(walletId)) return;
    this.atWallets.add(walletId);
    this.out.push(seq, tick, walletId, score ?? -1);
  }

  /** Reads so far (numbers, four per read). */
  get size(): number {
    return this.out.length;
  }

  /** The reads since the last take. */
  take(): number[] {
    const r = this.out;
    this.out = [];
    return r;
  }
}

/**
 * Coin-worker side: the owner's reads, in stream order, and the lookup the engines call instead of
 * the score engine. Messages may repeat or overlap (an owner that took over republishes from its
 * predecessor's last message on): reads of sequences already covered are skipped, so the result
 * does not depend on how the owner cut its messages.
 */
export class RemoteScores {
  private readonly ticks: StreamTicks;
  /** How far the reads cover the raw stream (every sequence up to `covered` has its reads here). */
  private readonly coverage = new Coverage('wallet stream: a gap (reads cover');
  get covered(): number {
    return this.coverage.covered;
  }
  /** Reads asked for that the owner did not publish (answered null): the cluster is not exact then. */
  misses = 0;
  /** Reads count only while a raw message is applied (the recorder's sweeps between lines read nothing). */
  active = false;
  private r: number[] = [];
  private head = 0;

  constructor(ticks: StreamTicks) {
    this.ticks = ticks;
  }

  add(m: ReadsMessage): void {
    if (!this.coverage.fresh(m.from, m.to)) return;
    const covered = this.coverage.covered;
    for (let i = 0; i < m.r.length; i += 4) if ((m.r[i] as number) > covered) this.r.push(...m.r.slice(i, i + 4));
    this.coverage.advance(m.to);
  }

  /** Resolves once the reads cover raw sequence `seq` (or at once). */
  until(seq: number): Promise<void> {
    return this.coverage.until(seq);
  }

  /** The score the owner read for this wallet at the current (sequence, tick). */
  read(walletId: number): number | null {
    if (!this.active) return null;
    const { seq, tick } = this.ticks;
    const r = this.r;
    let h = this.head;
    while (h < r.length && ((r[h] as number) < seq || ((r[h] as number) === seq && (r[h + 1] as number) < tick))) h += 4;
    if (h > 65_536 && h * 2 > r.length) {
      this.r = r.slice(h);
      h = 0;
    }
    this.head = h;
    const rr = this.r;
    for (let i = h; i < rr.length && rr[i] === seq && rr[i + 1] === tick; i += 4) {
      if (rr[i + 2] === walletId) {
        const s = rr[i + 3] as number;
        return s < 0 ? null : s;
      }
    }
    this.misses++;
    return null;
  }
}

/** The last raw sequence the wallet stream's reads cover (0: none yet). */
export async function walletCovered(jsm: JetStreamManager, names: BusNames): Promise<number> {
  const m = await jsm.streams.getMessage(names.walletStream, { last_by_subj: names.walletSubject }).catch(() => null);
  return m === null ? 0 : decodeReads(m.data).to;
}

/** The wallet-stream messages a coin worker reads, from the first; `close` also removes its consumer. */
export type WalletReads = Awaited<ReturnType<typeof openOrderedReader>>;

/** A coin worker's reader of the wallet stream from its first message (coverage.ts `openOrderedReader`: a new name at every start). */
export async function openWalletReads(nc: NatsConnection | JetStreamClient, names: BusNames, worker: string): Promise<WalletReads> {
  return openOrderedReader('consumers' in nc ? nc : jetstream(nc), names.walletStream, `wallet-reads-${worker}`);
}
