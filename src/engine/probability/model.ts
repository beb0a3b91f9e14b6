/**
 * The cascade probability model (docs/probability.md): the
 * volatility baseline's logit, recalibrated, plus evidence —
 *   logit p = β₀ + β₁·logit p₀ + β₂·flow + β₃·syndicates,
 * where p₀ = 2·Φ(−|d|/σ√T) is the driftless barrier-hitting chance, `flow` the score-weighted net
 * whale notional positioned to profit from the zone (signed log-scaled share of the zone's
 * notional) and `syndicates` the syndicate episodes positioned toward it in the last hour.
 */
export interface CascadeFeatures {
  readonly baseline: number;
  readonly flow: number;
  readonly syndicates: number;
}

export interface CascadeCoefficients {
  readonly intercept: number;
  /** Slope on the baseline's logit: 1 takes the barrier formula as it is; fitted, it recalibrates it. */
  readonly baseline: number;
  readonly flow: number;
  readonly syndicates: number;
}

/** The identity: gives back the volatility baseline unchanged. */
export const BASELINE_ONLY: CascadeCoefficients = { intercept: 0, baseline: 1, flow: 0, syndicates: 0 };

/**
 * Fitted on the first 24 h of `glass sim --out c.ndjson --wallets 5000 --hours 48 --seed 11` by
 * `glass backtest c.ndjson --min-account 200000 --min-position 1000000` (docs/probability.md,
 * "What is validated"). The barrier formula is overconfident (slope 0.27 on its logit).
 */
export const DEFAULT_COEFFICIENTS: CascadeCoefficients = { intercept: -0.604, baseline: 0.273, flow: 0.04, syndicates: 0.34 };

/**
 * Whether a walk-forward check has shown the model beats the volatility baseline it layers on:
 * not yet. On the README's own setting CASCADE_RISK was right 1 time in 14 (0.071 against zones'
 * 0.379 base rate), and on the demo's 24 h recording the model's Brier (0.085) was worse than the
 * baseline's (0.0632). Until a check says otherwise CASCADE_RISK is muted by default and the
 * model's figure travels labelled unvalidated (`validated: false`), never as an alert.
 */
export const MODEL_VALIDATED = false;

const EPS = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function cascadeProbability(f: CascadeFeatures, b: CascadeCoefficients): number {
  return sigmoid(b.intercept + b.baseline * logit(f.baseline) + b.flow * f.flow + b.syndicates * f.syndicates);
}

/** The fit's ridge: enough to keep separable data (all hits above some figure) from running off. */
const RIDGE = 1e-3;

/**
 * Maximum-likelihood logistic regression (Newton's method, a small ridge for separable data) of
 * the outcome on the baseline's logit and the evidence. `evidence: false` fits the baseline's
 * recalibration alone (flow and syndicate weights held at 0): the fair reference for what the
 * evidence adds. Deterministic.
 */
export function fitCascade(samples: readonly { f: CascadeFeatures; hit: boolean }[], evidence = true, ridge = RIDGE): CascadeCoefficients {
  const c = evidence ? 3 : 1;
  const x = new Float64Array(samples.length * c);
  const y = new Uint8Array(samples.length);
  samples.forEach((s, r) => {
    x[r * c] = logit(s.f.baseline);
    if (evidence) {
      x[r * c + 1] = s.f.flow;
      x[r * c + 2] = s.f.syndicates;
    }
    y[r] = s.hit ? 1 : 0;
  });
  return fitCascadeRows(x, y, evidence, ridge);
}

/**
 * `fitCascade` on design rows already made: per sample, `logit(baseline)` then (with evidence) flow
 * and syndicates in `x` (the intercept's column of ones is implicit), its outcome (1: hit) in `y`.
 * WalkForwardCascade keeps its labels this way, each row made once rather than once per refit.
 *
 * The arithmetic is fitCascade's as it was on a k-column design matrix with nested arrays, every
 * operation on the same operands in the same order, so the coefficients are the same to the bit:
 * z = ((0 + b₀·1) + b₁·x₁) + …, the gradient and all k×k Hessian cells summed over rows in order
 * (cell (i, j) adds (w·xᵢ)·xⱼ, which need not equal (w·xⱼ)·xᵢ, so both triangles are summed). Only
 * products by the intercept's 1 are left out, being exact: (w·1)·xⱼ = (w·xⱼ)·1 = w·xⱼ, so the
 * intercept's row and column of the Hessian are one and the same sums.
 */
