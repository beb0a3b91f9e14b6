import { DEFAULT_SIM, SIM_COINS, type SimCoin, type SimConfig } from './config.ts';
import { PlantedActors } from './entities.ts';
import { MarketEpisodes } from './episodes.ts';
import { roundPx, roundSz } from './format.ts';
import { TriggerHeap } from './heap.ts';
import { CoinMarket } from './market.ts';
import {
  allMidsMessage,
  assetCtxMessage,
  clearinghouseMessage,
  l2BookMessage,
  metaMessage,
  type SimTrade,
  type SnapshotPosition,
  tradesMessage,
  userFillsMessage,
} from './messages.ts';
import { Rng } from './rng.ts';
import { PlantedShocks } from './shocks.ts';
import { Traders } from './traders.ts';
import type { ClusterTruth, GroundTruth, SyndicateTruth } from './truth.ts';
import { fillDirection, liquidationPriceOnCash } from './venue-rules.ts';

export type SimSink = (ts: number, msg: unknown) => void;

/** Receive latency added to every message's venue time. */
const LATENCY_MS = 120;
/** Price impact: USD of forced flow that moves a coin 1 %, as a share of the wallets' capital. */
const DEPTH_SHARE = 0.1;
const CASCADE_ROUNDS = 12;
/** Wallets with at least this starting capital are whales (about the top 1 %): syndicates are planted among them. */
export const WHALE_CAPITAL = 250_000;
/** Largest position a wallet opens (USD): the book's depth, not a compounding account, sets the limit. */
const MAX_NOTIONAL = 50_000_000;

interface Forced {
  readonly coin: number;
  readonly long: boolean;
  /** Liquidation price to size the position to (clusters), or NaN. */
  readonly liqTarget: number;
  readonly holdS: number;
  readonly syndicate: number;
  readonly cluster: number;
  /** The notional to open (an actor's wallets mirror one size), instead of the wallet's own sizing. */
  readonly notional?: number;
}

/**
 * A Hyperliquid-shaped venue: wallets with latent skill and discipline trade perps against market
 * makers; positions that cross their liquidation price are force-closed at market, and that
 * forced flow moves price into the next positions' liquidation prices (the cascade). It writes the
 * messages a live recorder would capture, and returns what it planted.
 */
export class Simulator {
  private readonly cfg: SimConfig;
  private readonly out: SimSink;
  private readonly coins: readonly SimCoin[] = SIM_COINS;
  private readonly markets: CoinMarket[];
  private readonly episodes: MarketEpisodes;
  private readonly t: Traders;
  private readonly rng: Rng;
  private readonly mm0: number;
  private readonly liquidator: number;
  private readonly longLiq: TriggerHeap[];
  private readonly shortLiq: TriggerHeap[];
  private readonly longStop: TriggerHeap[];
  private readonly shortStop: TriggerHeap[];
  private readonly depth: number[];
  private readonly oi: Float64Array;
  private readonly wheel: (number[] | undefined)[];
  private readonly forced = new Map<number, Forced>();
  private readonly dirtyQueue: number[] = [];
  private dirtyHead = 0;
  private pending: SimTrade[][];
  private pendingFills: unknown[] = [];
  private tid = 1_000_000;
  private hashN = 1;
  private tick = 0;
  private now = 0;
  private orderInTick = 0;
  private readonly syndicates: SyndicateTruth[] = [];
  private readonly synMembers: { wallet: string; time: number }[][] = [];
  private readonly synFollowUps: { wallet: string; time: number; direction: 'long' | 'short' }[][] = [];
  /** Wallet → the planted syndicate whose position it holds (until it closes). */
  private readonly synOf = new Map<number, number>();
  private readonly clusters: ClusterTruth[] = [];
  private readonly clusterMembers: string[][] = [];
  private readonly clusterNotional: number[] = [];
  private readonly stats = { trades: 0, fills: 0, liquidations: 0, snapshots: 0, lines: 0 };

  /** Planted entities and price shocks (src/sim/entities.ts, shocks.ts); null when not configured. */
  private readonly actors: PlantedActors | null;
  private readonly shocks: PlantedShocks | null;
  /** Where the venue's ledger answers go (the actors' funding transfers), beside the recording. */
  private readonly ledger: SimSink | null;

