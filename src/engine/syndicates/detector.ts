import { type SyndicateEvent, stampOf, type WalletEvidence } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { Direction } from '../../domain/market-event.ts';
import type { PositionChange } from '../position-book/change.ts';
import { type ClassifyOptions, classify, DEFAULT_CLASSIFY, PriceTape, type SyndicateClass } from './classify.ts';
import { EntityGraph } from './entities.ts';
import { DecayedRate, significance } from './significance.ts';

export interface SyndicateOptions {
  /** Directional trades of this many distinct wallets … */
  readonly minWallets: number;
  /** … within this span (inclusive) make a syndicate; a joiner within it of the last one extends it. */
  readonly windowMs: number;
  /** Only directional trades of at least this notional count (0: all). */
  readonly minNotionalUsd: number;
  /** Only wallets scoring at least this count (null: no score filter). */
  readonly minScore: number | null;
  /** The tracked-wallet policy (see WhalePolicy); null: every wallet counts. */
  readonly tracked: ((c: PositionChange) => boolean) | null;
  /** An episode is reported once its chance p-value is at most 10^−this (0: at `minWallets`, the bare rule). */
  readonly minSurprise: number;
  /** Report episodes classed as reactions to a price move (false: they never become syndicates). */
  readonly reactions: boolean;
  /** Count resting orders filled by someone else's sweep (false: only members that took liquidity count). */
  readonly countPassive: boolean;
  /** Wallets that act as one count once (null: every wallet is its own entity). */
  readonly entities: EntityGraph | null;
  readonly classify: ClassifyOptions;
  /** The lane's entry rate is an EWMA over this much time … */
  readonly rateTauMs: number;
  /** … shrunk towards this many fresh entries per hour as if `priorMs` of it had been seen. */
  readonly priorPerHour: number;
  readonly priorMs: number;
  /** An episode ends this long after its first entry, whatever follows (bounds a crowd's episode). */
  readonly maxSpanMs: number;
}

/** The bare rule: every episode of `minWallets` wallets, whatever its chance or cause. */
export const DEFAULT_SYNDICATES: SyndicateOptions = {
  minWallets: 3,
  windowMs: 60_000,
  minNotionalUsd: 0,
  minScore: null,
  tracked: null,
  minSurprise: 0,
  reactions: true,
  countPassive: true,
  entities: null,
  classify: DEFAULT_CLASSIFY,
  rateTauMs: 6 * 3600_000,
  priorPerHour: 6,
  priorMs: 3600_000,
  maxSpanMs: 15 * 60_000,
};

/** Beyond chance by default (docs/syndicates.md, "Significance"): a p-value of 10⁻³ or less (the shifted baseline: docs/syndicates.md). */
export const SIGNIFICANT_SURPRISE = 3;

/**
 * What Glass reports as a syndicate by default (`glass syndicates`, the Whale Hunter): episodes
 * far beyond chance, not reactions to a price move, members that initiated, entities counted once.
 */
export function significantSyndicates(entities: EntityGraph = new EntityGraph()): Partial<SyndicateOptions> {
  return { minSurprise: SIGNIFICANT_SURPRISE, reactions: false, countPassive: false, entities };
}

/** The Nexus Score of a wallet id now (null: not scored). */
export type ScoreLookup = (walletId: number) => number | null;

/** Coin ids below this: wallet × coin keys stay exact integers. */
const COIN_SLOTS = 1 << 16;

/** docs/syndicates.md: a directional trade opens or increases exposure; a flip's new side counts, a close never does. */
export function directionOf(dir: Direction | null): 'long' | 'short' | null {
  switch (dir) {
    case 'Open Long':
    case 'Short > Long':
      return 'long';
    case 'Open Short':
    case 'Long > Short':
      return 'short';
    default:
      return null;
  }
}

interface Recent {
  readonly time: number;
  readonly wallet: number;
  readonly entity: number;
  readonly name: Wallet;
  readonly notional: number;
}

