import { createHash } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { attachEngines } from '../../cli/engines.ts';
import { AccuracyLedger, DEFAULT_LEDGER } from '../../engine/ledger/ledger.ts';
import type { HunterOptions } from '../../engine/whales/hunter.ts';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { InputError, RecordError } from '../../recording/errors.ts';
import { Recorder } from '../../store/recorder.ts';
import type { EventRecord, Store, WriteBatch } from '../../store/types.ts';
import { ArrivedMessages } from './arrived.ts';
import type { BusNames, ClusterConfig } from './config.ts';
import { BusError, multiFilter } from './connect.ts';
import { publishEvents } from './events.ts';
import { decodeLedger, encodeLedger, LedgerExchange, ledgerPublishedTo, openLedgerExchange } from './ledger-exchange.ts';
import { type CoinFilter, PartitionPipeline } from './partition-pipeline.ts';
import { PipelinedPublisher } from './pipelined.ts';
import { LINE_HEADER, rawIn } from './raw.ts';
import { ALL, subjectToken } from './route.ts';
import { ensureStreams, resetConsumer } from './streams.ts';
import { decodeReads, openWalletReads, walletCovered } from './wallet-state.ts';

/** Which coins a worker answers for: a list, or its share of a hash partition. */
export type Assignment =
  | { readonly kind: 'coins'; readonly coins: readonly string[] }
  | { readonly kind: 'partition'; readonly index: number; readonly of: number };

/** A coin's partition: the first 4 bytes of its SHA-1, mod n (the same in every process). */
export function partitionOf(coin: string, of: number): number {
  return createHash('sha1').update(coin).digest().readUInt32BE(0) % of;
}

export function assignmentFilter(a: Assignment): CoinFilter {
  if (a.kind === 'coins') {
    const s = new Set(a.coins.map(subjectToken));
    return (c) => s.has(subjectToken(c));
  }
  const memo = new Map<string, boolean>();
  return (c) => {
    let m = memo.get(c);
    if (m === undefined) {
      m = partitionOf(c, a.of) === a.index;
      memo.set(c, m);
    }
    return m;
  };
}

/** The coin workers sharing one accuracy ledger with this one (null: none known; its ledger is its own). */
export function ledgerPeers(a: Assignment, peers: readonly Assignment[] | undefined): string[] | null {
  if (a.kind === 'partition') return Array.from({ length: a.of }, (_, index) => assignmentName({ kind: 'partition', index, of: a.of }));
  return peers === undefined ? null : peers.map(assignmentName);
}

export function assignmentName(a: Assignment): string {
  // Coins sorted: `--coins SOL,ETH` and `--coins ETH,SOL` are one assignment (its lease, consumer, cursor, ledger subject).
  return a.kind === 'coins' ? `coins-${a.coins.map(subjectToken).toSorted().join('-')}` : `part-${a.index}-of-${a.of}`;
}

export interface WorkerOptions {
  readonly venue: string;
  readonly assignment: Assignment;
  /** This worker records every wallet's score (one worker of a cluster does). */
  readonly ownsScores: boolean;
  /**
   * 'exact' (default): every raw message feeds the book and the score engine, the per-coin engines
   * see only this worker's coins; events equal the single process's. 'local': only this worker's
   * coin subjects and `_all` are read; cheaper, but a wallet's score counts only its trades in these coins.
   */
  readonly mode: 'exact' | 'local';
  /**
   * 'self' (default): this worker runs the score engine on every message. 'owner': a wallet owner
   * (`glass worker --role wallets`) runs it; the engines' score reads get the owner's values from
   * `<P>_WALLET`, each at the same place in the stream (src/bus/nats/wallet-state.ts). Exact mode only.
   */
  readonly scores?: 'self' | 'owner';
  /**
   * With `--coins` in exact mode: every coin worker of the cluster (this one among them), so the
   * accuracy ledger is shared exactly (ledger-exchange.ts). A partition knows its peers (i/n);
   * coin workers without peers keep a ledger of their coins only.
   */
  readonly peers?: readonly Assignment[];
  /** How long to wait for another worker's ledger clock before going on without it (default LEDGER_WAIT_MS). */
  readonly ledgerWaitMs?: number;
  readonly whales?: Partial<HunterOptions>;
  /** Raw messages at most per store transaction (a batch is what has arrived, up to this). */
  readonly batch?: number;
  readonly stopped: () => boolean;
  /** After each committed batch: last raw stream sequence, events written. */
  readonly onCommit?: (seq: number, events: number) => void;
  readonly note?: (line: string) => void;
  /** Ends the run when the consumer has nothing pending for this long (tests, benchmarks; default: run until stopped). */
  readonly idleExitMs?: number;
}