  constructor(config: Partial<SimConfig>, out: SimSink, ledger?: SimSink) {
    this.cfg = { ...DEFAULT_SIM, ...config };
    this.ledger = ledger ?? null;
    this.out = (ts, msg) => {
      this.stats.lines++;
      out(ts, msg);
    };
    const { seed, wallets, marketMakers } = this.cfg;
    this.rng = Rng.derive(seed, 0xc0ffee);
    const actorSlots = this.cfg.actors > 0 ? PlantedActors.slots(seed, this.cfg.actors) : 0;
    this.t = new Traders(seed, wallets, marketMakers + 1 + actorSlots);
    this.mm0 = wallets;
    this.liquidator = wallets + marketMakers;
    this.actors = actorSlots > 0 ? new PlantedActors(seed, this.cfg.actors, this.liquidator + 1, (w) => this.t.addr[w] as string) : null;
    for (const w of this.actors?.owner.keys() ?? []) this.ownWallet(w);
    this.shocks = this.cfg.shocksPerDay > 0 ? new PlantedShocks(seed, this.cfg.shocksPerDay, this.totalTicks(), this.coins.length) : null;
    this.markets = this.coins.map((c, i) => new CoinMarket(c, seed, i));
    const heaps = () => this.coins.map(() => new TriggerHeap());
    this.longLiq = heaps();
    this.shortLiq = heaps();
    this.longStop = heaps();
    this.shortStop = heaps();
    let capital = 0;
    for (let i = 0; i < wallets; i++) capital += this.t.capital0[i] as number;
    this.depth = this.coins.map((c) => Math.max(2e5, DEPTH_SHARE * capital * c.weight));
    this.episodes = new MarketEpisodes(seed, this.coins, this.totalTicks(), this.cfg.marketEpisodesPerDay, this.cfg.start, this.depth);
    this.oi = new Float64Array(this.coins.length);
    this.wheel = new Array<number[] | undefined>(this.totalTicks() + 1);
    this.pending = this.coins.map(() => []);
  }

  totalTicks(): number {
    return Math.round(this.cfg.hours * 3600);
  }

  run(): GroundTruth {
    this.begin();
    while (this.advance(3600));
    return this.truth();
  }

  /** Runs up to `seconds` more simulated seconds; false when the configured span is done. */
  advance(seconds: number): boolean {
    const T = this.totalTicks();
    const end = Math.min(T, this.tick + seconds);
    for (; this.tick < end; this.tick++) this.second();
    return this.tick < T;
  }

  /** Simulated seconds done so far. */
  get elapsed(): number {
    return this.tick;
  }

  // ---- the clock ----------------------------------------------------------------------------

  begin(): void {
    const ts = this.cfg.start;
    this.now = ts;
    this.out(ts, metaMessage(this.coins));
    const n = this.cfg.wallets;
    // The refresher's first pass: every account, flat, before trading starts.
    for (let i = 0; i <= this.liquidator; i++) this.snapshot(i, ts);
    for (let i = 0; i < n; i++) {
      const r = this.t.rngs[i] as Rng;
      this.schedule(i, Math.floor(r.exponential(this.t.gapMean[i] as number)));
    }
    this.planEpisodes();
    for (const m of this.actors?.fundingMessages(ts) ?? []) this.ledger?.(ts, m);
  }

  private second(): void {
    this.now = this.cfg.start + this.tick * 1000;
    this.orderInTick = 0;
    this.episodes.at(this.tick, this.oi);
    for (let c = 0; c < this.markets.length; c++) {
      const ep = this.episodes;
      const rho = c === 0 ? 0 : this.cfg.btcCorrelation * (ep.betaMult[c] as number);
      (this.markets[c] as CoinMarket).step((this.markets[0] as CoinMarket).shock, rho, ep.volMult[c] as number, ep.push[c] as number);
      if (this.shocks !== null) (this.markets[c] as CoinMarket).px *= Math.exp(this.shocks.push(this.tick, c));
      this.triggers(c);
    }
    if (this.actors !== null || this.shocks !== null) this.plantedOrders();
    for (const kind of this.episodeAt.get(this.tick) ?? []) {
      if (kind === 'syn') this.plantSyndicate();
      else this.plantCluster();
    }
    const due = this.wheel[this.tick];
    if (due !== undefined) {
      this.wheel[this.tick] = undefined;
      for (const w of due) if (this.t.nextAt[w] === this.tick) this.act(w);
    }
    this.flush();
  }