interface Member {
  readonly wallet: Wallet;
  readonly time: number;
  readonly entity: number;
  notional: number;
}

interface Episode {
  readonly id: string;
  readonly firstTime: number;
  lastTime: number;
  readonly members: Map<number, Member>;
  /** Running totals, so an update costs O(1) whatever the episode's size. */
  notional: number;
  /** The total as of the episode's previous event: an update reports what was added since. */
  notionalReported: number;
  scoreSum: number;
  scored: number;
  /** Distinct entities among the members. */
  readonly entities: Set<number>;
  /** Members' fills so far: taken out of the coin's activity (the episode is not its own crowd). */
  fills: number;
  /** Reported (DETECTED emitted); until then a candidate the chance model has not passed. */
  reported: boolean;
  surprise: number;
  pValue: number;
  expected: number;
  cls: SyndicateClass;
  moveSigmas: number | null;
}

/** An open episode as the detector holds it (for reports and for checking the events against). */
export interface EpisodeState {
  readonly syndicateId: string;
  readonly coin: Coin;
  readonly direction: 'long' | 'short';
  readonly firstTime: number;
  readonly members: readonly Wallet[];
  readonly notionalUsd: number;
  readonly entities: number;
  readonly surprise: number;
  readonly class: SyndicateClass;
}

/** Per coin × direction: the directional trades of the last window, and the open episode. */
class Lane {
  readonly coinId: number;
  readonly coin: Coin;
  readonly direction: 'long' | 'short';
  recent: Recent[] = [];
  head = 0;
  /** Directional trades per wallet inside the window: its size is the distinct-wallet count. */
  readonly inWindow = new Map<number, number>();
  episode: Episode | null = null;
  /** Fresh entries (an entity not in the lane within the window before): the chance model's rate. */
  readonly fresh: DecayedRate;
  /** Each entity's latest entry in the lane (swept of those older than the window). */
  readonly lastEntry = new Map<number, number>();
  /** The latest entry of a crowd that outlasted `maxSpanMs` (NaN: none running). */
  crowdLast = Number.NaN;
  swept = 0;

  constructor(coinId: number, coin: Coin, direction: 'long' | 'short', tauMs: number) {
    this.coinId = coinId;
    this.coin = coin;
    this.direction = direction;
    this.fresh = new DecayedRate(tauMs);
  }
}

/** A coin's trading activity: taker fills, over the window (short) and over hours (long). */
class Activity {
  readonly short: DecayedRate;
  readonly long: DecayedRate;

  constructor(windowMs: number, tauMs: number) {
    this.short = new DecayedRate(windowMs);
    this.long = new DecayedRate(tauMs);
  }

  /** How busy the coin is over the last window against its usual (`minus` of its fills taken out). */
  ratio(time: number, windowMs: number, minus = 0): number {
    const usual = this.long.rate(time, 0, 0);
    const recent = Math.max(0, this.short.rate(time, 0, 0) * windowMs - minus) / windowMs;
    return usual > 0 ? recent / usual : 1;
  }

  add(time: number): void {
    this.short.add(time);
    this.long.add(time);
  }
}

/**
 * Syndicates (docs/syndicates.md): when at least `minWallets` distinct entities make directional
 * trades in the same direction on the same coin within `windowMs`, a candidate episode opens; each
 * further entry within the window of the episode's latest one extends it. The candidate becomes a
 * syndicate (SYNDICATE_DETECTED with every member so far) once the chance model puts it at or
 * beyond `minSurprise` and, unless `reactions`, it is not a reaction to a price move; each later
 * wallet is a SYNDICATE_UPDATED; a member trading again adds notional silently. An episode ends
 * when the window passes with no directional trade; the next cluster is a new episode. A reducer
 * over position changes in time order: per lane a sliding window and a count of distinct entities
 * in it, so a change costs O(1) amortised (plus the entity graph's bounded pairing).
 */
