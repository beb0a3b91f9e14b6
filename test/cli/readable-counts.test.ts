import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fmtUsd, plural } from '../../src/domain/format.ts';
import { glass } from '../helpers/cli.ts';

// Numbers as people read them: thousands grouped, `$0` for nothing, `1 bet` not `1 bets`, columns aligned.
const dir = mkdtempSync(join(tmpdir(), 'glass-readable-'));
const day = join(dir, 'day.ndjson');

before(() => {
  const r = glass('sim', '--out', day, '--wallets', '1500', '--hours', '24', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
});

test('plural and zero USD', () => {
  assert.equal(plural(1, 'bet'), '1 bet');
  assert.equal(plural(0, 'bet'), '0 bets');
  assert.equal(plural(2048, 'entity', 'entities'), '2,048 entities');
  assert.equal(plural(1, 'entity', 'entities'), '1 entity');
  assert.equal(fmtUsd(0), '$0');
  assert.equal(fmtUsd(0.001), '$0');
  assert.equal(fmtUsd(-0.001), '$0');
  assert.equal(fmtUsd(12.4), '$12.40');
});

/** Every run of 4+ digits in text, outside dates, ids and hex, is a number printed without separators. */
function ungrouped(text: string): string[] {
  return [...text.replaceAll(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?Z?)?/g, '').matchAll(/(?<![\w.,])\d{4,}(?![\w,])/g)].map(
    (m) => m[0],
  );
}

test('backtest F: counts grouped, the per-event table aligned with a header, shares at one precision', () => {
  const r = glass('backtest', day);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(ungrouped(r.stdout), [], r.stdout);
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => /^ {2}event +n +reached +baseline$/.test(l));
  assert.ok(head > 0, r.stdout);
  const rows = [];
  for (let i = head + 1; /^ {2}[A-Z_]+ /.test(lines[i] ?? ''); i++) rows.push(lines[i] as string);
  assert.ok(rows.length >= 2, r.stdout);
  const width = (lines[head] as string).length;
  for (const row of rows) {
    assert.equal(row.length, width, `aligned: ${JSON.stringify(row)} vs ${JSON.stringify(lines[head])}`);
    assert.match(row, /\d\.\d{3} +(\d\.\d{3}|—)$/);
  }
  for (const l of lines.filter((x) => /^ {2}\d.*→ .*\(/.test(x))) assert.match(l, /\d\.\d{3} → \d\.\d{3} \([\d,]+\)$/);
});

test('backtest --score: simulated wallets counted with separators', () => {
  const r = glass('backtest', '--score', '--wallets', '1000', '--hours', '24', '--min-trades', '3');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^simulated 1,000 wallets/);
});

test('sim, positions and score speak in the right number', () => {
  const one = glass(
    'sim',
    '--out',
    join(dir, 'one.ndjson'),
    '--wallets',
    '60',
    '--hours',
    '24',
    '--seed',
    '1',
    '--clusters',
    '1',
    '--shocks',
    '1',
  );
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stderr, /\b1 cluster planted, 1 price shock in /, one.stderr);
  const s = glass('score', day, '--min-trades', '1', '--top', '1');
  assert.match(s.stdout, /with at least 1 closed trade ranked/);
  const pos = glass('positions', day, '--top', '1');
  assert.doesNotMatch(pos.stdout, /^1 open positions/);
});
