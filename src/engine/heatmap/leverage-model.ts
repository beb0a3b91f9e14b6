/**
 * The leverage of positions whose account the engine has not seen, learned walking forward from
 * what the stream reveals (docs/margin.md, "Estimated positions"): a liquidation fill gives the
 * margin the position died with (entry → liquidation move, read back through the venue rule), an
 * account snapshot the leverage of each position it lists. Kept per coin and notional bucket as a
 * histogram of log leverage, read at three quantiles; until a level has enough evidence the next
 * coarser one answers (coin, then every coin), and before any the prior: the 10× assumed so far.
 */

/** Leverage assumed before any evidence (CoinGlass-style estimate). */
export const PRIOR_LEVERAGE = 10;

/** Observations a level needs before it answers rather than the coarser one. */
export const MIN_EVIDENCE = { cell: 50, coin: 30, all: 3 } as const;

/** Notional bucket bounds (USD at entry): small, medium, large positions lever differently. */
const NOTIONAL_BOUNDS = [10_000, 100_000];
const BUCKETS = NOTIONAL_BOUNDS.length + 1;
/** Histogram over ln(leverage) from 1× to ~200×, 5 % steps. */
const BIN = 0.05;
const BINS = Math.ceil(Math.log(200) / BIN) + 1;
/** Quantiles the notional is spread over, a third at each. */
export const SPREAD_QUANTILES = [1 / 6, 1 / 2, 5 / 6] as const;

/** Three leverages (low, median, high quantile) and where they came from. */
export interface LeverageQuantiles {
  readonly lo: number;
  readonly mid: number;
  readonly hi: number;
  readonly source: 'prior' | 'all' | 'coin' | 'cell';
  /** Observations behind the answer. */
  readonly n: number;
}

const PRIOR: LeverageQuantiles = { lo: PRIOR_LEVERAGE, mid: PRIOR_LEVERAGE, hi: PRIOR_LEVERAGE, source: 'prior', n: 0 };

interface Level {
  /** Deaths (a liquidation, a snapshot's figure) by ln-leverage bin. */
  readonly hist: Float64Array;
  /** Survivals: positions closed without a liquidation, by the bin of the leverage they are known to be under. */
  readonly cens: Float64Array;
  n: number;
  /** Survival weight (not evidence on its own: it only corrects the deaths for who lived). */
  survived: number;
}

function level(): Level {
  return { hist: new Float64Array(BINS), cens: new Float64Array(BINS), n: 0, survived: 0 };
}

/** The histogram bin of a leverage (log scale, clamped to the histogram). */
function binOf(leverage: number): number {
  return Math.max(0, Math.min(BINS - 1, Math.round(Math.log(Math.max(1, leverage)) / BIN)));
}

function bucketOf(notionalUsd: number): number {
  let b = 0;
  while (b < NOTIONAL_BOUNDS.length && notionalUsd >= (NOTIONAL_BOUNDS[b] as number)) b++;
  return b;
}

/** Evidence is published (what estimates are filed at) at most this often, in event time. */
export const PUBLISH_EVERY_MS = 3600_000;

interface Levels {
  readonly all: Level;
  /** By coin id: BUCKETS cells then the coin's own level. */
  readonly coins: (Level[] | undefined)[];
}

function clone(m: Levels): Levels {
  const copy = (l: Level): Level => ({ hist: l.hist.slice(), cens: l.cens.slice(), n: l.n, survived: l.survived });
  return { all: copy(m.all), coins: m.coins.map((c) => c?.map(copy)) };
}

/**
 * Evidence accumulates as it comes; estimates read a published copy, renewed at most hourly (event
 * time). Between publications every estimate is a function of the position alone (and of the
 * worst price it lived through, survival.ts, re-filed when that moves it), so the map kept
 * incrementally equals one recomputed from scratch; at a publication the caller re-files every
 * estimated position (`publish` says when).
 */
export class LeverageModel {
  private live: Levels = { all: level(), coins: [] };
  private published: Levels = { all: level(), coins: [] };
  private publishedAt = Number.NEGATIVE_INFINITY;
  private pending = false;
  /** Answers cached per coin × bucket, dropped at each publication. */
  private cache: (LeverageQuantiles | undefined)[] = [];
  /** Densities (deaths corrected for survivals) cached per coin × bucket, dropped at each publication. */
  private densities: (Level | undefined)[] = [];
  private readonly useSurvivals: boolean;

