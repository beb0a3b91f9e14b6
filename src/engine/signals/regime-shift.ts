import { type RegimeShiftEvent, stampEvent, type TrendRegime, type VolRegime } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { type Bar, BarFeed } from './bars.ts';
import { TimedSample } from './series.ts';

export interface RegimeShiftOptions {
  readonly barMs: number;
  /** Realised volatility over this many bars … */
  readonly volBars: number;
  /** … against its own rolling median over this span (the baseline), once it covers `minBaselineMs`. */
  readonly baselineMs: number;
  readonly minBaselineMs: number;
  /** Volatile from this multiple of the baseline; calm again at or below `calmRatio`. */
  readonly volatileRatio: number;
  readonly calmRatio: number;
  /** Variance ratio of `q`-bar to 1-bar returns over `trendBars` bars: trending from `trendingVr`, mean-reverting at or below `revertingVr`, random again inside [randomLo, randomHi]. */
  readonly trend: boolean;
  readonly q: number;
  readonly trendBars: number;
  readonly trendingVr: number;
  readonly revertingVr: number;
  readonly randomLo: number;
  readonly randomHi: number;
  /** A regime stands at least this long before the next change of the same kind is told. */
  readonly minDwellMs: number;
}

export const DEFAULT_REGIME_SHIFT: RegimeShiftOptions = {
  barMs: 60_000,
  volBars: 30,
  baselineMs: 12 * 3600_000,
  minBaselineMs: 3 * 3600_000,
  volatileRatio: 2,
  calmRatio: 1.25,
  trend: true,
  q: 5,
  trendBars: 240,
  trendingVr: 1.8,
  revertingVr: 0.5,
  randomLo: 0.8,
  randomHi: 1.25,
  minDwellMs: 60 * 60_000,
};

const YEAR_MS = 365 * 86_400_000;
/** Share of the volatility window's bars that must have traded (or been marked). */
const MIN_LIVE = 0.8;

interface CoinState {
  readonly rets: number[];
  /** 1 for a live bar, 0 for a gap-filled one, over the same bars as `rets`. */
  readonly live: number[];
  readonly rv: TimedSample;
  vol: VolRegime | null;
  volSince: number;
  trend: TrendRegime | null;
  trendSince: number;
}

/**
 * REGIME_SHIFT (P2): the coin's volatility regime (realised volatility over the last half hour
 * against its own rolling median: calm / volatile, with hysteresis) or trend regime (the variance
 * ratio of 5-bar to 1-bar returns over four hours: trending / random / mean-reverting) changed.
 * The first regime each series settles in is its starting point, not a shift; a regime stands
 * `minDwellMs` before the next change is told. The ledger files every later event under the
 * coin's volatility regime.
 */
export class RegimeShiftDetector {
  private readonly opts: RegimeShiftOptions;
  private readonly emit: (e: RegimeShiftEvent) => void;
  private readonly coins = new Map<Coin, CoinState>();
  private readonly bars: BarFeed;

  constructor(emit: (e: RegimeShiftEvent) => void, opts: Partial<RegimeShiftOptions> = {}) {
    this.emit = emit;
    this.opts = { ...DEFAULT_REGIME_SHIFT, ...opts };
    this.bars = new BarFeed(this.opts.barMs, (b) => this.onBar(b));
  }

  onMarket(e: MarketEvent): void {
    this.bars.onMarket(e);
  }

  /** The coin's volatility regime now (null: not settled yet). */
  regime(coin: Coin): VolRegime | null {
    return this.coins.get(coin)?.vol ?? null;
  }

