/**
 * Nexus Score at scale: W wallets × T round trips each (default 200,000 × 50 = 10 M trades,
 * 20 M position changes, a mark a minute), fed to the engine as the book would; then the full
 * recompute (every wallet's evidence rebuilt from the stored trades and entries, universe and
 * percentiles refreshed) and a full table.
 *
 *   node --expose-gc bench/score.bench.ts [--wallets 200000] [--trades 50] [--repeats 3]
 */
import { coin, wallet } from '../src/domain/ids.ts';
import type { MarkPriceEvent } from '../src/domain/market-event.ts';
import { PositionBook } from '../src/engine/position-book/book.ts';
import type { PositionChange } from '../src/engine/position-book/change.ts';
import { ScoreEngine } from '../src/engine/score/engine.ts';
import { Rng, simAddress } from '../src/sim/rng.ts';
import { benchArgs, median, round3 } from './stats.ts';

const T0 = 1_760_000_000_000;
const ROUND_MS = 3600_000;
const BTC = coin('BTC');

/** Feeds every round: all opens, marks through the half hour, all closes, marks to the next round. */
function feed(engine: ScoreEngine, book: PositionBook, wallets: number, trades: number): number {
  const rng = new Rng(3);
  const coinId = book.coins.id(BTC);
  let px = 100_000;
  let changes = 0;
  const mark: { -readonly [K in keyof MarkPriceEvent]: MarkPriceEvent[K] } = {
    type: 'mark',
    venue: 'hyperliquid',
    coin: BTC,
    px,
    time: T0,
    localTs: T0,
    kind: 'mark',
  };
  const change: { -readonly [K in keyof PositionChange]: PositionChange[K] } = {
    type: 'position',
    wallet: wallet(simAddress(1, 0)),
    walletId: 0,
    coin: BTC,
    coinId,
    slot: 0,
    time: T0,
    localTs: T0,
    px,
    sz: 0,
    side: 'B',
    before: 0,
    after: 0,
    dir: null,
    closedPnl: 0,
    entryPx: Number.NaN,
    liquidation: false,
    taker: true,
    tid: null,
    source: 'fill',
    history: false,
    resolved: false,
  };
  const size = new Float64Array(wallets);
  const marks = (from: number, to: number) => {
    for (let t = from; t < to; t += 60_000) {
      px *= Math.exp(0.002 * rng.normal());
      mark.px = px;
      mark.time = t;
      engine.onMarket(mark);
    }
  };
  for (let r = 0; r < trades; r++) {
    const base = T0 + r * ROUND_MS;
    const step = ROUND_MS / 2 / wallets;
    for (const closing of [false, true]) {
      for (let w = 0; w < wallets; w++) {
        const long = (w + r) % 3 !== 0;
        if (!closing) size[w] = (0.01 + rng.next()) * (long ? 1 : -1);
        const s = size[w] as number;
        change.walletId = w;
        change.slot = w;
        change.time = base + (closing ? ROUND_MS / 2 : 0) + w * step;
        change.px = px * (1 + 0.001 * rng.normal());
        change.sz = Math.abs(s);
        change.side = s > 0 !== closing ? 'B' : 'A';
        change.before = closing ? s : 0;
        change.after = closing ? 0 : s;
        engine.onChange(change);
        changes++;
      }
      marks(base + (closing ? ROUND_MS / 2 : 0), base + (closing ? ROUND_MS : ROUND_MS / 2));
    }
  }
  return changes;
}

export function scoreBench(opts: { wallets: number; trades: number; repeats: number }): Record<string, number> {
  const book = new PositionBook();
  for (let w = 0; w < opts.wallets; w++) book.wallets.id(wallet(simAddress(1, w)));
  const engine = new ScoreEngine(book);
  const t0 = performance.now();
  const changes = feed(engine, book, opts.wallets, opts.trades);
  const ingest = performance.now() - t0;
  const t1 = performance.now();
  const before = engine.table();
  const firstTable = performance.now() - t1;
  const recomputes: number[] = [];
  const tables: number[] = [];
  let after = before;
  for (let i = 0; i < opts.repeats; i++) {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) gc();
    const tr = performance.now();
    engine.recompute();
    recomputes.push(performance.now() - tr);
    const tt = performance.now();
    after = engine.table();
    tables.push(performance.now() - tt);
  }
  if (JSON.stringify(after[0]) !== JSON.stringify(before[0]) || after.length !== before.length) {
    throw new Error('recompute disagrees with the incremental scores');
  }
  return {
    wallets: opts.wallets,
    tradesPerWallet: opts.trades,
    closedTrades: engine.trades.n,
    positionChanges: changes,
    ingestSeconds: round3(ingest / 1000),
    incrementalUsPerChange: round3((ingest * 1000) / changes),
    firstTableMs: round3(firstTable),
    fullRecomputeSeconds: round3(median(recomputes) / 1000),
    tableMs: round3(median(tables)),
    scored: after.length,
  };
}

if (import.meta.main) {
  const { values } = benchArgs(import.meta.filename, {
    options: { wallets: { type: 'string' }, trades: { type: 'string' }, repeats: { type: 'string' } },
  });
  const figures = scoreBench({
    wallets: Number(values.wallets ?? 200_000),
    trades: Number(values.trades ?? 50),
    repeats: Number(values.repeats ?? 3),
  });
  process.stdout.write(`${JSON.stringify({ node: process.version, score: figures }, null, 2)}\n`);
}
