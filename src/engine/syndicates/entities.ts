import type { MarketEvent } from '../../domain/market-event.ts';
import { FundingStream } from './funding.ts';
import { log10PoissonTail } from './significance.ts';

/**
 * Entities (docs/syndicates.md, "Entities"): wallets that act as one. Evidence, per pair of
 * wallets: a funding link (one paid the other), mirrored entries (same lane within seconds, sizes
 * within a few percent) and co-entries (same lane within the window), the last two counted across
 * episodes and tested against what two independent wallets with the same entry counts would
 * share by chance. A pair past the test joins one entity (union–find: entities only merge).
 *
 * Bounded: per wallet a few numbers; pairs in a map capped at `maxPairs` (the weakest, stalest
 * pairs are dropped first); the recent entries each lane pairs against capped at `pairWith`.
 */

export interface EntityOptions {
  /** Entries of two wallets in one lane this close are co-entries (ms) … */
  readonly coEntryMs: number;
  /** … this close, with notionals within `mirrorRatio` of each other, mirrored. */
  readonly mirrorMs: number;
  readonly mirrorRatio: number;
  /** A pair joins when its mirrored entries reach this count … */
  readonly minMirrors: number;
  /** … and the chance of that many (Poisson, from both wallets' entry counts) is at most 10^−this; */
  readonly mirrorSurprise: number;
  /**
   * or when its co-entries reach this count at a chance of at most 10^−`coEntrySurprise`: a far
   * stricter test, since wallets that are not one actor do keep company (a standing group of
   * traders entering together again and again is a repeat syndicate, not one wallet-owner).
   */
  readonly minCoEntries: number;
  readonly coEntrySurprise: number;
  /** Repeats of a pair within this span count once (one episode, one co-entry). */
  readonly episodeGapMs: number;
  /** A wallet that pays more than this many wallets is a hub (a bridge, an exchange): its links are not ownership. */
  readonly maxFunded: number;
  readonly maxPairs: number;
  /** Entries a new one is paired against, most recent first. */
  readonly pairWith: number;
}

export const DEFAULT_ENTITIES: EntityOptions = {
  coEntryMs: 60_000,
  mirrorMs: 3_000,
  mirrorRatio: 1.15,
  minMirrors: 3,
  mirrorSurprise: 6,
  minCoEntries: 5,
  coEntrySurprise: 10,
  episodeGapMs: 600_000,
  maxFunded: 20,
  maxPairs: 200_000,
  pairWith: 8,
};

export type EntityEvidenceKind = 'funding' | 'mirrored' | 'co-entries';

/** Why two wallets were joined. */
export interface EntityLink {
  readonly a: string;
  readonly b: string;
  readonly kind: EntityEvidenceKind;
  /** Co-entries or mirrors counted (1 for a funding link). */
  readonly count: number;
  /** −log10 of the chance of that count for independent wallets (Infinity: funding). */
  readonly surprise: number;
  readonly time: number;
}

/** One cluster as `glass entities` lists it. */
export interface EntityCluster {
  readonly entity: string;
  readonly wallets: readonly string[];
  readonly links: readonly EntityLink[];
  /** The weakest link's confidence (1 − its chance p-value; 0.99 for a funding link). */
  readonly confidence: number;
}

interface Pair {
  co: number;
  mirrors: number;
  lastCo: number;
  lastMirror: number;
  seen: number;
}

interface RecentEntry {
  readonly time: number;
  readonly id: number;
  readonly notional: number;
}

/** Wallet ids below this: a pair key stays an exact integer. */
const ID_SLOTS = 1 << 22;

export class EntityGraph {
  readonly opts: EntityOptions;
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private parent: number[] = [];
  /** Fresh entries per wallet (the chance model's per-wallet rate). */
  private entries: number[] = [];
  private readonly pairs = new Map<number, Pair>();
  private readonly lanes = new Map<string, RecentEntry[]>();
  private readonly funded = new Map<number, Set<number>>();
  private readonly links: EntityLink[] = [];
  private readonly linkConfidence: number[] = [];
  private first = Number.NaN;
  private clock = Number.NaN;
  /** Pairs dropped to stay within `maxPairs`. */
  evicted = 0;

  constructor(opts: Partial<EntityOptions> = {}) {
    this.opts = { ...DEFAULT_ENTITIES, ...opts };
  }

  /** The dense id of a wallet (registered on first sight). */
  id(wallet: string): number {
    let i = this.ids.get(wallet);
    if (i === undefined) {
      i = this.names.length;
      if (i >= ID_SLOTS) throw new RangeError(`entity graph: more than ${ID_SLOTS} wallets`);
      this.ids.set(wallet, i);
      this.names.push(wallet);
      this.parent.push(i);
      this.entries.push(0);
    }
    return i;
  }