  private flush(): void {
    const ts = this.now + 1000 + LATENCY_MS;
    const px = new Float64Array(this.markets.map((m) => roundPx(m.px)));
    this.out(ts, allMidsMessage(this.coins, px));
    for (const f of this.pendingFills) this.out(ts, f);
    this.pendingFills = [];
    for (let c = 0; c < this.coins.length; c++) {
      const list = this.pending[c] as SimTrade[];
      if (list.length > 0) this.out(ts, tradesMessage(list));
    }
    this.pending = this.coins.map(() => []);
    for (let k = 0; k < this.cfg.snapshotsPerSecond && this.dirtyHead < this.dirtyQueue.length; k++) {
      const w = this.dirtyQueue[this.dirtyHead++] as number;
      this.t.dirty[w] = 0;
      this.snapshot(w, ts);
    }
    if (this.dirtyHead > 4096 && this.dirtyHead * 2 > this.dirtyQueue.length) {
      this.dirtyQueue.splice(0, this.dirtyHead);
      this.dirtyHead = 0;
    }
    if (this.tick % 60 === 0) {
      this.coins.forEach((coin, c) => {
        const m = this.markets[c] as CoinMarket;
        const ep = this.episodes;
        const oi = (this.oi[c] as number) + (ep.oiAdd[c] as number);
        this.out(ts, assetCtxMessage(coin.coin, roundPx(m.px), m.funding() + (ep.fundingAdd[c] as number), oi));
        const depth = (this.depth[c] as number) * (ep.depthMult[c] as number);
        this.out(ts, l2BookMessage(coin.coin, roundPx(m.px), depth, this.now + 1000, roundPx));
      });
    }
  }

  private schedule(w: number, tick: number): void {
    const at = Math.max(this.tick + 1, tick);
    if (at > this.totalTicks()) {
      this.t.nextAt[w] = -1;
      return;
    }
    this.t.nextAt[w] = at;
    let list = this.wheel[at];
    if (list === undefined) this.wheel[at] = list = [];
    list.push(w);
  }

  // ---- wallet decisions ---------------------------------------------------------------------

  private act(w: number): void {
    const t = this.t;
    if (t.coin[w] === -1) {
      const f = this.forced.get(w);
      this.forced.delete(w);
      this.open(w, f);
      return;
    }
    if (this.actors?.owner.has(w) === true) {
      this.closeAll(w, false); // an actor's wallets close together, as they opened
      return;
    }
    const r = t.rngs[w] as Rng;
    const n = t.actions[w] as number;
    t.actions[w] = n + 1;
    const u = r.next();
    if (n === 0 && u < 0.12) {
      this.resize(w, 1 + r.range(0.3, 1));
      this.followUp(w);
    } else if (n <= 1 && u < 0.25) this.resize(w, r.range(0.3, 0.7));
    else if (u < 0.3) {
      this.flip(w);
      this.followUp(w);
    } else {
      this.closeAll(w, false);
      return;
    }
    if (t.coin[w] !== -1) this.schedule(w, this.tick + Math.ceil(r.exponential(t.holdMean[w] as number) / 2));
  }

