import { roundPlain, roundPx, roundSz, roundUsd } from '../domain/format.ts';
import type { GlassEventType, SyndicateEvent, ZoneRef } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import { RealisedVol } from '../engine/common/volatility.ts';
import { MarginTables } from '../engine/heatmap/margin-tables.ts';
import { RETURN_HORIZONS_MS } from '../engine/ledger/ledger.ts';
import { DEFAULT_WHALE_POLICY } from '../engine/whales/policy.ts';
import type { EventRecord, HeatmapSnapshotRecord, PositionSnapshotRecord, ScoreRecord, Store } from '../store/types.ts';
import { afterIdOf, encodeCursor, keyOf, offsetOf, pinnedOf } from './cursor.ts';
import { RISK_HORIZON_MS, riskAnswer, storedWhaleBias } from './risk.ts';
import type {
  CoinSummaryT,
  EventRecordT,
  HeatmapT,
  HistoryRowT,
  PositionT,
  RiskRequestT,
  SyndicateT,
  WalletDetailT,
  ZoneT,
} from './schemas.ts';
import type { EventQuery, GlassView, Page, PageQuery, PositionQuery, ViewStatus } from './view.ts';

const MINUTE = 60_000;
/** Grid rows span at most this many buckets, centred on the mark (the engine's window is narrower). */
const MAX_GRID_BUCKETS = 400;
/** Syndicate events are folded into episodes in pages of this many. */
const FOLD_PAGE = 1000;

/** A stored map as the API shape (the recorder wrote `glass heatmap --json`'s fields). */
export function mapOf(s: HeatmapSnapshotRecord): HeatmapT {
  const m = s.map as unknown as HeatmapT;
  return {
    coin: s.coin,
    time: m.time ?? s.time,
    markPx: m.markPx,
    bucketWidth: m.bucketWidth,
    buckets: m.buckets,
    zones: m.zones,
    // Maps stored before these fields existed have neither.
    ...(m.largest !== undefined ? { largest: m.largest } : {}),
    ...(m.estimates !== undefined ? { estimates: m.estimates } : {}),
  };
}

/** One snapshot as a row of the price × time grid: dense buckets around the mark. */
export function gridRow(s: HeatmapSnapshotRecord): HistoryRowT {
  const m = mapOf(s);
  const w = m.bucketWidth;
  const markKey = Math.floor(m.markPx / w);
  const keys = m.buckets.map((b) => Math.round(b.lo / w));
  const from = Math.max(Math.min(...keys, markKey), markKey - MAX_GRID_BUCKETS / 2);
  const to = Math.min(Math.max(...keys, markKey), markKey + MAX_GRID_BUCKETS / 2);
  const n = Math.max(1, to - from + 1);
  const long = new Array<number>(n).fill(0);
  const short = new Array<number>(n).fill(0);
  for (let i = 0; i < m.buckets.length; i++) {
    const k = (keys[i] as number) - from;
    const b = m.buckets[i];
    if (b === undefined || k < 0 || k >= n) continue;
    long[k] = Math.round(b.longLiqUsd * 100) / 100;
    short[k] = Math.round(b.shortLiqUsd * 100) / 100;
  }
  return { time: m.time, markPx: m.markPx, bucketWidth: w, fromPx: from * w, longLiqUsd: long, shortLiqUsd: short };
}

export function eventOut(e: EventRecord): EventRecordT {
  return {
    id: e.id,
    type: e.type,
    coin: e.coin,
    time: e.time,
    receivedAt: e.receivedAt,
    detectedAt: e.detectedAt,
    event: e.event as unknown as EventRecordT['event'],
  };
}

/**
 * A position as the API answers it: the record's numbers as `glass positions --json` writes them
 * (prices by the venue's 5 significant figures, USD to the cent, the rest to 8 significant
 * digits). Filters (minNotional, near=zone) read the record's own numbers, never these.
 */
export function positionOut(p: PositionSnapshotRecord | PositionT): PositionT {
  const px = (x: number | null) => (x === null ? null : roundPx(x));
  return {
    wallet: p.wallet,
    coin: p.coin,
    time: p.time,
    szi: roundSz(p.szi),
    entryPx: px(p.entryPx),
    notionalUsd: roundUsd(p.notionalUsd),
    leverage: p.leverage === null ? null : roundPlain(p.leverage),
    liquidationPx: px(p.liquidationPx),
    estimated: p.estimated,
  };
}

