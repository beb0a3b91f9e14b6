import { roundPlain, roundRatio, roundUsd, tidy } from '../domain/format.ts';
import { mapDoc, mapJson } from '../engine/heatmap/document.ts';
import type { HeatmapView } from '../engine/heatmap/engine.ts';

// The rounding `tidy` gives a bucket's numbers (format.ts's rules): lo/hi plain, the rest USD.
const PLAIN = 0;
const USD = 1;

/** A number as `JSON.stringify(tidy(…))` writes it under a plain or a USD key. */
function num(x: number, kind: number): string {
  if (!Number.isFinite(x)) return 'null';
  if (kind === USD) return usd(x);
  // roundPlain, inlined: integers as they are, the rest to 8 significant digits.
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8)));
}

/**
 * `String(roundUsd(x))` for a finite x, from whole cents without the float-to-text conversion:
 * below 1e13 dollars two values a cent apart are distinct doubles, so the shortest text of
 * cents / 100 is the cents written with at most two decimals (trailing zeros dropped).
 */
function usd(x: number): string {
  const c = Math.round(Math.abs(x) * 100);
  if (c === 0) return '0';
  if (!(c < 1e15)) {
    // Past 1e13 dollars, the rounding itself (and near the largest doubles, its overflow: null).
    const r = roundUsd(x);
    return Number.isFinite(r) ? String(r) : 'null';
  }
  const whole = Math.floor(c / 100);
  const r = c - whole * 100;
  const sign = x < 0 ? '-' : '';
  if (r === 0) return `${sign}${whole}`;
  if (r % 10 === 0) return `${sign}${whole}.${r / 10}`;
  return `${sign}${whole}.${r < 10 ? '0' : ''}${r}`;
}

/** The bucket fields, in the order the engine builds them; `lo`/`hi` are plain numbers, the rest USD. */
const BUCKET_KEYS = ['lo', 'hi', 'longLiqUsd', 'shortLiqUsd', 'longEstimatedUsd', 'shortEstimatedUsd'] as const;

export function sameKeys(b: object): boolean {
  const k = Object.keys(b);
  return k.length === BUCKET_KEYS.length && k.every((x, i) => x === BUCKET_KEYS[i]);
}

/**
 * A coin's bucket texts from its previous map, by the bucket's low edge: most buckets do not
 * change between two snapshots of a coin (a zone event moves a few), and a bucket whose six
 * figures are what they were is written as it was, without formatting its numbers again.
 */
export class BucketTexts {
  readonly byLo = new Map<number, { readonly f: Float64Array; readonly lo: string; readonly text: string }>();
}

/** Each bucket's text and its `lo` as written (the buckets must have the engine's six fields: sameKeys). */
export function bucketTexts(
  buckets: HeatmapView['buckets'],
  cache: BucketTexts | undefined,
): { readonly texts: string[]; readonly los: string[] } {
  const texts: string[] = new Array(buckets.length);
  const los: string[] = new Array(buckets.length);
  const seen = cache?.byLo;
  // A rebucketed coin leaves texts under edges no longer used: start over when they pile up.
  if (seen !== undefined && seen.size > 2 * buckets.length + 64) seen.clear();
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as HeatmapView['buckets'][number];
    const was = seen?.get(b.lo);
    if (was !== undefined) {
      const f = was.f;
      if (f[1] === b.hi && f[2] === b.longLiqUsd && f[3] === b.shortLiqUsd && f[4] === b.longEstimatedUsd && f[5] === b.shortEstimatedUsd) {
        texts[i] = was.text;
        los[i] = was.lo;
        continue;
      }
    }
    const lo = num(b.lo, PLAIN);
    const text =
      `{"lo":${lo},"hi":${num(b.hi, PLAIN)},"longLiqUsd":${num(b.longLiqUsd, USD)}` +
      `,"shortLiqUsd":${num(b.shortLiqUsd, USD)},"longEstimatedUsd":${num(b.longEstimatedUsd, USD)}` +
      `,"shortEstimatedUsd":${num(b.shortEstimatedUsd, USD)}}`;
    seen?.set(b.lo, {
      f: Float64Array.of(b.lo, b.hi, b.longLiqUsd, b.shortLiqUsd, b.longEstimatedUsd, b.shortEstimatedUsd),
      lo,
      text,
    });
    texts[i] = text;
    los[i] = lo;
  }
  return { texts, los };
}

