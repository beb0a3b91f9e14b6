import type { SQLInputValue } from 'node:sqlite';
import type { HeatmapView, PackedHeatmapView } from '../engine/heatmap/engine.ts';
import { CoinMaps, encodeMap } from './map-delta.ts';
import { mapJsonText, sameKeys } from './map-json.ts';

/**
 * A coin's map as the recorder hands it to the store: the engines' view with its buckets as
 * columns (lo, hi, then the four notionals: six numbers a bucket) and the rest copied. Building
 * the document (format.ts's rounding, the JSON text) and the delta against the coin's last whole
 * map (map-delta.ts) happen where the batch is written, on the store's writer thread for both
 * stores: that was most of what a map snapshot cost the engines' thread.
 */
export interface PackedView {
  /** The view's keys in its order, `buckets` null when `cols` holds them (else the buckets as they were). */
  readonly head: Readonly<Record<string, unknown>>;
  /** Six numbers a bucket (lo, hi, longLiqUsd, shortLiqUsd, longEstimatedUsd, shortEstimatedUsd); null: the buckets are in `head` (not the engine’s six fields). */
  readonly cols: Float64Array | null;
  readonly szd: number | null;
  /** The snapshot's time (its delta base's, when it becomes one). */
  readonly time: number;
  /** False: always stored whole (RecorderOptions.mapDeltas). */
  readonly deltas: boolean;
  /** The coin's next map is whole: its base is not known to be the store's (a resumed run). */
  readonly forget: boolean;
  /** The zones as rows of one shape (`head.zones` null then), or undefined: they are in `head`. */
  readonly zones?: FlatRows;
}

/**
 * Objects of one shape as their keys once and their values one after another: a map's zones (a
 * dozen or more objects of fourteen fields) cross to the writer thread as two arrays, which the
 * structured clone copies several times faster than as many objects (it writes every object's
 * keys anew).
 */
export interface FlatRows {
  readonly keys: readonly string[];
  readonly values: unknown[];
}

/** A plain object (a structured clone makes one of it, own enumerable data fields only). */
function plain(o: unknown): o is Record<string, unknown> {
  if (o === null || typeof o !== 'object') return false;
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
}

/** `rows` flattened, or null when they are not all plain objects of the first one's keys in its order (at least one). */
export function flatRows(rows: readonly unknown[]): FlatRows | null {
  if (rows.length === 0) return null;
  const first = rows[0];
  if (!plain(first)) return null;
  const keys = Object.keys(first);
  // An own `__proto__` would be set as the prototype when the object is built again.
  if (keys.length === 0 || keys.includes('__proto__')) return null;
  const n = keys.length;
  const values: unknown[] = new Array(n * rows.length);
  for (let i = 0; i < rows.length; i++) {
    const o = rows[i];
    if (!plain(o)) return null;
    if (i > 0) {
      const k = Object.keys(o);
      if (k.length !== n) return null;
      for (let j = 0; j < n; j++) if (k[j] !== keys[j]) return null;
    }
    for (let j = 0; j < n; j++) values[i * n + j] = o[keys[j] as string];
  }
  return { keys, values };
}

/** The objects `flatRows` took apart, their keys in the same order. */
export function unflatRows(f: FlatRows): Record<string, unknown>[] {
  const n = f.keys.length;
  const rows: Record<string, unknown>[] = new Array(f.values.length / n);
  for (let i = 0; i < rows.length; i++) {
    const o: Record<string, unknown> = {};
    for (let j = 0; j < n; j++) o[f.keys[j] as string] = f.values[i * n + j];
    rows[i] = o;
  }
  return rows;
}

const FIELDS = 6;

/**
 * The view packed now: the buckets copied into columns, the rest (zones, largest, estimates) kept
 * by reference until the batch's hand-over copies it (postMessage's structured clone, or the
 * encoding on this thread). That holds because what `HeatmapEngine.view` answers besides its
 * buckets is built for the call or is an answer the engine caches and replaces, never changes in
 * place (its zones and their chains, the leverage quantiles: other callers are given the same
 * objects). A deep copy here was a third of a map's cost on the engines' thread.
 */
