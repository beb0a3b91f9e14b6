import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { recordLine } from '../../src/recording/format.ts';
import { documentMessage, parseRecordLine, scanRecordLine } from '../../src/recording/reader.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { DecodeError, parseDecimal } from '../../src/venues/decode.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { DECLINE, JsonScanner } from '../../src/venues/json-scan.ts';
import { readFixture } from '../helpers/fixtures.ts';

type Result = { readonly events: MarketEvent[] } | { readonly error: string };

/** The general path: the line parsed whole, the message through the field guards. */
function general(n: HyperliquidNormalizer, line: string): Result {
  const item = parseRecordLine(line, 1);
  if (item === null) return { error: 'empty' };
  if (item instanceof RecordError) return { error: item.reason };
  const events: MarketEvent[] = [];
  try {
    n.normalize(item.msg, item.ts, (e) => events.push(e));
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.message };
    throw e;
  }
  return { events };
}

/** The scanned path, or null when the scanner declined (the pipeline then takes the general path). */
function scanned(n: HyperliquidNormalizer, line: string): MarketEvent[] | null {
  // In place inside a longer chunk, as the reader hands it over: lines before and after.
  const head = '{"ts":1,"venue":"hyperliquid","msg":{"channel":"pong"}}\n';
  const bytes = Buffer.from(`${head}${line}\n{"x":"\\"}"}`, 'utf8');
  const from = Buffer.byteLength(head);
  const item = scanRecordLine(bytes, from, from + Buffer.byteLength(line), 1);
  if (item === null) return null;
  const events: MarketEvent[] = [];
  return n.normalizeBytes(item.bytes, item.msgFrom, item.msgTo, item.ts, (e) => events.push(e)) === null ? null : events;
}

/** Feeds two normalizers the same lines, one the way the pipeline does, and compares every line. */
function compareStream(lines: readonly string[]): { scanned: number; declined: number } {
  const a = new HyperliquidNormalizer();
  const b = new HyperliquidNormalizer();
  let n = 0;
  let declined = 0;
  lines.forEach((line, i) => {
    const want = general(a, line);
    const got = scanned(b, line);
    if (got === null) {
      if (scanRecordLine(Buffer.from(line), 0, Buffer.byteLength(line), 1) !== null) declined++;
      general(b, line);
      return;
    }
    n++;
    assert.ok('events' in want, `line ${i + 1}: scanned, but the general path says ${'error' in want ? want.error : ''}`);
    assert.deepStrictEqual(got, want.events, `line ${i + 1}`);
  });
  return { scanned: n, declined };
}

function simLines(): string[] {
  const lines: string[] = [];
  new Simulator({ wallets: 600, hours: 3, seed: 5 }, (ts, msg) => {
    lines.push(recordLine(ts, 'hyperliquid', msg).trimEnd());
  }).run();
  return lines;
}

const SIM = simLines();

function fixtureLines(): string[] {
  const out: string[] = [];
  for (const f of ['cross-2026-10', 'isolated-2024-02-22', '45positions-2026-10', '2023-03-27']) {
    // As the reader takes a saved response: the wrapper as it is, a bare body given its request.
    const doc = documentMessage(readFixture(`hyperliquid/clearinghouseState-${f}.json`));
    out.push(recordLine(1, 'hyperliquid', doc.msg).trimEnd());
  }
  const trades = readFixture('hyperliquid-ws/trades_BTC_with_users.json');
  out.push(
    recordLine(2, 'hyperliquid', {
      channel: 'subscriptionResponse',
      data: { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } },
    }).trimEnd(),
  );
  out.push(recordLine(3, 'hyperliquid', { channel: 'trades', data: trades }).trimEnd());
  out.push(recordLine(4, 'hyperliquid', { channel: 'trades', data: trades }).trimEnd());
  // The /info answers as the WebSocket frames that carry the same bodies (spot "@n" mids included).
  const mids = (readFixture('hyperliquid/allMids.json') as { response: Record<string, string> }).response;
  out.push(recordLine(5, 'hyperliquid', { channel: 'allMids', data: { mids: { ...mids, '@107': '12.5', 'PURR/USDC': '0.2' } } }).trimEnd());
  const book = (readFixture('hyperliquid/l2Book.json') as { response: unknown }).response;
  out.push(recordLine(6, 'hyperliquid', { channel: 'l2Book', data: book }).trimEnd());
  return out;
}

const CHANNELS = [
  '"channel":"trades"',
  '"channel":"allMids"',
  '"channel":"activeAssetCtx"',
  '"channel":"l2Book"',
  '"type":"clearinghouseState"',
];

