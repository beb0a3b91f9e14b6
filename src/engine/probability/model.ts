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

function row(f: CascadeFeatures): number[] {
  return [1, logit(f.baseline), f.flow, f.syndicates];
}

export function cascadeProbability(f: CascadeFeatures, b: CascadeCoefficients): number {
  return sigmoid(b.intercept + b.baseline * logit(f.baseline) + b.flow * f.flow + b.syndicates * f.syndicates);
}

/**
 * Maximum-likelihood logistic regression (Newton's method, a small ridge for separable data) of
 * the outcome on the baseline's logit and the evidence. `evidence: false` fits the baseline's
 * recalibration alone (flow and syndicate weights held at 0): the fair reference for what the
 * evidence adds. Deterministic.
 */
export function fitCascade(samples: readonly { f: CascadeFeatures; hit: boolean }[], evidence = true, ridge = 1e-3): CascadeCoefficients {
  const k = evidence ? 4 : 2;
  const n = samples.length;
  const X = new Float64Array(n * k);
  const y = new Uint8Array(n);
  samples.forEach((s, r) => {
    X.set(row(s.f).slice(0, k), r * k);
    y[r] = s.hit ? 1 : 0;
  });
  const loglik = (b: number[]) => {
    let ll = 0;
    for (let r = 0; r < n; r++) {
      let z = 0;
      for (let i = 0; i < k; i++) z += (b[i] as number) * (X[r * k + i] as number);
      // log σ(z) for a hit, log σ(−z) for a miss, computed without overflow.
      const m = y[r] === 1 ? -z : z;
      ll -= m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
    }
    for (let i = 0; i < k; i++) ll -= 0.5 * ridge * (b[i] as number) ** 2;
    return ll;
  };
  let b = [0, 1, 0, 0].slice(0, k);
  let ll = loglik(b);
  for (let iter = 0; iter < 100; iter++) {
    const g = new Array<number>(k).fill(0);
    const h = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? ridge : 0)));
    for (let r = 0; r < n; r++) {
      let z = 0;
      for (let i = 0; i < k; i++) z += (b[i] as number) * (X[r * k + i] as number);
      const p = sigmoid(z);
      const res = (y[r] as number) - p;
      const w = p * (1 - p);
      for (let i = 0; i < k; i++) {
        const xi = X[r * k + i] as number;
        g[i] = (g[i] as number) + res * xi;
        const hi = h[i] as number[];
        for (let j = 0; j < k; j++) hi[j] = (hi[j] as number) + w * xi * (X[r * k + j] as number);
      }
    }
    for (let i = 0; i < k; i++) g[i] = (g[i] as number) - ridge * (b[i] as number);
    const step = solve(h, g);
    // Backtracking: a full Newton step from far away can overshoot; halve until the likelihood rises.
    let t = 1;
    let improved = false;
    for (let half = 0; half < 30; half++, t /= 2) {
      const next = b.map((v, i) => v + t * (step[i] as number));
      const nextLl = loglik(next);
      if (nextLl > ll) {
        improved = nextLl - ll > 1e-12 * Math.max(1, Math.abs(ll));
        b = next;
        ll = nextLl;
        break;
      }
    }
    // Converged: no step raises the likelihood by more than rounding.
    if (!improved) break;
  }
  return { intercept: b[0] as number, baseline: b[1] as number, flow: b[2] ?? 0, syndicates: b[3] ?? 0 };
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