  private onBar(b: Bar): void {
    const o = this.opts;
    let s = this.coins.get(b.coin);
    if (s === undefined) {
      s = { rets: [], live: [], rv: new TimedSample(o.baselineMs), vol: null, volSince: b.end, trend: null, trendSince: b.end };
      this.coins.set(b.coin, s);
    }
    s.rets.push(b.ret);
    s.live.push(b.live ? 1 : 0);
    const keep = Math.max(o.volBars, o.trend ? o.trendBars : 0);
    if (s.rets.length > keep) {
      s.rets.shift();
      s.live.shift();
    }
    if (s.rets.length < o.volBars) return;
    // A coin that mostly did not trade has no volatility to speak of: gap-filled bars are not calm.
    let live = 0;
    for (let i = s.live.length - o.volBars; i < s.live.length; i++) live += s.live[i] as number;
    if (live < MIN_LIVE * o.volBars) return;
    let ss = 0;
    for (let i = s.rets.length - o.volBars; i < s.rets.length; i++) ss += (s.rets[i] as number) ** 2;
    const rv = Math.sqrt((ss / o.volBars) * (YEAR_MS / o.barMs));
    const covered = s.rv.coveredMs >= o.minBaselineMs;
    const baseline = covered ? s.rv.median() : Number.NaN;
    s.rv.add(b.end, rv);
    const vr = o.trend && s.rets.length >= o.trendBars ? varianceRatio(s.rets, o.q) : Number.NaN;
    if (covered && baseline > 0) {
      const ratio = rv / baseline;
      const next: VolRegime | null =
        s.vol === null
          ? ratio >= o.volatileRatio
            ? 'volatile'
            : 'calm'
          : ratio >= o.volatileRatio
            ? 'volatile'
            : ratio <= o.calmRatio
              ? 'calm'
              : s.vol;
      if (s.vol === null) {
        s.vol = next;
        s.volSince = b.end;
      } else if (next !== null && next !== s.vol && b.end - s.volSince >= o.minDwellMs) {
        this.tell(b, 'volatility', s.vol, next, rv, baseline, vr);
        s.vol = next;
        s.volSince = b.end;
      }
    }
    if (vr === vr && covered) {
      const next: TrendRegime =
        vr >= o.trendingVr
          ? 'trending'
          : vr <= o.revertingVr
            ? 'mean-reverting'
            : vr >= o.randomLo && vr <= o.randomHi
              ? 'random'
              : (s.trend ?? 'random');
      if (s.trend === null) {
        s.trend = next;
        s.trendSince = b.end;
      } else if (next !== s.trend && b.end - s.trendSince >= o.minDwellMs) {
        this.tell(b, 'trend', s.trend, next, rv, baseline, vr);
        s.trend = next;
        s.trendSince = b.end;
      }
    }
  }

  private tell(
    b: Bar,
    kind: 'volatility' | 'trend',
    from: VolRegime | TrendRegime,
    to: VolRegime | TrendRegime,
    rv: number,
    baseline: number,
    vr: number,
  ): void {
    this.emit(
      stampEvent<RegimeShiftEvent>({
        id: `REGIME_SHIFT:${b.coin}:${kind}:${b.end}`,
        type: 'REGIME_SHIFT',
        time: b.end,
        coin: b.coin,
        severity: 'info',
        kind,
        from,
        to,
        realisedVol: rv,
        baselineVol: baseline,
        varianceRatio: vr === vr ? vr : null,
        markPx: b.close,
      }),
    );
  }
}

/** Var(overlapping q-sums) / (q · Var(1-step)), both about the sample mean. */
export function varianceRatio(rets: readonly number[], q: number): number {
  const n = rets.length;
  if (n < 2 * q) return Number.NaN;
  let m = 0;
  for (const r of rets) m += r;
  m /= n;
  let v1 = 0;
  for (const r of rets) v1 += (r - m) ** 2;
  v1 /= n - 1;
  let vq = 0;
  let k = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += rets[i] as number;
    if (i >= q) acc -= rets[i - q] as number;
    if (i >= q - 1) {
      vq += (acc - q * m) ** 2;
      k++;
    }
  }
  vq /= k;
  return v1 > 0 ? vq / (q * v1) : Number.NaN;
}