  private open(w: number, forced: Forced | undefined): void {
    const t = this.t;
    const r = t.rngs[w] as Rng;
    const c = forced?.coin ?? this.pickCoin(r);
    const m = this.markets[c] as CoinMarket;
    const coin = this.coins[c] as SimCoin;
    if (forced === undefined && (t.capital0[w] as number) < WHALE_CAPITAL && !m.eventful()) {
      // Traders act when the market is moving: an entry waits for a strong drift, so a skilled
      // wallet's entries are followed by moves large enough to tell skill from luck. Whales keep
      // their own clock: they do not chase, and a crowd of them entering at a drift's onset would
      // be indistinguishable from the syndicates planted among them.
      this.schedule(w, this.tick + 30 + r.int(240));
      return;
    }
    const long = forced?.long ?? this.chooseDirection(w, m, r);
    const disc = t.discipline[w] as number;
    let lev = disc > 0.5 ? (t.baseLev[w] as number) : r.pick(Traders.leverageLevels(false));
    lev = Math.min(lev, coin.maxLeverage);
    const l = 1 / (2 * coin.maxLeverage);
    const px = roundPx(m.px);
    if (forced !== undefined && forced.liqTarget === forced.liqTarget) {
      // Size leverage so the isolated position liquidates at the target (cluster members).
      const ratio = forced.liqTarget / px;
      lev = long ? 1 / (1 - ratio * (1 - l)) : 1 / (ratio * (1 + l) - 1);
    }
    let margin = (t.cash[w] as number) * (t.sizeFrac[w] as number) * Math.exp((disc > 0.5 ? 0.1 : 0.8) * r.normal());
    if (disc < 0.4 && (t.lossStreak[w] as number) > 0) margin *= 2 ** Math.min(4, t.lossStreak[w] as number);
    if (forced?.notional !== undefined) margin = forced.notional / lev;
    margin = Math.min(margin, 0.95 * (t.cash[w] as number), MAX_NOTIONAL / lev);
    const sz = roundSz((margin * lev) / px, coin.szDecimals);
    if (sz * px < 10 || !(lev >= 1)) {
      this.schedule(w, this.tick + Math.ceil(r.exponential(t.gapMean[w] as number)));
      return;
    }
    const isolated = forced !== undefined && forced.liqTarget === forced.liqTarget ? true : t.isolated[w] === 1;
    this.execute(w, c, long ? 'B' : 'A', sz, px, null);
    t.coin[w] = c;
    t.szi[w] = long ? sz : -sz;
    t.entry[w] = px;
    t.lev[w] = Math.round(lev);
    t.margin[w] = isolated ? (sz * px) / lev : 0;
    t.posIsolated[w] = isolated ? 1 : 0;
    t.actions[w] = 0;
    this.oi[c] = (this.oi[c] as number) + sz;
    this.arm(w, l);
    if (forced !== undefined) this.recordPlanted(w, forced, sz * px);
    const hold = forced?.holdS ?? r.exponential(t.holdMean[w] as number);
    this.schedule(w, this.tick + Math.max(5, Math.ceil(hold)));
  }

  private chooseDirection(w: number, m: CoinMarket, r: Rng): boolean {
    const right = m.signal >= 0;
    const hit = r.chance(0.5 + 0.45 * (this.t.skill[w] as number));
    // Kept for the truth file: each wallet's realised hit rate against the hidden drift, the
    // ceiling any score built from prices can approach.
    this.t.entries[w] = (this.t.entries[w] as number) + 1;
    if (hit) this.t.hits[w] = (this.t.hits[w] as number) + 1;
    return hit ? right : !right;
  }

  private pickCoin(r: Rng): number {
    let u = r.next();
    for (let c = 0; c < this.coins.length; c++) {
      u -= (this.coins[c] as SimCoin).weight;
      if (u < 0) return c;
    }
    return this.coins.length - 1;
  }

  /** Scales the position by `factor` (> 1 adds, < 1 reduces part of it). */
  private resize(w: number, factor: number): void {
    const t = this.t;
    const c = t.coin[w] as number;
    const coin = this.coins[c] as SimCoin;
    const px = roundPx((this.markets[c] as CoinMarket).px);
    const s = t.szi[w] as number;
    const delta = roundSz(Math.abs(s) * Math.abs(factor - 1), coin.szDecimals);
    if (delta <= 0 || (factor < 1 && delta >= Math.abs(s))) return;
    const long = s > 0;
    if (factor > 1) {
      this.execute(w, c, long ? 'B' : 'A', delta, px, null);
      const next = Math.abs(s) + delta;
      t.entry[w] = ((t.entry[w] as number) * Math.abs(s) + px * delta) / next;
      if (t.posIsolated[w] === 1) t.margin[w] = (t.margin[w] as number) + (delta * px) / (t.lev[w] as number);
      t.szi[w] = long ? next : -next;
      this.oi[c] = (this.oi[c] as number) + delta;
    } else {
      this.execute(w, c, long ? 'A' : 'B', delta, px, null);
      const pnl = delta * (px - (t.entry[w] as number)) * (long ? 1 : -1);
      if (t.posIsolated[w] === 1) {
        const share = delta / Math.abs(s);
        t.cash[w] = (t.cash[w] as number) + pnl;
        t.margin[w] = (t.margin[w] as number) * (1 - share);
      } else t.cash[w] = (t.cash[w] as number) + pnl;
      const next = Math.abs(s) - delta;
      t.szi[w] = long ? next : -next;
      this.oi[c] = (this.oi[c] as number) - delta;
    }
    this.arm(w, 1 / (2 * coin.maxLeverage));
  }