/** The store cursor's source key for a worker: its consumer. */
export function workerSource(names: BusNames, durable: string): string {
  return `bus:${names.rawStream}:${durable}`;
}

type Recorded = ReturnType<Recorder['take']>;

/** How long a coin worker waits for another worker's ledger clock before it goes on without it (ms). */
export const LEDGER_WAIT_MS = 120_000;

/** How long reads the wallet stream holds may go undelivered to a waiting coin worker before it gives up (ms). */
export const READS_STALL_MS = 120_000;

/** Keeps a record if its coin is this worker's (records without a coin — none today — are kept). */
function keepMine<T>(rows: readonly T[], mine: CoinFilter): T[] {
  return rows.filter((r) => {
    const coin = (r as { coin?: unknown }).coin ?? (r as { grade?: { coin?: unknown } }).grade?.coin;
    return typeof coin !== 'string' || mine(coin);
  });
}

/**
 * One worker: a durable pull consumer on the raw stream, the engines on what it delivers, and per
 * batch (what has arrived, up to `batch` messages) one store transaction holding the batch's
 * effects (its coins' events, maps and positions; every score when it owns them) and the last raw
 * sequence, then one cumulative ack. The engines
 * hold their state in memory: at start the worker replays the stream from its first message with
 * the output discarded up to the stored cursor (as `glass replay --db` does with a recording),
 * which rebuilds exactly the state it had, then writes from there on. A message delivered again
 * (sequence ≤ the last one taken) is acknowledged and changes nothing.
 */