  /**
   * `survivals`: deaths are weighed by the positions that lived (Kaplan–Meier); off, the
   * distribution is the deaths' own (what the venue liquidated, biased toward high leverage).
   */
  constructor(opts: { survivals?: boolean } = {}) {
    this.useSurvivals = opts.survivals ?? false;
  }

  /** Evidence so far (weight: a liquidation counts 1, an account snapshot 1 shared by its positions). */
  get observations(): number {
    return this.live.all.n;
  }

  /** One position's leverage as the stream revealed it (clamped to 1×–200×), with its weight as evidence. */
  observe(coinId: number, notionalUsd: number, leverage: number, weight = 1): void {
    if (!(leverage > 0) || !(notionalUsd > 0) || !(weight > 0)) return;
    const bin = binOf(leverage);
    for (const l of this.levelsOf(coinId, notionalUsd)) {
      l.hist[bin] = (l.hist[bin] as number) + weight;
      l.n += weight;
    }
    this.pending = true;
  }

  /** The three levels an observation counts in: the venue's, its coin × notional bucket's, its coin's. */
  private levelsOf(coinId: number, notionalUsd: number): readonly Level[] {
    const coins = this.live.coins;
    let c = coins[coinId];
    if (c === undefined) {
      c = Array.from({ length: BUCKETS + 1 }, level);
      while (coins.length < coinId) coins.push(undefined);
      coins[coinId] = c;
    }
    return [this.live.all, c[bucketOf(notionalUsd)] as Level, c[BUCKETS] as Level];
  }

  /**
   * A position that closed without being liquidated after living through a price that `below`
   * would have liquidated it at: its leverage was under `below` (a censored observation).
   */
  survived(coinId: number, notionalUsd: number, below: number, weight = 1): void {
    if (!(below > 0) || !(below < Number.POSITIVE_INFINITY) || !(notionalUsd > 0) || !(weight > 0)) return;
    const bin = binOf(below);
    for (const l of this.levelsOf(coinId, notionalUsd)) {
      l.cens[bin] = (l.cens[bin] as number) + weight;
      l.survived += weight;
    }
    if (this.useSurvivals) this.pending = true;
  }

  /**
   * Publishes the evidence gathered when an hour has passed since the last publication (the first
   * at once): true when estimates now read differently and must be re-filed.
   */
  publish(time: number): boolean {
    if (!this.pending || time - this.publishedAt < PUBLISH_EVERY_MS) return false;
    const before = this.published.all.n >= MIN_EVIDENCE.all;
    this.published = clone(this.live);
    this.publishedAt = time;
    this.pending = false;
    this.cache = [];
    this.densities = [];
    // Still under the evidence the model needs: every estimate read the prior and still does.
    return before || this.published.all.n >= MIN_EVIDENCE.all;
  }

  /**
   * The leverage distribution an unseen position of this coin and notional is filed at (published
   * evidence only). `below`: the position is known to hold at a leverage under it (it is still open
   * at a price a higher one would have liquidated): the distribution is read above that cut off.
   */
  quantiles(coinId: number, notionalUsd: number, below = Number.POSITIVE_INFINITY): LeverageQuantiles {
    const m = this.published;
    if (m.all.n < MIN_EVIDENCE.all) return PRIOR;
    const b = bucketOf(notionalUsd);
    const key = coinId * BUCKETS + b;
    const c = m.coins[coinId];
    const cell = c?.[b];
    const coin = c?.[BUCKETS];
    const [l, source] =
      cell !== undefined && cell.n >= MIN_EVIDENCE.cell
        ? [cell, 'cell' as const]
        : coin !== undefined && coin.n >= MIN_EVIDENCE.coin
          ? [coin, 'coin' as const]
          : [m.all, 'all' as const];
    let d = this.densities[key];
    if (d === undefined) {
      d = this.useSurvivals && l.survived > 0 ? kaplanMeier(l) : l;
      this.densities[key] = d;
    }
    let q = this.cache[key];
    if (q === undefined) {
      q = read(d, source);
      this.cache[key] = q;
    }
    if (q.hi < below) return q;
    // Cut at the bound, then read as usual (no evidence under it: the bound itself).
    const cut = Math.max(0, Math.min(BINS, Math.floor(Math.log(below) / BIN + 0.5)));
    const hist = d.hist.slice(0, BINS);
    hist.fill(0, cut);
    let n = 0;
    for (let i = 0; i < cut; i++) n += hist[i] as number;
    if (!(n > 0)) return { lo: below, mid: below, hi: below, source, n: 0 };
    return read({ hist, cens: hist, n, survived: 0 }, source);
  }
}

