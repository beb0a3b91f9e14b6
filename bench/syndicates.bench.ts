/**
 * Syndicate detection and entity clustering: cost per position change and the memory they hold
 * on a whole-venue stream (every wallet counted, no whale policy), synthetic so it can be as long
 * and as wide as the venue: `--wallets` distinct wallets entering one of 8 coins at random, a
 * Poisson stream of `--rate` directional fills a second, for `--hours`. Reported: ns per change
 * for the bare rule and for the default (significance, class, entities); the entity graph's pairs
 * and the heap after the run, at the half-way mark and at the end (bounded: the second half must
 * not grow them).
 *
 *   node --expose-gc bench/syndicates.bench.ts [--wallets 200000] [--rate 200] [--hours 6] [--repeats 3]
 */
import { parseArgs } from 'node:util';
import { type Coin, coin, type Wallet, wallet } from '../src/domain/ids.ts';
import type { PositionChange } from '../src/engine/position-book/change.ts';
import { SyndicateDetector, significantSyndicates } from '../src/engine/syndicates/detector.ts';
import type { EntityGraph } from '../src/engine/syndicates/entities.ts';
import { median, round3 } from './stats.ts';

const COINS: Coin[] = ['BTC', 'ETH', 'SOL', 'HYPE', 'ARB', 'DOGE', 'AVAX', 'LINK'].map((c) => coin(c));

function* stream(wallets: number, ratePerS: number, hours: number, seed: number): Generator<PositionChange> {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const names: Wallet[] = [];
  const name = (i: number) => {
    let n = names[i];
    if (n === undefined) {
      n = wallet(`0x${i.toString(16).padStart(40, '0')}`);
      names[i] = n;
    }
    return n;
  };
  const t0 = 1_700_000_000_000;
  const end = t0 + hours * 3600_000;
  const px = COINS.map((_, i) => 100 * (i + 1));
  for (let t = t0, tid = 1; t < end; tid++) {
    t += Math.ceil((-Math.log(1 - rnd()) * 1000) / ratePerS);
    const c = Math.floor(rnd() * COINS.length);
    px[c] = (px[c] as number) * Math.exp(0.0005 * (rnd() - 0.5));
    const w = Math.floor(rnd() * wallets);
    const long = rnd() < 0.5;
    const sz = 1 + 10 * rnd();
    yield {
      type: 'position',
      wallet: name(w),
      walletId: w,
      coin: COINS[c] as Coin,
      coinId: c,
      slot: w * COINS.length + c,
      time: t,
      localTs: t,
      px: px[c] as number,
      sz,
      side: long ? 'B' : 'A',
      before: 0,
      after: long ? sz : -sz,
      dir: long ? 'Open Long' : 'Open Short',
      closedPnl: 0,
      entryPx: px[c] as number,
      liquidation: false,
      taker: rnd() < 0.7,
      tid,
      source: 'fill',
      history: false,
      resolved: false,
    };
  }
}

function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1e6;
}

function once(opts: { wallets: number; rate: number; hours: number }, significant: boolean, seed: number) {
  const changes = [...stream(opts.wallets, opts.rate, opts.hours, seed)];
  const o = significant ? significantSyndicates() : {};
  let events = 0;
  const d = new SyndicateDetector(
    () => events++,
    () => null,
    o,
  );
  const graph = (o.entities ?? null) as EntityGraph | null;
  const before = heapMb();
  const half = Math.floor(changes.length / 2);
  let mid = { pairs: 0, heap: 0 };
  const t = performance.now();
  let paused = 0;
  for (let i = 0; i < changes.length; i++) {
    d.onChange(changes[i] as PositionChange);
    if (i === half) {
      const p = performance.now();
      mid = { pairs: graph?.pairCount ?? 0, heap: heapMb() - before };
      paused += performance.now() - p;
    }
  }
  const ms = performance.now() - t - paused;
  return {
    nsPerChange: (ms * 1e6) / changes.length,
    changes: changes.length,
    events,
    midPairs: mid.pairs,
    endPairs: graph?.pairCount ?? 0,
    midHeapMb: mid.heap,
    endHeapMb: heapMb() - before,
  };
}

export function syndicatesBench(opts: { wallets: number; rate: number; hours: number; repeats: number }): Record<string, number> {
  const bare: number[] = [];
  const full: number[] = [];
  let last = once(opts, true, 1);
  for (let r = 0; r < opts.repeats; r++) {
    bare.push(once(opts, false, r + 1).nsPerChange);
    last = once(opts, true, r + 1);
    full.push(last.nsPerChange);
  }
  return {
    changes: last.changes,
    bareNsPerChange: round3(median(bare)),
    bareNsMin: round3(Math.min(...bare)),
    bareNsMax: round3(Math.max(...bare)),
    defaultNsPerChange: round3(median(full)),
    defaultNsMin: round3(Math.min(...full)),
    defaultNsMax: round3(Math.max(...full)),
    pairsAtHalf: last.midPairs,
    pairsAtEnd: last.endPairs,
    heapMbAtHalf: round3(last.midHeapMb),
    heapMbAtEnd: round3(last.endHeapMb),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { wallets: { type: 'string' }, rate: { type: 'string' }, hours: { type: 'string' }, repeats: { type: 'string' } },
  });
  const r = syndicatesBench({
    wallets: Number(values.wallets ?? 200_000),
    rate: Number(values.rate ?? 200),
    hours: Number(values.hours ?? 6),
    repeats: Number(values.repeats ?? 3),
  });
  console.log(JSON.stringify(r));
}