  /** Closes and reverses in one order ("Long > Short" / "Short > Long"). */
  private flip(w: number): void {
    const t = this.t;
    const c = t.coin[w] as number;
    const coin = this.coins[c] as SimCoin;
    const px = roundPx((this.markets[c] as CoinMarket).px);
    const s = t.szi[w] as number;
    const pnl = Math.abs(s) * (px - (t.entry[w] as number)) * Math.sign(s);
    t.cash[w] = Math.max(0, (t.cash[w] as number) + pnl);
    const newSz = roundSz(((t.cash[w] as number) * (t.sizeFrac[w] as number) * (t.lev[w] as number)) / px, coin.szDecimals);
    if (newSz * px < 10) {
      this.closeAll(w, false);
      return;
    }
    this.execute(w, c, s > 0 ? 'A' : 'B', Math.abs(s) + newSz, px, null, -pnl);
    this.oi[c] = (this.oi[c] as number) - Math.abs(s) + newSz;
    t.szi[w] = s > 0 ? -newSz : newSz;
    t.entry[w] = px;
    if (t.posIsolated[w] === 1) t.margin[w] = (newSz * px) / (t.lev[w] as number);
    this.arm(w, 1 / (2 * coin.maxLeverage));
  }

  /** Flat again: by choice, stop, or liquidation. */
  private closeAll(w: number, liquidation: boolean): void {
    const t = this.t;
    const c = t.coin[w] as number;
    const m = this.markets[c] as CoinMarket;
    const px = roundPx(m.px);
    const s = t.szi[w] as number;
    const pnl = Math.abs(s) * (px - (t.entry[w] as number)) * Math.sign(s);
    this.execute(w, c, s > 0 ? 'A' : 'B', Math.abs(s), px, liquidation ? px : null);
    if (liquidation) {
      this.stats.liquidations++;
      // Forced flow hits the book: sells for a long, buys for a short.
      m.impact(-Math.sign(s) * Math.abs(s) * px, (this.depth[c] as number) * (this.episodes.depthMult[c] as number));
    }
    const isoLoss = t.posIsolated[w] === 1 ? Math.max(pnl, -(t.margin[w] as number)) : pnl;
    t.cash[w] = Math.max(0, (t.cash[w] as number) + isoLoss);
    t.lossStreak[w] = pnl < 0 ? (t.lossStreak[w] as number) + 1 : 0;
    this.oi[c] = (this.oi[c] as number) - Math.abs(s);
    t.coin[w] = -1;
    this.synOf.delete(w);
    t.szi[w] = 0;
    t.ver[w] = (t.ver[w] as number) + 1;
    t.liq[w] = Number.NaN;
    t.stop[w] = Number.NaN;
    this.markDirty(w);
    if (t.planned[w] === 1 || this.actors?.owner.has(w) === true) return;
    if ((t.cash[w] as number) < 50) {
      t.nextAt[w] = -1; // busted: walks away
      return;
    }
    const r = t.rngs[w] as Rng;
    // Revenge trading: an undisciplined wallet jumps back in right after a loss.
    const revenge = pnl < 0 && (t.discipline[w] as number) < 0.4;
    this.schedule(w, this.tick + Math.ceil(r.exponential((t.gapMean[w] as number) / (revenge ? 10 : 1))));
  }

  /** (Re)computes the liquidation price and stop, and files them with the trigger heaps. */
  private arm(w: number, l: number): void {
    const t = this.t;
    const c = t.coin[w] as number;
    const s = t.szi[w] as number;
    const backing = t.posIsolated[w] === 1 ? (t.margin[w] as number) : (t.cash[w] as number);
    const liq = liquidationPriceOnCash(t.entry[w] as number, s, backing, l);
    const ver = (t.ver[w] as number) + 1;
    t.ver[w] = ver;
    t.liq[w] = liq ?? Number.NaN;
    if (liq !== null) {
      if (s > 0) (this.longLiq[c] as TriggerHeap).push(-liq, w, ver);
      else (this.shortLiq[c] as TriggerHeap).push(liq, w, ver);
    }
    if (t.useStops[w] === 1) {
      const dist = 0.5 / (t.lev[w] as number);
      const stop = (t.entry[w] as number) * (s > 0 ? 1 - dist : 1 + dist);
      t.stop[w] = stop;
      if (s > 0) (this.longStop[c] as TriggerHeap).push(-stop, w, ver);
      else (this.shortStop[c] as TriggerHeap).push(stop, w, ver);
    }
    this.markDirty(w);
  }

