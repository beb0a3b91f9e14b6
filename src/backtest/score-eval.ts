import { round3 } from '../engine/common/round.ts';
import { ScoreEngine } from '../engine/score/engine.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
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
