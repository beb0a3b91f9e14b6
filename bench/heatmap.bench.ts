/**
 * Heatmap Engine at scale: N open positions (default 1,000,000, one account each, a third
 * isolated) across the simulator's four coins.
 *   - full build: every position's liquidation price computed and filed into the buckets, from a
 *     position book that already holds the accounts (the map a restart or a new coin builds);
 *   - incremental update: mean cost the heatmap adds to one position change (a trade moving both
 *     sides), measured as (book + heatmap) − (book alone) over the same trades on twin books, in
 *     alternating slices; and directly, the heatmap alone fed the changes a book made;
 *   - zones query: zone detection over one coin's window, forced to recompute.
 *
 *   node bench/heatmap.bench.ts [--positions 1000000] [--changes 1000000] [--repeats 3]
 */
import { type Coin, coin, type Wallet, wallet } from '../src/domain/ids.ts';
import type { PositionSnapshotEvent, TradeEvent } from '../src/domain/market-event.ts';
import { HeatmapEngine } from '../src/engine/heatmap/engine.ts';
import { PositionBook } from '../src/engine/position-book/book.ts';
import type { AccountApplied, PositionChange } from '../src/engine/position-book/change.ts';
import { SIM_COINS } from '../src/sim/config.ts';
import { Rng, simAddress } from '../src/sim/rng.ts';
import { benchArgs, median, round3 } from './stats.ts';

const T0 = 1_760_000_000_000;
const COINS: Coin[] = SIM_COINS.map((c) => coin(c.coin));
const PX = SIM_COINS.map((c) => c.px0);

function snapshots(n: number, rng: Rng): { wallets: Wallet[]; events: PositionSnapshotEvent[] } {
  const wallets: Wallet[] = [];
  const events: PositionSnapshotEvent[] = [];
  for (let i = 0; i < n; i++) {
    const w = wallet(simAddress(7, i));
    const c = rng.int(COINS.length);
    const mark = PX[c] as number;
    const lev = 2 + rng.int(30);
    const szi = (rng.chance(0.5) ? 1 : -1) * ((200 + rng.exponential(20_000)) / mark);
    const iso = rng.chance(1 / 3);
    const ntl = Math.abs(szi) * mark;
    const entry = mark * (1 + 0.02 * rng.normal());
    const cash = ntl / lev;
    wallets.push(w);
    events.push({
      type: 'snapshot',
      venue: 'hyperliquid',
      time: T0,
      localTs: T0,
      wallet: w,
      accountValue: cash,
      crossAccountValue: iso ? 0 : cash + szi * (mark - entry),
      crossMaintenanceMarginUsed: null,
      positions: [
        {
          coin: COINS[c] as Coin,
          szi,
          entryPx: entry,
          positionValue: ntl,
          marginMode: iso ? 'isolated' : 'cross',
          leverage: lev,
          rawUsd: iso ? cash - szi * entry : null,
          marginUsed: cash,
          maxLeverage: 40,
          liquidationPx: null,
        },
      ],
    });
  }
  return { wallets, events };
}

/** Trades between random pairs of existing accounts on one coin: each moves two positions. */
function trades(n: number, wallets: readonly Wallet[], rng: Rng): TradeEvent[] {
  const out: TradeEvent[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.int(COINS.length);
    out.push({
      type: 'trade',
      venue: 'hyperliquid',
      time: T0 + 1000 + i,
      localTs: T0 + 1000 + i,
      coin: COINS[c] as Coin,
      px: (PX[c] as number) * (1 + 0.01 * rng.normal()),
      sz: 50 / (PX[c] as number),
      side: 'B',
      buyer: wallets[rng.int(wallets.length)] as Wallet,
      seller: wallets[rng.int(wallets.length)] as Wallet,
      tid: 1_000_000 + i,
      isSnapshot: false,
    });
  }
  return out;
}

/** A book holding every account, and what it said as it applied each (the heatmap's account input). */
function loadedBook(
  snaps: readonly PositionSnapshotEvent[],
  onChange: (c: PositionChange) => void,
): { book: PositionBook; accounts: AccountApplied[] } {
  const accounts: AccountApplied[] = [];
  const book = new PositionBook({
    change: onChange,
    drift: () => {},
    account: (walletId, snapshot, slots) => accounts.push({ walletId, snapshot, slots: [...slots] }),
  });
  for (const s of snaps) book.apply(s);
  return { book, accounts };
}

