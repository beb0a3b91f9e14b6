import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { tidy } from '../../src/domain/format.ts';
import type { Wallet } from '../../src/domain/ids.ts';
import { COMPONENTS } from '../../src/engine/score/universe.ts';
import { tidyJson } from '../../src/store/map-json.ts';
import { ScoreRows } from '../../src/store/score-rows.ts';
import { packScores, unpackScores, WalletNames, WalletNumbers } from '../../src/store/sqlite-write.ts';
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

  test('the recorder’s score rows (numbers in shared chunks) read and cross as the records they stand for', () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(0, -0, Number.NaN, Infinity, 0.1 + 0.2));
    const made = fc.record({
      wallet: fc.string(),
      time: fc.oneof(fc.integer(), fc.constant(Number.NEGATIVE_INFINITY)),
      // score, confidence, trades, then the components in COMPONENTS order (what peekInto fills)
      v: fc.array(num, { minLength: 3 + COMPONENTS.length, maxLength: 3 + COMPONENTS.length }),
    });
    fc.assert(
      fc.property(fc.array(made, { maxLength: 200 }), fc.nat(200), (ms, cut) => {
        const rows = new ScoreRows();
        const v = new Float64Array(3 + COMPONENTS.length);
        const made = ms.map((m) => {
          v.set(m.v);
          return rows.make(m.wallet as Wallet, m.time, v);
        });
        // What the recorder made before: a plain record, its components keyed in COMPONENTS order.
        const plain = ms.map((m): ScoreRecord => {
          const components: Record<string, number> = {};
          COMPONENTS.forEach((c, i) => {
            components[c] = m.v[3 + i] as number;
          });
          const [score, confidence, trades] = m.v as [number, number, number];
          return {
            wallet: m.wallet as Wallet,
            time: m.time,
            score,
            confidence,
            trades,
            components,
            componentsJson: JSON.stringify(components),
          };
        });
        // Each record reads as the plain one (its numbers never overwritten by later ones).
        assert.deepEqual(
          made.map((r) => ({ ...plainOf(r) })),
          plain,
        );
        // A batch crosses as numbers (the writer writes the components' text) and comes back as
        // the plain records' rows, a batch of the recorder's rows and one mixed with a plain record alike.
        const want = plain.map((s) => [s.wallet, s.time, s.score, s.confidence, s.trades, s.componentsJson]);
        const p = packScores(made);
        assert.equal(p.numeric, true);
        assert.deepEqual(unpackScores(p), want);
        const mixed = [...made.slice(0, cut), ...plain.slice(cut, cut + 1), ...made.slice(cut + 1)];
        assert.deepEqual(unpackScores(packScores(mixed)), want);
      }),
      { numRuns: 100 },
    );
  });
});

test('score rows past a chunk (a cadence’s sweep makes thousands) keep their own numbers', () => {
  const rows = new ScoreRows();
  const v = new Float64Array(3 + COMPONENTS.length);
  const made = Array.from({ length: 5000 }, (_, i) => {
    v.fill(i);
    return rows.make(`w${i}` as Wallet, i, v);
  });
  made.forEach((r, i) => {
    assert.deepEqual(
      [r.wallet, r.time, r.score, r.confidence, r.trades, ...Object.values(r.components)],
      [`w${i}`, ...new Array(8).fill(i)],
    );
  });
  assert.deepEqual(
    unpackScores(packScores(made)).map((r) => r[1]),
    made.map((_, i) => i),
  );
  // Packed in any order (runs of consecutive records broken anywhere), each row keeps its own numbers.
  const order = [...made.keys()].filter((i) => i % 3 !== 1).reverse();
  order.splice(100, 0, ...[...made.keys()].filter((i) => i % 3 === 1));
  assert.deepEqual(
    unpackScores(packScores(order.map((i) => made[i] as (typeof made)[number]))).map((r) => r.slice(0, 5)),
    order.map((i) => [`w${i}`, i, i, i, i]),
  );
});

/** A record's fields read through its getters. */
function plainOf(r: ScoreRecord): ScoreRecord {
  const { wallet, time, score, confidence, trades, components, componentsJson } = r;
  return { wallet, time, score, confidence, trades, components, componentsJson };
}

test('wallet numbers: each address crosses to the writer thread once, then as its number; a batch not sent is forgotten', () => {
  const rows = new ScoreRows();
  const v = new Float64Array(3 + COMPONENTS.length);
  const rec = (w: string, t: number) => rows.make(w as Wallet, t, v);
  const numbers = new WalletNumbers();
  const names = new WalletNames();
  const a = packScores([rec('0xa', 1), rec('0xb', 1), rec('0xa', 2)], numbers);
  assert.deepEqual([a.fresh, a.firstFresh, [...a.wallets]], [['0xa', '0xb'], 0, [0, 1, 0]]);
  names.learn(a);
  const b = packScores([rec('0xb', 3), rec('0xc', 3)], numbers);
  assert.deepEqual([b.fresh, b.firstFresh, [...b.wallets]], [['0xc'], 2, [1, 2]]);
  // b never reaches the thread: its numbers are forgotten, the next batch numbers from where the thread is.
  numbers.truncate(2);
  const c = packScores([rec('0xd', 4), rec('0xc', 4), rec('0xa', 4)], numbers);
  assert.deepEqual([c.fresh, c.firstFresh, [...c.wallets]], [['0xd', '0xc'], 2, [2, 3, 0]]);
  names.learn(c);
  assert.deepEqual(
    unpackScores(c, names.of(c)).map((r) => [r[0], r[1]]),
    [
      ['0xd', 4],
      ['0xc', 4],
      ['0xa', 4],
    ],
  );
  // A batch numbered past what the thread knows is refused, not read with the wrong addresses.
  assert.throws(() => new WalletNames().learn(c), /out of step: the batch numbers from 2, 0 known/);
});
