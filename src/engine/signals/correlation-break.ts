import { type CorrelationBreakEvent, stampEvent } from '../../domain/glass-event.ts';
import { type Coin, coin as toCoinLiteral } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { type Bar, BarFeed } from './bars.ts';
import { correlation, TimedSample, winsorize } from './series.ts';

export interface CorrelationBreakOptions {
  /** The coin every other is compared with. */
  readonly reference: string;
  readonly barMs: number;
  /** Paired bar returns the rolling correlation reads. */
  readonly windowBars: number;
  /** The correlation is sampled every this many bars into the usual band's history … */
  readonly sampleEvery: number;
  /** … kept over this span; the band needs `minHistory` samples. */
  readonly historyMs: number;
  readonly minHistory: number;
  /** The band: median ± this many robust standard deviations of the history, and at least ± `minHalfWidth`. */
  readonly bandSd: number;
  readonly minHalfWidth: number;
  /** Returns are clipped at this many robust standard deviations of the window's own before correlating. */
  readonly winsorize: number;
  readonly cooldownMs: number;
}

export const DEFAULT_CORRELATION_BREAK: CorrelationBreakOptions = {
  reference: 'BTC',
  barMs: 60_000,
  windowBars: 120,
  sampleEvery: 5,
  historyMs: 24 * 3600_000,
  minHistory: 72,
  bandSd: 3,
  minHalfWidth: 0.25,
  winsorize: 2.5,
  cooldownMs: 2 * 3600_000,
};

interface CoinState {
  readonly x: number[];
  readonly y: number[];
  readonly pending: Bar[];
  readonly history: TimedSample;
  bars: number;
  armed: boolean;
  told: number;
}

/**
 * CORRELATION_BREAK (P2): a coin's rolling correlation of bar returns with the reference coin
 * (BTC) leaves its usual band. Each window's returns are clipped at 2.5 robust standard deviations
 * first, so one bar's jump (a liquidation's impact on one coin) does not swing the figure. The
 * band is the coin's own correlation history: its median ± k robust standard deviations, never
 * narrower than ± `minHalfWidth` — a coin that always moves with BTC and one that never does each
 * break only against their own habit, and hours of a break in the history hardly widen it.
 * Once per excursion: re-armed when the correlation is back inside.
 */
export class CorrelationBreakDetector {
  private readonly opts: CorrelationBreakOptions;
  private readonly emit: (e: CorrelationBreakEvent) => void;
  private readonly ref: Coin;
  private readonly coins = new Map<Coin, CoinState>();
  /** The reference's bar returns by bar key (the latest few hundred). */
  private readonly refRets = new Map<number, number>();
  private refKey = Number.NEGATIVE_INFINITY;
  private readonly refLive = new Set<number>();
  private readonly bars: BarFeed;

  constructor(emit: (e: CorrelationBreakEvent) => void, opts: Partial<CorrelationBreakOptions> = {}) {
    this.emit = emit;
    this.opts = { ...DEFAULT_CORRELATION_BREAK, ...opts };
    this.ref = toCoinLiteral(this.opts.reference);
    this.bars = new BarFeed(this.opts.barMs, (b) => this.onBar(b));
  }

  onMarket(e: MarketEvent): void {
    this.bars.onMarket(e);
  }

  private onBar(b: Bar): void {
    if (b.coin === this.ref) {
      this.refRets.set(b.key, b.ret);
      if (b.live) this.refLive.add(b.key);
      this.refLive.delete(b.key - 4 * this.opts.windowBars);
      this.refKey = b.key;
      this.refRets.delete(b.key - 4 * this.opts.windowBars);
      for (const [coin, s] of this.coins) this.drain(coin, s);
      return;
    }
    let s = this.coins.get(b.coin);
    if (s === undefined) {
      s = {
        x: [],
        y: [],
        pending: [],
        history: new TimedSample(this.opts.historyMs),
        bars: 0,
        armed: true,
        told: Number.NEGATIVE_INFINITY,
      };
      this.coins.set(b.coin, s);
    }
    s.pending.push(b);
    this.drain(b.coin, s);
  }

  /** Pairs the coin's bars with the reference's as the reference's arrive (either may close first). */
  private drain(coin: Coin, s: CoinState): void {
    while (s.pending.length > 0 && (s.pending[0] as Bar).key <= this.refKey) {
      const b = s.pending.shift() as Bar;
      const r = this.refRets.get(b.key);
      // Only minutes both coins priced: a gap-filled bar's zero return would fake a decoupling.
      if (r !== undefined && b.live && this.refLive.has(b.key)) this.pair(coin, s, b, r);
    }
    // A coin whose reference went quiet keeps only a window's worth waiting.
    if (s.pending.length > this.opts.windowBars) s.pending.splice(0, s.pending.length - this.opts.windowBars);
  }

  private pair(coin: Coin, s: CoinState, b: Bar, refRet: number): void {
    const o = this.opts;
    s.x.push(b.ret);
    s.y.push(refRet);
    if (s.x.length > o.windowBars) {
      s.x.shift();
      s.y.shift();
    }
    if (s.x.length < o.windowBars || ++s.bars % o.sampleEvery !== 0) return;
    const c = correlation(winsorize(s.x, o.winsorize), winsorize(s.y, o.winsorize));
    if (!(c === c)) return;
    if (s.history.size >= o.minHistory) {
      // Median and robust spread: hours of a break inside the history do not widen the band much.
      const { median: mean, spread: sd } = s.history.robust();
      const half = Math.max(o.minHalfWidth, o.bandSd * sd);
      const lo = mean - half;
      const hi = mean + half;
      if (c >= lo && c <= hi) s.armed = true;
      else if (s.armed && b.end - s.told >= o.cooldownMs) {
        s.armed = false;
        s.told = b.end;
        this.emit(
          stampEvent<CorrelationBreakEvent>({
            id: `CORRELATION_BREAK:${coin}:${b.end}`,
            type: 'CORRELATION_BREAK',
            time: b.end,
            coin,
            severity: 'info',
            reference: this.ref,
            correlation: c,
            usual: mean,
            bandLo: lo,
            bandHi: hi,
            windowMs: o.windowBars * o.barMs,
            markPx: b.close,
          }),
        );
      }
    }
    s.history.add(b.end, c);
  }
}