// tidy's key classes (format.ts): the rounding a number gets from the key it is under.
const USD_KEY = /(?:Usd|USD)$|^usd$/;
const PROBABILITY_KEY = /(?:^p|P)robability$/;
const RATIO = 2;
const keyKinds = new Map<string, number>();

function kindOf(key: string): number {
  let k = keyKinds.get(key);
  if (k === undefined) {
    k = USD_KEY.test(key) ? USD : PROBABILITY_KEY.test(key) ? RATIO : PLAIN;
    // Keys are the documents' field names: a few dozen. Anything else is not kept.
    if (keyKinds.size < 1024) keyKinds.set(key, k);
  }
  return k;
}

/**
 * `JSON.stringify(tidy(v))` (format.ts), with tidy's rounding told by a key's class looked up
 * once per key name instead of two regular expressions per number: a map's zones, largest bucket
 * and estimates are a few hundred numbers, and their tidy was most of a stored map's cost once
 * its buckets were written by `bucketTexts`. test/store/map-json.test.ts compares the two on
 * arbitrary values.
 */
export function tidyJson(v: unknown): string | undefined {
  return JSON.stringify(tidyCopy(v, ''));
}

function tidyCopy(v: unknown, key: string): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    const k = kindOf(key);
    return k === USD ? roundUsd(v) : k === RATIO ? roundRatio(v) : roundPlain(v);
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = tidyCopy(v[i], key);
    return out;
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => tidyCopy(x, key));
  // What tidy's own copy would treat unlike a plain field (`__proto__` sets the copy's prototype): tidy's path.
  if (Object.hasOwn(v, '__proto__')) return tidy(v);
  const out: Record<string, unknown> = {};
  for (const k in v) if (Object.hasOwn(v, k)) out[k] = tidyCopy((v as Record<string, unknown>)[k], k);
  return out;
}

/**
 * The document of `mapJson(view, szd)` without its buckets, split where they go: `before` ends
 * with `"buckets":`, `after` starts past the bucket list. Null when the document has no bucket list.
 */
export function mapHead(view: HeatmapView, szd: number | null): { readonly before: string; readonly after: string } | null {
  const text = tidyJson(mapDoc({ ...view, buckets: [] }, szd)) ?? '';
  // The keys before `buckets` are coin (a string: its quotes escaped), time, markPx and bucketWidth.
  const at = text.indexOf('"buckets":[]');
  return at < 0 ? null : { before: text.slice(0, at + 10), after: text.slice(at + 12) };
}

/**
 * `JSON.stringify(mapJson(view, szd))`, byte for byte, at a fraction of its cost: the recorder
 * writes a coin's map on every zone event and on a cadence (hundreds of maps of ~100 buckets an
 * hour), and the generic `tidy` (a key test per number, a copy of every object) was most of what
 * recording cost the engines' thread. The buckets (all but a few bytes of the document) are
 * written by a loop that knows their fields, with tidy's own rounding, and a bucket unchanged
 * since the coin's previous map (`cache`) is not written again; the rest (coin, mark, zones)
 * goes through mapJson as before. Buckets of another shape (the engine changed) take the generic
 * path, so the output never differs (test/store/recorder.test.ts compares the two).
 */
export function mapJsonText(view: HeatmapView, szd: number | null, cache?: BucketTexts): string {
  const buckets = view.buckets;
  if (buckets.length > 0 && !sameKeys(buckets[0] as object)) return JSON.stringify(mapJson(view, szd));
  const head = mapHead(view, szd);
  if (head === null) return JSON.stringify(mapJson(view, szd));
  return `${head.before}[${bucketTexts(buckets, cache).texts.join(',')}]${head.after}`;
}