/** The zone a liquidation price falls in, if any. */
export function zoneAt(zones: readonly ZoneT[], px: number | null): ZoneT | undefined {
  return px === null ? undefined : zones.find((z) => px >= z.lo && px <= z.hi);
}

/** Fields a syndicate event may carry beyond the union's (newer detectors): passed on when present. */
const SYNDICATE_EXTRAS = ['surprise', 'pValue', 'class', 'entities'] as const;

/** Episodes from their SYNDICATE_DETECTED and SYNDICATE_UPDATED events, in event order. */
export class SyndicateFold {
  private readonly byId = new Map<string, SyndicateT & { members: SyndicateT['members'] }>();
  /** Each episode's SYNDICATE_DETECTED: its id and time (the outcome is measured from it). */
  readonly detected = new Map<string, { id: string; time: number }>();

  add(id: number, e: SyndicateEvent): void {
    const prev = this.byId.get(e.syndicateId);
    const members = prev === undefined ? [] : [...prev.members];
    for (const m of e.type === 'SYNDICATE_DETECTED' ? e.members : e.joined) {
      members.push({
        wallet: m.wallet,
        score: m.score,
        notionalUsd: m.notionalUsd,
        ...(m.entity === undefined ? {} : { entity: m.entity }),
      });
    }
    if (e.type === 'SYNDICATE_DETECTED') this.detected.set(e.syndicateId, { id: e.id, time: e.time });
    const extras: Record<string, unknown> = {};
    const body = e as unknown as Record<string, unknown>;
    for (const k of SYNDICATE_EXTRAS) {
      const v = body[k] ?? (prev as Record<string, unknown> | undefined)?.[k];
      if (v !== undefined && v !== null) extras[k] = v;
    }
    const det = this.detected.get(e.syndicateId);
    this.byId.set(e.syndicateId, {
      syndicateId: e.syndicateId,
      coin: e.coin,
      direction: e.direction,
      firstTime: e.firstTime,
      lastTime: e.time,
      memberCount: e.memberCount,
      notionalUsd: e.notionalUsd,
      meanScore: e.meanScore,
      members,
      lastEventId: id,
      ...(det === undefined ? {} : { detectedEventId: det.id }),
      ...(extras as Partial<SyndicateT>),
    });
  }

  /** Newest activity first. */
  list(): SyndicateT[] {
    return [...this.byId.values()].sort((a, b) => b.lastEventId - a.lastEventId);
  }
}

const SYNDICATE_TYPES: readonly GlassEventType[] = ['SYNDICATE_DETECTED', 'SYNDICATE_UPDATED'];

function pageOf<T>(rows: T[], limit: number, next: (last: T) => string): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return { items, next: more && last !== undefined ? next(last) : null };
}

/** The key-set cursor of a position row (the store orders rows by it). */
export const positionKey = (p: { wallet: string; coin: string }): string => `${p.wallet}:${p.coin}`;

/** The API over a store alone: `glass serve`, and every `at=` of a serving engine. */
export class StoreView implements GlassView {
  readonly mode: 'engines' | 'store' = 'store';
  readonly store: Store;
  private readonly tables = new MarginTables();

  constructor(store: Store) {
    this.store = store;
  }

  async coins(q: PageQuery): Promise<Page<CoinSummaryT>> {
    const coins = (await this.store.coins(q.at)).sort();
    const off = offsetOf(q.cursor);
    const out: CoinSummaryT[] = [];
    for (const c of coins.slice(off, off + q.limit)) {
      const s = await this.store.heatmap(c, q.at);
      if (s === null) continue;
      const m = mapOf(s);
      out.push(summaryOf(m));
    }
    return { items: out, next: off + q.limit < coins.length ? encodeCursor({ o: off + q.limit }) : null };
  }

