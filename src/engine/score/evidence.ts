import { grow } from '../common/growable.ts';
import { normCdf } from '../common/volatility.ts';
import type { BetStore } from './bets.ts';

/** Half-life of evidence (docs/score.md, "Decay"): a wallet that stopped being good stops scoring well. */
export const HALF_LIFE_MS = 30 * 86_400_000;
const LAMBDA = Math.LN2 / HALF_LIFE_MS;
/** A bet larger than this multiple of the previous losing one is sizing up after a loss. */
export const MARTINGALE_RATIO = 1.5;
/** Re-entering within this share of the wallet's usual gap between bets after a loss is revenge trading. */
export const REVENGE_GAP_SHARE = 0.2;
/** Risk-unit returns are clipped here so one freak bet cannot carry the risk-adjusted figure. */
const RETURN_CLIP = 3;
/**
 * A bet's result counts by its size in risk units up to this, then as this (the risk-adjusted
 * component): a loss or gain inside the noise counts less than a clear one, and beyond it a bet's
 * size in sigmas says more about the regime than the trader, so one lucky bet cannot carry a record.
 * The same clip as accuracy's; on the simulator 1σ ranked skill worse (ρ 0.680 against 0.699).
 */
export const RESULT_CLIP = 0.3;
/** Holds shorter than this are measured against this much volatility. */
const MIN_HOLD_MS = 60_000;
const DAY_MS = 86_400_000;

/** Sums per wallet, each term weighted by ω = e^{λ(t − t0)}: ratios never need re-decaying. Column index of each. */
const S = {
  aW: 0,
  aZ: 1,
  aMove: 2,
  aHit: 3,
  rW: 4,
  rW2: 5,
  r1: 6,
  r2: 7,
  r3: 8,
  r4: 9,
  xW: 10,
  xMean: 11,
  xM2: 12,
  yW: 13,
  yMean: 14,
  yM2: 15,
  afterLoss: 16,
  martingale: 17,
  revenge: 18,
  gapW: 19,
  gap1: 20,
  liq: 21,
  losers: 22,
  liqLosers: 23,
  pZ: 24,
  pMove: 25,
} as const;
const K = 26;
type Stat = (typeof S)[keyof typeof S];

export interface RawComponents {
  accuracy: number;
  riskAdjusted: number;
  sizing: number;
  behaviour: number;
}

/** The evidence behind a wallet's components: what a profile shows to explain the score. */
export interface Explanation {
  readonly trades: number;
  /** Independent bets the round trips group into (docs/score.md, "Bets"): the evidence count. */
  readonly bets: number;
  /** Share of bets that made money. */
  readonly betWinRate: number | null;
  readonly entriesScored: number;
  readonly hitRate: number | null;
  /** Σ sign·|move| / Σ |move| over entries and horizons: a hit rate where large moves count more (−1…1). */
  readonly moveWeightedHitRate: number | null;
  /** Mean bet return in units of the coin's volatility over the bet (see riskReturn). */
  readonly meanRiskReturn: number | null;
  /**
   * Σ sign·min(0.3, |r|) / Σ min(0.3, |r|) over bets, r a bet's result in risk units: the raw
   * risk-adjusted component, a realised win rate where results in the noise count less (−1…1).
   */
  readonly riskWeightedWinRate: number | null;
  /** Per-bet Sharpe ratio of risk-unit results (shown, not ranked). */
  readonly sharpePerBet: number | null;
  readonly psr: number | null;
  readonly sizeDispersion: number | null;
  readonly leverageDispersion: number | null;
  readonly martingaleRate: number | null;
  readonly revengeRate: number | null;
  readonly liquidationRate: number | null;
  readonly lossesLiquidated: number | null;
  readonly betsPerDay: number | null;
  readonly pnlUsd: number;
}

/** What `Evidence.save` keeps. */
export interface EvidenceSaved {
  readonly data: Float64Array;
  readonly trades: Int32Array;
  readonly bets: Int32Array;
  readonly betWins: Int32Array;
  readonly entries: Int32Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly pnl: Float64Array;
  readonly t0: number;
  readonly now: number;
  readonly size: number;
}

