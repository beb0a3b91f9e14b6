import { round3 } from '../engine/common/round.ts';
import { ScoreEngine, type TradeSummary } from '../engine/score/engine.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import type { RawMessage } from '../recording/format.ts';
import type { SimConfig } from '../sim/config.ts';
import { Simulator } from '../sim/simulator.ts';
import type { GroundTruth } from '../sim/truth.ts';
import { spearman, topQuintileOverlap } from './rank.ts';

export interface ScoreEvaluation {
  readonly sim: { seed: number; wallets: number; hours: number };
  readonly minTrades: number;
  /** Traders with at least `minTrades` closed round trips. */
  readonly wallets: number;
  readonly medianTrades: number;
  /** Spearman rank correlation with latent skill. */
  readonly spearman: {
    readonly score: number;
    readonly accuracy: number;
    readonly riskAdjusted: number;
    readonly rawPnl: number;
    /** The price-based realised hit rate (entries followed by a move their way at 40 min, REFERENCE_HORIZON). */
    readonly realisedHitRate: number;
    /** The oracle: each wallet's realised hit rate against the simulator's hidden drift. */
    readonly oracleHitRate: number;
  };
  /** Share of the true top quintile (by skill) in the top quintile by each ranking. */
  readonly topQuintile: { readonly score: number; readonly rawPnl: number; readonly oracleHitRate: number };
  readonly seconds: number;
}