  /** Liquidations first (their impact may trigger more: the cascade), then stops. */
  private triggers(c: number): void {
    const m = this.markets[c] as CoinMarket;
    for (let round = 0; round < CASCADE_ROUNDS; round++) {
      let fired = false;
      fired = this.fire(this.longLiq[c] as TriggerHeap, (k) => -k >= m.px, true) || fired;
      fired = this.fire(this.shortLiq[c] as TriggerHeap, (k) => k <= m.px, true) || fired;
      if (!fired) break;
    }
    this.fire(this.longStop[c] as TriggerHeap, (k) => -k >= m.px, false);
    this.fire(this.shortStop[c] as TriggerHeap, (k) => k <= m.px, false);
  }

  private fire(h: TriggerHeap, hit: (key: number) => boolean, liquidation: boolean): boolean {
    let fired = false;
    while (h.size > 0 && hit(h.peekKey())) {
      const { id, ver } = h.pop();
      if (this.t.ver[id] !== ver || this.t.coin[id] === -1) continue;
      fired = true;
      this.closeAll(id, liquidation);
    }
    return fired;
  }

  // ---- the venue's side ---------------------------------------------------------------------

  /** A taker order by `w`, filled in one to three trades against market makers (or the backstop). */
  private execute(w: number, c: number, side: 'B' | 'A', sz: number, px: number, liqMark: number | null, venuePnl?: number): void {
    const coin = this.coins[c] as SimCoin;
    const parts = liqMark === null && this.rng.chance(0.3) ? 2 + this.rng.int(2) : 1;
    const time = this.now + Math.min(999, 5 * this.orderInTick++);
    const hashN = this.hashN++;
    let left = sz;
    let start = this.t.szi[w] as number;
    for (let k = 0; k < parts && left > 0; k++) {
      const part = k === parts - 1 ? left : roundSz(left * this.rng.range(0.3, 0.7), coin.szDecimals);
      if (part <= 0) continue;
      left = roundSz(left - part, coin.szDecimals);
      const other = liqMark !== null ? this.liquidator : this.mm0 + this.rng.int(this.cfg.marketMakers);
      this.tid += 1 + this.rng.int(997);
      const trade: SimTrade = {
        coin: coin.coin,
        side,
        px,
        sz: part,
        time,
        tid: this.tid,
        hashN,
        buyer: this.t.addr[side === 'B' ? w : other] as string,
        seller: this.t.addr[side === 'B' ? other : w] as string,
      };
      (this.pending[c] as SimTrade[]).push(trade);
      this.stats.trades++;
      this.stats.fills += 2;
      if (liqMark !== null) {
        const pnl = venuePnl ?? Math.abs(start) * (px - (this.t.entry[w] as number)) * Math.sign(start);
        this.pendingFills.push(
          userFillsMessage({
            user: this.t.addr[w] as string,
            trade,
            side,
            startPosition: start,
            dir: fillDirection(start, side, part),
            closedPnl: pnl,
            liquidationMarkPx: liqMark,
          }),
        );
      }
      start += side === 'B' ? part : -part;
    }
  }

  private markDirty(w: number): void {
    if (this.t.dirty[w] === 1) return;
    this.t.dirty[w] = 1;
    this.dirtyQueue.push(w);
  }

  private snapshot(w: number, ts: number): void {
    const t = this.t;
    const positions: SnapshotPosition[] = [];
    const c = t.coin[w] as number;
    if (c !== -1) {
      const coin = this.coins[c] as SimCoin;
      const liq = t.liq[w] as number;
      positions.push({
        coin: coin.coin,
        szi: t.szi[w] as number,
        entryPx: t.entry[w] as number,
        markPx: roundPx((this.markets[c] as CoinMarket).px),
        leverage: t.lev[w] as number,
        isolated: t.posIsolated[w] === 1,
        margin: t.margin[w] as number,
        maxLeverage: coin.maxLeverage,
        liquidationPx: liq === liq ? liq : null,
      });
    }
    this.stats.snapshots++;
    this.out(ts, clearinghouseMessage(t.addr[w] as string, t.cash[w] as number, positions, ts - LATENCY_MS));
  }

  // ---- planted episodes ---------------------------------------------------------------------