export function fitCascadeRows(x: Float64Array, y: Uint8Array, evidence = true, ridge = RIDGE): CascadeCoefficients {
  const k = evidence ? 4 : 2;
  const n = y.length;
  const loglik = evidence ? loglik4 : loglik2;
  const newton = evidence ? newton4 : newton2;
  let b = new Float64Array(4);
  b[1] = 1;
  let next = new Float64Array(4);
  const g = new Float64Array(4);
  const h = new Float64Array(16);
  let ll = loglik(x, y, n, b, ridge);
  for (let iter = 0; iter < 100; iter++) {
    newton(x, y, n, b, ridge, g, h);
    for (let i = 0; i < k; i++) g[i] = (g[i] as number) - ridge * (b[i] as number);
    const step = solve(
      Array.from({ length: k }, (_, i) => Array.from(h.subarray(4 * i, 4 * i + k))),
      Array.from(g.subarray(0, k)),
    );
    // Backtracking: a full Newton step from far away can overshoot; halve until the likelihood rises.
    let t = 1;
    let improved = false;
    for (let half = 0; half < 30; half++, t /= 2) {
      for (let i = 0; i < k; i++) next[i] = (b[i] as number) + t * (step[i] as number);
      const nextLl = loglik(x, y, n, next, ridge);
      if (nextLl > ll) {
        improved = nextLl - ll > 1e-12 * Math.max(1, Math.abs(ll));
        [b, next] = [next, b];
        ll = nextLl;
        break;
      }
    }
    // Converged: no step raises the likelihood by more than rounding.
    if (!improved) break;
  }
  return {
    intercept: b[0] as number,
    baseline: b[1] as number,
    flow: evidence ? (b[2] as number) : 0,
    syndicates: evidence ? (b[3] as number) : 0,
  };
}

/** −log σ(z) for a hit (1), −log σ(−z) for a miss, computed without overflow: one row's loss. */
function rowLoss(z: number, hit: number): number {
  const m = hit === 1 ? -z : z;
  return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
}

/** The log-likelihood less the ridge's penalty at `b`, on rows of logit p₀, flow and syndicates. */
function loglik4(x: Float64Array, y: Uint8Array, n: number, b: Float64Array, ridge: number): number {
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  const b2 = b[2] as number;
  const b3 = b[3] as number;
  let ll = 0;
  for (let r = 0, o = 0; r < n; r++, o += 3) {
    // Summed from 0 as it always was (0 + b₀ is not b₀ when b₀ is −0).
    const z = 0 + b0 + b1 * (x[o] as number) + b2 * (x[o + 1] as number) + b3 * (x[o + 2] as number);
    ll -= rowLoss(z, y[r] as number);
  }
  ll -= 0.5 * ridge * b0 ** 2;
  ll -= 0.5 * ridge * b1 ** 2;
  ll -= 0.5 * ridge * b2 ** 2;
  ll -= 0.5 * ridge * b3 ** 2;
  return ll;
}

/** loglik4 on rows of logit p₀ alone. */
function loglik2(x: Float64Array, y: Uint8Array, n: number, b: Float64Array, ridge: number): number {
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  let ll = 0;
  for (let r = 0; r < n; r++) {
    const z = 0 + b0 + b1 * (x[r] as number);
    ll -= rowLoss(z, y[r] as number);
  }
  ll -= 0.5 * ridge * b0 ** 2;
  ll -= 0.5 * ridge * b1 ** 2;
  return ll;
}

/**
 * The log-likelihood's gradient (before the ridge's pull) into `g` and its negated Hessian (ridge
 * on the diagonal) into `h` (4×4, row-major), at `b`, on rows of logit p₀, flow and syndicates.
 */
