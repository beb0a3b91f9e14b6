import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-det-'));

test('glass sim twice with the same seed writes byte-identical recordings and truth; another seed differs', () => {
  const args = ['--wallets', '1500', '--hours', '3', '--seed', '7'];
  for (const name of ['a', 'b']) assert.equal(glass('sim', '--out', join(dir, `${name}.ndjson`), ...args).code, 0);
  const a = readFileSync(join(dir, 'a.ndjson'));
  assert.ok(a.length > 100_000);
  assert.ok(a.equals(readFileSync(join(dir, 'b.ndjson'))), 'recordings identical');
  assert.ok(readFileSync(join(dir, 'a.truth.json')).equals(readFileSync(join(dir, 'b.truth.json'))), 'truth identical');
  assert.equal(glass('sim', '--out', join(dir, 'c.ndjson'), '--wallets', '1500', '--hours', '3', '--seed', '8').code, 0);
  assert.ok(!a.equals(readFileSync(join(dir, 'c.ndjson'))));
});

test('glass replay --json twice gives identical output, and gzip replays the same as plain', () => {
  const plain = join(dir, 'r.ndjson');
  const gz = join(dir, 'r.ndjson.gz');
  assert.equal(glass('sim', '--out', plain, '--wallets', '800', '--hours', '2', '--seed', '3').code, 0);
  assert.equal(glass('sim', '--out', gz, '--wallets', '800', '--hours', '2', '--seed', '3').code, 0);
  const r1 = glass('replay', plain, '--json');
  const r2 = glass('replay', plain, '--json');
  assert.equal(r1.code, 0);
  assert.equal(r1.stdout, r2.stdout);
  const strip = (s: string) => ({ ...(JSON.parse(s) as object), file: null });
  assert.deepEqual(strip(glass('replay', gz, '--json').stdout), strip(r1.stdout));
});