  async heatmap(coin: string, q: { at?: number; history?: number }): Promise<HeatmapT | null> {
    const s = await this.store.heatmap(coin as Coin, q.at);
    if (s === null) return null;
    const m = mapOf(s);
    if (q.history === undefined || q.history === 0) return m;
    const snaps = await this.store.heatmapHistory(coin as Coin, s.time - q.history * MINUTE, s.time, 100_000);
    // One row a minute, as the engine samples: the minute's last snapshot.
    const perMinute = new Map<number, HeatmapSnapshotRecord>();
    for (const x of snaps) perMinute.set(Math.floor(x.time / MINUTE), x);
    return { ...m, history: [...perMinute.values()].slice(-q.history).map(gridRow) };
  }

  async zones(coin: string, at?: number): Promise<{ time: number; markPx: number; zones: ZoneT[] } | null> {
    const s = await this.store.heatmap(coin as Coin, at);
    if (s === null) return null;
    const m = mapOf(s);
    return { time: m.time, markPx: m.markPx, zones: m.zones };
  }

  /** The store keeps the positions of the wallets the Whale Hunter tracks only. */
  positionScope(): 'all' | 'tracked' {
    return 'tracked';
  }

  async positions(q: PositionQuery): Promise<Page<PositionT>> {
    const zonesOf = new Map<string, ZoneT[]>();
    const out: PositionT[] = [];
    let after = keyOf(q.cursor);
    // Filtering by zone can drop rows: read on until the page is full or the store runs out.
    for (;;) {
      const batch = await this.store.positions({
        ...(q.coin === undefined ? {} : { coin: q.coin as Coin }),
        ...(q.wallet === undefined ? {} : { wallet: q.wallet.toLowerCase() as Wallet }),
        ...(q.minNotionalUsd === undefined ? {} : { minNotionalUsd: q.minNotionalUsd }),
        ...(q.at === undefined ? {} : { at: q.at }),
        ...(after === undefined ? {} : { after }),
        limit: q.limit + 1,
      });
      for (const p of batch) {
        after = positionKey(p);
        const row = positionOut(p);
        if (q.nearZone === true) {
          let zones = zonesOf.get(p.coin);
          if (zones === undefined) {
            zones = (await this.zones(p.coin, q.at))?.zones ?? [];
            zonesOf.set(p.coin, zones);
          }
          const z = zoneAt(zones, p.liquidationPx);
          if (z === undefined) continue;
          out.push({ ...row, zone: z.id });
        } else out.push(row);
        if (out.length > q.limit) break;
      }
      if (out.length > q.limit || batch.length <= q.limit) break;
    }
    return pageOf(out, q.limit, (last) => encodeCursor({ k: positionKey(last) }));
  }

  /**
   * The ranked list at `at`, or without it at the newest score record's time: the first page pins
   * that time in its cursor, so while ingest writes newer records every page is read from the same
   * list (each wallet once, ranks unbroken). The list at a time is fixed once written (a score
   * tick's records are one batch), so an offset into it is a stable cursor.
   */
  async wallets(q: PageQuery & { minTrades?: number }) {
    const pin = pinnedOf(q.cursor);
    const off = pin?.o ?? 0;
    const at = pin?.a ?? q.at ?? (await this.store.latestScoreTime());
    if (at === null) return { items: [], next: null };
    const rows = await this.store.scores({
      at,
      ...(q.minTrades === undefined ? {} : { minTrades: q.minTrades }),
      afterRank: off,
      limit: q.limit + 1,
    });
    const ranked = rows.map((r, i) => ({ rank: off + i + 1, ...scoreOut(r) }));
    return pageOf(ranked, q.limit, (last) => encodeCursor({ a: at, o: last.rank }));
  }