export class SyndicateDetector {
  private readonly opts: SyndicateOptions;
  private readonly emit: (e: SyndicateEvent) => void;
  private readonly score: ScoreLookup;
  private readonly lanes = new Map<number, Lane>();
  private readonly tapes = new Map<number, PriceTape>();
  private readonly activity = new Map<number, Activity>();
  /** Per wallet × coin, the order its latest directional fill belongs to. */
  private readonly orders = new Map<number, { time: number; direction: 'long' | 'short'; notional: number; counted: boolean }>();
  private ordersSwept = 0;
  /** Episodes so far per coin: an id counts within its coin (the same on a worker running only some coins). */
  private readonly seq = new Map<string, number>();
  /** Episodes detected (reported) so far, for reports. */
  detected = 0;
  /** Candidates that closed unreported, by why: chance could explain them, or they were reactions. */
  readonly dropped = { chance: 0, reaction: 0 };
  /** Every episode that reached `minWallets` entities, reported or not, as it closed or stands now (for reports). */
  readonly onClose: ((e: EpisodeState & { reported: boolean; moveSigmas: number | null; expected: number }) => void) | null;
  /** Prices and activity come from the changes themselves (false: the caller feeds `onPrice`/`onActivity`). */
  private readonly ownMarket: boolean;

  constructor(
    emit: (e: SyndicateEvent) => void,
    score: ScoreLookup = () => null,
    opts: Partial<SyndicateOptions> = {},
    hooks: { onClose?: SyndicateDetector['onClose']; ownMarket?: boolean } = {},
  ) {
    this.emit = emit;
    this.score = score;
    this.opts = { ...DEFAULT_SYNDICATES, ...opts };
    this.onClose = hooks.onClose ?? null;
    this.ownMarket = hooks.ownMarket ?? true;
  }

  onChange(c: PositionChange): void {
    // History moves positions without events; a resolved change is a fill seen before, re-emitted
    // at its past time once its direction is known — counting it would date an entry backwards.
    if (c.history || c.resolved) return;
    if (this.ownMarket) {
      this.onPrice(c.coinId, c.time, c.px);
      if (c.taker) this.onActivity(c.coinId, c.time);
    }
    this.onEntry(c);
  }

  /** A traded price of a coin (the tape the class is read from). */
  onPrice(coinId: number, time: number, px: number): void {
    let t = this.tapes.get(coinId);
    if (t === undefined) {
      t = new PriceTape();
      this.tapes.set(coinId, t);
    }
    t.add(time, px);
  }

  /** A taker fill on a coin, by anyone (the activity the chance model scales by). */
  onActivity(coinId: number, time: number): void {
    let a = this.activity.get(coinId);
    if (a === undefined) {
      a = new Activity(this.opts.windowMs, this.opts.rateTauMs);
      this.activity.set(coinId, a);
    }
    a.add(time);
  }

