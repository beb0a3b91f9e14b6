import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const account = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');

test('a negative number as an option value gets the range message, not "argument is ambiguous"', () => {
  const cases: [string[], RegExp][] = [
    [
      ['sim', '--out', '/nonexistent/x.ndjson', '--wallets', '-5'],
      /^glass sim: --wallets takes a whole number from \d+ to [\d,]+, got -5$/,
    ],
    [['sim', '--out', '/nonexistent/x.ndjson', '--hours', '-1'], /^glass sim: --hours takes a number from [\d.]+ to [\d,]+, got -1$/],
    [['score', account, '--top', '-3'], /^glass score: --top takes a whole number from 1 to [\d,]+, got -3$/],
    [['bench', '--wallets', '-5'], /^glass bench: --wallets takes a whole number from \d+ to [\d,]+, got -5$/],
  ];
  for (const [args, want] of cases) {
    const r = glass(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(assertOneLineError(r), want);
  }
});

test('an unknown option and a missing value are one plain line (balanced quotes, the option named)', () => {
  const unknown = assertOneLineError(glass('heatmap', account, '--coin', 'BTC', '--colour'));
  assert.equal(unknown, 'glass heatmap: unknown option --colour (see glass heatmap --help)');
  const missing = assertOneLineError(glass('heatmap', account, '--coin'));
  assert.equal(missing, 'glass heatmap: --coin needs a value (see glass heatmap --help)');
  const extra = assertOneLineError(glass('replay', account, '--json=yes'));
  assert.equal(extra, 'glass replay: --json takes no value (see glass replay --help)');
  for (const line of [unknown, missing, extra]) {
    assert.equal((line.match(/'/g) ?? []).length % 2, 0, line);
    assert.equal((line.match(/"/g) ?? []).length % 2, 0, line);
  }
});

test('an error line names the command once', () => {
  for (const args of [['heatmap', account], ['record'], ['sim']]) {
    const line = assertOneLineError(glass(...args));
    const name = args[0] as string;
    assert.ok(line.startsWith(`glass ${name}: `), line);
    assert.ok(!line.slice(`glass ${name}: `.length).includes(`glass ${name}`), `prefix repeated: ${line}`);
  }
});

test('glass --version, -V and version print the package version', () => {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const a of ['--version', '-V', 'version']) {
    const r = glass(a);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `glass ${pkg.version}\n`);
    assert.equal(r.stderr, '');
  }
});
