import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { HeatmapView, PackedHeatmapView } from '../../src/engine/heatmap/engine.ts';
import { flatRows, packColumns, packedJson, unflatRows, unpackView } from '../../src/store/map-encoder.ts';
import { mapJsonText } from '../../src/store/map-json.ts';

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Infinity, null, undefined, true, false, ''),
  fc.string(),
  fc.array(fc.record({ px: fc.double(), usd: fc.double() }), { maxLength: 3 }),
);
const key = fc.oneof(
  fc.constantFrom('id', 'side', 'lo', 'hi', 'notionalUsd', 'probability', 'chain', '0', '10', 'constructor'),
  fc.string(),
);

/** A structured clone, as postMessage makes it. */
function cloned<T>(x: T): T {
  return structuredClone(x);
}

test('rows of one shape flatten and come back as the same objects, keys in the same order, across a structured clone', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(key, { maxLength: 16 }),
      fc.array(fc.array(value, { minLength: 16, maxLength: 16 }), { maxLength: 20 }),
      (keys, vals) => {
        const rows = vals.map((v) => {
          const o: Record<string, unknown> = {};
          if (keys.includes('__proto__')) return o;
          keys.forEach((k, i) => {
            o[k] = v[i];
          });
          return o;
        });
        // What the writer thread had before: the rows' own structured clone.
        const want = cloned(rows);
        const f = flatRows(rows);
        assert.equal(f === null, rows.length === 0 || keys.length === 0 || keys.includes('__proto__'));
        const back = f === null ? want : unflatRows(cloned(f));
        assert.deepEqual(back, want);
        back.forEach((o, i) => {
          assert.deepEqual(Object.keys(o), Object.keys(rows[i] as object));
        });
        assert.equal(JSON.stringify(back), JSON.stringify(rows));
      },
    ),
    { numRuns: 300 },
  );
});

test('rows of different shapes, or not plain objects, are left as they are', () => {
  assert.equal(flatRows([]), null);
  assert.equal(
    flatRows([
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ]),
    null,
    'same keys, other order',
  );
  assert.equal(flatRows([{ a: 1 }, { a: 1, b: 2 }]), null, 'a key more');
  assert.equal(flatRows([{ a: 1, b: 2 }, { a: 1 }]), null, 'a key less');
  assert.equal(flatRows([{ a: 1 }, null]), null);
  assert.equal(flatRows([{ a: 1 }, [1]]), null);
  assert.equal(flatRows([new Map()]), null);
  assert.equal(flatRows([JSON.parse('{"__proto__": 1}')]), null);
  assert.deepEqual(flatRows([{ a: 1 }, { a: 2 }]), { keys: ['a'], values: [1, 2] });
});

const zone = fc
  .record({
    id: fc.string(),
    side: fc.constantFrom('LONG_LIQ', 'SHORT_LIQ'),
    lo: fc.double(),
    hi: fc.double(),
    notionalUsd: fc.double(),
    distancePct: fc.double(),
    costToReachUsd: fc.option(fc.double()),
    chain: fc.array(fc.record({ zoneId: fc.string(), usd: fc.double() }), { maxLength: 2 }),
    probability: fc.double(),
  })
  .map((z) => ({ ...z, chain: z.chain.map((c) => ({ ...c })) }));

test('a packed view comes back (after the hand-over’s clone) as the view, and its stored text is the view’s', () => {
  fc.assert(
    fc.property(
      fc.array(zone, { maxLength: 20 }),
      fc.array(fc.double(), { maxLength: 60 }),
      fc.double(),
      fc.option(fc.nat(5)),
      (zones, nums, markPx, szd) => {
        const cols = Float64Array.from(nums.slice(0, nums.length - (nums.length % 6)));
        const buckets: HeatmapView['buckets'] = [];
        for (let i = 0; i < cols.length; i += 6) {
          const [lo, hi, longLiqUsd, shortLiqUsd, longEstimatedUsd, shortEstimatedUsd] = cols.subarray(i, i + 6) as unknown as number[];
          buckets.push({
            lo: lo as number,
            hi: hi as number,
            longLiqUsd: longLiqUsd as number,
            shortLiqUsd: shortLiqUsd as number,
            longEstimatedUsd: longEstimatedUsd as number,
            shortEstimatedUsd: shortEstimatedUsd as number,
          });
        }
        const head = {
          coin: 'BTC',
          time: 1,
          markPx,
          bucketWidth: 2,
          buckets: null,
          zones,
          largest: null,
          estimates: { leverage: null, medianErrorAtLiquidation: null, graded: 0 },
        } as unknown as PackedHeatmapView;
        const view = { ...head, buckets } as unknown as HeatmapView;
        const p = packColumns(head, cols, szd, 1, true, false);
        assert.equal(p.zones === undefined, zones.length === 0, 'zones of one shape are flattened');
        const back = unpackView(cloned(p));
        assert.deepEqual(back, view);
        assert.deepEqual(Object.keys(back), Object.keys(view));
        assert.equal(packedJson(cloned(p)), mapJsonText(view, szd));
      },
    ),
    { numRuns: 200 },
  );
});
