/**
 * Funding links from the venue's ledger (docs/syndicates.md, "Entities"): its non-funding ledger
 * updates, as the normalizer turns them into TransferEvents (src/venues/hyperliquid/ledger-updates.ts)
 * — read from a file beside the recording (`glass import` writes the official export's deposits and
 * withdrawals there as F.ledger.ndjson) or from the stream itself (the live source subscribes to
 * `userNonFundingLedgerUpdates` for its tracked wallets). A transfer from one wallet to another
 * links them; a withdrawal matched to a deposit links them only when the match is unambiguous.
 */
import type { MarketEvent, TransferEvent } from '../../domain/market-event.ts';

export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly time: number;
  readonly usd: number;
  /** How it was seen: a transfer the venue names both ends of, or a withdrawal matched to a deposit. */
  readonly via: 'transfer' | 'matched';
}

/** A deposit or withdrawal with one end only (the other end is off the venue). */
export interface Flow {
  readonly wallet: string;
  readonly time: number;
  /** USD into the account (negative: out). */
  readonly usd: number;
}

/**
 * The funding one ledger update carries (a TransferEvent, decoded and checked by the venue's
 * normalizer): a transfer from one wallet to another, or a deposit or withdrawal with one end.
 * Null: money a wallet moved to itself (a `send` between its own dexes).
 */
export function fundingOf(e: TransferEvent): { readonly transfer: Transfer } | { readonly flow: Flow } | null {
  if (e.from !== null && e.to !== null) {
    return e.from === e.to ? null : { transfer: { from: e.from, to: e.to, time: e.time, usd: e.usd, via: 'transfer' } };
  }
  if (e.to !== null) return { flow: { wallet: e.to, time: e.time, usd: e.usd } };
  if (e.from !== null) return { flow: { wallet: e.from, time: e.time, usd: -e.usd } };
  return null;
}

/**
 * Withdrawals matched to deposits: a withdrawal of an amount that is not round (not a multiple of
 * $100) followed within `withinMs` by exactly one deposit of the same amount (to the cent) into
 * another wallet, that deposit matching no other withdrawal. Round amounts are what many people
 * move; an exact odd amount moved on within minutes is one actor's money.
 */
export function matchFlows(flows: readonly Flow[], withinMs = 30 * 60_000): Transfer[] {
  const cents = (x: number) => Math.round(Math.abs(x) * 100);
  const deposits = new Map<number, Flow[]>();
  for (const f of flows) if (f.usd > 0) deposits.set(cents(f.usd), [...(deposits.get(cents(f.usd)) ?? []), f]);
  const candidates = new Map<Flow, Flow[]>();
  for (const w of flows) {
    if (w.usd >= 0 || cents(w.usd) % 10_000 === 0) continue;
    const hits = (deposits.get(cents(w.usd)) ?? []).filter((d) => d.wallet !== w.wallet && d.time >= w.time && d.time - w.time <= withinMs);
    if (hits.length === 1) candidates.set(w, hits);
  }
  const used = new Map<Flow, number>();
  for (const hits of candidates.values()) used.set(hits[0] as Flow, (used.get(hits[0] as Flow) ?? 0) + 1);
  const out: Transfer[] = [];
  for (const [w, hits] of candidates) {
    const d = hits[0] as Flow;
    if (used.get(d) !== 1) continue;
    out.push({ from: w.wallet, to: d.wallet, time: d.time, usd: d.usd, via: 'matched' });
  }
  return out;
}

const cents = (x: number) => Math.round(Math.abs(x) * 100);

/** Where funding links go (EntityGraph.funding). */
export interface FundingSink {
  funding(from: string, to: string, time: number): void;
}

export interface FundingStreamOptions {
  /** As matchFlows: a deposit this soon after a withdrawal can match it (ms). */
  readonly withinMs: number;
  /** Flows held for matching at most (the oldest go first; counted in `dropped`). */
  readonly maxFlows: number;
  /** Ledger updates remembered to drop repeats (one transfer reported to both its wallets, a snapshot replayed). */
  readonly dedupe: number;
}

export const DEFAULT_FUNDING_STREAM: FundingStreamOptions = { withinMs: 30 * 60_000, maxFlows: 100_000, dedupe: 1 << 16 };

interface HeldFlow {
  readonly flow: Flow;
  readonly cents: number;
  /** Receive time (the message's localTs): late history (a subscription's snapshot) waits from when it came. */
  readonly seenAt: number;
  /** A withdrawal: when nothing can change its verdict any more (receive time). */
  readonly due: number;
  gone: boolean;
}

