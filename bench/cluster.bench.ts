/**
 * Scale-out on this machine: the cluster (NATS JetStream + PostgreSQL, `glass ingest` and
 * `glass worker` as child processes) against the single process on one simulated recording.
 *
 *   node bench/cluster.bench.ts [--hours 2] [--wallets 2000] [--seed 11] [--repeats 3] [--workers 1,2,4] [--rate 400] [--latency-lines 6000]
 *     [--phases single,partitions,bus,throughput,latency] [--scores self,owner] [--ledger shared,own]
 *
 * What it measures (medians of `--repeats`, with min–max):
 * - single process: the engines in memory (the default whale thresholds, as the workers here); the
 *   part every worker repeats in exact mode (no coin of its own); `glass replay --db` into
 *   PostgreSQL (the same engines plus the store), in this process and as a process of its own;
 * - each worker's share in memory: a PartitionPipeline for its coins, no bus, no store (what a
 *   worker at most gains from partitioning);
 * - the bus alone: `glass ingest`'s publish path (messages/s), and a consumer that only takes and
 *   acknowledges the raw stream (messages/s): per message, what the bus costs;
 * - end-to-end throughput with 1, 2, 4 workers (`--coins` split, balanced by messages), the raw
 *   stream filled beforehand: from all workers active, and from their spawn (Node's start and
 *   cold code included, as for `glass replay --db` run as a process of its own), to the last
 *   cursor at the stream's end;
 * - `--scores`: the throughput and latency runs with every worker running the score engine
 *   (`self`: the first records the scores) and/or with a wallet owner (`owner`: `glass worker
 *   --role wallets` beside the N coin workers, which take the score reads from it); in memory, the
 *   part a coin worker repeats without the score engine, and the wallet owner's engines alone
 *   (the recording read beforehand: engines only);
 * - `--ledger`: coin workers sharing one accuracy ledger (`shared`: `--peers`, the exchange of
 *   grades and the wait it brings, src/bus/nats/ledger-exchange.ts) and/or each keeping its own
 *   coins' (`own`: no exchange; its ledger fields then differ from one process) — what the exchange costs;
 * - event latency with the workers running while an ingest publishes at `--rate` lines/s: per
 *   event, its time on the event stream minus its cause's time on the raw stream (the cause found
 *   by receive time), on the recording's first `--latency-lines` lines.
 *
 * Needs NATS (GLASS_TEST_NATS_URL, default 127.0.0.1:4222) and PostgreSQL (GLASS_TEST_DATABASE_URL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { busNames, DEFAULT_CLUSTER } from '../src/bus/nats/config.ts';
import { connectBus } from '../src/bus/nats/connect.ts';
import { EVENT_HEADERS } from '../src/bus/nats/events.ts';
import { PartitionPipeline } from '../src/bus/nats/partition-pipeline.ts';
import { PipelinedPublisher } from '../src/bus/nats/pipelined.ts';
import { publishRaw } from '../src/bus/nats/publish-raw.ts';
import { dropStreams, ensureStreams } from '../src/bus/nats/streams.ts';
import { WalletOwnerEngines } from '../src/bus/nats/wallet-owner.ts';
import type { RemoteScores } from '../src/bus/nats/wallet-state.ts';
import { assignmentFilter, assignmentName } from '../src/bus/nats/worker.ts';
import { attachEngines } from '../src/cli/engines.ts';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { RecordError } from '../src/recording/errors.ts';
import { type ReadItem, readRecordingBatches } from '../src/recording/reader.ts';
import { ingestFile } from '../src/store/ingest.ts';
import { PostgresStore } from '../src/store/postgres.ts';
import { freshSchemaUrl, pgUnreachable } from '../test/store/pg.ts';
import { ensureRecording } from './replay.bench.ts';
import { median } from './stats.ts';

const NATS = process.env.GLASS_TEST_NATS_URL ?? '127.0.0.1:4222';
const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string', default: '2' },
    wallets: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '11' },
    repeats: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1,2,4' },
    rate: { type: 'string', default: '400' },
    'latency-lines': { type: 'string', default: '6000' },
    phases: { type: 'string', default: 'single,partitions,bus,throughput,latency' },
    scores: { type: 'string', default: 'self,owner' },
    ledger: { type: 'string', default: 'shared' },
  },
});
const repeats = Number(args.repeats);
const workerCounts = (args.workers as string).split(',').map(Number);
const rate = Number(args.rate);
const latencyLines = Number(args['latency-lines']);
const phases = new Set((args.phases as string).split(','));
const scoreModes = (args.scores as string).split(',') as ('self' | 'owner')[];
const ledgerModes = (args.ledger as string).split(',') as ('shared' | 'own')[];
for (const m of ledgerModes) if (m !== 'shared' && m !== 'own') throw new Error(`--ledger: expected shared or own, not "${m}"`);
/** A run's label: workers, the wallet owner, a ledger of their own. */
const label = (n: number, mode: 'self' | 'owner', ledger: 'shared' | 'own') =>
  `${n}${mode === 'owner' ? '+owner' : ''}${ledger === 'own' ? ' own-ledger' : ''}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (l: string) => process.stderr.write(`${l}\n`);

interface Spread {
  median: number;
  min: number;
  max: number;
}
const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const fmt = (s: Spread, d = 0) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;

async function timed<T>(f: () => Promise<T>): Promise<{ s: number; r: T }> {
  const t0 = performance.now();
  const r = await f();
  return { s: (performance.now() - t0) / 1000, r };
}

/** Lines of the recording, and per coin how many are about it (for balancing `--coins`). */
async function survey(file: string): Promise<{ lines: number; perCoin: Map<string, number> }> {
  const { routeOf } = await import('../src/bus/nats/route.ts');
  const perCoin = new Map<string, number>();
  let lines = 0;
  for await (const batch of readRecordingBatches(file)) {
    for (const item of batch) {
      if (item instanceof RecordError) continue;
      lines++;
      const msg = 'bytes' in item ? JSON.parse(item.bytes.toString('utf8', item.msgFrom, item.msgTo)) : item.msg;
      const r = routeOf(msg);
      perCoin.set(r, (perCoin.get(r) ?? 0) + 1);
    }
  }
  perCoin.delete('_all');
  return { lines, perCoin };
}

/** `n` coin lists, greedily balanced by the coins' message counts. */
function split(perCoin: Map<string, number>, n: number): string[][] {
  const bins = Array.from({ length: n }, () => ({ coins: [] as string[], load: 0 }));
  for (const [coin, k] of [...perCoin].sort((a, b) => b[1] - a[1])) {
    const bin = bins.reduce((a, b) => (b.load < a.load ? b : a));
    bin.coins.push(coin);
    bin.load += k;
  }
  return bins.map((b) => b.coins).filter((c) => c.length > 0);
}

async function inMemory(file: string, coins: readonly string[] | null): Promise<number> {
  const p = coins === null ? new Pipeline() : new PartitionPipeline(assignmentFilter({ kind: 'coins', coins }));
  attachEngines(p);
  const t0 = performance.now();
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  return (performance.now() - t0) / 1000;
}

/**
 * The wallet owner's engines over the recording (seconds), and then a coin partition taking its
 * score reads from them (seconds; `coins` [] = the part every coin worker repeats).
 */
async function ownerInMemory(file: string, coins: readonly string[]): Promise<{ owner: number; coinPart: number }> {
  const items: ReadItem[] = [];
  for await (const batch of readRecordingBatches(file)) items.push(...batch);
  const o = new WalletOwnerEngines();
  const reads: number[][] = [];
  const t0 = performance.now();
  for (let i = 0; i < items.length; i++) {
    o.apply(i + 1, items[i] as ReadItem, true);
    reads.push(o.log.take());
  }
  const owner = (performance.now() - t0) / 1000;
  const p = new PartitionPipeline(assignmentFilter({ kind: 'coins', coins }), {}, 'owner');
  attachEngines(p);
  const remote = p.remote as RemoteScores;
  const t1 = performance.now();
  for (let i = 0; i < items.length; i++) {
    remote.add({ from: i + 1, to: i + 1, r: reads[i] as number[] });
    p.ticks?.begin(i + 1);
    remote.active = true;
    p.ingest(items[i] as ReadItem);
    remote.active = false;
  }
  return { owner, coinPart: (performance.now() - t1) / 1000 };
}

function child(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcess; err: () => string; done: Promise<number | null> } {
  const c = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  c.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<number | null>((res) => c.on('exit', (code) => res(code)));
  return { child: c, err: () => err, done };
}

async function until(what: string, f: () => Promise<boolean> | boolean, ms = 600_000, every = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

interface Cluster {
  prefix: string;
  url: string;
  env: Record<string, string>;
}

function newCluster(tag: string): Cluster {
  const prefix = `b${process.pid}${tag}${Date.now().toString(36)}`;
  const url = freshSchemaUrl(`bench${tag}`);
  return { prefix, url, env: { GLASS_NATS_URL: NATS, GLASS_BUS_PREFIX: prefix, GLASS_DATABASE_URL: url, GLASS_PROGRESS: '0' } };
}

async function dropCluster(nc: NatsConnection, c: Cluster): Promise<void> {
  await dropStreams(nc, busNames(c.prefix));
  const s = new PostgresStore(c.url, { max: 1 });
  await s.dropSchema().catch(() => {});
  await s.close();
}

/** The recording's first `n` lines (the latency runs publish a paced prefix of it). */
async function* take(items: AsyncIterable<readonly ReadItem[]>, n: number): AsyncIterable<readonly ReadItem[]> {
  let left = n;
  for await (const batch of items) {
    if (left <= 0) return;
    yield batch.length <= left ? batch : batch.slice(0, left);
    left -= batch.length;
  }
}

async function fillRaw(
  nc: NatsConnection,
  c: Cluster,
  file: string,
  window = 512,
  r?: number,
  limit = Number.POSITIVE_INFINITY,
): Promise<number> {
  const cfg = { ...DEFAULT_CLUSTER, prefix: c.prefix };
  const names = busNames(c.prefix);
  await ensureStreams(nc, cfg, names);
  const pub = new PipelinedPublisher(nc);
  const out = await publishRaw(pub, names, take(readRecordingBatches(file), limit), null, {
    venue: 'hyperliquid',
    source: 'bench',
    window,
    after: 0,
    ...(r === undefined ? {} : { rate: r }),
  });
  pub.close();
  return out.published;
}

/** Takes and acknowledges the whole raw stream, nothing else: the bus's delivery cost. */
async function consumeOnly(nc: NatsConnection, c: Cluster, total: number): Promise<number> {
  const names = busNames(c.prefix);
  const jsm = await jetstreamManager(nc);
  const { resetConsumer } = await import('../src/bus/nats/streams.ts');
  await resetConsumer(jsm, names.rawStream, 'bench-consume', [`${c.prefix}.raw.>`], false);
  const consumer = await jetstream(nc).consumers.get(names.rawStream, 'bench-consume');
  const t0 = performance.now();
  const it = await consumer.consume({ max_messages: 1000 });
  let n = 0;
  let sink = 0;
  for await (const m of it) {
    sink += m.data.length;
    if (++n % 500 === 0 || n === total) m.ack();
    if (n === total) break;
  }
  await it.close();
  if (sink === 0) throw new Error('no data');
  return (performance.now() - t0) / 1000;
}

/**
 * Starts workers and resolves once every one holds its lease: with `self` the first records the
 * scores; with `owner` a wallet owner runs beside them and they take its score reads.
 */
async function startWorkers(
  c: Cluster,
  parts: readonly string[][],
  mode: 'self' | 'owner',
  ledger: 'shared' | 'own' = 'shared',
): Promise<ReturnType<typeof child>[]> {
  // The owner first, active (its store migrated) before the rest: processes migrating a fresh schema at once can collide.
  const owner = mode === 'owner' ? [child(['worker', '--role', 'wallets', '--idle-exit', '600000'], c.env)] : [];
  if (owner.length > 0) await until('the wallet owner to be active', () => owner.every((w) => w.err().includes(': active')), 120_000);
  const ws = parts.map((coins, i) =>
    child(
      [
        'worker',
        '--coins',
        coins.join(','),
        // One shared accuracy ledger, as a partitioned cluster has (ledger-exchange.ts), or each its own.
        ...(ledger === 'shared' ? ['--peers', parts.map((p) => p.join(',')).join(';')] : []),
        '--idle-exit',
        '600000',
        ...(mode === 'owner' ? ['--scores', 'owner'] : i === 0 ? ['--owns-scores'] : []),
      ],
      c.env,
    ),
  );
  ws.push(...owner);
  await until(
    'the workers to be active',
    () => {
      const dead = ws.find((w) => w.child.exitCode !== null);
      if (dead !== undefined) throw new Error(`a worker exited at its start: ${dead.err()}`);
      return ws.every((w) => w.err().includes(': active'));
    },
    120_000,
  );
  return ws;
}

async function waitDone(c: Cluster, parts: readonly string[][], lastSeq: number): Promise<void> {
  const names = busNames(c.prefix);
  const store = new PostgresStore(c.url, { max: 1 });
  // With a wallet owner the coin workers end after it (they apply a message once its reads cover it).
  const durables = parts.map((coins) => assignmentName({ kind: 'coins', coins }));
  try {
    await until(
      'every worker at the end of the stream',
      async () => {
        for (const d of durables) {
          const cur = await store.cursor(`bus:${names.rawStream}:worker-${d}`).catch(() => null);
          if ((cur?.position ?? 0) < lastSeq) return false;
        }
        return true;
      },
      600_000,
      25,
    );
  } finally {
    await store.close();
  }
}

async function stopAll(ws: readonly ReturnType<typeof child>[]): Promise<void> {
  for (const w of ws) w.child.kill('SIGTERM');
  await Promise.all(ws.map((w) => w.done));
}

/** Per event: its time on the event stream minus its cause's earliest time on the raw stream (ms). */
async function latencies(nc: NatsConnection, c: Cluster): Promise<{ ms: number[]; unclear: number }> {
  const names = busNames(c.prefix);
  const js = jetstream(nc);
  const read = async (stream: string, f: (m: { ts: number; data: Uint8Array; h: (k: string) => string | undefined }) => void) => {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    const total = info.state.messages;
    if (total === 0) return;
    const oc = await js.consumers.get(stream);
    const it = await oc.consume();
    let n = 0;
    for await (const m of it) {
      f({ ts: Number(m.info.timestampNanos) / 1e6, data: m.data, h: (k) => m.headers?.get(k) });
      if (++n === total) break;
    }
    await it.close();
  };
  // Per receive time, the first and last time a raw message of it reached the stream: an event is
  // timed from the first, and left out when they are more than 5 ms apart (many lines share the
  // recording's millisecond, e.g. the opening account snapshots: the cause is then unclear).
  const at = new Map<number, [number, number]>();
  const dec = new TextDecoder();
  await read(names.rawStream, (m) => {
    const ts = Number(/^\{"ts":(\d+)/.exec(dec.decode(m.data.subarray(0, 32)))?.[1]);
    const x = at.get(ts);
    if (x === undefined) at.set(ts, [m.ts, m.ts]);
    else x[1] = m.ts;
  });
  const out: number[] = [];
  let unclear = 0;
  await read(names.eventsStream, (m) => {
    const x = at.get(Number(m.h(EVENT_HEADERS.receivedAt)));
    if (x === undefined || x[1] - x[0] > 5) unclear++;
    else out.push(m.ts - x[0]);
  });
  return { ms: out, unclear };
}

function pct(xs: number[], p: number): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const down = await pgUnreachable();
  let nc: NatsConnection;
  try {
    nc = await connectBus(NATS, 'glass-bench');
  } catch (e) {
    say(`skipped: NATS at ${NATS} unreachable (${(e as Error).message})`);
    return;
  }
  if (down !== null) {
    say(`skipped: PostgreSQL unreachable (${down})`);
    await nc.close();
    return;
  }
  const file = join(tmpdir(), `glass-cluster-bench-${args.hours}h-${args.wallets}w-${args.seed}.ndjson`);
  await ensureRecording(file, Number(args.wallets), Number(args.hours), Number(args.seed));
  const { lines, perCoin } = await survey(file);
  say(`recording ${file}: ${lines} lines; per coin ${[...perCoin].map(([c, n]) => `${c} ${n}`).join(', ')}; rest on _all`);
  const figures: Record<string, unknown> = { lines, cores: (await import('node:os')).availableParallelism() };

  // The single process, and the part every worker repeats in exact mode (normalizer, book, score
  // engine, whale hunter on every message; no coin of its own): the ceiling of one worker.
  if (phases.has('single')) {
    await inMemory(file, null); // warm-up: the first pass runs cold code
    const mem: number[] = [];
    const shared: number[] = [];
    const replayDb: number[] = [];
    const replayChild: number[] = [];
    for (let i = 0; i < repeats; i++) {
      mem.push(lines / (await inMemory(file, null)));
      shared.push(lines / (await inMemory(file, [])));
      const url = freshSchemaUrl('benchref');
      const t = await timed(() => ingestFile(url, file, undefined, { note: () => {} }));
      replayDb.push(lines / t.s);
      // The same as its own fresh process, from spawn to exit (as a worker starts: cold code, Node's start).
      const url2 = freshSchemaUrl('benchref');
      const t2 = await timed(async () => {
        const r = child(['replay', file, '--db', url2, '--quiet'], {});
        if ((await r.done) !== 0) throw new Error(`glass replay failed: ${r.err()}`);
      });
      replayChild.push(lines / t2.s);
      for (const u of [url, url2]) {
        const s = new PostgresStore(u, { max: 1 });
        await s.dropSchema().catch(() => {});
        await s.close();
      }
    }
    figures.single = { inMemory: spread(mem), sharedPart: spread(shared), replayDb: spread(replayDb), replayProcess: spread(replayChild) };
    say(
      `single process: engines in memory ${fmt(spread(mem))} msg/s; the shared part alone ${fmt(spread(shared))} msg/s; ` +
        `glass replay --db (PostgreSQL) ${fmt(spread(replayDb))} msg/s in this process, ${fmt(spread(replayChild))} msg/s as a process of its own`,
    );
  }

  // Each worker's share in memory (the slowest partition bounds the cluster).
  if (phases.has('partitions')) {
    const shares: Record<string, unknown> = {};
    for (const n of workerCounts) {
      const parts = split(perCoin, n);
      const slowest: number[] = [];
      for (let i = 0; i < repeats; i++) {
        let worst = 0;
        for (const coins of parts) worst = Math.max(worst, await inMemory(file, coins));
        slowest.push(lines / worst);
      }
      shares[n] = { parts, slowestPartition: spread(slowest) };
      say(`${n} partition(s) ${parts.map((p) => p.join(',')).join(' | ')}: slowest in memory ${fmt(spread(slowest))} msg/s`);
    }
    figures.partitionsInMemory = shares;
    if (scoreModes.includes('owner')) {
      const own: number[] = [];
      const coinShared: number[] = [];
      await ownerInMemory(file, []); // warm-up: the first pass runs cold code
      for (let i = 0; i < repeats; i++) {
        const r = await ownerInMemory(file, []);
        own.push(lines / r.owner);
        coinShared.push(lines / r.coinPart);
      }
      figures.walletOwnerInMemory = { owner: spread(own), coinWorkerSharedPart: spread(coinShared) };
      say(
        `with a wallet owner, in memory: the owner's engines ${fmt(spread(own))} msg/s; the part every coin worker repeats (no score engine) ${fmt(spread(coinShared))} msg/s`,
      );
    }
  }

  // The bus alone.
  if (phases.has('bus')) {
    const pub: number[] = [];
    const con: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const c = newCluster('bus');
      const t = await timed(() => fillRaw(nc, c, file));
      pub.push(t.r / t.s);
      con.push(lines / (await consumeOnly(nc, c, lines)));
      await dropCluster(nc, c);
    }
    figures.bus = { publish: spread(pub), consumeAck: spread(con), usPerMessage: (1e6 / median(pub) + 1e6 / median(con)).toFixed(1) };
    say(
      `bus: ingest publish ${fmt(spread(pub))} msg/s, consume+ack ${fmt(spread(con))} msg/s: ` +
        `${(1e6 / median(pub)).toFixed(1)} + ${(1e6 / median(con)).toFixed(1)} µs per message`,
    );
  }

  // End-to-end throughput: the raw stream filled, then N workers drain it.
  if (phases.has('throughput')) {
    const through: Record<string, unknown> = {};
    for (const mode of scoreModes)
      for (const ledger of ledgerModes)
        for (const n of workerCounts) {
          const parts = split(perCoin, n);
          const rates: number[] = [];
          const fromSpawn: number[] = [];
          for (let i = 0; i < repeats; i++) {
            const c = newCluster(`t${n}`);
            const published = await fillRaw(nc, c, file);
            const t0 = performance.now();
            const ws = await startWorkers(c, parts, mode, ledger);
            const t = await timed(() => waitDone(c, parts, published));
            rates.push(published / t.s);
            fromSpawn.push(published / ((performance.now() - t0) / 1000));
            await stopAll(ws);
            await dropCluster(nc, c);
          }
          through[label(n, mode, ledger)] = { fromActive: spread(rates), fromSpawn: spread(fromSpawn) };
          say(
            `${n} worker(s)${mode === 'owner' ? ' + the wallet owner' : ''}${ledger === 'own' ? ', each its own ledger' : ''}: end to end ${fmt(spread(rates))} msg/s from all active, ${fmt(spread(fromSpawn))} msg/s from spawn`,
          );
        }
    figures.throughput = through;
  }

  // Latency: the workers running while the ingest publishes at `rate`.
  if (phases.has('latency')) {
    const lat: Record<string, unknown> = {};
    for (const mode of scoreModes)
      for (const ledger of ledgerModes)
        for (const n of workerCounts) {
          const parts = split(perCoin, n);
          const p50: number[] = [];
          const p99: number[] = [];
          const mx: number[] = [];
          let count = 0;
          let unclear = 0;
          for (let i = 0; i < repeats; i++) {
            const c = newCluster(`l${n}`);
            await ensureStreams(nc, { ...DEFAULT_CLUSTER, prefix: c.prefix }, busNames(c.prefix));
            const ws = await startWorkers(c, parts, mode, ledger);
            const published = await fillRaw(nc, c, file, 512, rate, latencyLines);
            await waitDone(c, parts, published);
            const { ms: l, unclear: u } = await latencies(nc, c);
            unclear = u;
            p50.push(pct(l, 50));
            p99.push(pct(l, 99));
            mx.push(Math.max(...l));
            count = l.length;
            await stopAll(ws);
            await dropCluster(nc, c);
          }
          lat[label(n, mode, ledger)] = { events: count, unclear, p50: spread(p50), p99: spread(p99), max: spread(mx) };
          say(
            `${n} worker(s)${mode === 'owner' ? ' + the wallet owner' : ''}${ledger === 'own' ? ', each its own ledger' : ''} at ${rate} msg/s: ${count} events timed (${unclear} of unclear cause), latency p50 ${fmt(spread(p50))} ms, p99 ${fmt(spread(p99))} ms, max ${fmt(spread(mx))} ms`,
          );
        }
    figures.latency = { rate, lines: latencyLines, ...lat };
  }
  await nc.close();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}

await main();
