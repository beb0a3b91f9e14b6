import type { SyndicateEvent, WalletEvidence } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { Direction } from '../../domain/market-event.ts';
import type { PositionChange } from '../position-book/change.ts';

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
}

export const DEFAULT_SYNDICATES: SyndicateOptions = { minWallets: 3, windowMs: 60_000, minNotionalUsd: 0, minScore: null, tracked: null };

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
  readonly name: Wallet;
  readonly notional: number;
}

interface Member {
  readonly wallet: Wallet;
  readonly time: number;
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
}

/** An open episode as the detector holds it (for reports and for checking the events against). */
export interface EpisodeState {
  readonly syndicateId: string;
  readonly coin: Coin;
  readonly direction: 'long' | 'short';
  readonly firstTime: number;
  readonly members: readonly Wallet[];
  readonly notionalUsd: number;
}

/** Per coin × direction: the directional trades of the last window, and the open episode. */
class Lane {
  readonly coin: Coin;
  readonly direction: 'long' | 'short';
  recent: Recent[] = [];
  head = 0;
  /** Directional trades per wallet inside the window: its size is the distinct-wallet count. */
  readonly inWindow = new Map<number, number>();
  episode: Episode | null = null;

  constructor(coin: Coin, direction: 'long' | 'short') {
    this.coin = coin;
    this.direction = direction;
  }
}

/**
 * Syndicates (docs/syndicates.md): when at least `minWallets` distinct wallets make directional trades in the
 * same direction on the same coin within `windowMs`, SYNDICATE_DETECTED; each further wallet whose
 * directional trade comes within the window of the episode's latest one extends it
 * (SYNDICATE_UPDATED); a member trading again adds notional silently. An episode ends when the
 * window passes with no directional trade; the next cluster is a new episode. A reducer over
 * position changes in time order: per lane a sliding window and a count of distinct wallets in
 * it, so a change costs O(1) amortised.
 */
export class SyndicateDetector {
  private readonly opts: SyndicateOptions;
  private readonly emit: (e: SyndicateEvent) => void;
  private readonly score: ScoreLookup;
  private readonly lanes = new Map<number, Lane>();
  /** Per wallet × coin, the order its latest directional fill belongs to. */
  private readonly orders = new Map<number, { time: number; direction: 'long' | 'short'; notional: number; counted: boolean }>();
  private seq = 0;
  /** Episodes detected so far, for reports. */
  detected = 0;

  constructor(emit: (e: SyndicateEvent) => void, score: ScoreLookup = () => null, opts: Partial<SyndicateOptions> = {}) {
    this.emit = emit;
    this.score = score;
    this.opts = { ...DEFAULT_SYNDICATES, ...opts };
  }

  onChange(c: PositionChange): void {
    // History moves positions without events; a resolved change is a fill seen before, re-emitted
    // at its past time once its direction is known — counting it would date an entry backwards.
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
    if (ep !== null) {
      if (c.time - ep.lastTime <= this.opts.windowMs) {
        this.extend(lane, ep, c, notional);
        return;
      }
      lane.episode = null;
    }
    this.slide(lane, c.time);
    lane.recent.push({ time: c.time, wallet: c.walletId, name: c.wallet, notional });
    lane.inWindow.set(c.walletId, (lane.inWindow.get(c.walletId) ?? 0) + 1);
    if (lane.inWindow.size >= this.opts.minWallets) this.detect(lane, c);
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
      const n = (lane.inWindow.get(old.wallet) ?? 1) - 1;
      if (n === 0) lane.inWindow.delete(old.wallet);
      else lane.inWindow.set(old.wallet, n);
    }
    if (lane.head > 1024 && lane.head * 2 > r.length) {
      lane.recent = r.slice(lane.head);
      lane.head = 0;
    }
  }

  private detect(lane: Lane, c: PositionChange): void {
    const members = new Map<number, Member>();
    const r = lane.recent;
    let notional = 0;
    for (let i = lane.head; i < r.length; i++) {
      const x = r[i] as Recent;
      const m = members.get(x.wallet);
      if (m === undefined) members.set(x.wallet, { wallet: x.name, time: x.time, notional: x.notional });
      else m.notional += x.notional;
      notional += x.notional;
    }
    const ep: Episode = {
      id: `SYN:${lane.coin}:${lane.direction}:${++this.seq}`,
      firstTime: (r[lane.head] as Recent).time,
      lastTime: c.time,
      members,
      notional,
      notionalReported: notional,
      scoreSum: 0,
      scored: 0,
    };
    lane.episode = ep;
    lane.recent = [];
    lane.head = 0;
    lane.inWindow.clear();
    this.detected++;
    const founders: WalletEvidence[] = [];
    for (const [id, m] of members) founders.push(this.evidence(ep, id, m));
    this.emit({
      ...this.common(lane, ep, c.time),
      id: `${ep.id}:${members.size}`,
      type: 'SYNDICATE_DETECTED',
      members: founders,
    });
  }

  private extend(lane: Lane, ep: Episode, c: PositionChange, notional: number): void {
    ep.lastTime = Math.max(ep.lastTime, c.time);
    ep.notional += notional;
    const m = ep.members.get(c.walletId);
    if (m !== undefined) {
      m.notional += notional;
      return;
    }
    const joiner: Member = { wallet: c.wallet, time: c.time, notional };
    ep.members.set(c.walletId, joiner);
    const joined = [this.evidence(ep, c.walletId, joiner)];
    const added = ep.notional - ep.notionalReported;
    ep.notionalReported = ep.notional;
    this.emit({
      ...this.common(lane, ep, c.time),
      id: `${ep.id}:${ep.members.size}`,
      type: 'SYNDICATE_UPDATED',
      joined,
      addedNotionalUsd: added,
    });
  }

  /** A member as evidence, scored as it joins; the score goes into the episode's running mean. */
  private evidence(ep: Episode, id: number, m: Member): WalletEvidence {
    const score = this.score(id);
    if (score !== null) {
      ep.scoreSum += score;
      ep.scored++;
    }
    return { wallet: m.wallet, score, notionalUsd: m.notional };
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
    };
  }

  /** The open episodes (at most one per coin and direction), members in joining order. */
  openEpisodes(): EpisodeState[] {
    const out: EpisodeState[] = [];
    for (const lane of this.lanes.values()) {
      const ep = lane.episode;
      if (ep === null) continue;
      out.push({
        syndicateId: ep.id,
        coin: lane.coin,
        direction: lane.direction,
        firstTime: ep.firstTime,
        members: [...ep.members.values()].map((m) => m.wallet),
        notionalUsd: ep.notional,
      });
    }
    return out;
  }

  private lane(coinId: number, coin: Coin, direction: 'long' | 'short'): Lane {
    const k = coinId * 2 + (direction === 'long' ? 0 : 1);
    let l = this.lanes.get(k);
    if (l === undefined) {
      l = new Lane(coin, direction);
      this.lanes.set(k, l);
    }
    return l;
  }
}