test('scanned frames and account snapshots equal the general path on a simulated recording, none declined', () => {
  const r = compareStream(SIM);
  assert.equal(r.declined, 0);
  for (const c of CHANNELS) assert.ok(SIM.filter((l) => l.includes(c)).length > 10, c);
  // The simulator's few userFills frames (its liquidations) are scanned too: test/venues/scan-fills.test.ts.
  const kinds = SIM.filter((l) => [...CHANNELS, '"channel":"userFills"'].some((c) => l.includes(c))).length;
  assert.equal(r.scanned, kinds);
});

test('the real fixtures scan to the general path’s events: every snapshot (wrapper keys, funding totals), the post-subscribe history batch', () => {
  const lines = fixtureLines();
  const r = compareStream(lines);
  assert.equal(r.declined, 0);
  assert.equal(r.scanned, 8);
  // The first trades frame after the subscription is history; the second is news.
  const n = new HyperliquidNormalizer();
  const flags = lines.map((l) => (scanned(n, l) ?? general(n, l)) as MarketEvent[] | Result);
  const batch = (i: number) => (flags[i] as MarketEvent[]).map((e) => e.type === 'trade' && e.isSnapshot);
  assert.ok(batch(5).every((x) => x));
  assert.ok(batch(6).every((x) => !x));
});

const scannable = [
  ...SIM.filter((l) => l.includes('"channel":"trades"')).slice(0, 20),
  ...SIM.filter((l) => l.includes('"type":"clearinghouseState"') && l.includes('"assetPositions":[{')).slice(0, 20),
  ...fixtureLines(),
];

test('a corrupted line is scanned to the same events as the general path gives, or declined; never accepted where the general path refuses', () => {
  const chars = [
    '"',
    '\\',
    '\u0001',
    '\t',
    ' ',
    ',',
    ':',
    '{',
    '}',
    '[',
    ']',
    '0',
    '5',
    '-',
    '.',
    'e',
    'x',
    'A',
    'n',
    'null',
    'true',
    '"B"',
    '1e3',
    '\\"',
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...scannable),
      fc.array(fc.record({ at: fc.nat(), drop: fc.nat({ max: 3 }), put: fc.constantFrom(...chars, '') }), { minLength: 1, maxLength: 3 }),
      (base, edits) => {
        let line = base;
        for (const e of edits) {
          const at = e.at % line.length;
          line = line.slice(0, at) + e.put + line.slice(at + e.drop);
        }
        const got = scanned(new HyperliquidNormalizer(), line);
        if (got === null) return;
        const want = general(new HyperliquidNormalizer(), line);
        assert.ok('events' in want, `accepted ${line.slice(0, 200)} but: ${'error' in want ? want.error : ''}`);
        assert.deepStrictEqual(got, want.events);
      },
    ),
    { numRuns: 3000, seed: 42 },
  );
});

test('keys in any order: the scanner reads them (a frame always) or declines, and agrees with the general path', () => {
  const shuffle = (v: unknown, rnd: () => number): unknown => {
    if (Array.isArray(v)) return v.map((x) => shuffle(x, rnd));
    if (typeof v !== 'object' || v === null) return v;
    const entries = Object.entries(v).map(([k, x]) => [k, shuffle(x, rnd)] as const);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [entries[i], entries[j]] = [entries[j] as (typeof entries)[number], entries[i] as (typeof entries)[number]];
    }
    return Object.fromEntries(entries);
  };
  let trades = 0;
  let tradesScanned = 0;
  fc.assert(
    fc.property(fc.constantFrom(...scannable), fc.integer({ min: 1, max: 2 ** 30 }), (base, seed) => {
      let x = seed;
      const rnd = () => {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        return x / 0x80000000;
      };
      const env = JSON.parse(base) as { ts: number; msg: Record<string, unknown> };
      const [first, ...rest] = Object.entries(env.msg);
      const msg = Object.fromEntries([
        first as [string, unknown],
        ...(Object.entries(shuffle(Object.fromEntries(rest), rnd) as object) as [string, unknown][]),
      ]);
      if (first?.[0] === 'request') msg['request'] = shuffle(msg['request'], rnd);
      const line = recordLine(env.ts, 'hyperliquid', msg).trimEnd();
      const got = scanned(new HyperliquidNormalizer(), line);
      const isTrades = first?.[0] === 'channel' && first[1] !== 'subscriptionResponse';
      if (isTrades) trades++;
      if (got === null) return;
      if (isTrades) tradesScanned++;
      const want = general(new HyperliquidNormalizer(), line);
      assert.ok('events' in want);
      assert.deepStrictEqual(got, want.events);
    }),
    { numRuns: 300, seed: 7 },
  );
  assert.ok(trades > 50);
  assert.equal(tradesScanned, trades);
});

function scanDec(s: string): number | typeof DECLINE {
  const j = new JsonScanner();
  const text = Buffer.from(`"${s}",`, 'utf8');
  j.reset(text, 0, text.length);
  try {
    const v = j.dec();
    return j.p === text.length - 1 ? v : DECLINE;
  } catch (e) {
    if (e === DECLINE) return DECLINE;
    throw e;
  }
}

