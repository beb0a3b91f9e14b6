import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';

/** One closed bar of a coin: its close, its log return from the previous close, and the taker flow in it. */
export interface Bar {
  readonly coin: Coin;
  /** Bar index: floor(time / barMs). */
  readonly key: number;
  /** Bar end (ms): the time the bar's figures hold as of. */
  readonly end: number;
  readonly close: number;
  /** ln(close / previous close); 0 for the first bar and across a gap's filled bars. */
  readonly ret: number;
  /** Taker buys and sells in the bar (USD), from the trades' aggressor side. */
  readonly buyUsd: number;
  readonly sellUsd: number;
  /** The bar saw a price of its own (false: closed flat across a gap). */
  readonly live: boolean;
}

interface Open {
  key: number;
  close: number;
  prevClose: number;
  buyUsd: number;
  sellUsd: number;
  marked: boolean;
}

/** Bars a gap longer than this is not filled with (flat bars would fake a calm market). */
const MAX_FILL = 60;

/**
 * Fixed event-time bars per coin. The price is the coin's mark (or mid) once it has one, its
 * trades before that (as the ledger reads prices); taker flow comes from public trades (snapshot
 * batches excluded: history, not news). A bar closes at the coin's first event in a later bar;
 * missing bars in between are closed flat with no flow, up to MAX_FILL of them (a longer gap
 * restarts the series: the first bar after it returns from its own first price).
 */
export class BarFeed {
  private readonly barMs: number;
  private readonly onBar: (b: Bar) => void;
  private readonly open = new Map<Coin, Open>();

  constructor(barMs: number, onBar: (b: Bar) => void) {
    this.barMs = barMs;
    this.onBar = onBar;
  }

  onMarket(e: MarketEvent): void {
    if (e.type === 'mark') this.price(e.coin, e.time, e.px, true);
    else if (e.type === 'trade') {
      if (e.isSnapshot) return;
      const o = this.price(e.coin, e.time, e.px, false);
      if (o === null) return;
      if (e.side === 'B') o.buyUsd += e.sz * e.px;
      else o.sellUsd += e.sz * e.px;
    }
  }

  private price(coin: Coin, time: number, px: number, mark: boolean): Open | null {
    if (!(px > 0) || !Number.isFinite(time)) return null;
    const key = Math.floor(time / this.barMs);
    let o = this.open.get(coin);
    if (o === undefined) {
      o = { key, close: px, prevClose: px, buyUsd: 0, sellUsd: 0, marked: mark };
      this.open.set(coin, o);
      return o;
    }
    if (key > o.key) {
      this.close(coin, o);
      const gap = key - o.key - 1;
      for (let k = 1; k <= Math.min(gap, MAX_FILL); k++) {
        this.onBar({ coin, key: o.key + k, end: (o.key + k + 1) * this.barMs, close: o.close, ret: 0, buyUsd: 0, sellUsd: 0, live: false });
      }
      o.prevClose = gap > MAX_FILL ? Number.NaN : o.close;
      o.key = key;
      o.buyUsd = 0;
      o.sellUsd = 0;
    }
    if (mark) o.marked = true;
    // Key behind the open bar (a venue time stepping back): filed in the open bar.
    if (mark || !o.marked) o.close = px;
    if (!(o.prevClose === o.prevClose)) o.prevClose = o.close;
    return o;
  }

  private close(coin: Coin, o: Open): void {
    this.onBar({
      coin,
      key: o.key,
      end: (o.key + 1) * this.barMs,
      close: o.close,
      ret: Math.log(o.close / o.prevClose),
      buyUsd: o.buyUsd,
      sellUsd: o.sellUsd,
      live: true,
    });
  }
}
