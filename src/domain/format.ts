/**
 * Numbers as people read them, for every command's output (never for state: engines keep full
 * precision). One rule per kind of number:
 *
 * | kind            | text                                  | JSON                                        |
 * | --------------- | ------------------------------------- | ------------------------------------------- |
 * | price           | venue rule, thousands grouped: 96,200 | venue rule                                  |
 * | size (coin)     | the coin's szDecimals                 | the coin's szDecimals                       |
 * | USD             | `$31.2M`, `$850k`, `$12.40`           | to the cent (fields named `…Usd`)           |
 * | probability     | as each command prints it             | 4 decimals (fields named `…probability`)    |
 * | anything else   | —                                     | at most 8 significant digits (no 1e-16 noise) |
 *
 * The venue rule is Hyperliquid's for perp prices: at most 5 significant figures and at most
 * 6 − szDecimals decimals, an integer price always allowed
 * (https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/tick-and-lot-size).
 * Where the coin's meta is unknown (szDecimals null) only the 5 significant figures apply.
 */

/** Decimals a perp price may have on Hyperliquid before szDecimals is taken off. */
export const MAX_PERP_DECIMALS = 6;
const PRICE_SIG_FIGS = 5;
/** Significant digits kept of a number with no rule of its own: float noise starts at the 16th. */
const PLAIN_SIG_DIGITS = 8;
/** Sizes of a coin whose szDecimals is unknown: at most this many decimals. */
const UNKNOWN_SZ_DECIMALS = 8;

/** `x` to `decimals` places, half away from zero, as the shortest double that prints that way. */
export function roundTo(x: number, decimals: number): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** decimals;
  const r = Math.round(Math.abs(x) * f) / f;
  return x < 0 ? -r : r;
}

/** Decimals a price of this size keeps under the venue rule. */
export function priceDecimals(px: number, szDecimals: number | null = null): number {
  if (!Number.isFinite(px) || px === 0) return 0;
  const bySig = PRICE_SIG_FIGS - 1 - Math.floor(Math.log10(Math.abs(px)));
  const byVenue = szDecimals === null ? Number.POSITIVE_INFINITY : MAX_PERP_DECIMALS - szDecimals;
  return Math.max(0, Math.min(bySig, byVenue));
}

/** A price as the venue writes it (see the module comment). */
export function roundPx(px: number, szDecimals: number | null = null): number {
  return roundTo(px, priceDecimals(px, szDecimals));
}

/** A size in coin units to the coin's szDecimals (unknown: 8 decimals, at most 8 significant digits). */
export function roundSz(sz: number, szDecimals: number | null = null): number {
  return szDecimals === null ? roundPlain(roundTo(sz, UNKNOWN_SZ_DECIMALS)) : roundTo(sz, szDecimals);
}

/** USD to the cent. */
export function roundUsd(x: number): number {
  return roundTo(x, 2);
}

/** A ratio or probability to 4 decimals. */
export function roundRatio(x: number): number {
  return roundTo(x, 4);
}

/** Any other figure: at most 8 significant digits, which removes binary float noise (and 0.9999999994). */
export function roundPlain(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  return Number(x.toPrecision(PLAIN_SIG_DIGITS));
}

/** A price for text: the venue rule, thousands grouped (`96,200`, `3.3865`). */
export function fmtPx(px: number | null, szDecimals: number | null = null): string {
  if (px === null || !Number.isFinite(px)) return '—';
  const d = priceDecimals(px, szDecimals);
  return roundTo(px, d).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

/** A size for text: the coin's decimals, thousands grouped, sign kept (`-12.0556`, `8,232,840`). */
export function fmtSz(sz: number, szDecimals: number | null = null): string {
  if (!Number.isFinite(sz)) return '—';
  const d = szDecimals ?? UNKNOWN_SZ_DECIMALS;
  return roundSz(sz, szDecimals).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

const UNITS: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** USD for text: three significant figures with a unit from $1k up (`$31.2M`, `$850k`), cents below (`$12.40`). */
export function fmtUsd(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  // Nothing is `$0`, not `$0.00` (nor `-$0.00` for a rounding crumb below half a cent).
  if (roundUsd(a) === 0) return '$0';
  if (roundUsd(a) < 1000) return `${sign}$${a.toFixed(2)}`;
  for (let i = UNITS.length - 1; i >= 0; i--) {
    const [unit, name] = UNITS[i] as [number, string];
    const v = Number((a / unit).toPrecision(3));
    // 999,950 is $1M, not $1000k: past the unit's range, the next one up.
    if (v < 1000) return `${sign}$${v}${name}`;
  }
  // Past $999T: whole trillions with separators ($90,000T), never an exponent.
  return `${sign}$${Math.round(a / 1e12).toLocaleString('en-US')}T`;
}

/** A count for text, thousands grouped, with its noun in the right number (`1 bet`, `2,048 bets`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  const grouped = Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
  return `${grouped} ${Math.abs(n) === 1 ? one : many}`;
}

/** A percentage for text from a fraction (`0.1234` → `12.3 %`). */
export function fmtPct(fraction: number | null, decimals = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return '—';
  return `${(100 * fraction).toFixed(decimals)} %`;
}

/**
 * A signed distance in percent for text (`−1.25 %` below, `+0.40 %` above; no sign once it rounds
 * to zero): one form in every command and the dashboard.
 */
export function fmtDistance(pct: number | null, decimals = 2): string {
  if (pct === null || !Number.isFinite(pct)) return '—';
  const s = Math.abs(pct).toFixed(decimals);
  const zero = Number(s) === 0;
  return `${zero ? '' : pct < 0 ? '−' : '+'}${s} %`;
}

const USD_KEY = /(?:Usd|USD)$|^usd$/;
const PROBABILITY_KEY = /(?:^p|P)robability$/;

/**
 * A copy of a JSON-bound value with every number at its documented precision: fields named
 * `…Usd` to the cent, `…probability` to 4 decimals, every other non-integer to 8 significant
 * digits (prices and sizes are rounded by the command, which knows the coin). Non-finite numbers
 * become null, as JSON has them.
 */
export function tidy<T>(v: T): T {
  return tidyValue(v, '') as T;
}

/** A key's rule (0 plain, 1 USD, 2 probability), learnt once per key: every event passes through tidy. */
const KEY_RULE = new Map<string, number>();

function ruleOf(key: string): number {
  let rule = KEY_RULE.get(key);
  if (rule === undefined) {
    rule = USD_KEY.test(key) ? 1 : PROBABILITY_KEY.test(key) ? 2 : 0;
    // Keys are the events' field names; a bound all the same, should some come from data.
    if (KEY_RULE.size < 4096) KEY_RULE.set(key, rule);
  }
  return rule;
}

function tidyValue(v: unknown, key: string): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    const rule = ruleOf(key);
    return rule === 1 ? roundUsd(v) : rule === 2 ? roundRatio(v) : roundPlain(v);
  }
  if (Array.isArray(v)) return v.map((x) => tidyValue(x, key));
  if (v !== null && typeof v === 'object') {
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => tidyValue(x, key));
    const out: Record<string, unknown> = {};
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) out[k] = tidyValue(o[k], k);
    return out;
  }
  return v;
}