  async wallet(address: string, at?: number): Promise<WalletDetailT | null> {
    const w = address.toLowerCase() as Wallet;
    const all = await this.store.scoreHistory(w, at);
    const last = all[all.length - 1];
    // A row of 0 trades: no score from its time on (an earlier tick's bet went on), as `glass score` says then.
    if (last === undefined || last.trades === 0) return null;
    const hist = all.filter((r) => r.trades > 0);
    // The store keeps the score after each change, not the trades: a mover is the change it made.
    const moves = hist.map((r, i) => ({
      closeTime: r.time,
      scoreDelta: i === 0 ? null : round2(r.score - (hist[i - 1] as ScoreRecord).score),
    }));
    const movers = moves
      .filter((m): m is { closeTime: number; scoreDelta: number } => m.scoreDelta !== null && m.scoreDelta !== 0)
      .sort((a, b) => Math.abs(b.scoreDelta) - Math.abs(a.scoreDelta) || a.closeTime - b.closeTime)
      .slice(0, 5);
    const positions = await this.store.positions({ wallet: w, ...(at === undefined ? {} : { at }), limit: 1000 });
    return {
      ...scoreOut(last),
      history: hist.map((r) => ({ time: r.time, score: r.score })),
      timeline: hist.map(scoreOut).map(({ wallet: _, ...p }) => p),
      movers,
      positions: positions.map(positionOut),
    };
  }