  private planEpisodes(): void {
    const T = this.totalTicks();
    const days = this.cfg.hours / 24;
    const nSyn = Math.round(this.cfg.syndicatesPerDay * days);
    const nClu = Math.round(this.cfg.clustersPerDay * days);
    // Episodes are planted at fixed ticks decided now; members are picked when the tick comes.
    const plan: { tick: number; kind: 'syn' | 'clu' }[] = [];
    for (let i = 0; i < nSyn; i++) plan.push({ tick: Math.floor(((i + this.rng.range(0.2, 0.8)) * T) / nSyn), kind: 'syn' });
    for (let i = 0; i < nClu; i++) plan.push({ tick: Math.floor(((i + this.rng.range(0.1, 0.5)) * T) / nClu), kind: 'clu' });
    for (const p of plan) this.episodeAt.set(p.tick, [...(this.episodeAt.get(p.tick) ?? []), p.kind]);
  }

  private readonly episodeAt = new Map<number, ('syn' | 'clu')[]>();
  private byCapital: number[] | null = null;

  /** Flat, unplanned traders with at least `minCash`, from the richest down, starting at a random rank. */
  private candidates(k: number, topShare: number, minCash: number): number[] {
    if (this.byCapital === null) {
      this.byCapital = Array.from({ length: this.cfg.wallets }, (_, i) => i).sort(
        (a, b) => (this.t.capital0[b] as number) - (this.t.capital0[a] as number) || a - b,
      );
    }
    const order = this.byCapital;
    const pool = Math.max(k * 4, Math.floor(order.length * topShare));
    const out: number[] = [];
    const from = this.rng.int(pool);
    for (let j = 0; j < pool && out.length < k; j++) {
      const w = order[(from + j) % pool] as number;
      if (this.t.coin[w] === -1 && this.t.planned[w] === 0 && (this.t.cash[w] as number) >= minCash) out.push(w);
    }
    return out;
  }

  /** Liquidation notional of open positions within 0.5–4 % of price: [below (longs), above (shorts)]. */
  private nearbyLiquidations(c: number): [number, number] {
    const px = (this.markets[c] as CoinMarket).px;
    let below = 0;
    let above = 0;
    for (let w = 0; w < this.cfg.wallets; w++) {
      if (this.t.coin[w] !== c) continue;
      const liq = this.t.liq[w] as number;
      const ntl = Math.abs(this.t.szi[w] as number) * px;
      if (liq >= px * 0.96 && liq <= px * 0.995) below += ntl;
      else if (liq >= px * 1.005 && liq <= px * 1.04) above += ntl;
    }
    return [below, above];
  }

  private plantSyndicate(): void {
    const c = this.pickCoin(this.rng);
    const members = this.candidates(3 + this.rng.int(4), 0.01, WHALE_CAPITAL);
    if (members.length < 3) return;
    const nearZone = this.rng.chance(0.5);
    const [below, above] = this.nearbyLiquidations(c);
    // Near a zone, the syndicate positions to profit from its release: shorts over loaded long
    // liquidations (their forced selling pushes price further down), longs under short ones.
    const long = nearZone ? above > below : this.rng.chance(0.5);
    const idx = this.syndicates.length;
    const startTick = this.tick;
    this.syndicates.push({
      id: `syn-${idx}`,
      coin: (this.coins[c] as SimCoin).coin,
      direction: long ? 'long' : 'short',
      nearZone,
      members: [],
      start: this.cfg.start + startTick * 1000,
      end: this.cfg.start + startTick * 1000,
      followUps: [],
    });
    this.synMembers.push([]);
    this.synFollowUps.push([]);
    const hold = 1800 + this.rng.exponential(3600);
    for (const w of members) {
      this.t.planned[w] = 1;
      this.forced.set(w, { coin: c, long, liqTarget: Number.NaN, holdS: hold, syndicate: idx, cluster: -1 });
      this.schedule(w, startTick + this.rng.int(45));
    }
  }

  private plantCluster(): void {
    const c = this.pickCoin(this.rng);
    const members = this.candidates(15 + this.rng.int(16), 0.5, 500);
    if (members.length < 5) return;
    const long = this.rng.chance(0.5);
    const px = (this.markets[c] as CoinMarket).px;
    const target = roundPx(px * (long ? 0.96 : 1.04));
    const idx = this.clusters.length;
    this.clusters.push({
      id: `cluster-${idx}`,
      coin: (this.coins[c] as SimCoin).coin,
      side: long ? 'LONG_LIQ' : 'SHORT_LIQ',
      liqPx: target,
      notionalUsd: 0,
      members: [],
      time: this.cfg.start + this.tick * 1000,
    });
    this.clusterMembers.push([]);
    this.clusterNotional.push(0);
    for (const w of members) {
      this.t.planned[w] = 1;
      const liqTarget = target * (1 + 0.0005 * this.rng.normal());
      this.forced.set(w, { coin: c, long, liqTarget, holdS: 6 * 3600 + this.rng.exponential(3600), syndicate: -1, cluster: idx });
      this.schedule(w, this.tick + this.rng.int(120));
    }
  }