export async function runWorker(
  nc: NatsConnection,
  cfg: ClusterConfig,
  names: BusNames,
  store: Store,
  o: WorkerOptions,
): Promise<{ lastSeq: number; events: number }> {
  const note = o.note ?? (() => {});
  const jsm = await ensureStreams(nc, cfg, names);
  const js = jetstream(nc);
  const pub = new PipelinedPublisher(nc);
  const durable = `worker-${assignmentName(o.assignment)}`;
  const source = workerSource(names, durable);
  const mine = assignmentFilter(o.assignment);
  const cursor = await store.cursor(source);
  const committedSeq = cursor?.position ?? 0;
  const multi = multiFilter(nc);
  const filters =
    o.mode === 'local' && o.assignment.kind === 'coins'
      ? [...o.assignment.coins.map((c) => names.rawSubject(o.venue, subjectToken(c))), names.rawSubject(o.venue, ALL)]
      : [names.rawVenue(o.venue)];
  // Afresh at each start: redeliveries of a dead predecessor's unacknowledged messages would come
  // after newer ones, and the engines need stream order; the rebuild reads from the start anyway.
  await resetConsumer(jsm, names.rawStream, durable, multi ? filters : [names.rawVenue(o.venue)], multi);
  const consumer = await js.consumers.get(names.rawStream, durable);

  const byOwner = o.scores === 'owner';
  if (byOwner && (o.mode !== 'exact' || o.ownsScores))
    throw new InputError('scores from the wallet owner: exact mode only, and no --owns-scores');
  const pipeline = o.mode === 'exact' ? new PartitionPipeline(mine, {}, byOwner ? 'owner' : 'self') : new Pipeline();
  const remote = pipeline instanceof PartitionPipeline ? pipeline.remote : null;
  const ticks = pipeline instanceof PartitionPipeline ? pipeline.ticks : null;
  const box: { rec?: Recorder } = {};
  // Exact mode: the ledger's clock runs on every coin, it grades this worker's; with peers, the
  // others' grades and labels come through the exchange (ledger-exchange.ts).
  const self = assignmentName(o.assignment);
  const peerNames = pipeline instanceof PartitionPipeline ? ledgerPeers(o.assignment, o.peers) : null;
  const exBox: { ex?: LedgerExchange } = {};
  const ledger =
    pipeline instanceof PartitionPipeline
      ? new AccuracyLedger({ settled: (s) => exBox.ex?.made(s), grade: (g) => box.rec?.onGrade(g) }, { owns: mine })
      : new AccuracyLedger();
  const exchange = peerNames === null ? null : new LedgerExchange(ledger, self, peerNames, DEFAULT_LEDGER.applyDelayMs);
  if (exchange !== null) exBox.ex = exchange;
  const engines = attachEngines(pipeline, o.whales ?? {}, (e) => box.rec?.onEvent(e), {}, ledger);
  const rec = new Recorder(pipeline, engines, { firstEventId: 1 });
  box.rec = rec;
  const localSubjects = o.mode === 'local' ? new Set(filters) : null;

  let lastSeq = 0;
  let lastTs = 0;
  let written = 0;
  const seen = new Map<string, number>();
  /**
   * Waits until the wallet owner's reads cover raw sequence `seq`; false: stopped meanwhile. After
   * 10 s it tells why, and it compares with the wallet stream itself every 10 s: an owner that has
   * not published that far is waited for (it may be rebuilding), but reads the stream holds that
   * this worker's consumer does not deliver for READS_STALL_MS end the run with an error instead
   * of a wait that never ends.
   */
  const ownerCovers = async (seq: number): Promise<boolean> => {
    const t0 = performance.now();
    let nextCheck = t0 + 10_000;
    let told = false;
    let progress = remote?.covered ?? 0;
    let stalledSince = -1;
    while (remote !== null && remote.covered < seq) {
      if (o.stopped() || arrived.ended) return false;
      await Promise.race([remote.until(seq), new Promise((r) => setTimeout(r, 250))]);
      const now = performance.now();
      if (remote.covered >= seq || now < nextCheck) continue;
      nextCheck = now + 10_000;
      const inStream = await walletCovered(jsm, names);
      if (remote.covered >= seq) continue;
      if (!told) {
        told = true;
        note(
          `waiting for the wallet owner (its reads cover raw sequence ${remote.covered} here, ${inStream} on the stream; this is ${seq})`,
        );
      }
      if (inStream < seq || remote.covered > progress) stalledSince = -1;
      else if (stalledSince < 0) stalledSince = now;
      else if (now - stalledSince >= READS_STALL_MS)
        throw new BusError(
          `the wallet stream holds reads to raw sequence ${inStream}, but for ${Math.round((now - stalledSince) / 1000)} s ` +
            `this worker's reads consumer delivered none past ${remote.covered} (raw sequence ${seq} waits for them)`,
        );
      progress = remote.covered;
    }
    return true;
  };
  if (committedSeq > 0) note(`rebuilding from the stream's start, writing after raw sequence ${committedSeq}`);
  // What this worker's ledger messages already cover (a predecessor's): made again while rebuilding, not published again.
  const published = exchange === null ? null : await ledgerPublishedTo(jsm, names, self);
  let publishedTo = published?.to ?? 0;
  if (published !== null) exchange?.resume(published);
  const publishLedger = async (): Promise<void> => {
    if (exchange === null) return;
    if (lastSeq <= publishedTo) {
      exchange.discard();
      return;
    }
    const pieces = exchange.take(lastSeq);
    const acks = pieces.map((m, k) =>
      pub.publish(
        names.ledgerSubject(self),
        encodeLedger(m),
        headers(),
        `ledger:${self}:${lastSeq}${k < pieces.length - 1 ? `:${k}` : ''}`,
      ),
    );
    for (const a of acks) await a;
    publishedTo = lastSeq;
  };
  /**
   * Waits until every other worker's ledger clock allows the next message (false: stopped
   * meanwhile); says so after 10 s. A worker that has published nothing for `ledgerWaitMs` (dead
   * with no standby, or a replacement still rebuilding) is given up on: this one goes on, tells
   * which, and that worker's grades count late when they come (the ledger's fields may then differ
   * from one process until they do) — one dead worker does not stop every coin.
   */
  const ledgerWaitMs = o.ledgerWaitMs ?? LEDGER_WAIT_MS;
  const ledgerReady = async (): Promise<boolean> => {
    if (exchange === null || exchange.ready()) return true;
    await publishLedger(); // first: a worker waiting on this one can go on
    const t0 = performance.now();
    let told = false;
    while (!exchange.ready()) {
      if (o.stopped() || arrived.ended) return false;
      await Promise.race([exchange.next(), new Promise((r) => setTimeout(r, 250))]);
      const waited = performance.now() - t0;
      const behind = () =>
        exchange
          .behind()
          .map((b) => `${b.worker} at ${Number.isFinite(b.clock) ? new Date(b.clock).toISOString() : 'its start'}`)
          .join(', ');
      if (!told && waited > 10_000 && !exchange.ready()) {
        told = true;
        const strangers =
          exchange.strangerNames.size === 0
            ? ''
            : `; heard from workers not among the peers: ${[...exchange.strangerNames].join(', ')} (check --peers)`;
        note(
          `waiting for the other workers' ledger (this one is at ${new Date(ledger.clock).toISOString()}; behind: ${behind()}${strangers})`,
        );
      }
      if (waited >= ledgerWaitMs && !exchange.ready()) {
        note(
          `going on without ${behind()} after ${Math.round(waited / 1000)} s: their grades will count late (the ledger's fields may differ from one process until they do)`,
        );
        exchange.giveUp();
        return true;
      }
    }
    return true;
  };

  // Messages taken in batches of what has arrived (ArrivedMessages).
  const arrived = await ArrivedMessages.open(consumer, o.batch ?? 500, note);
  // The wallet owner's reads, from the first one (the engines are rebuilt from the raw stream's start too).
  const reads = remote === null ? null : await openWalletReads(js, names, assignmentName(o.assignment));
  let readsFailed: unknown = null;
  let closing = false;
  // The other workers' ledger messages, from the first (the engines are rebuilt from the raw stream's start too).
  const ledgerIn = exchange === null ? null : await openLedgerExchange(js, names, self);
  const ledgerPump =
    ledgerIn === null || exchange === null
      ? Promise.resolve()
      : (async () => {
          for await (const m of ledgerIn.messages) exchange.add(decodeLedger(m.data));
          if (!closing && !o.stopped()) throw new BusError("the ledger stream stopped delivering the other workers' grades");
        })()
          .catch((e: unknown) => {
            readsFailed = e;
          })
          .finally(() => arrived.end());
  const readsPump =
    reads === null || remote === null
      ? Promise.resolve()
      : (async () => {
          for await (const m of reads.messages) remote.add(decodeReads(m.data));
          if (!closing && !o.stopped()) throw new BusError("the wallet stream stopped delivering the owner's reads");
        })()
          .catch((e: unknown) => {
            readsFailed = e; // a gap or a bad message: this worker cannot go on exactly
          })
          .finally(() => arrived.end());
  try {
    for await (const got of arrived.batches(o.stopped, o.idleExitMs)) {
      let fresh = false;
      let cut = false;
      for (const m of got) {
        if (m.seq <= lastSeq) continue; // delivered again: already taken
        if (remote !== null && remote.covered < m.seq && !(await publishLedger().then(() => ownerCovers(m.seq)))) {
          cut = true; // stopped while waiting: the batch is not committed, a successor redoes it
          break;
        }
        if (!(await ledgerReady())) {
          cut = true;
          break;
        }
        lastSeq = m.seq;
        if (localSubjects !== null && !localSubjects.has(m.subject)) continue;
        const line = Number(m.headers?.get(LINE_HEADER) ?? 0);
        const item = rawIn(m.data, line);
        const ts = item instanceof RecordError ? lastTs : item.ts;
        rec.beginLine(ts);
        ticks?.begin(m.seq);
        if (remote !== null) remote.active = true;
        pipeline.ingest(item);
        if (remote !== null) remote.active = false;
        rec.endLine();
        if (m.seq <= publishedTo) exchange?.discard();
        lastTs = ts;
        if (m.seq <= committedSeq) {
          // Committed before: rebuilding state only (the ids' occurrence counts too).
          for (const e of keepMine(rec.take().events, mine)) {
            const id = (e.event as { id: string }).id;
            seen.set(id, (seen.get(id) ?? 0) + 1);
          }
        } else fresh = true;
      }
      if (cut) break;
      // What the ledger made goes out before the store commits (a successor makes the same again).
      await publishLedger();
      if (fresh) {
        const r: Recorded = rec.take();
        const events = keepMine(r.events, mine);
        const published: EventRecord[] = await publishEvents(pub, names, events, seen);
        const batch = {
          ...r,
          cursor: { source, position: lastSeq, ts: lastTs, nextEventId: (published.at(-1)?.id ?? 0) + 1, complete: false },
          events: published,
          heatmaps: keepMine(r.heatmaps, mine),
          positions: keepMine(r.positions, mine),
          scores: o.ownsScores ? r.scores : [],
        } as WriteBatch;
        for (const [k, v] of Object.entries(r)) {
          if (Array.isArray(v) && !['events', 'heatmaps', 'positions', 'scores'].includes(k))
            (batch as unknown as Record<string, unknown>)[k] = keepMine(v, mine);
        }
        await store.write(batch);
        written += published.length;
        o.onCommit?.(lastSeq, published.length);
      }
      // The consumer acknowledges cumulatively (AckPolicy.All): the batch's last message acks it all.
      got.at(-1)?.ack();
    }
  } finally {
    await arrived.close();
    closing = true;
    if (reads !== null) await reads.close();
    await readsPump;
    if (ledgerIn !== null) await ledgerIn.close();
    await ledgerPump;
    pub.close();
  }
  if (readsFailed !== null) throw readsFailed;
  if (remote !== null && remote.misses > 0) note(`${remote.misses} score reads the wallet owner had not published (answered null)`);
  if (ledger.late > 0) note(`${ledger.late} grades or labels from other workers came after their place (the ledger's fields may differ)`);
  if (exchange !== null && exchange.strangers > 0)
    note(`${exchange.strangers} ledger messages from workers not among the peers were ignored (another cluster layout on this prefix?)`);
  return { lastSeq, events: written };
}