/** Inserted in order from the end (a stream mostly arrives in order). */
function insertBy<T>(list: T[], from: number, item: T, key: (x: T) => number): void {
  let i = list.length;
  const k = key(item);
  while (i > from && key(list[i - 1] as T) > k) i--;
  list.splice(i, 0, item);
}

/**
 * Funding links from a stream of ledger updates, as they come: a transfer between two wallets
 * links them at once; a withdrawal is matched to a deposit by `matchFlows`'s rule once nothing that
 * could change its verdict can still arrive — when the receive clock has moved 2 × `withinMs` past
 * the later of its time and its arrival (a deposit within `withinMs` after it, and any other
 * withdrawal that deposit could answer, fall inside that span). Over a stream in time order the
 * links are exactly `matchFlows` over the whole (test/syndicates/funding-stream.test.ts).
 *
 * Bounded: flows are held while they can still matter (at most `maxFlows`), filed by amount so a
 * decision reads only flows of the same amount; repeats are recognised among the last `dedupe`
 * updates. Cost: bench/funding-stream.bench.ts.
 */
export class FundingStream {
  readonly opts: FundingStreamOptions;
  private readonly sink: FundingSink;
  /** Every held flow in time order (`heldHead` on: the ones let go are before it). */
  private readonly held: HeldFlow[] = [];
  private heldHead = 0;
  private live = 0;
  /** The same flows by amount (cents), each list in time order. */
  private readonly byCents = new Map<number, HeldFlow[]>();
  /** Undecided withdrawals of odd amounts, by when they are due. */
  private readonly pending: HeldFlow[] = [];
  private pendingHead = 0;
  /** At most the oldest pending withdrawal's time (exact when not `minStale`). */
  private minPending = Number.POSITIVE_INFINITY;
  private minStale = false;
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private seenHead = 0;
  private clock = Number.NEGATIVE_INFINITY;
  /** Links made: transfers seen, withdrawals matched; repeats dropped; flows dropped to stay bounded. */
  readonly counts = { transfers: 0, flows: 0, matched: 0, duplicates: 0, dropped: 0 };

  constructor(sink: FundingSink, opts: Partial<FundingStreamOptions> = {}) {
    this.sink = sink;
    this.opts = { ...DEFAULT_FUNDING_STREAM, ...opts };
  }

  /** Flows held now (for the bench and the memory bound). */
  get heldFlows(): number {
    return this.live;
  }

  /** Every market event moves the receive clock; ledger updates are read. */
  onMarket(e: MarketEvent): void {
    if (e.type === 'transfer') this.transfer(e);
    this.advance(e.localTs);
  }

  transfer(e: TransferEvent): void {
    const f = fundingOf(e);
    if (f === null) return;
    const key = `${e.hash}:${e.from ?? ''}:${e.to ?? ''}:${cents(e.usd)}:${e.time}`;
    if (this.seen.has(key)) {
      this.counts.duplicates++;
      return;
    }
    this.remember(key);
    if ('transfer' in f) {
      this.counts.transfers++;
      this.sink.funding(f.transfer.from, f.transfer.to, f.transfer.time);
      return;
    }
    this.counts.flows++;
    const c = cents(f.flow.usd);
    const h: HeldFlow = {
      flow: f.flow,
      cents: c,
      seenAt: e.localTs,
      due: Math.max(f.flow.time, e.localTs) + 2 * this.opts.withinMs,
      gone: false,
    };
    insertBy(this.held, this.heldHead, h, (x) => x.flow.time);
    this.live++;
    let bucket = this.byCents.get(c);
    if (bucket === undefined) {
      bucket = [];
      this.byCents.set(c, bucket);
    }
    insertBy(bucket, 0, h, (x) => x.flow.time);
    if (f.flow.usd < 0 && c % 10_000 !== 0) {
      insertBy(this.pending, this.pendingHead, h, (x) => x.due);
      if (f.flow.time < this.minPending) this.minPending = f.flow.time;
    }
    while (this.live > this.opts.maxFlows) {
      this.dropOldest();
      this.counts.dropped++;
    }
  }