  async events(q: EventQuery): Promise<Page<EventRecordT> & { follow: string }> {
    const afterId = afterIdOf(q.cursor);
    const rows = await this.store.events({
      ...(q.types === undefined ? {} : { types: q.types }),
      ...(q.coin === undefined ? {} : { coin: q.coin as Coin }),
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.at === undefined ? {} : { at: q.at }),
      afterId,
      limit: q.limit + 1,
    });
    const page = pageOf(rows.map(eventOut), q.limit, (last) => encodeCursor({ id: last.id }));
    // The log only grows (ids ascending): past the page's last id nothing it holds is skipped, so
    // polling with `follow` gets each later event once. `next` stays null on the last page, as in every list.
    return { ...page, follow: encodeCursor({ id: page.items.at(-1)?.id ?? afterId }) };
  }

  async syndicates(q: PageQuery & { coin?: string }): Promise<Page<SyndicateT>> {
    const fold = new SyndicateFold();
    let afterId = 0;
    for (;;) {
      const rows = await this.store.events({
        types: SYNDICATE_TYPES,
        ...(q.coin === undefined ? {} : { coin: q.coin as Coin }),
        ...(q.at === undefined ? {} : { at: q.at }),
        afterId,
        limit: FOLD_PAGE,
      });
      for (const r of rows) fold.add(r.id, r.event as SyndicateEvent);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < FOLD_PAGE) break;
      afterId = last.id;
    }
    const off = offsetOf(q.cursor);
    const all = fold.list();
    const items = all.slice(off, off + q.limit);
    const outcomes = await this.outcomes(items, fold, q.at);
    return {
      items: items.map((s) => ({ ...s, outcome: outcomes.get(s.syndicateId) ?? null })),
      next: off + q.limit < all.length ? encodeCursor({ o: off + q.limit }) : null,
    };
  }

  /**
   * What the price did after each episode's detection: the ledger's grade of its
   * SYNDICATE_DETECTED event when the store holds one (graded by `at`), else the return from the
   * stored maps' marks over the ledger's horizons, each only once it has ended by `at`.
   */
  private async outcomes(
    items: readonly SyndicateT[],
    fold: SyndicateFold,
    at: number | undefined,
  ): Promise<Map<string, NonNullable<SyndicateT['outcome']>>> {
    const out = new Map<string, NonNullable<SyndicateT['outcome']>>();
    const wanted = new Map<string, SyndicateT>();
    for (const s of items) {
      const d = fold.detected.get(s.syndicateId);
      if (d !== undefined) wanted.set(d.id, s);
    }
    if (wanted.size === 0) return out;
    const coins = new Set(items.map((s) => s.coin));
    for (let after = 0; ; ) {
      const page = await this.store.grades({
        types: ['SYNDICATE_DETECTED'],
        ...(coins.size === 1 ? { coin: [...coins][0] as Coin } : {}),
        ...(at === undefined ? {} : { at }),
        afterId: after,
        limit: FOLD_PAGE,
      });
      for (const r of page) {
        const g = r.grade;
        const s = wanted.get(g.id);
        if (s === undefined || g.kind !== 'direction') continue;
        out.set(s.syndicateId, {
          source: 'ledger',
          startPx: g.startPx,
          horizonsMs: [...g.horizonsMs],
          returns: [...g.returns],
          hit: g.hit,
        });
      }
      const last = page.at(-1);
      if (page.length < FOLD_PAGE || last?.id === undefined) break;
      after = last.id;
    }
    const newest = new Map<string, number>();
    for (const s of items) {
      if (out.has(s.syndicateId)) continue;
      const d = fold.detected.get(s.syndicateId);
      if (d === undefined) continue;
      const start = await this.store.heatmap(s.coin as Coin, d.time);
      if (start === null || !(mapOf(start).markPx > 0)) continue;
      let end = newest.get(s.coin);
      if (end === undefined) {
        end = (await this.store.heatmap(s.coin as Coin, at))?.time ?? Number.NEGATIVE_INFINITY;
        newest.set(s.coin, end);
      }
      const startPx = mapOf(start).markPx;
      const sign = s.direction === 'long' ? 1 : -1;
      const returns: (number | null)[] = [];
      for (const h of RETURN_HORIZONS_MS) {
        const m = d.time + h <= end ? await this.store.heatmap(s.coin as Coin, d.time + h) : null;
        returns.push(m === null ? null : sign * (mapOf(m).markPx / startPx - 1));
      }
      out.set(s.syndicateId, { source: 'marks', startPx, horizonsMs: [...RETURN_HORIZONS_MS], returns, hit: null });
    }
    return out;
  }

  async risk(r: RiskRequestT, at?: number) {
    const s = await this.store.heatmap(r.coin as Coin, at);
    if (s === null) return null;
    const m = mapOf(s);
    if (!(m.markPx > 0)) return null;
    const stored = (s.map as Record<string, unknown>)['sigma4h'];
    let sigma: number;
    if (typeof stored === 'number' && Number.isFinite(stored)) sigma = stored;
    else {
      // Not stored: realised volatility over the day of snapshots before the moment.
      const vol = new RealisedVol();
      for (const x of await this.store.heatmapHistory(r.coin as Coin, m.time - 86_400_000, m.time, 100_000))
        vol.update(mapOf(x).markPx, x.time);
      sigma = vol.sigma(RISK_HORIZON_MS);
    }
    const positions = await this.store.positions({ coin: r.coin as Coin, ...(at === undefined ? {} : { at }), limit: 100_000 });
    const scores = new Map<string, number>();
    for (const p of positions) {
      if (Math.abs(p.szi * m.markPx) < DEFAULT_WHALE_POLICY.minPositionUsd || scores.has(p.wallet)) continue;
      const h = await this.store.scoreHistory(p.wallet, at);
      const last = h[h.length - 1];
      if (last !== undefined && last.trades > 0) scores.set(p.wallet, last.score);
    }
    const bias = storedWhaleBias(positions.map((p) => ({ notionalUsd: p.szi * m.markPx, score: scores.get(p.wallet) ?? null })));
    const zones: ZoneRef[] = m.zones;
    const market = {
      time: m.time,
      markPx: m.markPx,
      zones,
      sigma,
      maintenance: this.tables.maintenanceFraction(r.coin, r.entry * r.size),
      szDecimals: null,
    };
    return riskAnswer(r, market, bias);
  }

  async status(): Promise<ViewStatus> {
    const id = await this.store.lastEventId();
    const last = id > 0 ? (await this.store.events({ afterId: id - 1, limit: 1 }))[0] : undefined;
    return { lastEventId: id, lastEventTime: last?.time ?? null, ingestLagMs: null };
  }
}

export function summaryOf(m: HeatmapT): CoinSummaryT {
  let long = 0;
  let short = 0;
  for (const b of m.buckets) {
    long += b.longLiqUsd;
    short += b.shortLiqUsd;
  }
  return {
    coin: m.coin,
    time: m.time,
    markPx: m.markPx,
    bucketWidth: m.bucketWidth,
    zones: m.zones.length,
    longLiqUsd: Math.round(long * 100) / 100,
    shortLiqUsd: Math.round(short * 100) / 100,
  };
}

function scoreOut(r: ScoreRecord) {
  return { wallet: r.wallet, time: r.time, score: r.score, confidence: r.confidence, trades: r.trades, components: { ...r.components } };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
