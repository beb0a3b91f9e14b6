import { createHash } from 'node:crypto';

/**
 * Wallet-hash partitions of the score engine (docs/scale-out.md § Wallet hash partitions).
 *
 * The cut: a wallet's round trips, bets and the price path after its entries are its own (the
 * per-wallet work: every position change of the wallet, every entry it makes); the evidence sums,
 * the universe's percentile tables, their rebuild cadence and the decay clock (the first and the
 * newest evidence time, any wallet's) are global. A partition (`ScoreEngine` with `partition`) runs
 * the per-wallet part for its wallets and hands each evidence update it would have applied to the
 * sink as one record; the merge (`ScoreEngine` with `merge`) applies every partition's records in
 * the single engine's order and keeps the global part, so its `scoreNow`, `peekInto` and `version`
 * are the single engine's.
 *
 * The order. Every process calls its engine once per publication on the market and change buses,
 * from the stream's first message, so the n-th call is the same place everywhere (`call`). Within
 * one call the single engine makes its updates in three phases: the pending fills the call lets
 * through (`RoundTrips.advance`, in the order their first change landed: key = that change's call),
 * the changed wallet's own abandoned trip (one wallet), then the entries whose last horizon the
 * call passes (`ForwardReturns`, first in first out: key = the call and the pending fills that
 * opened the entry). All updates under one key are one wallet's, so one partition's, in its order.
 * A record therefore carries (call, phase, a, b), and the merge orders a call's records by
 * (phase, a, b), partitions' records under equal keys in arrival order (they come from one).
 */

/** Numbers per record. */
export const RECORD = 21;
/** Record fields (offsets). Accuracy records use the first ones of the bet's. */
export const R = {
  call: 0,
  phase: 1,
  a: 2,
  b: 3,
  /** 0: a bet's matured entries (accuracy), 1: a bet that is over. */
  kind: 4,
  wallet: 5,
  openTime: 6,
  closeTime: 7,
  trips: 8,
  pnl: 9,
  maxNotional: 10,
  notional: 11,
  sigmaNotional: 12,
  leverage: 13,
  account: 14,
  liquidated: 15,
  /** 1: the wallet had a previous bet (its close, PnL and notional follow), 0: none. */
  prev: 16,
  prevClose: 17,
  prevPnl: 18,
  prevMaxNotional: 19,
  /** The raw stream sequence of the call (set by the bus wiring, 0 in memory): where a successor's records overlap. */
  seq: 20,
  // Accuracy records:
  maturedEntries: 8,
  zSum: 9,
  moveSum: 10,
  hits: 11,
} as const;

/** Phases of a call (see above). */
export const PHASE_TRIPS = 0;
export const PHASE_ABANDON = 1;
export const PHASE_MATURED = 2;

/** What a partition's score engine is told: which wallets are its, and where its evidence updates go. */
export interface ScorePartition {
  owns(walletId: number): boolean;
  /** One evidence update, `RECORD` numbers (a scratch array: copy what you keep). */
  evidence(record: Float64Array): void;
}

/** The partition (0 … of − 1) of a wallet: SHA-1 of its address, like a coin's (`partitionOf`). */
export function walletPartition(address: string, of: number): number {
  return createHash('sha1').update(address).digest().readUInt32BE(0) % of;
}

/**
 * `ScorePartition.owns` by wallet hash, over the book's wallet ids (a wallet's partition is
 * computed once, at its first question).
 */
export function ownsByHash(name: (walletId: number) => string, index: number, of: number): (walletId: number) => boolean {
  let memo = new Int16Array(1024).fill(-1);
  return (w) => {
    if (w >= memo.length) {
      const next = new Int16Array(Math.max(w + 1, memo.length * 2)).fill(-1);
      next.set(memo);
      memo = next;
    }
    let p = memo[w] as number;
    if (p < 0) {
      p = walletPartition(name(w), of);
      memo[w] = p;
    }
    return p === index;
  };
}

const NONE = new Float64Array(0);

/** Growable records, one partition's, oldest first. */
export class RecordLog {
  buf = new Float64Array(RECORD * 256);
  n = 0;

