import type { Coin, Wallet } from '../domain/ids.ts';
import type { HistoryRow } from '../engine/heatmap/coin-state.ts';
import { historyRowJson, mapJson } from '../engine/heatmap/document.ts';
import type { HeatmapEngine, HeatmapView, PositionLiquidation } from '../engine/heatmap/engine.ts';
import type { AccuracyLedger } from '../engine/ledger/ledger.ts';
import type { PositionBook } from '../engine/position-book/book.ts';
import { whaleLean } from '../engine/risk/whale-lean.ts';
import { type ScoreEngine, type WalletScore, withCurrentScore } from '../engine/score/engine.ts';
import type { WhalePolicy } from '../engine/whales/policy.ts';
import { positionRecord } from '../store/recorder.ts';
import { encodeCursor, keyOf, offsetOf, pinnedOf } from './cursor.ts';
import { badRequest } from './errors.ts';
import { RISK_HORIZON_MS, riskAnswer, storedWhaleBias } from './risk.ts';
import type { CoinSummaryT, HeatmapT, HistoryRowT, PositionT, RiskAdviceT, RiskRequestT, WalletDetailT, ZoneT } from './schemas.ts';
import { positionKey, positionOut, type StoreView, summaryOf, zoneAt } from './store-view.ts';
import type { EventQuery, GlassView, Page, PageQuery, PositionQuery, ViewStatus } from './view.ts';

export interface LiveEngines {
  readonly book: PositionBook;
  readonly heat: HeatmapEngine;
  readonly score: ScoreEngine;
  /** The Whale Hunter's policy (who is a whale, who makes markets); null: every large position counts. */
  readonly policy: WhalePolicy | null;
  /** The engines' accuracy ledger (GET /v1/ledger); absent: none attached. */
  readonly ledger?: AccuracyLedger;
}

/** A history row as `glass heatmap --json --history` prints it: notional to the cent. */
export function historyRowOut(r: HistoryRow): HistoryRowT {
  return historyRowJson(r);
}

/** `glass heatmap --json` exactly (the document the recorder stores too). */
export function heatmapOut(v: HeatmapView, heat: HeatmapEngine, history: readonly HistoryRowT[] | null = null): HeatmapT {
  return mapJson(v, heat.liq.tables.szDecimals(v.coin), history) as HeatmapT;
}

/** A position as the store records it (notional at the entry price, as `glass positions --json`). */
export function livePosition(p: PositionLiquidation): PositionT {
  return positionRecord(p.wallet, p.coin, p.updatedAt, p);
}

/**
 * The API over engines running in this process: "now" is the engines' own state (no store round
 * trip, nothing stale), `at=` and the event log go to the store the engines' recorder writes.
 * Reads run between two ingested messages (one thread), so an answer never mixes two moments.
 */
export class EngineView implements GlassView {
  readonly mode: 'engines' | 'store' = 'engines';
  /** The tables the first pages of /v1/wallets were answered from, oldest first (wallets()). */
  private readonly lists: { id: number; time: number; rows: WalletScore[] }[] = [];
  /** Ids differ from a previous process's, whose cursors then read as no longer kept. */
  private nextList = Math.floor(Math.random() * 2 ** 40);
  private readonly engines: () => LiveEngines | null;
  private readonly past: StoreView;
  private readonly lag: () => number | null;

  /** `engines`: null until they run (the store answers meanwhile). */
  constructor(engines: () => LiveEngines | null, store: StoreView, ingestLagMs: () => number | null = () => null) {
    this.engines = engines;
    this.past = store;
    this.lag = ingestLagMs;
  }

  private get e(): LiveEngines {
    const e = this.engines();
    if (e === null) throw new Error('engines not running');
    return e;
  }

  /** The engines' accuracy ledger (null: the engines are not running, or keep none). */
  ledger(): AccuracyLedger | null {
    return this.engines()?.ledger ?? null;
  }

  /** The store answers for a time in the past, and until the engines run. */
  private fromStore(at: number | undefined): boolean {
    return at !== undefined || this.engines() === null;
  }

