import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { glass, glassAsync } from '../helpers/cli.ts';

// Progress is for a person watching a terminal: README says GLASS_PROGRESS=1 forces it and
// GLASS_PROGRESS=0 turns it off; into a pipe (as here) it is off by default.
const dir = mkdtempSync(join(tmpdir(), 'glass-progress-switch-'));
const rec = join(dir, 'rec.ndjson');

before(() => {
  const r = glass('sim', '--out', rec, '--wallets', '300', '--hours', '2', '--seed', '4');
  assert.equal(r.code, 0, r.stderr);
});

const args = () => ['syndicates', rec, '--baseline', '--seeds', '2'];

test('syndicates --baseline: no "shifted run" lines on stderr when it is not a terminal, nor with GLASS_PROGRESS=0', async () => {
  for (const env of [{}, { GLASS_PROGRESS: '0' }] as Record<string, string>[]) {
    const r = await glassAsync(args(), env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', `${JSON.stringify(env)}: stderr stays clean`);
  }
});

test('syndicates --baseline with GLASS_PROGRESS=1: the shifted runs are progress frames, drawn in place and cleared', async () => {
  const plain = await glassAsync(args(), { GLASS_PROGRESS: '0' });
  const r = await glassAsync(args(), { GLASS_PROGRESS: '1' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, plain.stdout, 'stdout the same');
  assert.ok(!r.stderr.includes('\n'), `progress never scrolls: ${JSON.stringify(r.stderr.slice(0, 200))}`);
  assert.match(r.stderr, /\rsyndicates: baseline: shifted run 2 of 2/);
  assert.ok(r.stderr.endsWith('\r\x1b[K'), 'cleared at the end');
});

test('sim: nothing but its summary line on stderr without a terminal', () => {
  const r = glass('sim', '--out', join(dir, 'b.ndjson'), '--wallets', '200', '--hours', '1', '--seed', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!r.stderr.includes('\r'));
});