/**
 * Per-wallet evidence accumulated from bets (docs/score.md, "Bets"): their matured entries
 * (accuracy) and their outcome (everything else), one unit of evidence per bet, in
 * struct-of-arrays form. Adding one item is O(1); the raw components are ratios of the
 * sums. Time is the event's own.
 */
export class Evidence {
  private data: Float64Array = new Float64Array(1024 * K);
  trades: Int32Array = new Int32Array(1024);
  bets: Int32Array = new Int32Array(1024);
  betWins: Int32Array = new Int32Array(1024);
  entries: Int32Array = new Int32Array(1024);
  first: Float64Array = new Float64Array(1024).fill(Number.NaN);
  last: Float64Array = new Float64Array(1024).fill(Number.NaN);
  pnl: Float64Array = new Float64Array(1024);
  t0 = Number.NaN;
  now = Number.NaN;
  size = 0;
  /** Bumped by every change (an item added, a restore, a reset), never put back: equal versions, equal evidence. */
  version = 0;

  /** The arrays the last `restore` replaced: the next `save` copies into them instead of allocating. */
  private spare: EvidenceSaved | null = null;

  /** A copy of everything, for `restore` (O(wallets); into the arrays the last restore put aside when they fit). */
  save(): EvidenceSaved {
    const s = this.spare;
    this.spare = null;
    const fits = s !== null && s.data.length === this.data.length && s.trades.length === this.trades.length;
    return {
      data: fits ? copy(s.data, this.data) : this.data.slice(),
      trades: fits ? copy(s.trades, this.trades) : this.trades.slice(),
      bets: fits ? copy(s.bets, this.bets) : this.bets.slice(),
      betWins: fits ? copy(s.betWins, this.betWins) : this.betWins.slice(),
      entries: fits ? copy(s.entries, this.entries) : this.entries.slice(),
      first: fits ? copy(s.first, this.first) : this.first.slice(),
      last: fits ? copy(s.last, this.last) : this.last.slice(),
      pnl: fits ? copy(s.pnl, this.pnl) : this.pnl.slice(),
      t0: this.t0,
      now: this.now,
      size: this.size,
    };
  }

  /** Back to what `save` copied (the copy is taken over, not copied again; what it replaces is the next save's). */
  restore(s: EvidenceSaved): void {
    this.version++;
    this.spare = this.saved();
    this.data = s.data;
    this.trades = s.trades;
    this.bets = s.bets;
    this.betWins = s.betWins;
    this.entries = s.entries;
    this.first = s.first;
    this.last = s.last;
    this.pnl = s.pnl;
    this.t0 = s.t0;
    this.now = s.now;
    this.size = s.size;
  }

  /** The current arrays (not copies). */
  private saved(): EvidenceSaved {
    const { data, trades, bets, betWins, entries, first, last, pnl, t0, now, size } = this;
    return { data, trades, bets, betWins, entries, first, last, pnl, t0, now, size };
  }

  reset(): void {
    this.version++;
    this.data.fill(0);
    this.trades.fill(0);
    this.bets.fill(0);
    this.betWins.fill(0);
    this.entries.fill(0);
    this.first.fill(Number.NaN);
    this.last.fill(Number.NaN);
    this.pnl.fill(0);
    this.t0 = Number.NaN;
    this.now = Number.NaN;
  }

  private weight(t: number): number {
    if (this.t0 !== this.t0) this.t0 = t;
    if (!(t <= this.now)) this.now = t;
    return Math.exp(LAMBDA * (t - this.t0));
  }

  /** Decayed count of bets that are over, as of the latest event (a bet a half-life old counts ½). */
  effectiveBets(w: number): number {
    return this.effective(w, S.rW);
  }

  /** Decayed count of bets whose entries' price paths have all matured. */
  effectiveEntries(w: number): number {
    return this.effective(w, S.aW);
  }

  private effective(w: number, s: Stat): number {
    return w < this.size ? (this.data[w * K + s] as number) * this.decay() : 0;
  }

