import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { recordLine } from '../../src/recording/format.ts';
import { parseNodeBlockLine, parseRecordLine, scanNodeLine, scanRecordLine } from '../../src/recording/reader.ts';
import { DecodeError } from '../../src/venues/decode.ts';
import { HyperliquidNormalizer } from '../../src/venues/hyperliquid/normalizer.ts';
import { readFixture } from '../helpers/fixtures.ts';

/**
 * `userFills` frames and a node's `node_fills_by_block` lines are decoded straight from their
 * bytes (scan-decode.ts) instead of `JSON.parse` and the field guards. The two paths must give the
 * same events and receive time, or the scanner must decline; never accept what the general path
 * refuses.
 */

type Result = { readonly ts: number; readonly events: MarketEvent[] } | { readonly error: string };

function general(line: string, node: boolean): Result {
  const item = node ? parseNodeBlockLine(line, 1) : parseRecordLine(line, 1);
  if (item === null) return { error: 'empty' };
  if (item instanceof RecordError) return { error: item.reason };
  const events: MarketEvent[] = [];
  try {
    new HyperliquidNormalizer().normalize(item.msg, item.ts, (e) => events.push(e));
  } catch (e) {
    if (e instanceof DecodeError) return { error: e.message };
    throw e;
  }
  return { ts: item.ts, events };
}

/** The scanned path, in place inside a longer chunk as the reader hands it over; null when declined. */
function scanned(line: string, node: boolean): { ts: number; events: MarketEvent[] } | null {
  const head = node ? '{"block_number":0,"events":[]}\n' : '{"ts":1,"venue":"hyperliquid","msg":{"channel":"pong"}}\n';
  const bytes = Buffer.from(`${head}${line}\n{"x":"\\"}"}`, 'utf8');
  const from = Buffer.byteLength(head);
  const to = from + Buffer.byteLength(line);
  const item = node ? scanNodeLine(bytes, from, to, 1) : scanRecordLine(bytes, from, to, 1);
  if (item === null) return null;
  const events: MarketEvent[] = [];
  const out = new HyperliquidNormalizer().normalizeBytes(item.bytes, item.msgFrom, item.msgTo, item.ts, (e) => events.push(e));
  return out === null ? null : { ts: item.ts, events };
}

function agree(line: string, node: boolean): 'scanned' | 'declined' {
  const got = scanned(line, node);
  if (got === null) return 'declined';
  const want = general(line, node);
  assert.ok('events' in want, `scanned, but the general path says ${'error' in want ? want.error : ''}: ${line.slice(0, 300)}`);
  assert.deepStrictEqual(got, want);
  return 'scanned';
}

interface WsFill {
  readonly coin: string;
  readonly time: number;
  readonly [k: string]: unknown;
}
const session = readFixture('hyperliquid-ws/ws_session_userFills.json') as { channel: string; data: unknown }[];
const real = readFixture('hyperliquid/userFills-2023.json') as { request: { user: string }; response: WsFill[] };
const USER = real.request.user;
const OTHER = '0x48314750d70312eddf7e6b6b7c2852773727839a';

/** The real 2023 fills as a node writes them: one block per millisecond, in execution order. */
function nodeLines(): string[] {
  const byTime = new Map<number, unknown[]>();
  for (const f of real.response.toSorted((a, b) => a.time - b.time)) byTime.set(f.time, [...(byTime.get(f.time) ?? []), [USER, f]]);
  let n = 1000;
  return [...byTime].map(([t, events]) =>
    JSON.stringify({
      local_time: new Date(t + 150).toISOString().replace('Z', ''),
      block_time: new Date(t).toISOString().replace('Z', ''),
      block_number: n++,
      events,
    }),
  );
}

/** Liquidation, spot and unlabelled fills, which the real captures lack, on a real fill's shape. */
function oddFills(): WsFill[] {
  const f = real.response[0] as WsFill;
  return [
    { ...f, liquidation: { liquidatedUser: USER, markPx: '1850.1', method: 'market' } },
    { ...f, liquidation: { liquidatedUser: OTHER, markPx: '1850.1', method: 'backstop' } },
    { ...f, liquidation: { markPx: '1850.1' } },
    { ...f, liquidation: null, dir: 'Settlement', closedPnl: null, fee: null, tid: null, oid: null, crossed: null },
    { ...f, coin: '@107' },
    { ...f, time: f.time - 5 },
  ];
}

/** A spot fill the general path passes over unread: the scanner, which reads first, declines its bad price. */
const SPOT_JUNK = { ...(real.response[0] as WsFill), coin: 'PURR/USDC', px: 'junk' };

function wsLines(): string[] {
  const frames = session.filter((m) => m.channel === 'userFills').map((m) => recordLine(7, 'hyperliquid', m).trimEnd());
  const fills = real.response.slice(0, 40);
  frames.push(recordLine(8, 'hyperliquid', { channel: 'userFills', data: { user: USER, fills } }).trimEnd());
  frames.push(recordLine(9, 'hyperliquid', { channel: 'userFills', data: { isSnapshot: true, user: USER, fills: oddFills() } }).trimEnd());
  for (const f of [...oddFills(), SPOT_JUNK]) {
    frames.push(recordLine(10, 'hyperliquid', { channel: 'userFills', data: { user: USER, fills: [f] } }).trimEnd());
  }
  return frames;
}