function newton4(x: Float64Array, y: Uint8Array, n: number, b: Float64Array, ridge: number, g: Float64Array, h: Float64Array): void {
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  const b2 = b[2] as number;
  const b3 = b[3] as number;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let g3 = 0;
  // h0j is also hj0 (the intercept's row and column: exact, see fitCascadeRows).
  let h00 = ridge;
  let h01 = 0;
  let h02 = 0;
  let h03 = 0;
  let h11 = ridge;
  let h12 = 0;
  let h13 = 0;
  let h21 = 0;
  let h22 = ridge;
  let h23 = 0;
  let h31 = 0;
  let h32 = 0;
  let h33 = ridge;
  for (let r = 0, o = 0; r < n; r++, o += 3) {
    const x1 = x[o] as number;
    const x2 = x[o + 1] as number;
    const x3 = x[o + 2] as number;
    const p = sigmoid(0 + b0 + b1 * x1 + b2 * x2 + b3 * x3);
    const res = (y[r] as number) - p;
    const w = p * (1 - p);
    g0 += res;
    h00 += w;
    const w1 = w * x1;
    const w2 = w * x2;
    const w3 = w * x3;
    h01 += w1;
    h02 += w2;
    h03 += w3;
    g1 += res * x1;
    h11 += w1 * x1;
    h12 += w1 * x2;
    h13 += w1 * x3;
    g2 += res * x2;
    h21 += w2 * x1;
    h22 += w2 * x2;
    h23 += w2 * x3;
    g3 += res * x3;
    h31 += w3 * x1;
    h32 += w3 * x2;
    h33 += w3 * x3;
  }
  g[0] = g0;
  g[1] = g1;
  g[2] = g2;
  g[3] = g3;
  h.set([h00, h01, h02, h03, h01, h11, h12, h13, h02, h21, h22, h23, h03, h31, h32, h33]);
}

/** newton4 on rows of logit p₀ alone (`h` 2×2 in the first two of its rows of 4). */
function newton2(x: Float64Array, y: Uint8Array, n: number, b: Float64Array, ridge: number, g: Float64Array, h: Float64Array): void {
  const b0 = b[0] as number;
  const b1 = b[1] as number;
  let g0 = 0;
  let g1 = 0;
  let h00 = ridge;
  let h01 = 0;
  let h11 = ridge;
  for (let r = 0; r < n; r++) {
    const x1 = x[r] as number;
    const p = sigmoid(0 + b0 + b1 * x1);
    const res = (y[r] as number) - p;
    const w = p * (1 - p);
    g0 += res;
    h00 += w;
    const w1 = w * x1;
    h01 += w1;
    g1 += res * x1;
    h11 += w1 * x1;
  }
  g[0] = g0;
  g[1] = g1;
  h[0] = h00;
  h[1] = h01;
  h[4] = h01;
  h[5] = h11;
}

/** Solves H·x = g (Gaussian elimination with partial pivoting); a singular system gives no step. */
function solve(h: number[][], g: number[]): number[] {
  const n = g.length;
  const a = h.map((r, i) => [...r, g[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((a[r] as number[])[c] as number) > Math.abs((a[p] as number[])[c] as number)) p = r;
    [a[c], a[p]] = [a[p] as number[], a[c] as number[]];
    const piv = (a[c] as number[])[c] as number;
    if (Math.abs(piv) < 1e-15) return new Array<number>(n).fill(0);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = ((a[r] as number[])[c] as number) / piv;
      for (let j = c; j <= n; j++) (a[r] as number[])[j] = ((a[r] as number[])[j] as number) - f * ((a[c] as number[])[j] as number);
    }
  }
  return a.map((r, i) => (r[n] as number) / (r[i] as number));
}

/** Brier score: mean squared error of the probabilities against what happened (lower is better). */
export function brier(ps: readonly number[], hits: readonly boolean[]): number {
  let s = 0;
  for (let i = 0; i < ps.length; i++) s += ((ps[i] as number) - (hits[i] ? 1 : 0)) ** 2;
  return ps.length === 0 ? Number.NaN : s / ps.length;
}

/** Reliability table: per probability decile, how many samples, the mean forecast and the observed rate. */
export function reliability(
  ps: readonly number[],
  hits: readonly boolean[],
  bins = 10,
): { lo: number; hi: number; n: number; forecast: number; observed: number }[] {
  const out = Array.from({ length: bins }, (_, i) => ({ lo: i / bins, hi: (i + 1) / bins, n: 0, forecast: 0, observed: 0 }));
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as number;
    const b = out[Math.min(bins - 1, Math.floor(p * bins))] as (typeof out)[number];
    b.n++;
    b.forecast += p;
    if (hits[i]) b.observed++;
  }
  return out
    .filter((b) => b.n > 0)
    .map((b) => ({ ...b, forecast: Math.round((b.forecast / b.n) * 1000) / 1000, observed: Math.round((b.observed / b.n) * 1000) / 1000 }));
}
