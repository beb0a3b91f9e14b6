import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UNNAMED_ACCOUNT } from '../../src/recording/document.ts';
import { InputError, RecordError } from '../../src/recording/errors.ts';
import { recordLine } from '../../src/recording/format.ts';
import { parsedLine, type ReadItem, readRecording } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-rec-'));

async function readAll(path: string): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const x of readRecording(path)) out.push(x);
  return out;
}

function sampleMessages(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({ channel: 'allMids', data: { mids: { BTC: `${90000 + i}.5` } } }));
}

for (const ext of ['.ndjson', '.ndjson.gz']) {
  test(`writer and reader round-trip ${ext} across many flush batches`, async () => {
    const path = join(dir, `rt${ext}`);
    const w = new RecordingWriter(path);
    const msgs = sampleMessages(30_000);
    msgs.forEach((m, i) => {
      w.write(1000 + i, 'hyperliquid', m);
    });
    w.close();
    const items = await readAll(path);
    assert.equal(items.length, msgs.length);
    items.forEach((read, i) => {
      assert.ok(!(read instanceof RecordError));
      // allMids lines are kept as text for the scanner; parsed, they are the message written.
      const it = parsedLine(read);
      assert.ok(!(it instanceof RecordError));
      assert.equal(it.line, i + 1);
      assert.equal(it.ts, 1000 + i);
      assert.deepEqual(it.msg, msgs[i]);
    });
  });
}

for (const ext of ['.ndjson', '.ndjson.gz']) {
  test(`lines kept as bytes (frames, snapshots) are read in place across read chunks ${ext}: each is exactly its line`, async () => {
    const path = join(dir, `sim${ext}`);
    const msgs: { ts: number; msg: unknown }[] = [];
    const w = new RecordingWriter(path);
    new Simulator({ wallets: 400, hours: 4, seed: 3 }, (ts, msg) => {
      msgs.push({ ts, msg });
      w.write(ts, 'hyperliquid', msg);
    }).run();
    w.close();
    const items = await readAll(path);
    assert.equal(items.length, msgs.length);
    let asText = 0;
    items.forEach((it, i) => {
      const m = msgs[i] as { ts: number; msg: unknown };
      assert.ok(!(it instanceof RecordError));
      assert.equal(it.line, i + 1);
      assert.equal(it.ts, m.ts);
      if ('bytes' in it) {
        asText++;
        assert.equal(it.bytes.toString('utf8', it.lineFrom, it.lineTo), recordLine(m.ts, 'hyperliquid', m.msg).trimEnd());
        assert.equal(it.bytes.toString('utf8', it.msgFrom, it.msgTo), JSON.stringify(m.msg));
      } else assert.deepEqual(it.msg, m.msg);
    });
    const bytes = msgs.reduce((a, m) => a + JSON.stringify(m.msg).length, 0);
    assert.ok(bytes > 3 << 20, `${bytes} bytes: several read chunks`);
    assert.ok(asText > 1000, `${asText} of ${items.length} kept as bytes`);
  });
}

test('a truncated line and a wrong envelope are reported with their line numbers; the rest is read', async () => {
  const path = join(dir, 'bad.ndjson');
  writeFileSync(
    path,
    [
      '{"ts":1,"venue":"hyperliquid","msg":{"channel":"pong"}}',
      '{"ts":2,"venue":"hyperliquid","msg":{"chan',
      '{"ts":"3","venue":"hyperliquid","msg":{}}',
      '{"ts":4,"venue":"binance","msg":{}}',
      '{"ts":5,"venue":"hyperliquid","msg":{"channel":"pong"}}',
    ].join('\n'),
  );
  const items = await readAll(path);
  assert.equal(items.length, 5);
  const errs = items.filter((x): x is RecordError => x instanceof RecordError);
  assert.deepEqual(
    errs.map((e) => e.line),
    [2, 3, 4],
  );
  assert.match(errs[0]!.message, /^line 2: not valid JSON, truncated or corrupt/);
  assert.match(errs[1]!.message, /field ts/);
  assert.match(errs[2]!.message, /field venue/);
});

test('a missing file and an empty file are input errors that name the file', async () => {
  await assert.rejects(readAll(join(dir, 'nope.ndjson')), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, '');
  await assert.rejects(readAll(empty), (e: unknown) => e instanceof InputError && /empty file/.test(e.message));
});

test('a single saved venue response (pretty-printed JSON) reads as one account: its snapshot, then the marks it was valued at', async () => {
  const items = await readAll(fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json'));
  assert.equal(items.length, 2);
  const m = items[0]!;
  assert.ok(!(m instanceof RecordError) && 'msg' in m);
  // The file names no user: one account all the same, filed under the zero address.
  assert.deepEqual((m.msg as { request: unknown }).request, { type: 'clearinghouseState', user: UNNAMED_ACCOUNT });
  const raw = JSON.parse(readFileSync(fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json'), 'utf8')) as {
    time: number;
    assetPositions: { position: { coin: string; szi: string; positionValue: string } }[];
  };
  assert.equal(m.ts, raw.time);
  const marks = items[1]!;
  assert.ok(!(marks instanceof RecordError) && 'msg' in marks);
  assert.equal(marks.ts, raw.time);
  const mids = (marks.msg as { channel: string; data: { mids: Record<string, string> } }).data.mids;
  assert.equal(Object.keys(mids).length, 45);
  for (const { position: p } of raw.assetPositions) {
    const want = Number(p.positionValue) / Math.abs(Number(p.szi));
    assert.ok(Math.abs(Number(mids[p.coin]) - want) <= 1e-11 * want, `${p.coin}: ${mids[p.coin]} vs ${want}`);
  }
});
