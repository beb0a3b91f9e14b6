/**
 * Whale Hunter throughput on decoded events: syndicate detection, whale policy, position events
 * and convergence, per position change, measured as (book + hunter) − (book alone) over the same
 * events. Zones come from a heatmap built over the same recording beforehand, so the figure is the
 * hunter's own cost.
 *
 *   node bench/whales.bench.ts [--wallets 16000] [--hours 24] [--seed 42] [--repeats 3]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ZoneRef } from '../src/domain/glass-event.ts';
import type { Coin } from '../src/domain/ids.ts';
import type { MarketEvent } from '../src/domain/market-event.ts';
import { HeatmapEngine } from '../src/engine/heatmap/engine.ts';
import { PositionBook } from '../src/engine/position-book/book.ts';
import { WhaleHunter } from '../src/engine/whales/hunter.ts';
import { decodeAll, ensureRecording } from './replay.bench.ts';
import { benchArgs, median, round3 } from './stats.ts';

function run(
  events: readonly MarketEvent[],
  zones: ((c: Coin) => readonly ZoneRef[]) | null,
): { ms: number; changes: number; out: number } {
  let changes = 0;
  let out = 0;
  let hunter: WhaleHunter | null = null;
  const book = new PositionBook({
    change: (c) => {
      changes++;
      hunter?.onChange(c);
    },
    drift: () => {},
    account: () => {},
  });
  if (zones !== null) {
    hunter = new WhaleHunter(book, () => out++, { zones }, { policy: { minAccountUsd: 200_000, minPositionUsd: 1_000_000 } });
  }
  const t0 = performance.now();
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as MarketEvent;
    book.apply(e);
    hunter?.onMarket(e);
  }
  return { ms: performance.now() - t0, changes, out };
}

export async function whalesBench(opts: {
  wallets: number;
  hours: number;
  seed: number;
  repeats: number;
}): Promise<Record<string, number>> {
  const file = join(tmpdir(), `glass-bench-${opts.wallets}w-${opts.hours}h-${opts.seed}.ndjson`);
  await ensureRecording(file, opts.wallets, opts.hours, opts.seed);
  const events = await decodeAll(file);
  // Zones as the heatmap holds them at the end of the recording.
  const book = new PositionBook();
  const heat = new HeatmapEngine(book);
  book.setSink({
    change: (c) => heat.onChange(c),
    drift: () => {},
    account: (walletId, snapshot, slots) => heat.onAccount({ walletId, snapshot, slots }),
  });
  for (const e of events) {
    book.apply(e);
    heat.onMarket(e);
  }
  const zoneMap = new Map(heat.coinList().map((c) => [c, heat.zones(c)]));
  const zones = (c: Coin) => zoneMap.get(c) ?? [];
  const base: number[] = [];
  const full: number[] = [];
  let changes = 0;
  let out = 0;
  run(events, zones); // warm the JIT
  for (let i = 0; i < opts.repeats; i++) {
    base.push(run(events, null).ms);
    const r = run(events, zones);
    full.push(r.ms);
    changes = r.changes;
    out = r.out;
  }
  const hunterMs = Math.max(1e-9, median(full) - median(base));
  return {
    events: events.length,
    positionChanges: changes,
    glassEvents: out,
    bookMs: round3(median(base)),
    bookAndHunterMs: round3(median(full)),
    hunterFillsPerSec: Math.round(changes / (hunterMs / 1000)),
  };
}

if (import.meta.main) {
  const { values } = benchArgs(import.meta.filename, {
    options: { wallets: { type: 'string' }, hours: { type: 'string' }, seed: { type: 'string' }, repeats: { type: 'string' } },
  });
  const figures = await whalesBench({
    wallets: Number(values.wallets ?? 16000),
    hours: Number(values.hours ?? 24),
    seed: Number(values.seed ?? 42),
    repeats: Number(values.repeats ?? 3),
  });
  process.stdout.write(`${JSON.stringify({ node: process.version, whales: figures }, null, 2)}\n`);
}
