import { grow } from '../common/growable.ts';

/**
 * Closed round trips, column by column (200,000 wallets × 50 trades is 10 M rows: objects would
 * cost gigabytes and the full recompute would chase pointers). A row is written once, at close.
 */
export class TradeStore {
  n = 0;
  wallet: Int32Array = new Int32Array(1024);
  coin: Int32Array = new Int32Array(1024);
  /** +1 long, −1 short. */
  side: Int8Array = new Int8Array(1024);
  openTime: Float64Array = new Float64Array(1024);
  closeTime: Float64Array = new Float64Array(1024);
  entryPx: Float64Array = new Float64Array(1024);
  exitPx: Float64Array = new Float64Array(1024);
  /** Largest notional held during the trade, at the average entry price. */
  maxNotional: Float64Array = new Float64Array(1024);
  /** Leverage the account had set when the trade opened (NaN: never seen in a snapshot). */
  leverage: Float64Array = new Float64Array(1024);
  /** Account value at the open (NaN: unknown). */
  account: Float64Array = new Float64Array(1024);
  pnl: Float64Array = new Float64Array(1024);
  liquidated: Uint8Array = new Uint8Array(1024);
  adds: Int32Array = new Int32Array(1024);
  partials: Int32Array = new Int32Array(1024);
  /** The wallet's previous closed trade, as it stood when this one opened (−1: none). */
  prevTrade: Int32Array = new Int32Array(1024);
  /** The bet (BetStore row) this trade is part of. */
  bet: Int32Array = new Int32Array(1024);
  /** The entry (EntryStore row) that opened this trade. */
  entry: Int32Array = new Int32Array(1024);
  /** The wallet's closed trade before this one, in close order (−1: first): its history chain. */
  chain: Int32Array = new Int32Array(1024);
  /** Score after − before this trade was counted, and the score after (NaN until scored). */
  delta: Float32Array = new Float32Array(1024);
  scoreAfter: Float32Array = new Float32Array(1024);

  add(): number {
    const i = this.n++;
    if (i >= this.wallet.length) this.growTo(i + 1);
    return i;
  }

  retNotional(i: number): number {
    return (this.pnl[i] as number) / (this.maxNotional[i] as number);
  }

  private growTo(n: number): void {
    this.wallet = grow(this.wallet, n);
    this.coin = grow(this.coin, n);
    this.side = grow(this.side, n);
    this.openTime = grow(this.openTime, n);
    this.closeTime = grow(this.closeTime, n);
    this.entryPx = grow(this.entryPx, n);
    this.exitPx = grow(this.exitPx, n);
    this.maxNotional = grow(this.maxNotional, n);
    this.leverage = grow(this.leverage, n);
    this.account = grow(this.account, n);
    this.pnl = grow(this.pnl, n);
    this.liquidated = grow(this.liquidated, n);
    this.adds = grow(this.adds, n);
    this.partials = grow(this.partials, n);
    this.prevTrade = grow(this.prevTrade, n);
    this.chain = grow(this.chain, n);
    this.entry = grow(this.entry, n);
    this.bet = grow(this.bet, n);
    this.delta = grow(this.delta, n);
    this.scoreAfter = grow(this.scoreAfter, n);
  }
}

/**
 * Entries (the open of each round trip) waiting for, or scored against, the price path after
 * them: the accuracy evidence.
 */
export class EntryStore {
  n = 0;
  wallet: Int32Array = new Int32Array(1024);
  coin: Int32Array = new Int32Array(1024);
  side: Int8Array = new Int8Array(1024);
  time: Float64Array = new Float64Array(1024);
  px: Float64Array = new Float64Array(1024);
  /** σ of log price per √ms at entry. */
  sigma: Float64Array = new Float64Array(1024);
  /** Σ over matured horizons of the clipped signed z-move. */
  zSum: Float64Array = new Float64Array(1024);
  /** Σ over matured horizons of the clipped size of the move, |z|: the weights of zSum's terms. */
  moveSum: Float64Array = new Float64Array(1024);
  /** Signed log return at the reference horizon (NaN until it matures). */
  ref: Float64Array = new Float64Array(1024);
  matured: Uint8Array = new Uint8Array(1024);
  /** The bet (BetStore row) the entry opened a round trip of. */
  bet: Int32Array = new Int32Array(1024);

  add(): number {
    const i = this.n++;
    if (i >= this.wallet.length) {
      const n = i + 1;
      this.wallet = grow(this.wallet, n);
      this.coin = grow(this.coin, n);
      this.side = grow(this.side, n);
      this.time = grow(this.time, n);
      this.px = grow(this.px, n);
      this.sigma = grow(this.sigma, n);
      this.zSum = grow(this.zSum, n);
      this.moveSum = grow(this.moveSum, n);
      this.ref = grow(this.ref, n);
      this.matured = grow(this.matured, n);
      this.bet = grow(this.bet, n);
    }
    return i;
  }
}
