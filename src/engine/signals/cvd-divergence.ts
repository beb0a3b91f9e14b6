import { type CvdDivergenceEvent, stampEvent } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { type Bar, BarFeed } from './bars.ts';
import { meanSd } from './series.ts';

export interface CvdDivergenceOptions {
  readonly barMs: number;
  /** Bars in the window whose price change and taker delta are compared. */
  readonly windowBars: number;
  /** Windows (one per bar) the rolling relation is fitted on, and how many it needs. */
  readonly historyBars: number;
  readonly minHistory: number;
  /** Divergence: the window's residual beyond this many standard deviations of the relation's … */
  readonly residualZ: number;
  /** … with price and flow moving opposite ways, the flow at least this many of its standard deviations. */
  readonly flowZ: number;
  readonly cooldownMs: number;
}

export const DEFAULT_CVD_DIVERGENCE: CvdDivergenceOptions = {
  barMs: 60_000,
  windowBars: 15,
  historyBars: 360,
  minHistory: 120,
  residualZ: 2,
  flowZ: 1.5,
  cooldownMs: 30 * 60_000,
};

interface CoinState {
  /** The last `windowBars` bars' returns and deltas. */
  readonly rets: number[];
  readonly deltas: number[];
  readonly vols: number[];
  /** Window sums (price change, delta) of the last `historyBars` windows. */
  readonly hp: number[];
  readonly hd: number[];
  told: number;
}

/**
 * CVD_DIVERGENCE_EXTREME (P1): over a rolling window of bars, price and cumulative taker volume
 * delta (buys minus sells by aggressor side) diverge beyond their rolling relation: the window's
 * price change is fitted on its delta over the coin's recent windows (least squares), and the
 * event fires when the window's residual is beyond `residualZ` of the fit's, price and flow moved
 * opposite ways, and the flow itself was sizeable (`flowZ`) — heavy buying that price did not
 * follow, or the reverse. The event's direction is the flow's.
 */
export class CvdDivergenceDetector {
  private readonly opts: CvdDivergenceOptions;
  private readonly emit: (e: CvdDivergenceEvent) => void;
  private readonly coins = new Map<Coin, CoinState>();
  private readonly bars: BarFeed;

  constructor(emit: (e: CvdDivergenceEvent) => void, opts: Partial<CvdDivergenceOptions> = {}) {
    this.emit = emit;
    this.opts = { ...DEFAULT_CVD_DIVERGENCE, ...opts };
    this.bars = new BarFeed(this.opts.barMs, (b) => this.onBar(b));
  }

  onMarket(e: MarketEvent): void {
    this.bars.onMarket(e);
  }

  private onBar(b: Bar): void {
    const o = this.opts;
    let s = this.coins.get(b.coin);
    if (s === undefined) {
      s = { rets: [], deltas: [], vols: [], hp: [], hd: [], told: Number.NEGATIVE_INFINITY };
      this.coins.set(b.coin, s);
    }
    s.rets.push(b.ret);
    s.deltas.push(b.buyUsd - b.sellUsd);
    s.vols.push(b.buyUsd + b.sellUsd);
    if (s.rets.length > o.windowBars) {
      s.rets.shift();
      s.deltas.shift();
      s.vols.shift();
    }
    if (s.rets.length < o.windowBars) return;
    const p = sum(s.rets);
    const d = sum(s.deltas);
    const verdict = s.hp.length >= o.minHistory ? this.judge(s, p, d) : null;
    s.hp.push(p);
    s.hd.push(d);
    if (s.hp.length > o.historyBars) {
      s.hp.shift();
      s.hd.shift();
    }
    if (verdict === null || b.end - s.told < o.cooldownMs) return;
    s.told = b.end;
    this.emit(
      stampEvent<CvdDivergenceEvent>({
        id: `CVD_DIVERGENCE_EXTREME:${b.coin}:${b.end}`,
        type: 'CVD_DIVERGENCE_EXTREME',
        time: b.end,
        coin: b.coin,
        severity: 'notice',
        windowMs: o.windowBars * o.barMs,
        priceChange: p,
        cvdUsd: d,
        volumeUsd: sum(s.vols),
        residualZ: verdict.residualZ,
        flowZ: verdict.flowZ,
        direction: d > 0 ? 'long' : 'short',
        markPx: b.close,
      }),
    );
  }

  /** The window against the rolling relation (null: no divergence). */
  private judge(s: CoinState, p: number, d: number): { residualZ: number; flowZ: number } | null {
    const o = this.opts;
    const fd = meanSd(s.hd);
    const fp = meanSd(s.hp);
    if (!(fd.sd > 0) || !(fp.sd > 0)) return null;
    // Least squares of price change on delta over the history, and the residuals' spread.
    let cov = 0;
    for (let i = 0; i < s.hd.length; i++) cov += ((s.hd[i] as number) - fd.mean) * ((s.hp[i] as number) - fp.mean);
    cov /= s.hd.length - 1;
    const beta = cov / (fd.sd * fd.sd);
    const alpha = fp.mean - beta * fd.mean;
    let q = 0;
    for (let i = 0; i < s.hd.length; i++) {
      const r = (s.hp[i] as number) - alpha - beta * (s.hd[i] as number);
      q += r * r;
    }
    const sdRes = Math.sqrt(q / (s.hd.length - 2));
    if (!(sdRes > 0)) return null;
    const residualZ = (p - alpha - beta * d) / sdRes;
    const flowZ = (d - fd.mean) / fd.sd;
    const opposite = (p > 0 && d < 0) || (p < 0 && d > 0);
    if (!opposite || Math.abs(residualZ) < o.residualZ || Math.abs(flowZ) < o.flowZ) return null;
    // The residual must point against the flow: price lagging where the flow pushed.
    if (Math.sign(residualZ) === Math.sign(d)) return null;
    return { residualZ, flowZ };
  }
}

function sum(a: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s;
}
