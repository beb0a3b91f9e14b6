import {
  type ConvergenceEvent,
  type GlassEvent,
  type ModelProbability,
  type SyndicateEvent,
  stampOf,
  type WalletEvidence,
  type WhalePositionEvent,
  type ZoneRef,
} from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { RealisedVol, touchProbability } from '../common/volatility.ts';
import type { PositionBook } from '../position-book/book.ts';
import type { PositionChange } from '../position-book/change.ts';
import { directionOf, SyndicateDetector, type SyndicateOptions, significantSyndicates } from '../syndicates/detector.ts';
import { WhalePolicy, type WhalePolicyOptions } from './policy.ts';

/** Zones of a coin now (the heatmap's view), nearest first is not required. */
export type ZoneLookup = (coin: Coin) => readonly ZoneRef[];

/**
 * The cascade model's figure for a zone now, labelled with whether it is validated (null: none);
 * with the accuracy ledger's recalibrated baseline and verdict on the evidence when one is attached.
 */
export type ModelLookup = (
  type: ConvergenceEvent['type'],
  coin: Coin,
  zone: ZoneRef,
  mark: number,
  time: number,
) => ModelProbability | null;

export interface HunterOptions {
  readonly policy: Partial<WhalePolicyOptions>;
  readonly syndicates: Partial<SyndicateOptions>;
  /** Convergence: a zone within this many σ of the horizon's move counts as "near". */
  readonly nearSigmas: number;
  readonly horizonMs: number;
  /**
   * A NEAR_ZONE event for the same whale or syndicate episode and the same zone (same side,
   * overlapping range) is not repeated within this much event time …
   */
  readonly nearZoneCooldownMs: number;
  /** … unless its evidence (the whale's position, the episode's notional) has grown by this factor since. */
  readonly nearZoneRegrowth: number;
}

export const DEFAULT_HUNTER: HunterOptions = {
  policy: {},
  syndicates: {},
  nearSigmas: 2,
  horizonMs: 4 * 3600_000,
  nearZoneCooldownMs: 15 * 60_000,
  nearZoneRegrowth: 1.5,
};

/** The last NEAR_ZONE told for one whale or episode and one zone. */
interface Told {
  readonly side: ZoneRef['side'];
  readonly lo: number;
  readonly hi: number;
  readonly time: number;
  readonly evidenceUsd: number;
}

const KIND: Record<string, WhalePositionEvent['type']> = {
  OPENED: 'WHALE_POSITION_OPENED',
  INCREASED: 'WHALE_POSITION_INCREASED',
  REDUCED: 'WHALE_POSITION_REDUCED',
  CLOSED: 'WHALE_POSITION_CLOSED',
  FLIPPED: 'WHALE_POSITION_FLIPPED',
};

/** What a change did to a position, from its signed sizes before and after. */
export function positionChangeKind(before: number, after: number): keyof typeof KIND | null {
  if (!(before === before) || !(after === after) || before === after) return null;
  if (before === 0) return 'OPENED';
  if (after === 0) return 'CLOSED';
  if (Math.sign(before) !== Math.sign(after)) return 'FLIPPED';
  return Math.abs(after) > Math.abs(before) ? 'INCREASED' : 'REDUCED';
}

/**
 * The Whale Hunter: whale position events, syndicates and their convergence with loaded zones.
 * Pure: it reads the book, a zone lookup (the heatmap) and a score lookup (the Nexus Score), and
 * emits GlassEvents. Convergence is positioning that profits from a zone's release: a short above
 * a long-liquidation zone, a long below a short-liquidation zone, the zone within `nearSigmas`
 * of the coin's volatility over the horizon.
 */
export class WhaleHunter {
  readonly policy: WhalePolicy;
  readonly syndicates: SyndicateDetector;
  private readonly book: PositionBook;
  private readonly zones: ZoneLookup;
  private readonly score: (walletId: number) => number | null;
  private readonly model: ModelLookup;
  private readonly emit: (e: GlassEvent) => void;
  private readonly opts: HunterOptions;
  private readonly vol = new Map<number, RealisedVol>();
  private readonly marks = new Map<number, number>();
  /** NEAR_ZONE events told, by type, whale or episode and coin (pruned past the cool-down). */
  private readonly told = new Map<string, Told[]>();
  private toldSwept = 0;
  /** Changes without a trade id so far, per coin (an id counts within its coin). */
  private readonly seq = new Map<string, number>();
  /** Ids of the convergence events of the current millisecond (unique): how many times each was built. */
  private readonly idsNow = new Map<string, number>();
  private idTime = Number.NaN;
  /**
   * Coins whose events this hunter emits (default: all). A scale-out worker narrows it to its own
   * coins but still feeds every coin's changes: the policy's market-maker tally and the syndicate
   * entities span coins, so its events equal the single process's (src/bus/nats/partition-pipeline.ts).
   */
  emitsFor: (coin: Coin) => boolean = () => true;

