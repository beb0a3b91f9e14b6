import { roundPlain, roundUsd } from '../domain/format.ts';
import { mapJson } from '../engine/heatmap/document.ts';
import type { HeatmapView } from '../engine/heatmap/engine.ts';

/** The bucket fields, in the order the engine builds them; `lo`/`hi` are plain numbers, the rest USD. */
const BUCKET_KEYS = ['lo', 'hi', 'longLiqUsd', 'shortLiqUsd', 'longEstimatedUsd', 'shortEstimatedUsd'] as const;

/** A tidied figure: NaN and ±∞ are null, as tidy has them. */
function fin(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function sameKeys(b: object): boolean {
  const k = Object.keys(b);
  return k.length === BUCKET_KEYS.length && k.every((x, i) => x === BUCKET_KEYS[i]);
}

/**
 * `JSON.stringify(mapJson(view, szd))`, byte for byte, at about half its cost: the recorder
 * writes a coin's map on every zone event and on a cadence (hundreds of maps of ~100 buckets an
 * hour), and the generic `tidy` (a key test per number, a copy of every object) was most of what
 * recording cost the engines' thread. The buckets (all but a few bytes of the document) are
 * tidied by a loop that knows their fields, with tidy's own rounding; the rest (coin, mark,
 * zones) goes through mapJson as before. A bucket of another shape (the engine changed) falls
 * back to the generic path, so the output never differs (test/store/recorder.test.ts).
 */
export function mapJsonText(view: HeatmapView, szd: number | null): string {
  const buckets = view.buckets;
  if (buckets.length > 0 && !sameKeys(buckets[0] as object)) return JSON.stringify(mapJson(view, szd));
  const doc = mapJson({ ...view, buckets: [] }, szd) as Record<string, unknown>;
  if (!Array.isArray(doc['buckets'])) return JSON.stringify(mapJson(view, szd));
  const out = new Array<Record<string, number | null>>(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as HeatmapView['buckets'][number];
    out[i] = {
      lo: fin(roundPlain(b.lo)),
      hi: fin(roundPlain(b.hi)),
      longLiqUsd: fin(roundUsd(b.longLiqUsd)),
      shortLiqUsd: fin(roundUsd(b.shortLiqUsd)),
      longEstimatedUsd: fin(roundUsd(b.longEstimatedUsd)),
      shortEstimatedUsd: fin(roundUsd(b.shortEstimatedUsd)),
    };
  }
  // Replacing the value keeps the key where mapJson put it.
  doc['buckets'] = out;
  return JSON.stringify(doc);
}
