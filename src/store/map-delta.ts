import type { HeatmapView } from '../engine/heatmap/engine.ts';
import { StoreError } from './errors.ts';
import { BucketTexts, bucketTexts, mapHead, mapJsonText, sameKeys } from './map-json.ts';

/**
 * A coin's map kept as its changes against the coin's last whole map (its base): most of a map
 * is its buckets, and between two snapshots of a coin a few of its ~100 buckets move (a zone event
 * is one fill or one mark), so a snapshot whose buckets differ from the base's in at most a third
 * of them is stored as a delta: the whole document, its `buckets` only those new
 * or changed since the base, `deltaGone` the low edges of the base's buckets no longer there,
 * `deltaBase` the base's time (a check on the read). Anything else is stored whole and becomes
 * the coin's base. The base of a delta is the newest whole map of the coin stored before it
 * (the row with the highest id below its own): a store reads it back with `rebuildMap`, which
 * gives exactly the document the whole map would have held (test/store/map-delta.test.ts).
 */

/** The keys a delta adds to the document (a map that has them of its own is stored whole). */
const GONE = 'deltaGone';
const BASE = 'deltaBase';

export interface MapBase {
  readonly time: number;
  /** The base's bucket texts by their `lo` as written. */
  readonly byLo: Map<string, string>;
  /** The base's whole text (a delta record's `map` is rebuilt from it when something reads it). */
  readonly json: string;
}

/** What the recorder keeps per coin: the bucket texts of its previous map, and its base. */
export class CoinMaps {
  readonly texts = new BucketTexts();
  base: MapBase | null = null;
}

export interface EncodedMap {
  readonly text: string;
  /** `text` is a delta against `base`. */
  readonly base: MapBase | null;
}

/** `lo` texts strictly ascending as numbers: each bucket is found again by its `lo` on the read. */
function ascending(los: readonly string[]): boolean {
  let prev = Number.NEGATIVE_INFINITY;
  for (const l of los) {
    const x = Number(l);
    if (!(x > prev)) return false;
    prev = x;
  }
  return true;
}

/**
 * The coin's map at `time` as the store keeps it: a delta against `state.base` when it is small,
 * else whole (then the new base). `deltas` false: always whole (no base kept).
 */
export function encodeMap(view: HeatmapView, szd: number | null, time: number, state: CoinMaps, deltas = true): EncodedMap {
  const buckets = view.buckets;
  const head =
    deltas && (buckets.length === 0 || sameKeys(buckets[0] as object)) && !(GONE in view) && !(BASE in view) ? mapHead(view, szd) : null;
  if (head === null) {
    state.base = null;
    return { text: mapJsonText(view, szd, state.texts), base: null };
  }
  const { texts, los } = bucketTexts(buckets, state.texts);
  const base = state.base;
  const ordered = ascending(los);
  if (base !== null && ordered) {
    let changed = '';
    let n = 0;
    let matched = 0;
    for (let i = 0; i < texts.length; i++) {
      const was = base.byLo.get(los[i] as string);
      if (was !== undefined) matched++;
      if (was !== texts[i]) changed += n++ > 0 ? `,${texts[i]}` : texts[i];
    }
    const gone = base.byLo.size - matched;
    if (n + gone <= Math.floor(texts.length / 3)) {
      let goneText = '';
      if (gone > 0) {
        const now = new Set(los);
        for (const lo of base.byLo.keys()) if (!now.has(lo)) goneText += goneText === '' ? lo : `,${lo}`;
      }
      // The document's closing brace goes after the two delta keys.
      const rest = head.after.slice(0, -1);
      return { text: `${head.before}[${changed}]${rest},"${GONE}":[${goneText}],"${BASE}":${base.time}}`, base };
    }
  }
  const text = `${head.before}[${texts.join(',')}]${head.after}`;
  state.base = ordered ? { time, byLo: new Map(los.map((l, i) => [l, texts[i] as string])), json: text } : null;
  return { text, base: null };
}

type Doc = Record<string, unknown>;
type Bucket = { readonly lo: number };

/**
 * The whole map from a delta and its base (both parsed): the base's buckets less those gone or
 * changed, with the delta's, in ascending `lo` (the engine's order); every other key as the
 * delta has it, in its order. `what` names the snapshot in the error when the base is not the one
 * the delta was made against.
 */
export function rebuildMap(base: Doc | null, baseTime: number | null, delta: Doc, what: string): Doc {
  if (base === null || baseTime !== delta[BASE]) {
    throw new StoreError(
      `${what}: stored as changes against the map of ${String(delta[BASE])}, and the store's whole map before it is ${baseTime === null ? 'missing' : `of ${baseTime}`}`,
    );
  }
  const changed = delta['buckets'] as Bucket[];
  const drop = new Set<number>(delta[GONE] as number[]);
  for (const b of changed) drop.add(b.lo);
  const buckets: Bucket[] = [];
  for (const b of base['buckets'] as Bucket[]) if (!drop.has(b.lo)) buckets.push(b);
  for (const b of changed) buckets.push(b);
  buckets.sort((a, b) => a.lo - b.lo);
  const out: Doc = { ...delta, buckets };
  delete out[GONE];
  delete out[BASE];
  return out;
}