export function heatmapBench(opts: { positions: number; changes: number; repeats: number }): Record<string, number> {
  const rng = new Rng(42);
  const { wallets, events: snaps } = snapshots(opts.positions, rng);
  const tr = trades(opts.changes / 2, wallets, rng);
  const ingests: number[] = [];
  const builds: number[] = [];
  const updates: number[] = [];
  const direct: number[] = [];
  const queries: number[] = [];
  let changes = 0;
  let heat: HeatmapEngine | null = null;
  for (let r = 0; r < opts.repeats; r++) {
    // Full build: the book holds the accounts; the engine files every position.
    let h: HeatmapEngine | null = null;
    const { book, accounts } = loadedBook(snaps, (c) => h?.onChange(c));
    collect();
    const t0 = performance.now();
    h = new HeatmapEngine(book);
    for (const a of accounts) h.onAccount(a);
    for (let c = 0; c < COINS.length; c++) h.onMarket(mark(c));
    ingests.push(performance.now() - t0);
    collect();
    const t1 = performance.now();
    h.rebuild();
    h.zones('BTC', true);
    builds.push(performance.now() - t1);
    // Incremental: the same trades on the loaded book with and without the heatmap attached.
    changes = 0;
    const { book: twin } = loadedBook(snaps, () => changes++);
    collect();
    // Alternating slices of the same trades, so a drift in the machine's speed (GC, clock)
    // falls on both sides instead of on whichever ran second.
    let bookOnly = 0;
    let withHeat = 0;
    const slice = Math.ceil(tr.length / 20);
    for (let from = 0; from < tr.length; from += slice) {
      const to = Math.min(tr.length, from + slice);
      const tb = performance.now();
      for (let i = from; i < to; i++) twin.apply(tr[i] as TradeEvent);
      const tw = performance.now();
      for (let i = from; i < to; i++) book.apply(tr[i] as TradeEvent);
      withHeat += performance.now() - tw;
      bookOnly += tw - tb;
    }
    updates.push((withHeat - bookOnly) / changes);
    // Direct: the changes the twin made, fed to a heatmap on its own (no book work around it, so
    // none of the cache pressure the heatmap puts on the book either).
    const recorded: PositionChange[] = [];
    const { book: third, accounts: thirdAccounts } = loadedBook(snaps, (c) => recorded.push(c));
    for (const t of tr) third.apply(t);
    const alone = new HeatmapEngine(third);
    for (const a of thirdAccounts) alone.onAccount(a);
    for (let c = 0; c < COINS.length; c++) alone.onMarket(mark(c));
    collect();
    const td = performance.now();
    for (const c of recorded) alone.onChange(c);
    direct.push((performance.now() - td) / recorded.length);
    const tq = performance.now();
    const Q = 50;
    for (let i = 0; i < Q; i++) h.zones('BTC', true);
    queries.push((performance.now() - tq) / Q);
    heat = h;
  }
  const btc = heat?.totals('BTC');
  return {
    positions: opts.positions,
    positionChanges: changes,
    accountsIngestMs: round3(median(ingests)),
    fullBuildMs: round3(median(builds)),
    incrementalUsPerChange: round3(median(updates) * 1000),
    incrementalDirectUsPerChange: round3(median(direct) * 1000),
    zonesQueryMs: round3(median(queries)),
    btcBuckets: heat?.coinState('BTC')?.buckets.nonEmpty().length ?? 0,
    btcPositionsFiled: btc?.positions ?? 0,
  };
}

/** Starts each timed phase without the garbage of the set-up before it (with --expose-gc). */
function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
}

function mark(c: number): { type: 'mark'; venue: 'hyperliquid'; time: number; localTs: number; coin: Coin; px: number; kind: 'mark' } {
  return { type: 'mark', venue: 'hyperliquid', time: T0, localTs: T0, coin: COINS[c] as Coin, px: PX[c] as number, kind: 'mark' };
}

if (import.meta.main) {
  const { values } = benchArgs(import.meta.filename, {
    options: { positions: { type: 'string' }, changes: { type: 'string' }, repeats: { type: 'string' } },
  });
  const figures = heatmapBench({
    positions: Number(values.positions ?? 1_000_000),
    changes: Number(values.changes ?? 1_000_000),
    repeats: Number(values.repeats ?? 3),
  });
  process.stdout.write(`${JSON.stringify({ node: process.version, heatmap: figures }, null, 2)}\n`);
}

/** For profiling: the set-up of one full build, and the build itself as a function. */
export function heatmapBuildOnly(n: number): { run: () => void } {
  const { events: snaps } = snapshots(n, new Rng(42));
  const { book, accounts } = loadedBook(snaps, () => {});
  return {
    run: () => {
      const h = new HeatmapEngine(book);
      for (const a of accounts) h.onAccount(a);
    },
  };
}