  async coins(q: PageQuery): Promise<Page<CoinSummaryT>> {
    if (this.fromStore(q.at)) return this.past.coins(q);
    const coins = this.e.heat.coinList();
    const off = offsetOf(q.cursor);
    const items = coins.slice(off, off + q.limit).flatMap((c) => {
      const v = this.e.heat.view(c);
      return v === null || !(v.markPx > 0) ? [] : [summaryOf(heatmapOut(v, this.e.heat))];
    });
    return { items, next: off + q.limit < coins.length ? encodeCursor({ o: off + q.limit }) : null };
  }

  async heatmap(coin: string, q: { at?: number; history?: number }): Promise<HeatmapT | null> {
    if (this.fromStore(q.at)) return this.past.heatmap(coin, q);
    const v = this.e.heat.view(coin);
    if (v === null || !(v.markPx > 0)) return null;
    if (q.history === undefined || q.history === 0) return heatmapOut(v, this.e.heat);
    const rows = this.e.heat.history(coin);
    // Engines that keep no grid (the default in a live run): the stored maps' rows, up to now.
    const grid =
      rows.length > 0
        ? rows.slice(-q.history).map(historyRowOut)
        : ((await this.past.heatmap(coin, { history: q.history }))?.history ?? []);
    return heatmapOut(v, this.e.heat, grid);
  }

  async zones(coin: string, at?: number): Promise<{ time: number; markPx: number; zones: ZoneT[] } | null> {
    if (this.fromStore(at)) return this.past.zones(coin, at);
    const v = this.e.heat.view(coin);
    if (v === null || !(v.markPx > 0)) return null;
    const m = heatmapOut(v, this.e.heat);
    return { time: m.time, markPx: m.markPx, zones: m.zones };
  }

  positionScope(at?: number): 'all' | 'tracked' {
    return this.fromStore(at) ? this.past.positionScope() : 'all';
  }

  async positions(q: PositionQuery): Promise<Page<PositionT>> {
    if (this.fromStore(q.at)) return this.past.positions(q);
    const wallet = q.wallet?.toLowerCase() as Wallet | undefined;
    const after = keyOf(q.cursor);
    const zonesOf = new Map<string, ZoneT[]>();
    const rows: PositionT[] = [];
    for (const p of this.e.heat.positions(wallet)) {
      if (q.coin !== undefined && p.coin !== q.coin) continue;
      const row = livePosition(p);
      if (q.minNotionalUsd !== undefined && !(row.notionalUsd >= q.minNotionalUsd)) continue;
      if (after !== undefined && !(keyCmp(row, after) > 0)) continue;
      if (q.nearZone === true) {
        let zones = zonesOf.get(p.coin);
        if (zones === undefined) {
          zones = this.e.heat.zones(p.coin);
          zonesOf.set(p.coin, zones);
        }
        const z = zoneAt(zones, row.liquidationPx);
        if (z === undefined) continue;
        rows.push({ ...positionOut(row), zone: z.id });
      } else rows.push(positionOut(row));
    }
    // The store's order (wallet, then coin), so a cursor means the same in both.
    rows.sort((a, b) => keyCmp(a, positionKey(b)));
    const items = rows.slice(0, q.limit);
    const last = items[items.length - 1];
    return { items, next: rows.length > q.limit && last !== undefined ? encodeCursor({ k: positionKey(last) }) : null };
  }

  /**
   * The engines' table now, as `glass score` gives it on the input so far (`asIfEnded`: asking
   * settles nothing for real, so the engines go on as if never asked). The first page's table is
   * kept (the last LISTS_KEPT) and its cursor names it: later pages come from that table while
   * the engines move on, so each wallet is listed once and ranks run unbroken.
   */
  async wallets(q: PageQuery & { minTrades?: number }) {
    const pin = pinnedOf(q.cursor);
    // A cursor the store issued (before the engines ran, or for an `at`) goes on in the store.
    if (this.fromStore(q.at) || (pin !== null && pin.e === undefined)) return this.past.wallets(q);
    let list = pin === null ? undefined : this.lists.find((l) => l.id === pin.e);
    if (pin !== null && list === undefined) {
      throw badRequest(
        'querystring/cursor',
        `is a page of a list no longer kept (the last ${LISTS_KEPT} are): start again without a cursor`,
      );
    }
    if (list === undefined) {
      const score = this.e.score;
      const minTrades = q.minTrades ?? 1;
      list = { id: this.nextList++, time: this.now(), rows: score.asIfEnded(() => score.table(minTrades), true, false) };
      this.lists.push(list);
      if (this.lists.length > LISTS_KEPT) this.lists.shift();
    }
    const { id, time, rows } = list;
    const off = pin?.o ?? 0;
    const items = rows.slice(off, off + q.limit).map((r, i) => ({
      rank: off + i + 1,
      wallet: r.wallet,
      time,
      score: r.score,
      confidence: r.confidence,
      trades: r.trades,
      components: { ...r.components },
    }));
    return { items, next: off + q.limit < rows.length ? encodeCursor({ a: time, o: off + q.limit, e: id }) : null };
  }