  /** The receive clock is at `now`: withdrawals nothing can change any more are decided. */
  advance(now: number): void {
    if (!(now > this.clock)) return;
    this.clock = now;
    if (this.live === 0) return;
    while (this.pendingHead < this.pending.length) {
      const w = this.pending[this.pendingHead] as HeldFlow;
      // Strictly after: a flow of the due millisecond may still come in the next message.
      if (!w.gone && w.due >= now) break;
      this.pendingHead++;
      this.unpend(w);
      if (!w.gone) this.decide(w);
    }
    this.prune();
  }

  /** The stream ended: every withdrawal still waiting is decided on what came. */
  finish(): void {
    while (this.pendingHead < this.pending.length) {
      const w = this.pending[this.pendingHead++] as HeldFlow;
      this.unpend(w);
      if (!w.gone) this.decide(w);
    }
    this.prune();
  }

  private unpend(w: HeldFlow): void {
    if (w.flow.time <= this.minPending) this.minStale = true;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.pendingHead >= this.pending.length) {
      this.minPending = Number.POSITIVE_INFINITY;
      this.minStale = false;
    }
  }

  /** Deposits of `w`'s amount into another wallet within `withinMs` after it. */
  private hits(w: HeldFlow): HeldFlow[] {
    const within = this.opts.withinMs;
    const out: HeldFlow[] = [];
    for (const d of this.byCents.get(w.cents) ?? []) {
      if (d.flow.time > w.flow.time + within) break;
      if (!d.gone && d.flow.usd > 0 && d.flow.time >= w.flow.time && d.flow.wallet !== w.flow.wallet) out.push(d);
    }
    return out;
  }

  private decide(w: HeldFlow): void {
    const hits = this.hits(w);
    if (hits.length !== 1) return;
    const d = hits[0] as HeldFlow;
    // The deposit must answer no other withdrawal that has it as its only match.
    for (const o of this.byCents.get(w.cents) ?? []) {
      if (o.flow.time > d.flow.time) break;
      if (o === w || o.gone || o.flow.usd >= 0 || d.flow.time - o.flow.time > this.opts.withinMs) continue;
      const other = this.hits(o);
      if (other.length === 1 && other[0] === d) return;
    }
    this.counts.matched++;
    this.sink.funding(w.flow.wallet, d.flow.wallet, d.flow.time);
  }

  /**
   * A flow matters while a withdrawal that could still be decided might pair with it (or be
   * answered by a deposit it also answers): within `withinMs` of the oldest pending one, and for
   * 3 × `withinMs` after it came (late history still arriving).
   */
  private prune(): void {
    const within = this.opts.withinMs;
    const cutSeen = this.clock - 3 * within;
    while (this.heldHead < this.held.length) {
      const h = this.held[this.heldHead] as HeldFlow;
      if (h.gone) {
        this.heldHead++;
        continue;
      }
      if (h.seenAt > cutSeen) break;
      if (h.flow.time >= this.minPending - within) {
        if (!this.minStale) break;
        this.refreshMinPending();
        continue;
      }
      this.dropOldest();
    }
    if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      this.held.splice(0, this.heldHead);
      this.heldHead = 0;
    }
  }

  private refreshMinPending(): void {
    let m = Number.POSITIVE_INFINITY;
    for (let i = this.pendingHead; i < this.pending.length; i++) {
      const p = this.pending[i] as HeldFlow;
      if (!p.gone && p.flow.time < m) m = p.flow.time;
    }
    this.minPending = m;
    this.minStale = false;
  }

  /** Lets the oldest held flow go (from every list it is in). */
  private dropOldest(): void {
    while (this.heldHead < this.held.length && (this.held[this.heldHead] as HeldFlow).gone) this.heldHead++;
    const h = this.held[this.heldHead++] as HeldFlow | undefined;
    if (h === undefined) return;
    h.gone = true;
    this.live--;
    const bucket = this.byCents.get(h.cents) as HeldFlow[];
    const k = bucket[0] === h ? 0 : bucket.indexOf(h);
    bucket.splice(k, 1);
    if (bucket.length === 0) this.byCents.delete(h.cents);
    if (h.flow.time <= this.minPending) this.minStale = true;
  }

  private remember(key: string): void {
    this.seen.add(key);
    this.seenOrder.push(key);
    if (this.seenOrder.length - this.seenHead > this.opts.dedupe) this.seen.delete(this.seenOrder[this.seenHead++] as string);
    if (this.seenHead > 4096) {
      this.seenOrder.splice(0, this.seenHead);
      this.seenHead = 0;
    }
  }
}