  /** The entity a wallet belongs to (its own id when it stands alone). */
  root(i: number): number {
    const p = this.parent;
    let r = i;
    while (p[r] !== r) r = p[r] as number;
    while (p[i] !== r) {
      const next = p[i] as number;
      p[i] = r;
      i = next;
    }
    return r;
  }

  /** The entity's name: its earliest-seen wallet. */
  entityName(i: number): string {
    return `ENT:${this.names[this.root(i)] as string}`;
  }

  /** Whether the wallet shares its entity with another wallet. */
  grouped(i: number): boolean {
    return this.size(i) > 1;
  }

  private readonly sizes = new Map<number, number>();

  private size(i: number): number {
    return this.sizes.get(this.root(i)) ?? 1;
  }

  /**
   * A transfer from one wallet to another (the venue's ledger: an internal or sub-account
   * transfer, or a withdrawal matched to a deposit). A hub paying many wallets links none.
   */
  funding(from: string, to: string, time: number): void {
    if (from === to) return;
    const a = this.id(from);
    const b = this.id(to);
    let set = this.funded.get(a);
    if (set === undefined) {
      set = new Set();
      this.funded.set(a, set);
    }
    // A hub's payees are counted up to one past the limit: a stream's hub pays without end.
    if (set.size > this.opts.maxFunded) return;
    set.add(b);
    if (set.size > this.opts.maxFunded) return;
    this.union(a, b, { a: from, b: to, kind: 'funding', count: 1, surprise: Number.POSITIVE_INFINITY, time }, 0.99);
  }

  /**
   * Funding links from the stream itself: its ledger updates (TransferEvents: the live source's
   * `userNonFundingLedgerUpdates` for tracked wallets, or a recording's), transfers linked as they
   * come, withdrawals matched to deposits as soon as the match is settled (FundingStream). Attach
   * the graph to the pipeline (`onMarket`); `finishFunding()` at the end of a file settles the rest.
   * Incremental, so the hub rule is too: a wallet's first `maxFunded` payees stay linked.
   */
  readonly stream: FundingStream = new FundingStream(this);

  onMarket(e: MarketEvent): void {
    this.stream.onMarket(e);
  }

  /** The stream ended (a file played to its end): withdrawals still waiting are matched on what came. */
  finishFunding(): void {
    this.stream.finish();
  }

  /**
   * Transfers read in full before the stream (a ledger file): a wallet that paid more than
   * `maxFunded` distinct wallets is a hub, and none of its transfers link.
   */
  fundingBatch(transfers: readonly { readonly from: string; readonly to: string; readonly time: number }[]): void {
    const out = new Map<string, Set<string>>();
    for (const t of transfers) {
      let s = out.get(t.from);
      if (s === undefined) {
        s = new Set();
        out.set(t.from, s);
      }
      s.add(t.to);
    }
    for (const t of transfers) if ((out.get(t.from)?.size ?? 0) <= this.opts.maxFunded) this.funding(t.from, t.to, t.time);
  }

  /**
   * A directional entry by a wallet in a lane (`coin:direction`). `fresh`: the wallet had not
   * entered this lane within the window before (it counts towards its entry rate).
   */
  entry(lane: string, id: number, time: number, notional: number, fresh: boolean): void {
    if (!(this.first === this.first)) this.first = time;
    this.clock = Math.max(this.clock === this.clock ? this.clock : time, time);
    if (fresh) this.entries[id] = (this.entries[id] as number) + 1;
    let recent = this.lanes.get(lane);
    if (recent === undefined) {
      recent = [];
      this.lanes.set(lane, recent);
    }
    const o = this.opts;
    while (recent.length > 0 && time - (recent[0] as RecentEntry).time > o.coEntryMs) recent.shift();
    const seen = new Set<number>();
    for (let k = recent.length - 1, n = 0; k >= 0 && n < o.pairWith; k--) {
      const r = recent[k] as RecentEntry;
      if (r.id === id || seen.has(r.id)) continue;
      seen.add(r.id);
      n++;
      this.pairEntry(r, id, time, notional);
    }
    recent.push({ time, id, notional });
    if (recent.length > 4 * o.pairWith) recent.splice(0, recent.length - 2 * o.pairWith);
  }

