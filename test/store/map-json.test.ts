import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { tidy } from '../../src/domain/format.ts';
import type { Wallet } from '../../src/domain/ids.ts';
import { tidyJson } from '../../src/store/map-json.ts';
import { packScores, unpackScores } from '../../src/store/sqlite-write.ts';
import type { ScoreRecord } from '../../src/store/types.ts';

/** Keys of every rounding class tidy knows (USD, probability, plain), and a few that look alike. */
const KEYS = [
  'notionalUsd',
  'usd',
  'USD',
  'costToReachUsd',
  'Usd',
  'probability',
  'Probability',
  'pProbability',
  'probabilityOf',
  'lo',
  'distancePct',
  'x',
  '',
  '0',
  '10',
  'toString',
];

const numbers = fc.oneof(
  fc.double(),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 0.005, -0.005, 1.005, 0.00005, 1e21, 1e-7, 123456.789, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numbers,
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    tie('array'),
    tie('object'),
    fc.float64Array({ maxLength: 4 }),
  ),
  array: fc.oneof(fc.array(tie('value'), { maxLength: 5 }), fc.sparseArray(tie('value'), { maxLength: 5 })),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('value'), { maxKeys: 6 }),
}));

describe('tidyJson: JSON.stringify(tidy(v)) without the copy', () => {
  test('the same text for arbitrary values under every rounding class of key', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.equal(tidyJson(v), JSON.stringify(tidy(v)));
      }),
      { numRuns: 3000 },
    );
  });

  test('a map head as the store writes it: zones, largest bucket, estimates', () => {
    const doc = {
      coin: 'BTC',
      time: 1_700_000_000_000,
      markPx: 95123.4,
      bucketWidth: 100,
      buckets: [],
      zones: [
        {
          id: 'BTC:LONG_LIQ:10',
          side: 'LONG_LIQ',
          lo: 92500,
          hi: 92900,
          peakPx: 92750.123456789,
          notionalUsd: 2046893.154999,
          wallets: 4,
          distancePct: -2.7492345761858825,
          costToReachUsd: null,
          chain: [{ notionalUsd: 1.005, probability: 0.123456789 }],
          depthStale: false,
          probability: 0.01518813909941974,
        },
      ],
      largest: {
        side: 'LONG_LIQ',
        lo: 92700,
        hi: 92800,
        notionalUsd: 1725226.024,
        zoneId: null,
        why: undefined,
        reason: 'a "quoted" \\ reason',
      },
      estimates: { leverage: { lo: 10, mid: 10, hi: 10, source: 'prior', n: 0 }, medianErrorAtLiquidation: Number.NaN, graded: 0 },
    };
    assert.equal(tidyJson(doc), JSON.stringify(tidy(doc)));
  });

  test('what tidy would copy unlike a field (`__proto__`, `toJSON`) is written as tidy writes it', () => {
    const own = JSON.parse('{"__proto__": {"notionalUsd": 1.234}, "a": 1}') as object;
    assert.equal(tidyJson(own), JSON.stringify(tidy(own)));
    const withToJson = { toJSON: () => 'x', notionalUsd: 1.234 };
    assert.equal(tidyJson({ inner: withToJson }), JSON.stringify(tidy({ inner: withToJson })));
  });
});

describe('packScores: a batch’s scores cross to the writer thread as columns', () => {
  test('the rows come back as encodeBatch makes them', () => {
    const record = fc.record({
      wallet: fc.string(),
      time: fc.oneof(fc.integer(), fc.constant(Number.NEGATIVE_INFINITY)),
      score: fc.double(),
      confidence: fc.double(),
      trades: fc.nat(),
      components: fc.dictionary(fc.string(), fc.double({ noNaN: true })),
      withJson: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (rs) => {
        const scores: ScoreRecord[] = rs.map(({ withJson, ...r }) => ({
          ...r,
          wallet: r.wallet as Wallet,
          ...(withJson ? { componentsJson: JSON.stringify(r.components) } : {}),
        }));
        const p = packScores(scores);
        assert.deepEqual(
          unpackScores(p),
          scores.map((s) => [s.wallet, s.time, s.score, s.confidence, s.trades, JSON.stringify(s.components)]),
        );
      }),
    );
  });
});