  async wallet(address: string, at?: number): Promise<WalletDetailT | null> {
    if (this.fromStore(at)) return this.past.wallet(address, at);
    const w = address.toLowerCase() as Wallet;
    const score = this.e.score;
    const found = score.asIfEnded(() => score.profile(w));
    if (found === null) return null;
    // The components over time are the store's records (the engines keep only the score per bet),
    // with the engines' answer now as the last point; the score history (one point per bet) ends
    // with that answer too, and `time` is the time it is for.
    const stored = (await this.past.wallet(w))?.timeline ?? [];
    const time = Math.max(this.now(), stored.at(-1)?.time ?? 0);
    const p = withCurrentScore(found, time);
    const now = { time, score: p.score, confidence: p.confidence, trades: p.trades };
    return {
      wallet: p.wallet,
      time,
      score: p.score,
      confidence: p.confidence,
      trades: p.trades,
      components: { ...p.components },
      history: p.history.map((h) => ({ time: h.time, score: h.score })),
      timeline: [...stored, { ...now, components: { ...p.components } }],
      movers: p.movers.map((m) => ({ ...m })),
      positions: this.e.heat.positions(w).map((p) => positionOut(livePosition(p))),
    };
  }

  events(q: EventQuery) {
    return this.past.events(q);
  }

  syndicates(q: PageQuery & { coin?: string }) {
    return this.past.syndicates(q);
  }

  async risk(r: RiskRequestT, at?: number): Promise<RiskAdviceT | null> {
    if (this.fromStore(at)) return this.past.risk(r, at);
    const { heat, score, book, policy } = this.e;
    const state = heat.coinState(r.coin);
    if (state === null || !(state.mark > 0)) return null;
    // The whales' lean as `glass risk` reads it from the book, by the running hunter's policy.
    const bias =
      policy === null
        ? storedWhaleBias(
            heat
              .positions()
              .flatMap((p) =>
                p.coin === r.coin ? [{ notionalUsd: p.szi * state.mark, score: score.scoreNow(book.walletOf(p.slot)) }] : [],
              ),
          )
        : whaleLean(book, r.coin, state.mark, policy, (w) => score.scoreNow(w));
    return riskAnswer(
      r,
      {
        time: state.markTime,
        markPx: state.mark,
        zones: heat.zones(r.coin),
        sigma: state.vol.sigma(RISK_HORIZON_MS),
        maintenance: heat.liq.tables.maintenanceFraction(r.coin, r.entry * r.size),
        szDecimals: heat.liq.tables.szDecimals(r.coin),
      },
      bias,
    );
  }

  async status(): Promise<ViewStatus> {
    return { ...(await this.past.status()), ingestLagMs: this.lag() };
  }

  /** The engines' clock: the newest mark time over the coins. */
  private now(): number {
    let t = 0;
    const heat = this.e.heat;
    for (const c of heat.coinList()) t = Math.max(t, heat.coinState(c as Coin)?.markTime ?? 0);
    return t;
  }
}

/** Ranked lists kept for their next pages (each as many rows as scored wallets). */
const LISTS_KEPT = 16;

/** Orders rows as the store does: by wallet, then coin (compared as `${wallet}:${coin}` parts). */
function keyCmp(row: { wallet: string; coin: string }, key: string): number {
  const i = key.indexOf(':');
  const w = i < 0 ? key : key.slice(0, i);
  const c = i < 0 ? '' : key.slice(i + 1);
  return row.wallet < w ? -1 : row.wallet > w ? 1 : row.coin < c ? -1 : row.coin > c ? 1 : 0;
}
