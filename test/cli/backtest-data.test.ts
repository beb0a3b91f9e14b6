import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';

test('glass backtest on a 2 h recording: too little data for a 4 h horizon, said with the counts, non-zero exit, no NaN', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'glass-bt2h-')), 'two-hours.ndjson');
  assert.equal(glass('sim', '--out', file, '--wallets', '300', '--hours', '2', '--seed', '3').code, 0);
  for (const extra of [[], ['--json']]) {
    const r = glass('backtest', file, ...extra);
    assert.notEqual(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stdout + r.stderr, /NaN/);
    const line = assertOneLineError(r);
    assert.match(
      line,
      /too little data .*: 0 zone assessments to fit \(first half\) and 0 to grade \(second half\) whose 4 h horizon .* at least \d+ in each half/,
    );
  }
});

test('glass backtest --score with too few graded wallets says so instead of ranking nothing', () => {
  const r = glass('backtest', '--score', '--wallets', '60', '--hours', '2');
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(assertOneLineError(r), /too little data to grade the score: \d+ of 60 simulated wallets closed at least 20 round trips/);
});