  constructor(
    book: PositionBook,
    emit: (e: GlassEvent) => void,
    deps: { zones?: ZoneLookup; score?: (walletId: number) => number | null; model?: ModelLookup } = {},
    opts: Partial<HunterOptions> = {},
  ) {
    this.book = book;
    this.emit = emit;
    this.zones = deps.zones ?? (() => []);
    this.score = deps.score ?? (() => null);
    this.model = deps.model ?? (() => null);
    this.opts = { ...DEFAULT_HUNTER, ...opts };
    this.policy = new WhalePolicy(book, this.score, this.opts.policy);
    // Syndicates as Glass reports them by default (significant, not reactions, takers, entities
    // counted once); the options given override any of it.
    this.syndicates = new SyndicateDetector((e) => this.onSyndicate(e), this.score, {
      ...significantSyndicates(),
      ...this.opts.syndicates,
      tracked: (c) => this.policy.tracked(c),
    });
  }

  onMarket(e: MarketEvent): void {
    if (e.type !== 'mark') return;
    const c = this.book.coins.id(e.coin);
    let v = this.vol.get(c);
    if (v === undefined) {
      v = new RealisedVol();
      this.vol.set(c, v);
    }
    v.update(e.px, e.time);
    this.marks.set(c, e.px);
  }

  onChange(c: PositionChange): void {
    if (c.resolved || c.history) return;
    this.policy.observe(c);
    this.syndicates.onChange(c);
    if (!this.emitsFor(c.coin)) return;
    const kind = positionChangeKind(c.before, c.after);
    if (kind === null || !this.policy.tracked(c)) return;
    const score = this.score(c.walletId);
    const lev = this.book.leverageAt(c.slot);
    const zones = this.zones(c.coin);
    const mark = this.marks.get(c.coinId) ?? c.px;
    const nearest = zones.toSorted((a, b) => Math.abs(a.peakPx - mark) - Math.abs(b.peakPx - mark)).slice(0, 2);
    const notional = Math.abs(c.after === 0 ? c.before : c.after) * c.px;
    this.emit({
      id: `${KIND[kind]}:${c.wallet}:${c.coin}:${c.time}:${c.tid ?? this.next(c.coin)}`,
      type: KIND[kind] as WhalePositionEvent['type'],
      time: c.time,
      coin: c.coin,
      severity: score !== null && score >= 70 ? 'warning' : 'notice',
      ...stampOf(KIND[kind] as WhalePositionEvent['type'], c.time),
      wallet: c.wallet,
      szi: c.after,
      notionalUsd: notional,
      leverage: lev > 0 ? lev : null,
      score,
      nearestZones: nearest,
    });
    if (c.liquidation) {
      this.emit({
        id: `WHALE_LIQUIDATED:${c.wallet}:${c.coin}:${c.time}`,
        type: 'WHALE_LIQUIDATED',
        time: c.time,
        coin: c.coin,
        severity: 'warning',
        ...stampOf('WHALE_LIQUIDATED', c.time),
        wallet: c.wallet,
        notionalUsd: c.sz * c.px,
        px: c.px,
        score,
      });
    }
    const direction = directionOf(c.dir);
    if (direction !== null) {
      const evidence = [{ wallet: c.wallet, score, notionalUsd: Math.abs(c.after) * c.px }];
      this.converge(c.coin, c.coinId, direction, c.time, evidence, null, 'WHALE_NEAR_ZONE', Math.abs(c.after) * c.px);
    }
  }

  private onSyndicate(e: SyndicateEvent): void {
    if (!this.emitsFor(e.coin)) return;
    this.emit(e);
    const coinId = this.book.coins.id(e.coin);
    // An update names only its joiners; the episode id ties them to the founders.
    const wallets = e.type === 'SYNDICATE_DETECTED' ? e.members : e.joined;
    this.converge(e.coin, coinId, e.direction, e.time, wallets, e.syndicateId, 'SYNDICATE_NEAR_ZONE', e.notionalUsd);
  }

