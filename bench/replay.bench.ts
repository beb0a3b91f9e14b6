/**
 * Replay throughput: normalizer + position book over a simulated recording, against the floor
 * of reading the same lines and JSON.parse-ing them, and the engines alone on decoded events.
 *
 *   node bench/replay.bench.ts [--wallets 16000] [--hours 24] [--seed 42] [--repeats 3] [--file F]
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MarketEvent } from '../src/domain/market-event.ts';
import { PositionBook } from '../src/engine/position-book/book.ts';
import { Pipeline } from '../src/pipeline/pipeline.ts';
import { RecordError } from '../src/recording/errors.ts';
import { parsedLine, readLineBatches, readRecording, readRecordingBatches } from '../src/recording/reader.ts';
import { RecordingWriter } from '../src/recording/writer.ts';
import { Simulator } from '../src/sim/simulator.ts';
import { HyperliquidNormalizer } from '../src/venues/hyperliquid/normalizer.ts';
import { benchArgs, median, round3 } from './stats.ts';

interface Figures {
  [k: string]: number | string;
}

export async function ensureRecording(file: string, wallets: number, hours: number, seed: number): Promise<void> {
  if (existsSync(file)) return;
  const w = new RecordingWriter(file);
  new Simulator({ wallets, hours, seed }, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
}

async function bareParse(file: string): Promise<{ lines: number; seconds: number }> {
  const t0 = performance.now();
  let lines = 0;
  let sink = 0;
  for await (const batch of readLineBatches(file)) {
    for (const line of batch) {
      if (line.length === 0) continue;
      const v = JSON.parse(line) as { ts: number };
      sink += v.ts;
      lines++;
    }
  }
  if (sink === 0) throw new Error('unreachable');
  return { lines, seconds: (performance.now() - t0) / 1000 };
}

async function fullReplay(file: string): Promise<{ fills: number; messages: number; seconds: number }> {
  const t0 = performance.now();
  const p = new Pipeline();
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  const s = p.summary();
  return { fills: s.fills, messages: s.messages, seconds: (performance.now() - t0) / 1000 };
}

export async function decodeAll(file: string): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  const n = new HyperliquidNormalizer();
  const push = (e: MarketEvent) => out.push(e);
  for await (const read of readRecording(file)) {
    if (read instanceof RecordError) continue;
    if ('bytes' in read && n.normalizeBytes(read.bytes, read.msgFrom, read.msgTo, read.ts, push) !== null) continue;
    const item = parsedLine(read);
    if (!(item instanceof RecordError)) n.normalize(item.msg, item.ts, push);
  }
  return out;
}

function engineOnly(events: readonly MarketEvent[]): { fills: number; seconds: number } {
  let fills = 0;
  const book = new PositionBook({ change: () => fills++, drift: () => {}, account: () => {} });
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) book.apply(events[i] as MarketEvent);
  return { fills, seconds: (performance.now() - t0) / 1000 };
}

export async function replayBench(opts: {
  file?: string;
  wallets: number;
  hours: number;
  seed: number;
  repeats: number;
}): Promise<Figures> {
  const file = opts.file ?? join(tmpdir(), `glass-bench-${opts.wallets}w-${opts.hours}h-${opts.seed}.ndjson`);
  await ensureRecording(file, opts.wallets, opts.hours, opts.seed);
  // Warm the page cache and the JIT once, then alternate the two measurements and take medians:
  // on a 2-core machine single runs vary by ±10 %.
  await bareParse(file);
  const bares: number[] = [];
  const fulls: number[] = [];
  let bare = { lines: 0, seconds: 0 };
  let full = { fills: 0, messages: 0, seconds: 0 };
  for (let i = 0; i < opts.repeats; i++) {
    bare = await bareParse(file);
    bares.push(bare.seconds);
    full = await fullReplay(file);
    fulls.push(full.seconds);
  }
  bare = { ...bare, seconds: median(bares) };
  full = { ...full, seconds: median(fulls) };
  const events = await decodeAll(file);
  const eng = medianEngine(events, opts.repeats);
  // The same book fed only the fill-bearing events (trades, user fills) after the account
  // snapshots that precede trading: the per-fill cost without snapshot reconciliation.
  const firstTrade = events.findIndex((e) => e.type === 'trade');
  const fillOnly = [...events.slice(0, firstTrade), ...events.slice(firstTrade).filter((e) => e.type === 'trade' || e.type === 'fill')];
  const engFills = medianEngine(fillOnly, opts.repeats);
  return {
    file,
    bytes: statSync(file).size,
    lines: bare.lines,
    fills: full.fills,
    bareLinesPerSec: Math.round(bare.lines / bare.seconds),
    bareSeconds: round3(bare.seconds),
    replaySeconds: round3(full.seconds),
    replayLinesPerSec: Math.round(full.messages / full.seconds),
    replayFillsPerSec: Math.round(full.fills / full.seconds),
    ratioToBareParse: round3(full.seconds / bare.seconds),
    engineEvents: events.length,
    engineFillsPerSecAllEvents: Math.round(eng.fills / eng.seconds),
    engineFillsPerSecFillEventsOnly: Math.round(engFills.fills / engFills.seconds),
  };
}

function medianEngine(events: readonly MarketEvent[], repeats: number): { fills: number; seconds: number } {
  const times: number[] = [];
  let r = { fills: 0, seconds: 0 };
  for (let i = 0; i <= repeats; i++) {
    r = engineOnly(events);
    if (i > 0) times.push(r.seconds); // the first run warms the JIT
  }
  return { fills: r.fills, seconds: median(times) };
}

if (import.meta.main) {
  const { values } = benchArgs(import.meta.filename, {
    options: {
      wallets: { type: 'string' },
      hours: { type: 'string' },
      seed: { type: 'string' },
      file: { type: 'string' },
      repeats: { type: 'string' },
    },
  });
  const figures = await replayBench({
    file: values.file,
    wallets: Number(values.wallets ?? 16000),
    hours: Number(values.hours ?? 24),
    seed: Number(values.seed ?? 42),
    repeats: Number(values.repeats ?? 3),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