  /** A planted syndicate member's add or flip, on the clock it shares with the other members. */
  private followUp(w: number): void {
    const syn = this.synOf.get(w);
    const szi = this.t.szi[w] as number;
    if (syn === undefined || this.t.coin[w] === -1 || szi === 0) return;
    (this.synFollowUps[syn] as { wallet: string; time: number; direction: 'long' | 'short' }[]).push({
      wallet: this.t.addr[w] as string,
      time: this.now,
      direction: szi > 0 ? 'long' : 'short',
    });
  }

  private recordPlanted(w: number, f: Forced, notional: number): void {
    this.t.planned[w] = 0;
    if (f.syndicate >= 0) {
      (this.synMembers[f.syndicate] as { wallet: string; time: number }[]).push({ wallet: this.t.addr[w] as string, time: this.now });
      this.synOf.set(w, f.syndicate);
    }
    if (f.cluster >= 0) {
      (this.clusterMembers[f.cluster] as string[]).push(this.t.addr[w] as string);
      this.clusterNotional[f.cluster] = (this.clusterNotional[f.cluster] as number) + notional;
    }
  }

  /** An actor's wallet: its capital and steady sizing (its entries are the actor's, never its own). */
  private ownWallet(w: number): void {
    const t = this.t;
    const cap = (this.actors as PlantedActors).capital(w);
    t.capital0[w] = cap;
    t.cash[w] = cap;
    t.discipline[w] = 0.8;
    t.baseLev[w] = 5;
    t.sizeFrac[w] = 0.2;
  }

  /** This second's planted entries: actors' wallets together, and crowds reacting to a shock that just ended. */
  private plantedOrders(): void {
    const coinName = (c: number) => (this.coins[c] as SimCoin).coin;
    const addr = (w: number) => this.t.addr[w] as string;
    const orders: { wallet: number; tick: number; coin: number; long: boolean; notional?: number; holdS?: number }[] = [];
    if (this.actors !== null)
      orders.push(
        ...this.actors.due(this.tick, this.cfg.start, this.coins.length, coinName, (w) => this.t.coin[w] === -1 && !this.forced.has(w)),
      );
    if (this.shocks !== null)
      orders.push(...this.shocks.crowds(this.tick, this.cfg.start, coinName, (k) => this.candidates(k, 0.01, WHALE_CAPITAL), addr));
    for (const o of orders) {
      const hold = o.holdS ?? 1800 + this.rng.exponential(1800);
      this.t.planned[o.wallet] = 1;
      this.forced.set(o.wallet, {
        coin: o.coin,
        long: o.long,
        liqTarget: Number.NaN,
        holdS: hold,
        syndicate: -1,
        cluster: -1,
        ...(o.notional === undefined ? {} : { notional: o.notional }),
      });
      this.schedule(o.wallet, o.tick);
    }
  }

  truth(): GroundTruth {
    const wallets = [];
    for (let i = 0; i <= this.liquidator; i++) {
      wallets.push(this.t.truth(i, i < this.mm0 ? 'trader' : i < this.liquidator ? 'market-maker' : 'liquidator'));
    }
    return {
      seed: this.cfg.seed,
      wallets,
      syndicates: this.syndicates.map((s, i) => {
        const members = (this.synMembers[i] ?? []).toSorted((a, b) => a.time - b.time);
        return {
          ...s,
          members,
          start: members[0]?.time ?? s.start,
          end: members.at(-1)?.time ?? s.end,
          followUps: this.synFollowUps[i] ?? [],
        };
      }),
      clusters: this.clusters.map((c, i) => ({
        ...c,
        members: this.clusterMembers[i] ?? [],
        notionalUsd: Math.round(this.clusterNotional[i] ?? 0),
      })),
      stats: { ...this.stats },
      ...(this.cfg.marketEpisodesPerDay > 0 ? { episodes: this.episodes.truth() } : {}),
      ...(this.actors !== null ? { entities: this.actors.truth() } : {}),
      ...(this.shocks !== null ? { shocks: this.shocks.truth() } : {}),
    };
  }
}