  /** A change as a candidate entry (no price or activity bookkeeping). */
  onEntry(c: PositionChange): void {
    if (c.history || c.resolved) return;
    const direction = directionOf(c.dir);
    if (direction === null) return;
    // A flip's directional part is the new side only: |after| of the fill's size.
    const size = c.dir === 'Open Long' || c.dir === 'Open Short' ? c.sz : Math.abs(c.after);
    // One order fills against many counterparties, each fill maybe under the floor: the trade is
    // the order (a wallet's fills on a coin, one direction, one millisecond).
    const notional = this.order(c, direction, size * c.px);
    if (notional < this.opts.minNotionalUsd) return;
    if (this.opts.minScore !== null && !((this.score(c.walletId) ?? Number.NEGATIVE_INFINITY) >= this.opts.minScore)) return;
    if (this.opts.tracked !== null && !this.opts.tracked(c)) return;
    const lane = this.lane(c.coinId, c.coin, direction);
    const ep = lane.episode;
    // A resting order filled by someone else's sweep adds to a member's notional, never makes one.
    const passive = !c.taker && !this.opts.countPassive;
    const g = this.opts.entities;
    const gid = g === null ? c.walletId : g.id(c.wallet);
    if (!passive) {
      const entity = g === null ? c.walletId : g.root(gid);
      const last = lane.lastEntry.get(entity);
      const fresh = last === undefined || c.time - last > this.opts.windowMs;
      if (fresh) lane.fresh.add(c.time);
      else lane.fresh.start(c.time);
      lane.lastEntry.set(entity, c.time);
      this.sweepLastEntry(lane, c.time);
      g?.entry(`${c.coinId}:${direction}`, gid, c.time, notional, fresh);
    }
    if (ep !== null) {
      if (c.time - ep.lastTime <= this.opts.windowMs) {
        if (c.time - ep.firstTime <= this.opts.maxSpanMs) {
          if (passive && !ep.members.has(c.walletId)) return;
          this.extend(lane, ep, c, notional, g === null ? c.walletId : g.root(gid));
          return;
        }
        // A chain of entries longer than `maxSpanMs` is a crowd, not a move: the episode ends
        // there (and its memory with it), and the lane opens no other until a window passes quiet.
        lane.crowdLast = c.time;
      }
      this.close(lane);
    }
    if (lane.crowdLast === lane.crowdLast) {
      if (c.time - lane.crowdLast <= this.opts.windowMs) {
        if (!passive) lane.crowdLast = c.time;
        return;
      }
      lane.crowdLast = Number.NaN;
    }
    if (passive) return;
    this.slide(lane, c.time);
    const entity = g === null ? c.walletId : g.root(gid);
    lane.recent.push({ time: c.time, wallet: c.walletId, entity, name: c.wallet, notional });
    lane.inWindow.set(entity, (lane.inWindow.get(entity) ?? 0) + 1);
    if (lane.inWindow.size >= this.opts.minWallets) this.open(lane, c);
  }

  /** Ends open episodes the window has passed at `time` (so unreported candidates are reported closed). */
  flush(time: number = Number.POSITIVE_INFINITY): void {
    for (const lane of this.lanes.values())
      if (lane.episode !== null && time - lane.episode.lastTime > this.opts.windowMs) this.close(lane);
  }

  private sweepLastEntry(lane: Lane, time: number): void {
    if (lane.lastEntry.size < 4096 || time - lane.swept < this.opts.windowMs) return;
    lane.swept = time;
    for (const [k, t] of lane.lastEntry) if (time - t > this.opts.windowMs) lane.lastEntry.delete(k);
  }

  /**
   * Adds a fill to its wallet's current order (same coin, direction and millisecond) and returns
   * what counts now: the order's notional so far when this fill takes it over the floor, the
   * fill's own once the order has counted (the member adds to it), or the order's total under
   * the floor.
   */
  private order(c: PositionChange, direction: 'long' | 'short', notional: number): number {
    const key = c.walletId * COIN_SLOTS + c.coinId;
    let o = this.orders.get(key);
    if (o === undefined) {
      o = { time: c.time, direction, notional: 0, counted: false };
      this.orders.set(key, o);
      if (this.orders.size > 65_536 && c.time - this.ordersSwept > 1000) {
        // Only an order of this very millisecond can still grow: the rest are done.
        this.ordersSwept = c.time;
        for (const [k, x] of this.orders) if (x.time < c.time) this.orders.delete(k);
      }
    } else if (o.time !== c.time || o.direction !== direction) {
      o.time = c.time;
      o.direction = direction;
      o.notional = 0;
      o.counted = false;
    }
    o.notional += notional;
    if (o.counted) return notional;
    if (o.notional < this.opts.minNotionalUsd) return o.notional;
    o.counted = true;
    return o.notional;
  }