  /**
   * The zones this positioning would profit from releasing: on its side of price (below for a
   * short, above for a long), within the volatility-scaled reach, and loaded: at least as large as
   * anything within reach on the other side, so the zone is where the liquidation mass pulls.
   */
  nearZones(coin: Coin, coinId: number, direction: 'long' | 'short'): { zone: ZoneRef; probability: number }[] {
    const mark = this.marks.get(coinId);
    if (mark === undefined) return [];
    const sigma = (this.vol.get(coinId) ?? new RealisedVol()).sigma(this.opts.horizonMs);
    const reach = this.opts.nearSigmas * sigma;
    const profitable: ZoneRef[] = [];
    let opposite = 0;
    for (const z of this.zones(coin)) {
      if (Math.abs(Math.log(z.peakPx / mark)) > reach) continue;
      // Shorts profit from a long-liquidation zone below price; longs from a short one above.
      const mine = direction === 'short' ? z.side === 'LONG_LIQ' && z.hi <= mark : z.side === 'SHORT_LIQ' && z.lo >= mark;
      if (mine) profitable.push(z);
      else opposite = Math.max(opposite, z.notionalUsd);
    }
    return profitable
      .filter((z) => z.notionalUsd >= opposite)
      .map((zone) => ({ zone, probability: touchProbability(Math.log(zone.peakPx / mark), sigma) }));
  }

  private converge(
    coin: Coin,
    coinId: number,
    direction: 'long' | 'short',
    time: number,
    wallets: readonly WalletEvidence[],
    syndicateId: string | null,
    type: ConvergenceEvent['type'],
    evidenceUsd: number,
  ): void {
    const near = this.nearZones(coin, coinId, direction);
    if (near.length === 0) return;
    const key = `${type}:${syndicateId ?? wallets[0]?.wallet}:${coin}`;
    for (const { zone, probability } of near) {
      if (!this.fresh(key, zone, time, evidenceUsd)) continue;
      const model = this.model(type, coin, zone, this.marks.get(coinId) ?? zone.peakPx, time);
      // With the ledger's verdict on the model: the honest figure (the recalibrated baseline unless the evidence helps).
      const honest =
        model?.evidence === undefined ? probability : model.evidence.used ? model.probability : (model.recalibrated ?? probability);
      this.emit({
        id: this.unique(`${type}:${syndicateId ?? wallets[0]?.wallet}:${coin}:${zone.side}:${Math.round(zone.peakPx * 1e6)}:${time}`, time),
        type,
        time,
        coin,
        severity: honest >= 0.5 ? 'warning' : 'notice',
        ...stampOf(type, time),
        zone,
        wallets,
        syndicateId,
        probability: honest,
        ...(honest === probability ? {} : { baselineProbability: probability }),
        model,
      });
    }
  }

  /**
   * Whether a NEAR_ZONE for `key` and `zone` is news: none told for an overlapping zone on the
   * same side within the cool-down, or the evidence has grown materially since. Records it if so.
   */
  /**
   * The id as built, or with `:2`, `:3`… when an event of this millisecond already has it (one
   * wallet's two fills in one millisecond, each converging on the same zone, are two events).
   */
  private unique(id: string, time: number): string {
    if (time !== this.idTime) {
      this.idTime = time;
      this.idsNow.clear();
    }
    const n = (this.idsNow.get(id) ?? 0) + 1;
    this.idsNow.set(id, n);
    return n === 1 ? id : `${id}:${n}`;
  }

  private next(coin: string): number {
    const n = (this.seq.get(coin) ?? 0) + 1;
    this.seq.set(coin, n);
    return n;
  }

  private fresh(key: string, zone: ZoneRef, time: number, evidenceUsd: number): boolean {
    const { nearZoneCooldownMs: cooldown, nearZoneRegrowth: regrowth } = this.opts;
    this.sweepTold(time);
    const list = this.told.get(key) ?? [];
    const i = list.findIndex((t) => t.side === zone.side && t.lo <= zone.hi && zone.lo <= t.hi);
    const prev = i < 0 ? undefined : list[i];
    if (prev !== undefined && Math.abs(time - prev.time) < cooldown && !(evidenceUsd >= regrowth * prev.evidenceUsd)) return false;
    const told: Told = { side: zone.side, lo: zone.lo, hi: zone.hi, time, evidenceUsd };
    if (i < 0) list.push(told);
    else list[i] = told;
    this.told.set(key, list);
    return true;
  }

  /** Forgets what was told more than a cool-down ago (checked once per cool-down of event time). */
  private sweepTold(time: number): void {
    const cooldown = this.opts.nearZoneCooldownMs;
    if (time - this.toldSwept < cooldown) return;
    this.toldSwept = time;
    for (const [key, list] of this.told) {
      const kept = list.filter((t) => time - t.time < cooldown);
      if (kept.length === 0) this.told.delete(key);
      else this.told.set(key, kept);
    }
  }
}
