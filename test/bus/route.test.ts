import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawOut } from '../../src/bus/nats/raw.ts';
import { ALL, routeOf, routeOfBytes } from '../../src/bus/nats/route.ts';
import { RecordError } from '../../src/recording/errors.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { glass } from '../helpers/cli.ts';
import { importRealExport } from '../helpers/real-export.ts';

/** Every line of a recording: the ingest's byte scan routes it as routeOf on the parsed message does. */
async function agree(file: string): Promise<{ lines: number; scanned: number; routes: Map<string, number> }> {
  let lines = 0;
  let scanned = 0;
  const routes = new Map<string, number>();
  for await (const batch of readRecordingBatches(file)) {
    for (const item of batch) {
      if (item instanceof RecordError) continue;
      lines++;
      const msg = 'bytes' in item ? JSON.parse(item.bytes.toString('utf8', item.msgFrom, item.msgTo)) : item.msg;
      const want = routeOf(msg);
      if ('bytes' in item && routeOfBytes(item.bytes, item.msgFrom, item.msgTo) !== null) scanned++;
      const got = rawOut(item, 'x').route;
      assert.equal(got, want, `line ${item.line}: routed ${got}, routeOf says ${want}`);
      routes.set(want, (routes.get(want) ?? 0) + 1);
    }
  }
  return { lines, scanned, routes };
}

test('routeOfBytes routes a simulated recording and the real 2023 export as routeOf does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'glass-route-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sim = join(dir, 'sim.ndjson');
  const r = glass('sim', '--hours', '1', '--wallets', '500', '--seed', '3', '--out', sim);
  assert.equal(r.code, 0, r.stderr);
  const a = await agree(sim);
  assert.ok(a.scanned > 0 && (a.routes.get('BTC') ?? 0) > 0 && (a.routes.get(ALL) ?? 0) > 0, JSON.stringify([...a.routes]));
  const b = await agree(importRealExport({ out: join(dir, 'real.ndjson'), marksEvery: 60 }));
  // The export is users' fills and marks: every line spans coins (the scan tells so without parsing).
  assert.ok(b.lines > 0 && b.scanned === b.lines, `${b.scanned} of ${b.lines}`);
  t.diagnostic(`sim: ${a.lines} lines (${a.scanned} by the byte scan); real: ${b.lines} lines, ${b.scanned} by the byte scan`);
});

test('routeOfBytes: one coin, mixed coins, other channels, escapes and loose JSON', () => {
  const r = (s: string) => routeOfBytes(Buffer.from(s), 0, Buffer.byteLength(s));
  assert.equal(r('{"channel":"trades","data":[{"coin":"BTC","px":"1"},{"coin":"BTC","px":"2"}]}'), 'BTC');
  assert.equal(r('{"channel":"trades","data":[{"coin":"BTC"},{"coin":"ETH"}]}'), ALL);
  assert.equal(r('{"channel":"l2Book","data":{"coin":"kPEPE","levels":[]}}'), 'kPEPE');
  assert.equal(r('{"channel":"allMids","data":{"mids":{"BTC":"1"}}}'), ALL);
  assert.equal(r('{"channel":"trades","data":[{"coin":"B\\u0054C"}]}'), null);
  assert.equal(r('{"channel": "trades", "data": [{"coin": "BTC"}]}'), null);
  assert.equal(r('{"channel":"trades","data":[]}'), null);
  assert.equal(routeOf(JSON.parse('{"channel":"trades","data":[{"coin":"B\\u0054C"}]}')), 'BTC');
});
