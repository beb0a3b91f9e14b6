import { roundPx, tidy } from '../../domain/format.ts';
import type { HistoryRow } from './coin-state.ts';
import type { HeatmapView } from './engine.ts';

/**
 * The heatmap as a document: the JSON `glass heatmap --json` prints, the store keeps as a
 * snapshot and `GET /v1/heatmap/{coin}` answers — one shape, built here once. Prices by the venue's
 * rule (szDecimals), notional to the cent.
 */
export function mapJson(view: HeatmapView, szd: number | null, history: readonly HistoryRowJson[] | null = null) {
  return tidy(mapDoc(view, szd, history));
}

/** The document before `tidy` (the store writes its text with tidy's rounding without the copy: src/store/map-json.ts). */
export function mapDoc(view: HeatmapView, szd: number | null, history: readonly HistoryRowJson[] | null = null) {
  const v = { ...view, markPx: roundPx(view.markPx, szd) };
  return history === null ? v : { ...v, history };
}

export interface HistoryRowJson {
  readonly time: number;
  readonly markPx: number;
  readonly bucketWidth: number;
  readonly fromPx: number;
  readonly longLiqUsd: number[];
  readonly shortLiqUsd: number[];
}

/** A history row as JSON: notional to the cent (the grid is kept in float32). */
export function historyRowJson(r: HistoryRow): HistoryRowJson {
  const cents = (a: Float32Array) => Array.from(a, (x) => Math.round(x * 100) / 100);
  return {
    time: r.time,
    markPx: r.markPx,
    bucketWidth: r.bucketWidth,
    fromPx: r.fromPx,
    longLiqUsd: cents(r.longLiqUsd),
    shortLiqUsd: cents(r.shortLiqUsd),
  };
}
