/**
 * Which liquidation-price rule a response follows. The venue added the `(1 − side·l)` divisor
 * (maintenance margin released as the position shrinks toward liquidation) after 2023: responses
 * from 2024 on match `current`; the 2023 fixture matches `pre2024` (docs/margin.md, "The rule changed").
 */
export type LiqRule = 'current' | 'pre2024';

/**
 * The switch date is not in any response we have: the 2023-03-27 fixture follows the old rule
 * and the 2024-02-22 one the new. Responses are read by their time with this boundary, and
 * `glass liqpx --rule` overrides it.
 */
export const CURRENT_RULE_FROM = Date.UTC(2024, 0, 1);

export function ruleAt(time: number): LiqRule {
  return time < CURRENT_RULE_FROM ? 'pre2024' : 'current';
}

/**
 * `liq = mark − side · marginAvailable / |szi| / (1 − side · l)` (docs/margin.md), where
 * marginAvailable = account value − maintenance margin (the cross account, or the isolated
 * position's own), l = 1 / (2 · maxLeverage of the position's tier). Null when ≤ 0: a long
 * that no price can liquidate.
 */
export function liquidationPx(markPx: number, szi: number, marginAvailable: number, l: number, rule: LiqRule = 'current'): number | null {
  if (szi === 0) return null;
  const side = szi > 0 ? 1 : -1;
  const divisor = rule === 'current' ? 1 - side * l : 1;
  const px = markPx - (side * marginAvailable) / Math.abs(szi) / divisor;
  return px > 0 && Number.isFinite(px) ? px : null;
}

/**
 * The same rule solved for a single position whose margin is fixed cash `c` (an isolated
 * position's margin, or a cross account holding only this position): independent of the mark,
 * `liq = (entry·szi − c) / (szi − |szi|·l)`.
 */
export function liquidationPxFromCash(entryPx: number, szi: number, cash: number, l: number): number | null {
  if (szi === 0) return null;
  const px = (entryPx * szi - cash) / (szi - Math.abs(szi) * l);
  return px > 0 && Number.isFinite(px) ? px : null;
}