/** Simulates a venue, scores every wallet from its recording stream, and grades the ranking against the planted skill. */
export function evaluateScore(cfg: Partial<SimConfig> & { seed: number; wallets: number; hours: number }, minTrades = 20): ScoreEvaluation {
  const t0 = performance.now();
  const p = new Pipeline({ strict: true });
  const score = new ScoreEngine(p.book);
  p.attach(score);
  let line = 0;
  const sim = new Simulator(cfg, (ts, msg) => p.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  const truth = sim.run();
  return grade(score, truth, cfg, minTrades, (performance.now() - t0) / 1000);
}

export function grade(
  engine: ScoreEngine,
  truth: GroundTruth,
  cfg: { seed: number; wallets: number; hours: number },
  minTrades: number,
  seconds: number,
): ScoreEvaluation {
  const skill = new Map(truth.wallets.filter((w) => w.role === 'trader').map((w) => [w.wallet, w]));
  const rows = engine.table(minTrades).flatMap((s) => {
    const t = skill.get(s.wallet);
    const ex = engine.explain(s.wallet);
    if (t === undefined || ex === null || t.entries === 0) return [];
    return [{ s, t, ex }];
  });
  const truthSkill = rows.map((r) => r.t.skill);
  const col = (f: (r: (typeof rows)[number]) => number) => rows.map(f);
  const scores = col((r) => r.s.score);
  const pnl = col((r) => r.ex.pnlUsd);
  const oracle = col((r) => r.t.hits / r.t.entries);
  const trades = col((r) => r.s.trades).sort((a, b) => a - b);
  return {
    sim: { seed: cfg.seed, wallets: cfg.wallets, hours: cfg.hours },
    minTrades,
    wallets: rows.length,
    medianTrades: trades[trades.length >> 1] ?? 0,
    spearman: {
      score: round3(spearman(scores, truthSkill)),
      accuracy: round3(
        spearman(
          col((r) => r.s.components.accuracy),
          truthSkill,
        ),
      ),
      riskAdjusted: round3(
        spearman(
          col((r) => r.s.components.riskAdjusted),
          truthSkill,
        ),
      ),
      rawPnl: round3(spearman(pnl, truthSkill)),
      realisedHitRate: round3(
        spearman(
          col((r) => r.ex.hitRate ?? 0.5),
          truthSkill,
        ),
      ),
      oracleHitRate: round3(spearman(oracle, truthSkill)),
    },
    topQuintile: {
      score: round3(topQuintileOverlap(scores, truthSkill)),
      rawPnl: round3(topQuintileOverlap(pnl, truthSkill)),
      oracleHitRate: round3(topQuintileOverlap(oracle, truthSkill)),
    },
    seconds: round3(seconds),
  };
}

/** One wallet of the real-data split: its first-half score and what its second half did. */
export interface SplitWallet {
  readonly wallet: string;
  readonly trips: number;
  readonly firstScore: number;
  /** Σ PnL / Σ notional of the first half's round trips (the naive baseline). */
  readonly firstPnlPerNotional: number;
  /** Share of second-half entries that the price prevailing 60 min later went the trader's way. */
  readonly secondHitRate: number;
  readonly secondPnlPerNotional: number;
}

/** A Spearman correlation with its two-sided permutation p-value. */
export interface RankTest {
  readonly rho: number;
  readonly p: number;
}

export interface OutOfSample {
  readonly minTripsEachSide: number;
  readonly wallets: readonly SplitWallet[];
  /** First-half score against the second half's 60-min hit rate and PnL / notional. */
  readonly scoreVsHitRate: RankTest;
  readonly scoreVsPnl: RankTest;
  /** The naive baseline: first-half PnL / notional against the same. */
  readonly pnlVsHitRate: RankTest;
  readonly pnlVsPnl: RankTest;
}

const OOS_HORIZON_MS = 60 * 60_000;

/**
 * Out of sample on real data: each wallet with at least `minTrips` round trips on each side is
 * split at its median round trip; its score from the first half alone (every wallet's fills after
 * its own split dropped, all scored together) is ranked against what its second half did: the
 * share of entries the price 60 min later (the one prevailing then, from any price in the stream)
 * went its way, and Σ PnL / Σ notional. Deterministic: the p-values come from a fixed shuffle.
 */
export function outOfSample(messages: readonly RawMessage[], minTrips = 20): OutOfSample {
  const full = playScore(messages);
  const prices = new Map<string, { t: number[]; px: number[] }>();
  for (const m of messages) {
    for (const [coin, px, time] of pricesOf(m)) {
      let s = prices.get(coin);
      if (s === undefined) {
        s = { t: [], px: [] };
        prices.set(coin, s);
      }
      if (s.t.length > 0 && time < (s.t[s.t.length - 1] as number)) continue;
      s.t.push(time);
      s.px.push(px);
    }
  }
  const prevailing = (coin: string, time: number): number => {
    const s = prices.get(coin);
    if (s === undefined) return Number.NaN;
    let lo = 0;
    let hi = s.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((s.t[mid] as number) <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? Number.NaN : (s.px[lo - 1] as number);
  };
  const end = messages.reduce((m, x) => Math.max(m, x.ts), Number.NEGATIVE_INFINITY);
  const cut = new Map<string, number>();
  const halves = new Map<string, { first: TradeSummary[]; second: TradeSummary[] }>();
  for (const row of full.table(1)) {
    const trades = full.tradesOf(row.wallet);
    const half = trades.length >> 1;
    if (half < minTrips) continue;
    const first = trades.slice(0, half);
    cut.set(row.wallet, (first[first.length - 1] as TradeSummary).closeTime);
    halves.set(row.wallet, { first, second: trades.slice(half) });
  }
  const firstHalf = playScore(messages.filter((m) => keepBefore(m, cut)));
  const firstScores = new Map(firstHalf.table(1).map((r) => [r.wallet as string, r.score]));
  const perNotional = (ts: readonly TradeSummary[]) =>
    ts.reduce((s, t) => s + t.pnlUsd, 0) /
    Math.max(
      1e-12,
      ts.reduce((s, t) => s + t.notionalUsd, 0),
    );
  const wallets: SplitWallet[] = [];
  for (const [wallet, h] of halves) {
    const firstScore = firstScores.get(wallet);
    if (firstScore === undefined) continue;
    let hits = 0;
    let graded = 0;
    for (const t of h.second) {
      if (t.openTime + OOS_HORIZON_MS >= end) continue;
      const px = prevailing(t.coin, t.openTime + OOS_HORIZON_MS);
      if (!(px > 0)) continue;
      graded++;
      if ((t.side === 'long' ? 1 : -1) * (px - t.entryPx) > 0) hits++;
    }
    wallets.push({
      wallet,
      trips: h.first.length + h.second.length,
      firstScore,
      firstPnlPerNotional: perNotional(h.first),
      secondHitRate: graded > 0 ? hits / graded : 0.5,
      secondPnlPerNotional: perNotional(h.second),
    });
  }
  wallets.sort((a, b) => (a.wallet < b.wallet ? -1 : 1));
  const col = (f: (w: SplitWallet) => number) => wallets.map(f);
  return {
    minTripsEachSide: minTrips,
    wallets,
    scoreVsHitRate: rankTest(
      col((w) => w.firstScore),
      col((w) => w.secondHitRate),
    ),
    scoreVsPnl: rankTest(
      col((w) => w.firstScore),
      col((w) => w.secondPnlPerNotional),
    ),
    pnlVsHitRate: rankTest(
      col((w) => w.firstPnlPerNotional),
      col((w) => w.secondHitRate),
    ),
    pnlVsPnl: rankTest(
      col((w) => w.firstPnlPerNotional),
      col((w) => w.secondPnlPerNotional),
    ),
  };
}

function playScore(messages: readonly RawMessage[]): ScoreEngine {
  const p = new Pipeline({ strict: false });
  const s = new ScoreEngine(p.book);
  p.attach(s);
  for (const m of messages) p.ingest(m);
  return s;
}

/** Prices a recorded message carries: allMids and userFills (the venue's WS shapes). */
function* pricesOf(m: RawMessage): Generator<[string, number, number]> {
  const msg = m.msg as { channel?: unknown; data?: { mids?: Record<string, unknown>; fills?: unknown[] } } | null;
  if (msg === null || typeof msg !== 'object') return;
  if (msg.channel === 'allMids' && msg.data?.mids !== undefined) {
    for (const [coin, v] of Object.entries(msg.data.mids)) {
      const px = Number(v);
      if (px > 0) yield [coin, px, m.ts];
    }
  } else if (msg.channel === 'userFills' && Array.isArray(msg.data?.fills)) {
    for (const f of msg.data.fills as { coin?: unknown; px?: unknown; time?: unknown }[]) {
      const px = Number(f.px);
      if (typeof f.coin === 'string' && px > 0 && typeof f.time === 'number') yield [f.coin, px, f.time];
    }
  }
}

/** Drops a wallet's fills after its split time. */
function keepBefore(m: RawMessage, cut: ReadonlyMap<string, number>): boolean {
  const msg = m.msg as { channel?: unknown; data?: { user?: unknown; fills?: { time?: unknown }[] } } | null;
  if (msg === null || typeof msg !== 'object' || msg.channel !== 'userFills') return true;
  const at = typeof msg.data?.user === 'string' ? cut.get(msg.data.user) : undefined;
  if (at === undefined) return true;
  const t = msg.data?.fills?.[0]?.time;
  return !(typeof t === 'number' && t > at);
}

/** Spearman ρ and a two-sided permutation p-value (10,000 shuffles, fixed seed). */
export function rankTest(a: readonly number[], b: readonly number[]): RankTest {
  const rho = spearman(a, b);
  if (!(a.length >= 3) || rho !== rho) return { rho: Number.NaN, p: Number.NaN };
  const shuffled = [...b];
  let seed = 0x9e3779b9;
  const rand = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  const N = 10_000;
  let extreme = 0;
  for (let k = 0; k < N; k++) {
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
    }
    if (Math.abs(spearman(a, shuffled)) >= Math.abs(rho) - 1e-12) extreme++;
  }
  return { rho: round3(rho), p: round3((extreme + 1) / (N + 1)) };
}
