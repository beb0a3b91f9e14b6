import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-cli-'));
const good = (ts: number) =>
  JSON.stringify({ ts, venue: 'hyperliquid', msg: { channel: 'allMids', data: { mids: { BTC: '95000.0', ETH: '3400.5' } } } });
const trade = (ts: number, px: unknown) =>
  JSON.stringify({
    ts,
    venue: 'hyperliquid',
    msg: {
      channel: 'trades',
      data: [
        {
          coin: 'BTC',
          side: 'B',
          px,
          sz: '0.1',
          time: ts,
          hash: '0x00',
          tid: ts,
          users: ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222'],
        },
      ],
    },
  });

function file(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
}

function replayJson(path: string): { messages: number; rejects: number; fills: number } {
  const r = glass('replay', path, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { messages: number; rejects: number; fills: number };
}

test('a truncated line is named on one stderr line and nothing else is lost', () => {
  const p = file('trunc.ndjson', [good(1), trade(2, '95000.0'), good(3).slice(0, 30), trade(4, '95001.0')]);
  const r = glass('replay', p, '--json');
  assert.equal(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /line 3: not valid JSON, truncated or corrupt/);
  const s = JSON.parse(r.stdout) as { messages: number; rejects: number; fills: number };
  assert.deepEqual([s.messages, s.rejects, s.fills], [3, 1, 4]);
  // The text does not put the rejected line among the messages (it is not one): 3 messages, 1 line rejected.
  assert.match(glass('replay', p).stdout, /^ {2}messages +3 \(0 venue errors\); 1 line rejected$/m);
});

test('a wrong type in a field names line and field; the other trades are applied', () => {
  const p = file('type.ndjson', [trade(1, '95000.0'), trade(2, 95000), trade(3, '95000.0')]);
  const r = glass('replay', p);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /line 2: field msg\.data\[0\]\.px: expected a decimal string, got number 95000/);
  assert.deepEqual([replayJson(p).fills, replayJson(p).rejects], [4, 1]);
});

test('an unknown channel is named; --strict stops there with a one-line error', () => {
  const p = file('chan.ndjson', [
    good(1),
    JSON.stringify({ ts: 2, venue: 'hyperliquid', msg: { channel: 'orderUpdatez', data: [] } }),
    good(3),
  ]);
  const r = glass('replay', p, '--json');
  assert.equal(r.code, 0);
  assert.match(r.stderr, /line 2: field msg\.channel: expected one of trades, userFills.*got string "orderUpdatez"/);
  assert.equal((JSON.parse(r.stdout) as { messages: number }).messages, 3);
  const strict = glass('replay', p, '--strict');
  assert.match(assertOneLineError(strict), /line 2: .*orderUpdatez.*--strict/);
});

test('an empty file and a missing file are one-line errors naming the file', () => {
  const empty = file('empty.ndjson', []);
  writeFileSync(empty, '');
  assert.match(assertOneLineError(glass('replay', empty)), /empty\.ndjson: empty file/);
  // A file with no valid message in it: an input error (1), as a missing one.
  const junk = file('junk.ndjson', ['not json', '{"also": "not a recording line"']);
  const r = glass('replay', junk);
  // Each bad line named, then the error; no stack.
  assert.match(r.stderr.trim().split('\n').at(-1) ?? '', /^glass replay: .*junk\.ndjson: no valid message \(2 rejected lines\)$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.code, 1);
  assert.match(assertOneLineError(glass('replay', join(dir, 'missing.ndjson'))), /missing\.ndjson: no such file/);
  // The same exit code from every command that reads a file: 1, an input error (2 is for usage).
  for (const args of [
    ['replay', join(dir, 'missing.ndjson')],
    ['events', join(dir, 'missing.ndjson')],
    ['import', join(dir, 'missing.csv'), '--out', join(dir, 'out.ndjson')],
  ]) {
    const r = glass(...args);
    assert.match(assertOneLineError(r), /missing\.(ndjson|csv): no such file/);
    assert.equal(r.code, 1, args.join(' '));
  }
});

test('usage errors are one line with exit code 2; --help prints usage for every command', () => {
  const r = glass('replay', 'a', 'b');
  assert.equal(r.code, 2);
  assertOneLineError(r);
  assert.equal(glass('sim', '--wallets', 'many', '--out', join(dir, 'x.ndjson')).code, 2);
  assert.equal(glass('frobnicate').code, 2);
  for (const cmd of ['sim', 'replay', 'demo']) {
    const h = glass(cmd, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^glass ${cmd} `));
  }
});