  /** What a weight of 1 at t0 is worth now: effective counts are the sums times this (one exp for a table of every wallet). */
  decay(): number {
    return Math.exp(-LAMBDA * (this.now - this.t0));
  }

  /** `effectiveEntries(w)` and `effectiveBets(w)` with `decay()` given (w < size). */
  effectiveEntriesAt(w: number, decay: number): number {
    return (this.data[w * K + S.aW] as number) * decay;
  }

  effectiveBetsAt(w: number, decay: number): number {
    return (this.data[w * K + S.rW] as number) * decay;
  }

  /** A bet's entries, all matured: one unit of accuracy evidence, their moves pooled. */
  addBetAccuracy(b: BetStore, i: number): void {
    this.version++;
    const w = b.wallet[i] as number;
    this.ensure(w);
    const k = b.maturedEntries[i] as number;
    if (!(k > 0)) return;
    const om = this.weight(b.openTime[i] as number);
    this.bump(S.aW, w, om);
    this.bump(S.aZ, w, (om * (b.zSum[i] as number)) / k);
    this.bump(S.aMove, w, (om * (b.moveSum[i] as number)) / k);
    this.bump(S.aHit, w, (om * (b.hits[i] as number)) / k);
    this.entries[w] = (this.entries[w] as number) + k;
  }

  /** A bet that is over: one unit of evidence for risk-adjusted results, sizing and behaviour. */
  addBet(b: BetStore, i: number): void {
    this.version++;
    const w = b.wallet[i] as number;
    this.ensure(w);
    const close = b.closeTime[i] as number;
    const om = this.weight(close);
    const r = Math.max(-RETURN_CLIP, Math.min(RETURN_CLIP, riskReturn(b, i)));
    this.bump(S.rW, w, om);
    this.bump(S.rW2, w, om * om);
    this.bump(S.r1, w, om * r);
    this.bump(S.r2, w, om * r * r);
    this.bump(S.r3, w, om * r * r * r);
    this.bump(S.r4, w, om * r * r * r * r);
    const size = Math.min(RESULT_CLIP, Math.abs(r));
    this.bump(S.pZ, w, om * Math.sign(r) * size);
    this.bump(S.pMove, w, om * size);
    const acct = b.account[i] as number;
    const ntl = b.maxNotional[i] as number;
    const x = Math.log(acct > 0 ? ntl / acct : ntl);
    this.welford(w, S.xW, S.xMean, S.xM2, x, om);
    const lev = b.leverage[i] as number;
    if (lev > 0) {
      const y = Math.log(lev);
      this.welford(w, S.yW, S.yMean, S.yM2, y, om);
    }
    this.sequence(b, i, w, om);
    const liquidated = b.liquidated[i] === 1;
    if (liquidated) this.bump(S.liq, w, om);
    const pnl = b.pnl[i] as number;
    if (pnl < 0) {
      this.bump(S.losers, w, om);
      if (liquidated) this.bump(S.liqLosers, w, om);
    }
    this.trades[w] = (this.trades[w] as number) + (b.trips[i] as number);
    this.bets[w] = (this.bets[w] as number) + 1;
    if (pnl > 0) this.betWins[w] = (this.betWins[w] as number) + 1;
    this.pnl[w] = (this.pnl[w] as number) + pnl;
    if (!((this.first[w] as number) <= (b.openTime[i] as number))) this.first[w] = b.openTime[i] as number;
    if (!((this.last[w] as number) >= close)) this.last[w] = close;
  }

  /** What followed the wallet's previous bet: sizing up after a loss, re-entering at once. */
  private sequence(b: BetStore, i: number, w: number, om: number): void {
    const prev = b.prevBet[i] as number;
    if (prev < 0) return;
    const gap = (b.openTime[i] as number) - (b.closeTime[prev] as number);
    const gapW = this.data[w * K + S.gapW] as number;
    if ((b.pnl[prev] as number) < 0) {
      this.bump(S.afterLoss, w, om);
      if ((b.maxNotional[i] as number) > MARTINGALE_RATIO * (b.maxNotional[prev] as number)) this.bump(S.martingale, w, om);
      if (gapW > 0 && gap >= 0 && gap < (REVENGE_GAP_SHARE * (this.data[w * K + S.gap1] as number)) / gapW) this.bump(S.revenge, w, om);
    }
    if (gap >= 0) {
      this.bump(S.gapW, w, om);
      this.bump(S.gap1, w, om * gap);
    }
  }