  /** Drops directional trades older than the window before `time`. */
  private slide(lane: Lane, time: number): void {
    const r = lane.recent;
    while (lane.head < r.length && time - (r[lane.head] as Recent).time > this.opts.windowMs) {
      const old = r[lane.head++] as Recent;
      const n = (lane.inWindow.get(old.entity) ?? 1) - 1;
      if (n === 0) lane.inWindow.delete(old.entity);
      else lane.inWindow.set(old.entity, n);
    }
    if (lane.head > 1024 && lane.head * 2 > r.length) {
      lane.recent = r.slice(lane.head);
      lane.head = 0;
    }
  }

  /** Enough entities in the window: a candidate episode of them all. */
  private open(lane: Lane, c: PositionChange): void {
    const members = new Map<number, Member>();
    const entities = new Set<number>();
    const r = lane.recent;
    let notional = 0;
    for (let i = lane.head; i < r.length; i++) {
      const x = r[i] as Recent;
      const m = members.get(x.wallet);
      if (m === undefined) members.set(x.wallet, { wallet: x.name, time: x.time, entity: x.entity, notional: x.notional });
      else m.notional += x.notional;
      entities.add(x.entity);
      notional += x.notional;
    }
    const n = (this.seq.get(lane.coin) ?? 0) + 1;
    this.seq.set(lane.coin, n);
    const ep: Episode = {
      id: `SYN:${lane.coin}:${lane.direction}:${n}`,
      firstTime: (r[lane.head] as Recent).time,
      lastTime: c.time,
      members,
      notional,
      notionalReported: notional,
      scoreSum: 0,
      scored: 0,
      entities,
      fills: r.length - lane.head,
      reported: false,
      surprise: 0,
      pValue: 1,
      expected: 0,
      cls: 'unclear',
      moveSigmas: null,
    };
    lane.episode = ep;
    lane.recent = [];
    lane.head = 0;
    lane.inWindow.clear();
    this.judge(lane, ep, c.time);
  }

  private extend(lane: Lane, ep: Episode, c: PositionChange, notional: number, entity: number): void {
    ep.lastTime = Math.max(ep.lastTime, c.time);
    ep.notional += notional;
    ep.fills++;
    const m = ep.members.get(c.walletId);
    if (m !== undefined) {
      m.notional += notional;
      return;
    }
    const joiner: Member = { wallet: c.wallet, time: c.time, entity, notional };
    ep.members.set(c.walletId, joiner);
    const newEntity = !ep.entities.has(entity);
    ep.entities.add(entity);
    if (!ep.reported) {
      if (newEntity) this.judge(lane, ep, c.time);
      return;
    }
    if (newEntity) this.measure(lane, ep, c.time);
    const joined = [this.evidence(ep, c.walletId, joiner)];
    const added = ep.notional - ep.notionalReported;
    ep.notionalReported = ep.notional;
    this.emit({
      ...this.common(lane, ep, c.time),
      ...stampOf('SYNDICATE_UPDATED', c.time),
      id: `${ep.id}:${ep.members.size}`,
      type: 'SYNDICATE_UPDATED',
      joined,
      addedNotionalUsd: added,
    });
  }

  /** The chance model's figures for the episode now. */
  private measure(lane: Lane, ep: Episode, time: number): void {
    const w = this.opts.windowMs;
    const rate = lane.fresh.rate(time, this.opts.priorPerHour / 3600_000, this.opts.priorMs);
    // The coin's activity now against its usual, the members' own fills taken out (the episode is
    // not its own crowd): a burst raises the expectation in proportion.
    const multiplier = this.activity.get(lane.coinId)?.ratio(time, w, ep.fills) ?? 1;
    const span = Math.max(w, ep.lastTime - ep.firstTime);
    const s = significance(ep.entities.size, span, rate, multiplier);
    ep.surprise = s.surprise;
    ep.pValue = s.pValue;
    ep.expected = s.expected;
  }