/**
 * The leverage distribution the deaths imply once the positions that lived are counted
 * (Kaplan–Meier over the adverse move to liquidation, 1/leverage): a position that closed after
 * living through a move was at risk of dying at every smaller one. Moving from the smallest move
 * (highest leverage) up, each bin's deaths are a hazard over those still at risk; the density is
 * scaled back to the deaths' weight (what lived past every death is no evidence of where it dies).
 */
export function kaplanMeier(l: Level): Level {
  const { hist, cens } = l;
  // At risk at bin i: the deaths at bins ≤ i, and the survivals known to be under a leverage of a bin ≤ i (they lived through every higher one).
  let atRisk = 0;
  for (let i = 0; i < BINS; i++) atRisk += (hist[i] as number) + (cens[i] as number);
  const out = new Float64Array(BINS);
  let alive = 1;
  let total = 0;
  for (let i = BINS - 1; i >= 0; i--) {
    const d = hist[i] as number;
    if (d > 0 && atRisk > 0) {
      const h = Math.min(1, d / atRisk);
      out[i] = alive * h;
      total += alive * h;
      alive *= 1 - h;
    }
    atRisk -= d + (cens[i] as number);
  }
  if (!(total > 0)) return l;
  const scale = l.n / total;
  for (let i = 0; i < BINS; i++) out[i] = (out[i] as number) * scale;
  return { hist: out, cens: new Float64Array(BINS), n: l.n, survived: 0 };
}

function read(l: Level, source: LeverageQuantiles['source']): LeverageQuantiles {
  const [a, , z] = SPREAD_QUANTILES;
  return { lo: quantile(l, a), mid: densest(l), hi: quantile(l, z), source, n: l.n };
}

/**
 * The middle of the narrowest range of margin (1/leverage: the adverse move that liquidates)
 * holding half the observations: the point the most positions die near. The estimate is graded
 * by its median error over positions, which this point minimises where the median would not
 * (the distribution is lopsided: a long tail of low leverage).
 */
function densest(l: Level): number {
  const half = l.n / 2;
  let best = Number.POSITIVE_INFINITY;
  let center = quantile(l, 0.5);
  let j = 0;
  let acc = 0;
  for (let i = 0; i < BINS; i++) {
    if ((l.hist[i] as number) === 0) continue;
    if (j < i) {
      j = i;
      acc = l.hist[i] as number;
    }
    while (acc < half && j < BINS - 1) acc += l.hist[++j] as number;
    if (acc < half) break;
    // Margin falls as the bin rises: bin i is the widest margin, bin j the narrowest.
    const wide = Math.exp(-i * BIN);
    const narrow = Math.exp(-j * BIN);
    if (wide - narrow < best) {
      best = wide - narrow;
      center = 2 / (wide + narrow);
    }
    acc -= l.hist[i] as number;
  }
  return center;
}

/** The q-quantile of the histogram's leverage, interpolated within the bin it falls in. */
function quantile(l: Level, q: number): number {
  const target = q * l.n;
  let acc = 0;
  for (let i = 0; i < BINS; i++) {
    const h = l.hist[i] as number;
    if (h > 0 && acc + h >= target) {
      const f = (target - acc) / h;
      return Math.exp((i - 0.5 + f) * BIN);
    }
    acc += h;
  }
  return Math.exp((BINS - 1) * BIN);
}

/**
 * The leverage a liquidation fill implies: the isolated-style position at leverage L that the
 * venue rule liquidates at `px` (docs/margin.md: liq = entry·(1 − side/L) / (1 − side·l), the same
 * under both rules once the mark is the liquidation price), solved for L. A position that died at
 * or beyond its entry had no margin of its own left (a cross account drained elsewhere): `maxLeverage`.
 */
export function impliedLeverage(entryPx: number, px: number, long: boolean, l: number, maxLeverage: number): number {
  const inv = long ? 1 - (px * (1 - l)) / entryPx : (px * (1 + l)) / entryPx - 1;
  if (!(inv > 0)) return maxLeverage;
  return Math.max(1, Math.min(maxLeverage, 1 / inv));
}