export function packView(view: HeatmapView, szd: number | null, time: number, deltas: boolean, forget: boolean): PackedView {
  const buckets = view.buckets;
  if (buckets.length > 0 && !sameKeys(buckets[0] as object)) {
    return { head: structuredClone(view) as unknown as Record<string, unknown>, cols: null, szd, time, deltas, forget };
  }
  const cols = new Float64Array(FIELDS * buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as HeatmapView['buckets'][number];
    const x = FIELDS * i;
    cols[x] = b.lo;
    cols[x + 1] = b.hi;
    cols[x + 2] = b.longLiqUsd;
    cols[x + 3] = b.shortLiqUsd;
    cols[x + 4] = b.longEstimatedUsd;
    cols[x + 5] = b.shortEstimatedUsd;
  }
  // `buckets` keeps its place among the keys (the document's key order is the view's).
  const head: Record<string, unknown> = { ...view, buckets: null };
  return { head, cols, szd, time, deltas, forget };
}

/**
 * A view the engine gave with its buckets already in columns (`HeatmapEngine.packedView`), packed
 * as `packView` packs the whole view: its head is kept by reference (see there).
 */
export function packColumns(
  view: PackedHeatmapView,
  cols: Float64Array,
  szd: number | null,
  time: number,
  deltas: boolean,
  forget: boolean,
): PackedView {
  const zones = flatRows(view.zones);
  if (zones === null) return { head: view as unknown as Record<string, unknown>, cols, szd, time, deltas, forget };
  // `zones` keeps its place among the keys.
  return { head: { ...view, zones: null }, cols, szd, time, deltas, forget, zones };
}

/** The view back, its buckets objects again in the engine's field order. */
export function unpackView(p: PackedView): HeatmapView {
  const cols = p.cols;
  if (cols === null) return p.head as unknown as HeatmapView;
  const head = p.zones === undefined ? p.head : { ...p.head, zones: unflatRows(p.zones) };
  const n = cols.length / FIELDS;
  const buckets: HeatmapView['buckets'] = new Array(n);
  for (let i = 0; i < n; i++) {
    const x = FIELDS * i;
    buckets[i] = {
      lo: cols[x] as number,
      hi: cols[x + 1] as number,
      longLiqUsd: cols[x + 2] as number,
      shortLiqUsd: cols[x + 3] as number,
      longEstimatedUsd: cols[x + 4] as number,
      shortEstimatedUsd: cols[x + 5] as number,
    };
  }
  return { ...head, buckets } as unknown as HeatmapView;
}

/** The whole document of a packed map (`JSON.stringify(mapJson(view, szd))`), for a reader before it is stored. */
export function packedJson(p: PackedView): string {
  return mapJsonText(unpackView(p), p.szd);
}

/**
 * The store side's per-coin state (each coin's previous bucket texts and last whole map): one per
 * writer, fed the maps in the order they are written. Its last whole map of a coin is the newest
 * whole map of that coin in the store, the base map-delta.ts requires, as long as every batch it
 * encoded was committed: on a failed write the writer calls `forget` (each coin's next map whole).
 */
export class MapEncoder {
  private readonly coins = new Map<string, CoinMaps>();

  encode(coin: string, p: PackedView): { readonly text: string; readonly delta: boolean } {
    let state = this.coins.get(coin);
    if (state === undefined) {
      state = new CoinMaps();
      this.coins.set(coin, state);
    }
    if (p.forget) state.base = null;
    const m = encodeMap(unpackView(p), p.szd, p.time, state, p.deltas);
    return { text: m.text, delta: m.base !== null };
  }

  forget(): void {
    for (const m of this.coins.values()) m.base = null;
  }
}

/** A wire heatmap row whose map is still packed (its `delta` column until encodeViews fills it). */
export const PACKED = -1;

/**
 * Fills the batch's packed map rows (`delta` PACKED; their views in `views`, in row order) with
 * their text and delta flag, through the writer's encoder.
 */
export function encodeViews(rows: SQLInputValue[][], views: readonly PackedView[], enc: MapEncoder): void {
  let k = 0;
  for (const r of rows) {
    if (r[4] !== PACKED) continue;
    const m = enc.encode(r[0] as string, views[k++] as PackedView);
    r[3] = m.text;
    r[4] = m.delta ? 1 : 0;
  }
}