  /** Reports a candidate once it is far enough beyond chance and (unless reactions count) not one. */
  private judge(lane: Lane, ep: Episode, time: number): void {
    this.measure(lane, ep, time);
    // The class reads the tape: only for a candidate that chance does not explain.
    if (ep.surprise < this.opts.minSurprise) return;
    const v = classify(this.tapes.get(lane.coinId), lane.direction, ep.firstTime, time, this.opts.classify);
    ep.cls = v.class;
    ep.moveSigmas = v.moveSigmas;
    if (!this.opts.reactions && v.class === 'reaction') return;
    ep.reported = true;
    ep.notionalReported = ep.notional;
    this.detected++;
    const founders: WalletEvidence[] = [];
    for (const [id, m] of ep.members) founders.push(this.evidence(ep, id, m));
    this.emit({
      ...this.common(lane, ep, time),
      ...stampOf('SYNDICATE_DETECTED', time),
      id: `${ep.id}:${ep.members.size}`,
      type: 'SYNDICATE_DETECTED',
      members: founders,
    });
  }

  private close(lane: Lane): void {
    const ep = lane.episode;
    lane.episode = null;
    if (ep === null) return;
    if (!ep.reported) {
      if (ep.surprise < this.opts.minSurprise) this.dropped.chance++;
      else this.dropped.reaction++;
    }
    this.onClose?.({ ...this.state(lane, ep), reported: ep.reported, moveSigmas: ep.moveSigmas, expected: ep.expected });
  }

  /** A member as evidence, scored as it joins; the score goes into the episode's running mean. */
  private evidence(ep: Episode, id: number, m: Member): WalletEvidence {
    const score = this.score(id);
    if (score !== null) {
      ep.scoreSum += score;
      ep.scored++;
    }
    const g = this.opts.entities;
    const entity = g?.grouped(m.entity) ? g.entityName(m.entity) : undefined;
    return entity === undefined
      ? { wallet: m.wallet, score, notionalUsd: m.notional }
      : { wallet: m.wallet, score, notionalUsd: m.notional, entity };
  }

  /** What every event of the episode carries; call after the members' evidence is in. */
  private common(lane: Lane, ep: Episode, time: number) {
    const meanScore = ep.scored > 0 ? ep.scoreSum / ep.scored : null;
    return {
      time,
      coin: lane.coin,
      severity: meanScore !== null && meanScore >= 70 ? ('warning' as const) : ('notice' as const),
      syndicateId: ep.id,
      direction: lane.direction,
      memberCount: ep.members.size,
      notionalUsd: ep.notional,
      meanScore,
      firstTime: ep.firstTime,
      entities: ep.entities.size,
      surprise: ep.surprise,
      pValue: ep.pValue,
      class: ep.cls,
    };
  }

  private state(lane: Lane, ep: Episode): EpisodeState {
    return {
      syndicateId: ep.id,
      coin: lane.coin,
      direction: lane.direction,
      firstTime: ep.firstTime,
      members: [...ep.members.values()].map((m) => m.wallet),
      notionalUsd: ep.notional,
      entities: ep.entities.size,
      surprise: ep.surprise,
      class: ep.cls,
    };
  }

  /** The open (reported) episodes (at most one per coin and direction), members in joining order. */
  openEpisodes(): EpisodeState[] {
    const out: EpisodeState[] = [];
    for (const lane of this.lanes.values()) {
      const ep = lane.episode;
      if (ep === null || !ep.reported) continue;
      out.push(this.state(lane, ep));
    }
    return out;
  }

  private lane(coinId: number, coin: Coin, direction: 'long' | 'short'): Lane {
    const k = coinId * 2 + (direction === 'long' ? 0 : 1);
    let l = this.lanes.get(k);
    if (l === undefined) {
      l = new Lane(coinId, coin, direction, this.opts.rateTauMs);
      this.lanes.set(k, l);
    }
    return l;
  }
}