  private pairEntry(r: RecentEntry, id: number, time: number, notional: number): void {
    const o = this.opts;
    const lo = Math.min(r.id, id);
    const hi = Math.max(r.id, id);
    const key = lo * ID_SLOTS + hi;
    let p = this.pairs.get(key);
    if (p === undefined) {
      p = { co: 0, mirrors: 0, lastCo: Number.NEGATIVE_INFINITY, lastMirror: Number.NEGATIVE_INFINITY, seen: time };
      this.pairs.set(key, p);
      if (this.pairs.size > o.maxPairs) this.prune();
    }
    p.seen = time;
    if (time - p.lastCo > o.episodeGapMs) {
      p.co++;
      p.lastCo = time;
    }
    const ratio = Math.max(r.notional, notional) / Math.max(1e-9, Math.min(r.notional, notional));
    if (time - r.time <= o.mirrorMs && ratio <= o.mirrorRatio && time - p.lastMirror > o.episodeGapMs) {
      p.mirrors++;
      p.lastMirror = time;
    }
    if (this.root(lo) === this.root(hi)) return;
    this.test(lo, hi, p, time);
  }

  /** The pair's counts against chance: independent wallets with these entry counts over this much time. */
  private test(a: number, b: number, p: Pair, time: number): void {
    const o = this.opts;
    const span = Math.max(3_600_000, time - this.first);
    const na = Math.max(1, this.entries[a] as number);
    const nb = Math.max(1, this.entries[b] as number);
    // Two independent Poisson entry streams coincide within ±w about na · nb · 2w / T times.
    for (const [kind, count, w, min, needed] of [
      ['mirrored', p.mirrors, o.mirrorMs, o.minMirrors, o.mirrorSurprise],
      ['co-entries', p.co, o.coEntryMs, o.minCoEntries, o.coEntrySurprise],
    ] as const) {
      if (count < min) continue;
      const expected = Math.min(na, nb, (na * nb * 2 * w) / span);
      const surprise = -log10PoissonTail(count, expected);
      if (surprise < needed) continue;
      const link: EntityLink = { a: this.names[a] as string, b: this.names[b] as string, kind, count, surprise, time };
      this.union(a, b, link, 1 - 10 ** -surprise);
      return;
    }
  }

  private union(a: number, b: number, link: EntityLink, confidence: number): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra === rb) return;
    // The earlier-seen wallet stays the root, so an entity's name only changes when it absorbs an older one.
    const [keep, drop] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[drop] = keep;
    this.sizes.set(keep, (this.sizes.get(keep) ?? 1) + (this.sizes.get(drop) ?? 1));
    this.sizes.delete(drop);
    this.links.push(link);
    this.linkConfidence.push(confidence);
  }

  private prune(): void {
    // Single co-entries without a mirror first (the bulk of pairs in a busy lane), stale ones
    // before fresh ones; then, if still over, everything seen before the middle of the pairs' span.
    const now = this.clock;
    const drop = (keep: (p: Pair) => boolean) => {
      for (const [k, p] of this.pairs) {
        if (keep(p)) continue;
        this.pairs.delete(k);
        this.evicted++;
      }
    };
    const target = this.opts.maxPairs * 0.75;
    drop((p) => !(p.co <= 1 && p.mirrors === 0 && now - p.seen > this.opts.episodeGapMs));
    if (this.pairs.size > target) drop((p) => !(p.co <= 1 && p.mirrors === 0));
    if (this.pairs.size <= target) return;
    let lo = Number.POSITIVE_INFINITY;
    for (const p of this.pairs.values()) lo = Math.min(lo, p.seen);
    const mid = (lo + now) / 2;
    drop((p) => p.seen >= mid);
  }

  /** Pairs held now (for the bench and the memory bound). */
  get pairCount(): number {
    return this.pairs.size;
  }

  /** Every entity of two or more wallets, with the links that made it; largest first. */
  clusters(): EntityCluster[] {
    const by = new Map<number, { wallets: string[]; links: EntityLink[]; confidence: number }>();
    for (let i = 0; i < this.names.length; i++) {
      if (!this.grouped(i)) continue;
      const r = this.root(i);
      let c = by.get(r);
      if (c === undefined) {
        c = { wallets: [], links: [], confidence: 1 };
        by.set(r, c);
      }
      c.wallets.push(this.names[i] as string);
    }
    this.links.forEach((l, k) => {
      const c = by.get(this.root(this.id(l.a)));
      if (c === undefined) return;
      c.links.push(l);
      c.confidence = Math.min(c.confidence, this.linkConfidence[k] as number);
    });
    return [...by.entries()]
      .map(([r, c]) => ({ entity: `ENT:${this.names[r] as string}`, wallets: c.wallets, links: c.links, confidence: c.confidence }))
      .sort((x, y) => y.wallets.length - x.wallets.length || x.entity.localeCompare(y.entity));
  }
}