test('decimal strings scan to exactly the double parseDecimal gives, or decline where it refuses', () => {
  const cases = [
    '84133.0',
    '-0.00785',
    '0',
    '-0',
    '-0.0',
    '.5',
    '5.',
    '-.5',
    '00012',
    '1e5',
    '1E-3',
    '0x1f',
    '0b11',
    '1.2.3',
    '-',
    '.',
    '',
    ' 1',
    '1 ',
    'Infinity',
    '-Infinity',
    'NaN',
    '123456789012345678',
    '3155203.7660619998',
    '0.1',
    '0.30000000000000004',
    '9007199254740993',
    '1_0',
  ];
  for (const s of cases) {
    const want = parseDecimal(s);
    const got = scanDec(s);
    if (want !== want) assert.equal(got, DECLINE, JSON.stringify(s));
    else assert.ok(Object.is(got, want), `${JSON.stringify(s)}: ${String(got)} vs ${want}`);
  }
  fc.assert(
    fc.property(fc.stringMatching(/^-?\d{0,19}(\.\d{0,19})?$/), (s) => {
      const want = parseDecimal(s);
      const got = scanDec(s);
      if (want !== want) assert.equal(got, DECLINE);
      else assert.ok(Object.is(got, want), `${s}: ${String(got)} vs ${want}`);
    }),
    { numRuns: 20_000, seed: 1 },
  );
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
      const s = String(d);
      const want = parseDecimal(s);
      const got = scanDec(s);
      if (want !== want) assert.equal(got, DECLINE);
      else assert.ok(Object.is(got, want), `${s}`);
    }),
    { numRuns: 20_000, seed: 2 },
  );
});

test('integers scan exactly up to 2^53; fractions, exponents, leading zeros and larger values decline', () => {
  const scanInt = (s: string): number | typeof DECLINE => {
    const j = new JsonScanner();
    const text = Buffer.from(`${s},`, 'utf8');
    j.reset(text, 0, text.length);
    try {
      return j.int();
    } catch (e) {
      if (e === DECLINE) return DECLINE;
      throw e;
    }
  };
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      assert.ok(Object.is(scanInt(JSON.stringify(n)), n));
    }),
    { numRuns: 20_000, seed: 3 },
  );
  for (const s of ['1.5', '1e3', '01', '-', '9007199254740993', '12345678901234567', '']) assert.equal(scanInt(s), DECLINE, s);
  assert.ok(Object.is(scanInt('-0'), -0));
});

test('duplicate keys, index-like coin names, non-ASCII text: scanned the way JSON.parse reads them, or declined', () => {
  const env = (msg: string) => `{"ts":5,"venue":"hyperliquid","msg":${msg}}`;
  const lines = [
    env('{"channel":"allMids","data":{"mids":{"BTC":"1.5","ETH":"2.5","BTC":"3.5"}}}'),
    env('{"channel":"allMids","data":{"mids":{"BTC":"1.5","7":"2.5"}}}'),
    env('{"channel":"allMids","data":{"mids":{"BTC":"1.5"},"mids":{"ETH":"2.5"}}}'),
    env('{"channel":"trades","data":[],"data":[]}'),
    env('{"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"markPx":"1.0","funding":"0.1"},"ctx":{"markPx":"2.0","funding":"0.2"}}}'),
    env('{"channel":"l2Book","data":{"coin":"BTC","levels":[[{"px":"1","sz":"2"}],[]],"levels":[[],[{"px":"3","sz":"4"}]]}}'),
    env(
      '{"request":{"type":"clearinghouseState","user":"0x1111111111111111111111111111111111111111"},"response":{"marginSummary":{"accountValue":"1"},"crossMarginSummary":{"accountValue":"1"},"assetPositions":[],"marginSummary":{"accountValue":"2"}}}',
    ),
    env(
      '{"channel":"trades","data":[{"coin":"ΜΕΜΕ","side":"B","px":"1.5","sz":"2","time":5,"hash":"0xé","tid":7,"users":["0x1111111111111111111111111111111111111111","0x2222222222222222222222222222222222222222"],"nöte":"ü"}]}',
    ),
    env('{"channel":"allMids","data":{"mids":{"BTC":"１２"}}}'),
  ];
  let accepted = 0;
  for (const line of lines) {
    const want = general(new HyperliquidNormalizer(), line);
    const got = scanned(new HyperliquidNormalizer(), line);
    if (got === null) continue;
    accepted++;
    assert.ok('events' in want, line);
    assert.deepStrictEqual(got, want.events, line);
  }
  // Three keep the last value, as JSON.parse does; the Greek coin is read like any other; the
  // full-width digits are no decimal (the general path says so).
  assert.equal(accepted, 4);
});