test('userFills frames (the real session, the 2023 fills, liquidations, spot, unsorted) scan to the general path’s events', () => {
  const lines = wsLines();
  const r = lines.map((l) => agree(l, false));
  assert.deepEqual(
    r.flatMap((x, i) => (x === 'declined' ? [i] : [])),
    [lines.length - 1],
  );
  assert.ok(general(lines.at(-1) as string, false));
  // The liquidation of the wallet itself is two events: the fill and the liquidation.
  const liq = scanned(lines.at(-7) as string, false);
  assert.deepEqual(
    liq?.events.map((e) => e.type),
    ['fill', 'liquidation'],
  );
});

test('node_fills_by_block lines scan to the general path’s events and receive time', () => {
  const lines = nodeLines();
  assert.ok(lines.length > 100);
  for (const l of lines) assert.equal(agree(l, true), 'scanned');
  // Liquidations and spot fills of other wallets in one block; block_number first, times as UTC with a zone.
  const f = real.response[0] as WsFill;
  const block = {
    block_number: 7,
    block_time: '2023-05-05T00:00:00.000Z',
    local_time: '2023-05-05T00:00:00.150+00:00',
    events: [...oddFills().map((x) => [USER, x]), [OTHER, f], [OTHER.toUpperCase().replace('0X', '0x'), f]],
  };
  assert.equal(agree(JSON.stringify(block), true), 'scanned');
});

test('node lines whose times follow the events, repeat, or are not strings: the general path reads them, with the same time', () => {
  const f = real.response[0] as WsFill;
  const variants = [
    `{"block_number":1,"events":[["${USER}",${JSON.stringify(f)}]],"local_time":"2023-05-05T00:00:01"}`,
    `{"local_time":"2023-05-05T00:00:01","local_time":"2023-05-05T00:00:02","block_number":1,"events":[]}`,
    `{"local_time":null,"block_time":"2023-05-05T00:00:03","block_number":1,"events":[]}`,
    `{"local_time":"2023-05-05T00:00:04","block_number":1,"events":[],"block_time":"2023-05-05T00:00:05"}`,
    `{"local_time":"2023-05-05T00:00:04","block_number":1,"events":[],"channel":"trades"}`,
    `{"local_time":"2023-05-05T00:00:04","events":[]}`,
  ];
  for (const v of variants) {
    // Declined or agreeing, never a different time or different events.
    agree(v, true);
  }
  assert.equal(scanned(variants[0] as string, true), null);
  assert.equal(scanned(variants[1] as string, true), null);
  assert.equal(scanned(variants[3] as string, true), null);
  assert.deepEqual(scanned(variants[2] as string, true)?.ts, Date.parse('2023-05-05T00:00:03Z'));
});

const chars = [
  '"',
  '\\',
  '\u0001',
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
  'null',
  'true',
  '"B"',
  '1e3',
  '\\"',
];

for (const node of [false, true]) {
  test(`a corrupted ${node ? 'node block' : 'userFills frame'} is scanned to the general path’s events or declined, never accepted where it refuses`, () => {
    const base = node ? nodeLines().slice(0, 30) : wsLines();
    fc.assert(
      fc.property(
        fc.constantFrom(...base),
        fc.array(fc.record({ at: fc.nat(), drop: fc.nat({ max: 3 }), put: fc.constantFrom(...chars, '') }), {
          minLength: 1,
          maxLength: 3,
        }),
        (line0, edits) => {
          let line = line0;
          for (const e of edits) {
            const at = e.at % line.length;
            line = line.slice(0, at) + e.put + line.slice(at + e.drop);
          }
          agree(line, node);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
  });
}

test('fill keys in any order, twice, or missing: scanned the way JSON.parse and the guards read them, or declined', () => {
  const f = real.response[1] as WsFill;
  const keys = Object.keys(f);
  fc.assert(
    fc.property(
      fc.shuffledSubarray(keys, { minLength: keys.length - 2, maxLength: keys.length }),
      fc.option(fc.constantFrom(...keys)),
      fc.boolean(),
      (order, twice, node) => {
        const body = order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(f[k])}`);
        if (twice !== null) body.push(`${JSON.stringify(twice)}:${JSON.stringify(f[keys[0] as string])}`);
        const fill = `{${body.join(',')}}`;
        const line = node
          ? `{"local_time":"2023-05-05T00:00:01","block_number":1,"events":[["${USER}",${fill}]]}`
          : `{"ts":5,"venue":"hyperliquid","msg":{"channel":"userFills","data":{"user":"${USER}","fills":[${fill}]}}}`;
        agree(line, node);
      },
    ),
    { numRuns: 1500, seed: 11 },
  );
});