  push(r: Float64Array): void {
    if ((this.n + 1) * RECORD > this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(r, this.n * RECORD);
    this.n++;
  }

  /** The records so far as one array (a copy; none: one shared empty array), and the log emptied. */
  take(): Float64Array {
    if (this.n === 0) return NONE;
    const out = this.buf.slice(0, this.n * RECORD);
    this.n = 0;
    return out;
  }
}

/**
 * The merge's queue: every partition's records in its order, handed out call by call in the
 * single engine's order. A record for a call the merge has passed is an error (a partition ahead
 * of its own stream, or records for a call made twice), never silently applied late.
 */
export class EvidenceMerge {
  private readonly queues: { buf: Float64Array; head: number; n: number }[];
  /** Records applied so far. */
  applied = 0;
  private readonly order: number[] = [];

  constructor(partitions: number) {
    if (!(Number.isInteger(partitions) && partitions >= 1)) throw new RangeError(`partitions: expected an integer ≥ 1, not ${partitions}`);
    this.queues = Array.from({ length: partitions }, () => ({ buf: new Float64Array(RECORD * 256), head: 0, n: 0 }));
  }

  get partitions(): number {
    return this.queues.length;
  }

  /** Partition `p`'s next records (`RECORD` numbers each, in its order). */
  add(p: number, records: Float64Array): void {
    const q = this.queues[p];
    if (q === undefined) throw new RangeError(`partition: expected 0 … ${this.queues.length - 1}, not ${p}`);
    if (records.length % RECORD !== 0) throw new RangeError(`records: expected a multiple of ${RECORD} numbers, not ${records.length}`);
    const k = records.length / RECORD;
    if (k === 0) return;
    const live = q.n - q.head;
    if ((q.n + k) * RECORD > q.buf.length) {
      const size = Math.max(RECORD * 256, (live + k) * RECORD * 2);
      const next = size > q.buf.length ? new Float64Array(size) : q.buf;
      next.set(q.buf.subarray(q.head * RECORD, q.n * RECORD), 0);
      q.buf = next;
      q.n = live;
      q.head = 0;
    }
    q.buf.set(records, q.n * RECORD);
    q.n += k;
  }

  /** Records still queued (not yet reached by a call). */
  get pending(): number {
    let s = 0;
    for (const q of this.queues) s += q.n - q.head;
    return s;
  }

  /** Visits call `call`'s records in the single engine's order; `visit(buf, offset)`. */
  at(call: number, visit: (buf: Float64Array, off: number) => void): void {
    const order = this.order;
    order.length = 0;
    let from = -1;
    let sources = 0;
    for (let p = 0; p < this.queues.length; p++) {
      const q = this.queues[p] as { buf: Float64Array; head: number; n: number };
      const c = q.head < q.n ? (q.buf[q.head * RECORD + R.call] as number) : Number.POSITIVE_INFINITY;
      if (c < call) throw new RangeError(`partition ${p}: an evidence record for call ${c}, which the merge has passed (it is at ${call})`);
      if (c !== call) continue;
      sources++;
      from = p;
      while (q.head < q.n && q.buf[q.head * RECORD + R.call] === call) order.push(p, q.head++);
    }
    if (sources === 0) return;
    if (sources === 1) {
      const q = this.queues[from] as { buf: Float64Array };
      for (let i = 1; i < order.length; i += 2) visit(q.buf, (order[i] as number) * RECORD);
      this.applied += order.length / 2;
      return;
    }
    // Several partitions made updates in this call: (phase, a, b), ties in arrival order (one partition's).
    const idx = Array.from({ length: order.length / 2 }, (_, i) => i);
    const key = (i: number, f: number) => {
      const q = this.queues[order[2 * i] as number] as { buf: Float64Array };
      return q.buf[(order[2 * i + 1] as number) * RECORD + f] as number;
    };
    idx.sort((x, y) => key(x, R.phase) - key(y, R.phase) || key(x, R.a) - key(y, R.a) || key(x, R.b) - key(y, R.b) || x - y);
    for (const i of idx) {
      const q = this.queues[order[2 * i] as number] as { buf: Float64Array };
      visit(q.buf, (order[2 * i + 1] as number) * RECORD);
    }
    this.applied += idx.length;
  }
}