  raw(w: number): RawComponents {
    const o = new Float64Array(4);
    this.rawInto(w, o);
    return { accuracy: o[0] as number, riskAdjusted: o[1] as number, sizing: o[2] as number, behaviour: o[3] as number };
  }

  /**
   * The raw components into `out` in COMPONENTS order (NaN: no evidence); the allocation-free path.
   * Rounded to 1e-9: components are of order one, and equal evidence must rank as a tie even when
   * arithmetic on scaled prices leaves it a few ulps apart.
   */
  rawInto(w: number, out: Float64Array): void {
    this.rawAt(w, out, 0);
  }

  /** `rawInto` into out[o, o + 4) (a row of a table of every wallet's). */
  rawAt(w: number, out: Float64Array, o: number): void {
    this.rawExact(w, out, o);
    for (let i = o; i < o + 4; i++) out[i] = Math.round((out[i] as number) * 1e9) / 1e9;
  }

  private rawExact(w: number, out: Float64Array, o: number): void {
    const d = this.data;
    const b = w * K;
    const rW = d[b + S.rW] as number;
    const move = d[b + S.aMove] as number;
    out[o] = move > 0 ? (d[b + S.aZ] as number) / move : Number.NaN;
    const pMove = d[b + S.pMove] as number;
    out[o + 1] = pMove > 0 ? (d[b + S.pZ] as number) / pMove : Number.NaN;
    if (!(rW > 0)) {
      out[o + 2] = Number.NaN;
      out[o + 3] = Number.NaN;
      return;
    }
    const yW = d[b + S.yW] as number;
    const sdX = Math.sqrt((d[b + S.xM2] as number) / (d[b + S.xW] as number));
    const sdY = yW > 0 ? Math.sqrt((d[b + S.yM2] as number) / yW) : 0;
    const afterLoss = d[b + S.afterLoss] as number;
    out[o + 2] = -(sdX + sdY + (afterLoss > 0 ? (2 * (d[b + S.martingale] as number)) / afterLoss : 0));
    const losers = d[b + S.losers] as number;
    out[o + 3] = -(
      (2 * (d[b + S.liq] as number)) / rW +
      (losers > 0 ? (d[b + S.liqLosers] as number) / losers : 0) +
      (afterLoss > 0 ? (d[b + S.revenge] as number) / afterLoss : 0) +
      0.25 * Math.log1p(this.betsPerDay(w))
    );
  }

  /** Bets per day over the wallet's span from first open to last close (at least one day). */
  betsPerDay(w: number): number {
    const span = (this.last[w] as number) - (this.first[w] as number);
    return (this.bets[w] as number) / Math.max(1, span / DAY_MS);
  }

  explain(w: number): Explanation {
    const g = (s: Stat) => this.data[w * K + s] as number;
    const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
    const rW = g(S.rW);
    const mean = ratio(g(S.r1), rW);
    const variance = mean === null ? null : g(S.r2) / rW - mean * mean;
    const p = psr(rW, g(S.rW2), g(S.r1), g(S.r2), g(S.r3), g(S.r4));
    const bets = this.bets[w] as number;
    return {
      trades: this.trades[w] as number,
      bets,
      betWinRate: bets > 0 ? (this.betWins[w] as number) / bets : null,
      entriesScored: this.entries[w] as number,
      hitRate: ratio(g(S.aHit), g(S.aW)),
      moveWeightedHitRate: ratio(g(S.aZ), g(S.aMove)),
      meanRiskReturn: mean,
      riskWeightedWinRate: ratio(g(S.pZ), g(S.pMove)),
      sharpePerBet: mean !== null && variance !== null && variance > 0 ? mean / Math.sqrt(variance) : null,
      psr: p === p ? p : null,
      sizeDispersion: g(S.xW) > 0 ? Math.sqrt(g(S.xM2) / g(S.xW)) : null,
      leverageDispersion: g(S.yW) > 0 ? Math.sqrt(g(S.yM2) / g(S.yW)) : null,
      martingaleRate: ratio(g(S.martingale), g(S.afterLoss)),
      revengeRate: ratio(g(S.revenge), g(S.afterLoss)),
      liquidationRate: ratio(g(S.liq), rW),
      lossesLiquidated: ratio(g(S.liqLosers), g(S.losers)),
      betsPerDay: rW > 0 ? this.betsPerDay(w) : null,
      pnlUsd: this.pnl[w] as number,
    };
  }

