/**
 * Funding links from the stream (issue 12: the live venue's ledger updates): what an entity graph
 * attached to the pipeline costs per market event that is not a ledger update (every trade and
 * mark passes through `EntityGraph.onMarket`), and per ledger update on a stream of transfers,
 * deposits and withdrawals (a withdrawal matched to a deposit once settled), with the flows held
 * at the half-way mark and at the end (bounded: the second half must not grow them).
 * CPU time (process.cpuUsage), alternating runs, median of `--repeats`.
 *
 *   node bench/funding-stream.bench.ts [--events 2000000] [--updates 200000] [--wallets 50000] [--repeats 5]
 */
import { parseArgs } from 'node:util';
import { coin, type Wallet, wallet } from '../src/domain/ids.ts';
import type { MarketEvent, TradeEvent, TransferEvent } from '../src/domain/market-event.ts';
import { EntityGraph } from '../src/engine/syndicates/entities.ts';
import { median, round3 } from './stats.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    updates: { type: 'string', default: '200000' },
    wallets: { type: 'string', default: '50000' },
    repeats: { type: 'string', default: '5' },
  },
});
const EVENTS = Number(values.events);
const UPDATES = Number(values.updates);
const WALLETS = Number(values.wallets);
const REPEATS = Number(values.repeats);

const w = (i: number): Wallet => wallet(`0x${i.toString(16).padStart(40, '0')}`);
const t0 = 1_700_000_000_000;

/** Trades a millisecond apart: what the graph sees between ledger updates. */
const trades: TradeEvent[] = Array.from({ length: 4096 }, (_, i) => ({
  type: 'trade',
  venue: 'hyperliquid',
  coin: coin('BTC'),
  px: 60_000,
  sz: 0.1,
  side: 'B',
  buyer: w(i % WALLETS),
  seller: w((i + 1) % WALLETS),
  tid: i,
  isSnapshot: false,
  time: t0 + i,
  localTs: t0 + i,
}));

function ledgerUpdates(n: number): TransferEvent[] {
  let s = 7;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const out: TransferEvent[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + i * 1000; // one update a second: ~55 h for 200,000
    const a = w(Math.floor(rnd() * WALLETS));
    const b = w(Math.floor(rnd() * WALLETS));
    const r = rnd();
    const usd = r < 0.5 ? Math.round(rnd() * 1000) * 100 : Math.round(rnd() * 1e6) / 100;
    const kind = r < 0.2 ? 'transfer' : r < 0.6 ? 'deposit' : 'withdraw';
    out.push({
      type: 'transfer',
      venue: 'hyperliquid',
      time: t,
      localTs: t,
      wallet: a,
      from: kind === 'deposit' ? null : a,
      to: kind === 'withdraw' ? null : kind === 'transfer' ? b : a,
      usd,
      via: kind === 'transfer' ? 'internalTransfer' : kind,
      hash: `0x${i.toString(16).padStart(64, '0')}`,
      isSnapshot: false,
    });
  }
  return out;
}
const updates = ledgerUpdates(UPDATES);

const cpu = (f: () => void): number => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000; // ns
};

const bare: number[] = [];
const attached: number[] = [];
const perUpdate: number[] = [];
let heldHalf = 0;
let heldEnd = 0;
let links = 0;
for (let r = 0; r < REPEATS; r++) {
  // A: the loop alone (a consumer that ignores the event); B: the same events through an attached graph.
  let sink = 0;
  const consume = (e: MarketEvent) => {
    sink += e.time & 1;
  };
  bare.push(
    cpu(() => {
      for (let i = 0; i < EVENTS; i++) consume(trades[i & 4095] as TradeEvent);
    }) / EVENTS,
  );
  const g = new EntityGraph();
  attached.push(
    cpu(() => {
      for (let i = 0; i < EVENTS; i++) {
        const e = trades[i & 4095] as TradeEvent;
        consume(e);
        g.onMarket(e);
      }
    }) / EVENTS,
  );
  const h = new EntityGraph();
  const held = () => h.stream.heldFlows;
  perUpdate.push(
    cpu(() => {
      for (let i = 0; i < updates.length; i++) {
        h.onMarket(updates[i] as TransferEvent);
        if (i === updates.length >> 1) heldHalf = held();
      }
      h.finishFunding();
    }) / updates.length,
  );
  heldEnd = held();
  links = h.stream.counts.transfers + h.stream.counts.matched;
  if (sink < 0) console.log(sink);
}

console.log(
  JSON.stringify({
    events: EVENTS,
    updates: UPDATES,
    wallets: WALLETS,
    repeats: REPEATS,
    nsPerEventBare: round3(median(bare)),
    nsPerEventWithGraph: round3(median(attached)),
    nsPerLedgerUpdate: round3(median(perUpdate)),
    flowsHeldAtHalf: heldHalf,
    flowsHeldAtEnd: heldEnd,
    links,
  }),
);
