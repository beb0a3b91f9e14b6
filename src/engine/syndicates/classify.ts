/**
 * Leaders vs reactions (docs/syndicates.md, "Class"): what price did just before an episode, in
 * units of the coin's own volatility. Entries after a move of several σ are a reaction to it;
 * entries into a quiet tape lead whatever follows (the ledger grades whether a move did).
 */

export type SyndicateClass = 'lead' | 'reaction' | 'unclear';

export interface ClassifyOptions {
  /** How far before the first entry a move counts (ms). */
  readonly lookbackMs: number;
  /** A move of at least this many σ over its span makes the episode a reaction … */
  readonly reactionSigmas: number;
  /** … one under this many σ a lead; in between, unclear. */
  readonly leadSigmas: number;
}

export const DEFAULT_CLASSIFY: ClassifyOptions = { lookbackMs: 120_000, reactionSigmas: 3, leadSigmas: 2 };

/** Seconds of per-second prices a tape keeps: the lookback plus the longest episode span classified. */
const KEEP_S = 900;
/** σ is the EWMA of squared one-minute log returns over this much time. */
const VOL_TAU_MS = 3 * 3600_000;
/** Minutes of returns before σ is trusted (before that: unclear). */
const VOL_MIN_SAMPLES = 30;

/** One coin's recent per-second prices (a ring) and its one-minute volatility. */
export class PriceTape {
  /** Last price of each second, NaN where none traded. */
  private readonly px = new Float64Array(KEEP_S).fill(Number.NaN);
  private lastSecond = Number.NaN;
  private lastPx = Number.NaN;
  private minuteStart = Number.NaN;
  private minutePx = Number.NaN;
  private var = 0;
  private weight = 0;
  samples = 0;

  add(time: number, px: number): void {
    if (!(px > 0)) return;
    const s = Math.floor(time / 1000);
    if (!(this.lastSecond === this.lastSecond)) {
      this.lastSecond = s;
      this.minuteStart = time;
      this.minutePx = px;
    }
    if (s > this.lastSecond) {
      // Seconds with no trade carry the last price, so a path read back has no holes.
      const gap = Math.min(KEEP_S, s - this.lastSecond);
      for (let k = 1; k < gap; k++) this.px[(s - k) % KEEP_S] = this.lastPx;
      this.lastSecond = s;
    } else if (s < this.lastSecond) return; // late: the tape moves forward only
    this.px[s % KEEP_S] = px;
    this.lastPx = px;
    const dt = time - this.minuteStart;
    if (dt >= 60_000) {
      const r = Math.log(px / this.minutePx);
      // A return over a gap of m minutes has m times a minute's variance.
      // Winsorised at 4 σ once σ is known: the move an episode is judged against must not make
      // its own yardstick (a 30 σ drop would otherwise double σ within a minute).
      const raw = (r * r) / (dt / 60_000);
      const r2 = this.samples >= VOL_MIN_SAMPLES && this.weight > 0 ? Math.min(raw, (16 * this.var) / this.weight) : raw;
      const w = Math.exp(-dt / VOL_TAU_MS);
      this.var = w * this.var + (1 - w) * r2;
      this.weight = w * this.weight + (1 - w);
      this.samples++;
      this.minuteStart = time;
      this.minutePx = px;
    }
  }

  /** One minute's σ of log price (null until enough minutes are seen). */
  sigmaMinute(): number | null {
    if (this.samples < VOL_MIN_SAMPLES || !(this.weight > 0)) return null;
    const s = Math.sqrt(this.var / this.weight);
    return s > 0 ? s : null;
  }

  /**
   * The largest fall (peak to later trough, as a log ratio ≥ 0) and largest rise (trough to later
   * peak) of the per-second path from `from` to `to` (ms), within what the tape keeps.
   */
  moves(from: number, to: number): { fall: number; rise: number } {
    const a = Math.max(Math.floor(from / 1000), this.lastSecond - KEEP_S + 1);
    const b = Math.min(Math.floor(to / 1000), this.lastSecond);
    let peak = Number.NaN;
    let trough = Number.NaN;
    let fall = 0;
    let rise = 0;
    for (let s = a; s <= b; s++) {
      const p = this.px[((s % KEEP_S) + KEEP_S) % KEEP_S] as number;
      if (!(p > 0)) continue;
      if (!(peak >= p)) peak = p;
      if (!(trough <= p)) trough = p;
      fall = Math.max(fall, Math.log(peak / p));
      rise = Math.max(rise, Math.log(p / trough));
    }
    return { fall, rise };
  }
}

export interface ClassVerdict {
  readonly class: SyndicateClass;
  /** The largest qualifying move before the entries, in σ of its span (null: σ not known yet). */
  readonly moveSigmas: number | null;
}

/**
 * Class of an episode in `direction` whose first entry was at `first` and which is judged at
 * `now`. A move against the entries (a fall before longs: buying a dip) counts up to `now`; a move
 * with them (a rise before longs: chasing) only up to the first entry, since from then on it may be
 * the members' own buying.
 */
export function classify(
  tape: PriceTape | undefined,
  direction: 'long' | 'short',
  first: number,
  now: number,
  o: ClassifyOptions,
): ClassVerdict {
  const sigma = tape?.sigmaMinute() ?? null;
  if (tape === undefined || sigma === null) return { class: 'unclear', moveSigmas: null };
  const from = first - o.lookbackMs;
  const before = tape.moves(from, first);
  const through = tape.moves(from, now);
  const against = direction === 'long' ? through.fall : through.rise;
  const withIt = direction === 'long' ? before.rise : before.fall;
  const zAgainst = against / (sigma * Math.sqrt(Math.max(60_000, now - from) / 60_000));
  const zWith = withIt / (sigma * Math.sqrt(Math.max(60_000, first - from) / 60_000));
  const z = Math.max(zAgainst, zWith);
  return { class: z >= o.reactionSigmas ? 'reaction' : z < o.leadSigmas ? 'lead' : 'unclear', moveSigmas: z };
}