  /**
   * Weighted mean and sum of squared deviations, updated in place (West's algorithm): a variance
   * from Σx² − (Σx)² cancels catastrophically when values are large and alike (log notionals are).
   */
  private welford(w: number, sw: Stat, sm: Stat, sm2: Stat, x: number, om: number): void {
    const d = this.data;
    const base = w * K;
    const W = (d[base + sw] as number) + om;
    const mean = d[base + sm] as number;
    const delta = x - mean;
    const next = mean + (om / W) * delta;
    d[base + sw] = W;
    d[base + sm] = next;
    d[base + sm2] = (d[base + sm2] as number) + om * delta * (x - next);
  }

  private bump(s: Stat, w: number, v: number): void {
    const i = w * K + s;
    this.data[i] = (this.data[i] as number) + v;
  }

  private ensure(w: number): void {
    if (w < this.size) return;
    this.size = w + 1;
    if (w < this.trades.length) return;
    const n = w + 1;
    this.data = grow(this.data, n * K);
    this.trades = grow(this.trades, n);
    this.bets = grow(this.bets, n);
    this.betWins = grow(this.betWins, n);
    this.entries = grow(this.entries, n);
    const old = this.first.length;
    this.first = grow(this.first, n);
    this.first.fill(Number.NaN, old);
    this.last = grow(this.last, n);
    this.last.fill(Number.NaN, old);
    this.pnl = grow(this.pnl, n);
  }
}

/** `into` holding `from`'s values (the same length). */
function copy<T extends Float64Array | Int32Array>(into: T, from: T): T {
  into.set(from);
  return into;
}

/**
 * A bet's result in units of the risk the market offered over it: its return on the capital it
 * put at risk (Σ PnL / largest notional) over the coins' volatility for the time the bet lasted
 * (notional-weighted σ at entry × √(first open → last close)). Leverage plays no part, so a lucky
 * 50× bet weighs what a 2× one does; a hundred scalps that lose the spread add up to one losing bet.
 */
export function riskReturn(b: BetStore, i: number): number {
  const hold = Math.max(MIN_HOLD_MS, (b.closeTime[i] as number) - (b.openTime[i] as number));
  return b.retNotional(i) / (b.sigma(i) * Math.sqrt(hold));
}

/**
 * Probabilistic Sharpe ratio (Bailey & López de Prado): the probability that the true per-trade
 * Sharpe ratio exceeds zero given n observations and their skew and kurtosis. Few trades or fat
 * tails pull it toward ½: a lucky streak is not a track record.
 */
export function psr(w: number, w2: number, s1: number, s2: number, s3: number, s4: number): number {
  if (!(w > 0)) return Number.NaN;
  const n = (w * w) / w2;
  if (n < 2) return Number.NaN;
  const m = s1 / w;
  const m2 = s2 / w;
  const v = m2 - m * m;
  if (!(v > 1e-18)) return m > 0 ? 1 : m < 0 ? 0 : 0.5;
  const sdv = Math.sqrt(v);
  const skew = (s3 / w - 3 * m * m2 + 2 * m * m * m) / (sdv * sdv * sdv);
  const kurt = (s4 / w - 4 * m * (s3 / w) + 6 * m * m * m2 - 3 * m * m * m * m) / (v * v);
  const sr = m / sdv;
  const denom = Math.max(1e-6, 1 - skew * sr + ((kurt - 1) / 4) * sr * sr);
  return normCdf((sr * Math.sqrt(n - 1)) / Math.sqrt(denom));
}
