/**
 * Replay cost per recording shape, against the floor of reading the same file and `JSON.parse`-ing
 * each line. Three recordings of the same wallet-side fills, with wallets drawn uniformly from a
 * large set and no account snapshot (the state right after `glass live` starts, when every
 * position is still unknown):
 *
 *   trades     WebSocket `trades` frames (each trade names `users: [buyer, seller]`: 2 fills)
 *   node       a node's `node_fills_by_block` lines (`events: [[user, fill], …]`)
 *   userfills  one WebSocket `userFills` message per fill
 *
 * Replay is what `glass replay` runs: reader → normalizer → position book (the Pipeline).
 * Each file is written to --dir, measured, then removed (unless --keep).
 *
 *   node bench/shapes.bench.ts [--fills 1000000] [--wallets 50000] [--repeats 5] [--seed 7]
 *                              [--shapes trades,node,userfills] [--dir /tmp] [--keep] [--only replay]
 */
import { closeSync, existsSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { readLineBatches, readRecordingBatches } from '../src/recording/reader.ts';
import { rng as mulberry32 } from '../test/helpers/rng.ts';
import { benchArgs, benchUsageError, median, round3 } from './stats.ts';

export type Shape = 'trades' | 'node' | 'userfills';
export const SHAPES: readonly Shape[] = ['trades', 'node', 'userfills'];

/** A realistic perp mix: weight of the coin's share of trades, start price, size decimals. */
const COINS: readonly { coin: string; weight: number; px: number; szDecimals: number }[] = [
  { coin: 'BTC', weight: 30, px: 96200, szDecimals: 5 },
  { coin: 'ETH', weight: 20, px: 3400, szDecimals: 4 },
  { coin: 'SOL', weight: 12, px: 182, szDecimals: 2 },
  { coin: 'HYPE', weight: 10, px: 25.3, szDecimals: 2 },
  { coin: 'XRP', weight: 6, px: 2.31, szDecimals: 0 },
  { coin: 'DOGE', weight: 5, px: 0.321, szDecimals: 0 },
  { coin: 'SUI', weight: 4, px: 3.82, szDecimals: 1 },
  { coin: 'kPEPE', weight: 3, px: 0.0182, szDecimals: 0 },
  { coin: 'AVAX', weight: 3, px: 38.1, szDecimals: 2 },
  { coin: 'LINK', weight: 3, px: 22.4, szDecimals: 1 },
  { coin: 'WIF', weight: 2, px: 2.13, szDecimals: 0 },
  { coin: 'ENA', weight: 2, px: 0.91, szDecimals: 0 },
];

/** A venue-style decimal string: "84133.0", "0.02279", "-1.5". */
function dec(v: number, decimals: number): string {
  const s = String(Number(v.toFixed(decimals)));
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** Hyperliquid prices: at most 5 significant figures and 6 − szDecimals decimals. */
function pxString(px: number, szDecimals: number): string {
  return dec(Number(px.toPrecision(5)), 6 - szDecimals);
}

function dirOf(start: number, side: 'B' | 'A', sz: number): string {
  if (side === 'B') return start >= 0 ? 'Open Long' : sz <= -start ? 'Close Short' : 'Short > Long';
  return start <= 0 ? 'Open Short' : sz <= start ? 'Close Long' : 'Long > Short';
}

interface Trade {
  coin: number;
  side: 'B' | 'A';
  px: string;
  pxN: number;
  lots: number;
  time: number;
  hash: string;
  tid: number;
  buyer: number;
  seller: number;
}

/**
 * The market the three recordings share: trades in blocks (one block per ~70 ms, a few trades
 * each), every trade between two distinct wallets drawn uniformly, prices random-walking per
 * coin, and each wallet's true position per coin tracked so a fill's startPosition, dir and
 * closedPnl are what the venue would write.
 */
class Market {
  private readonly rng: () => number;
  readonly wallets: string[] = [];
  private readonly hashes: string[] = [];
  private readonly px: number[];
  private readonly cum: number[] = [];
  /** Position in lots (10^-szDecimals) and entry price, per wallet × coin. */
  private readonly lots: Int32Array;
  private readonly entry: Float64Array;
  time = 1_790_000_000_000;
  private n = 0;

  constructor(seed: number, wallets: number) {
    this.rng = mulberry32(seed);
    const hex = (n: number) => {
      let s = '';
      for (let i = 0; i < n; i++) s += ((this.rng() * 16) | 0).toString(16);
      return s;
    };
    for (let i = 0; i < wallets; i++) this.wallets.push(`0x${hex(40)}`);
    for (let i = 0; i < 4096; i++) this.hashes.push(i % 8 === 0 ? `0x${'0'.repeat(64)}` : `0x${hex(64)}`);
    this.px = COINS.map((c) => c.px);
    let total = 0;
    for (const c of COINS) {
      total += c.weight;
      this.cum.push(total);
    }
    this.lots = new Int32Array(wallets * COINS.length);
    this.entry = new Float64Array(wallets * COINS.length);
  }

  /** The trades of the next block, grouped by coin in the block's order. */
  block(): Trade[] {
    const rng = this.rng;
    this.time += 40 + Math.floor(rng() * 60);
    const out: Trade[] = [];
    const k = 1 + Math.floor(-Math.log(1 - rng()) * 3);
    for (let i = 0; i < k; i++) {
      const r = rng() * (this.cum.at(-1) as number);
      let c = 0;
      while ((this.cum[c] as number) <= r) c++;
      const meta = COINS[c] as (typeof COINS)[number];
      this.px[c] = (this.px[c] as number) * Math.exp((rng() - 0.5) * 0.0008);
      const pxS = pxString(this.px[c] as number, meta.szDecimals);
      const pxN = Number(pxS);
      const notional = Math.exp(5 + rng() * 5); // $150 .. $3M, log-uniform
      const lots = Math.max(1, Math.round((notional / pxN) * 10 ** meta.szDecimals));
      const buyer = Math.floor(rng() * this.wallets.length);
      let seller = Math.floor(rng() * (this.wallets.length - 1));
      if (seller >= buyer) seller++;
      out.push({
        coin: c,
        side: rng() < 0.5 ? 'B' : 'A',
        px: pxS,
        pxN,
        lots,
        time: this.time,
        hash: this.hashes[Math.floor(rng() * this.hashes.length)] as string,
        // Venue tids are unique but not ordered.
        tid: Math.floor(rng() * 2 ** 20) * 2 ** 30 + this.n++,
        buyer,
        seller,
      });
    }
    out.sort((a, b) => a.coin - b.coin);
    return out;
  }

  /** The WsTrade element of a trade. */
  wsTrade(t: Trade): string {
    const meta = COINS[t.coin] as (typeof COINS)[number];
    return `{"coin":"${meta.coin}","side":"${t.side}","px":"${t.px}","sz":"${dec(t.lots / 10 ** meta.szDecimals, meta.szDecimals)}","time":${t.time},"hash":"${t.hash}","tid":${t.tid},"users":["${this.wallets[t.buyer]}","${this.wallets[t.seller]}"]}`;
  }

  /** One wallet's fill of a trade (the venue's WsFill), advancing that wallet's position. */
  fill(t: Trade, side: 'B' | 'A'): { user: string; json: string } {
    const meta = COINS[t.coin] as (typeof COINS)[number];
    const w = side === 'B' ? t.buyer : t.seller;
    const at = w * COINS.length + t.coin;
    const unit = 10 ** meta.szDecimals;
    const start = this.lots[at] as number;
    const signed = side === 'B' ? t.lots : -t.lots;
    const after = start + signed;
    const entry = this.entry[at] as number;
    const closed = start * signed < 0 ? Math.min(t.lots, Math.abs(start)) : 0;
    const pnl = closed > 0 ? (closed / unit) * (t.pxN - entry) * Math.sign(start) : 0;
    if (after === 0) this.entry[at] = 0;
    else if (start === 0 || Math.sign(start) !== Math.sign(after)) this.entry[at] = t.pxN;
    else if (Math.abs(after) > Math.abs(start)) this.entry[at] = (entry * Math.abs(start) + t.pxN * t.lots) / Math.abs(after);
    this.lots[at] = after;
    const sz = t.lots / unit;
    const taker = side === t.side;
    const fee = sz * t.pxN * (taker ? 0.00045 : 0.00015);
    const json =
      `{"coin":"${meta.coin}","px":"${t.px}","sz":"${dec(sz, meta.szDecimals)}","side":"${side}","time":${t.time},` +
      `"startPosition":"${dec(start / unit, meta.szDecimals)}","dir":"${dirOf(start, side, t.lots)}","closedPnl":"${dec(pnl, 6)}",` +
      `"hash":"${t.hash}","oid":${t.tid % 2 ** 40},"crossed":${taker},"fee":"${dec(fee, 6)}","tid":${t.tid},"feeToken":"USDC","twapId":null}`;
    return { user: this.wallets[w] as string, json };
  }
}

/** Appends text in 1 MiB writes. */
class Out {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  lines = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  line(s: string): void {
    this.parts.push(s, '\n');
    this.size += s.length + 1;
    this.lines++;
    if (this.size >= 1 << 20) this.flush();
  }

  private flush(): void {
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const LATENCY_MS = 150;

/** Writes `fills` wallet-side fills in the given shape; returns the path. */
export function writeShape(shape: Shape, path: string, fills: number, wallets: number, seed: number): string {
  const m = new Market(seed, wallets);
  const out = new Out(path);
  const env = (ts: number, msg: string) => `{"ts":${ts},"venue":"hyperliquid","msg":${msg}}`;
  let written = 0;
  let block = 1_000_000;
  while (written < fills) {
    let trades = m.block();
    // Two fills per trade: keep the total exact.
    if (written + 2 * trades.length > fills) trades = trades.slice(0, Math.max(1, (fills - written) >> 1));
    const ts = m.time + LATENCY_MS;
    if (shape === 'trades') {
      // One frame per coin of the block, as the venue sends them.
      for (let i = 0; i < trades.length; ) {
        let j = i;
        const parts: string[] = [];
        while (j < trades.length && (trades[j] as Trade).coin === (trades[i] as Trade).coin) parts.push(m.wsTrade(trades[j++] as Trade));
        out.line(env(ts, `{"channel":"trades","data":[${parts.join(',')}]}`));
        i = j;
      }
    } else if (shape === 'node') {
      const events: string[] = [];
      for (const t of trades) {
        for (const side of ['B', 'A'] as const) {
          const f = m.fill(t, side);
          events.push(`["${f.user}",${f.json}]`);
        }
      }
      const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '');
      out.line(`{"local_time":"${iso(ts)}","block_time":"${iso(m.time)}","block_number":${block++},"events":[${events.join(',')}]}`);
    } else {
      for (const t of trades) {
        for (const side of ['B', 'A'] as const) {
          const f = m.fill(t, side);
          out.line(env(ts, `{"channel":"userFills","data":{"user":"${f.user}","fills":[${f.json}]}}`));
        }
      }
    }
    written += 2 * trades.length;
  }
  out.close();
  return path;
}

/** The floor: read the lines and `JSON.parse` each. */
export async function bareParse(file: string): Promise<{ lines: number; seconds: number; cpuSeconds: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let lines = 0;
  let sink = 0;
  for await (const batch of readLineBatches(file)) {
    for (const line of batch) {
      if (line.length === 0) continue;
      const v = JSON.parse(line) as object;
      if (v !== null) sink++;
      lines++;
    }
  }
  if (sink !== lines) throw new Error('unreachable');
  return { lines, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSince(c0) };
}

/** What `glass replay F` runs. */
export async function replayFile(
  file: string,
): Promise<{ fills: number; messages: number; rejects: number; uncertain: number; seconds: number; cpuSeconds: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const p = new Pipeline();
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  const s = p.summary();
  return {
    fills: s.fills,
    messages: s.messages,
    rejects: s.rejects,
    uncertain: s.uncertainFills,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpuSince(c0),
  };
}

/**
 * CPU seconds of this process (all its threads: the collector's and the file reads' too) since
 * `c0`. On a shared machine wall time also counts the time other processes held the cores; the
 * CPU-time ratio is the steadier figure, and both are reported.
 */
function cpuSince(c0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1e6;
}

export interface ShapeFigures {
  shape: Shape;
  bytes: number;
  lines: number;
  fills: number;
  uncertainFills: number;
  bareSeconds: number;
  replaySeconds: number;
  bareFillsPerSec: number;
  replayFillsPerSec: number;
  /** Replay ÷ bare parse, wall time (medians). */
  ratio: number;
  /** The same in CPU time (medians). */
  cpuRatio: number;
}

export async function measureShape(file: string, shape: Shape, repeats: number): Promise<ShapeFigures> {
  await bareParse(file); // page cache and JIT
  const bares: number[] = [];
  const fulls: number[] = [];
  const bareCpu: number[] = [];
  const fullCpu: number[] = [];
  let bare = { lines: 0, seconds: 0, cpuSeconds: 0 };
  let full = { fills: 0, messages: 0, rejects: 0, uncertain: 0, seconds: 0, cpuSeconds: 0 };
  // Alternate the two so a noisy neighbour slows both alike; medians, not means.
  for (let i = 0; i < repeats; i++) {
    bare = await bareParse(file);
    bares.push(bare.seconds);
    bareCpu.push(bare.cpuSeconds);
    full = await replayFile(file);
    fulls.push(full.seconds);
    fullCpu.push(full.cpuSeconds);
    if (full.rejects > 0) throw new Error(`${shape}: ${full.rejects} rejected lines`);
  }
  const b = median(bares);
  const r = median(fulls);
  return {
    shape,
    bytes: statSync(file).size,
    lines: bare.lines,
    fills: full.fills,
    uncertainFills: full.uncertain,
    bareSeconds: round3(b),
    replaySeconds: round3(r),
    bareFillsPerSec: Math.round(full.fills / b),
    replayFillsPerSec: Math.round(full.fills / r),
    ratio: round3(r / b),
    cpuRatio: round3(median(fullCpu) / median(bareCpu)),
  };
}

if (import.meta.main) {
  const { values } = benchArgs(import.meta.filename, {
    options: {
      fills: { type: 'string' },
      wallets: { type: 'string' },
      repeats: { type: 'string' },
      seed: { type: 'string' },
      shapes: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
      only: { type: 'string' },
    },
  });
  const fills = Number(values.fills ?? 1_000_000);
  const wallets = Number(values.wallets ?? 50_000);
  const repeats = Number(values.repeats ?? 5);
  const seed = Number(values.seed ?? 7);
  const shapes = (values.shapes ?? SHAPES.join(',')).split(',') as Shape[];
  const here = import.meta.filename;
  for (const s of shapes) if (!SHAPES.includes(s)) benchUsageError(here, `--shapes: unknown shape ${s} (${SHAPES.join(', ')})`);
  if (!(fills >= 2 && wallets >= 2 && repeats >= 1)) benchUsageError(here, '--fills ≥ 2, --wallets ≥ 2, --repeats ≥ 1');
  if (values.only !== undefined && values.only !== 'replay') benchUsageError(here, `--only: ${values.only} (only: replay)`);
  const dir = values.dir ?? tmpdir();
  for (const shape of shapes) {
    const file = join(dir, `glass-shape-${shape}-${fills}f-${wallets}w-${seed}.ndjson`);
    if (!existsSync(file)) {
      const t0 = performance.now();
      writeShape(shape, file, fills, wallets, seed);
      process.stderr.write(`${shape}: wrote ${file} in ${round3((performance.now() - t0) / 1000)} s\n`);
    }
    if (values.only === 'replay') {
      // For profiling: the replay alone.
      for (let i = 0; i < repeats; i++) process.stdout.write(`${JSON.stringify({ shape, ...(await replayFile(file)) })}\n`);
    } else process.stdout.write(`${JSON.stringify(await measureShape(file, shape, repeats))}\n`);
    if (values.keep !== true) unlinkSync(file);
  }
}
