import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { glass, glassAsync } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-progress-'));
const rec = join(dir, 'rec.ndjson');

before(() => {
  const r = glass('sim', '--out', rec, '--wallets', '300', '--hours', '2', '--seed', '9');
  assert.equal(r.code, 0, r.stderr);
});

const ERASE = '\x1b[K';

/** Progress frames: drawn in place (`\r`, erase to the end of line), the last one cleared. */
function frames(stderr: string): string[] {
  assert.ok(stderr.startsWith('\r'), `progress starts in place: ${JSON.stringify(stderr.slice(0, 80))}`);
  assert.ok(stderr.endsWith('\r\x1b[K'), 'the progress line is cleared at the end');
  assert.ok(!stderr.includes('\n'), 'progress never scrolls');
  return stderr
    .split('\r')
    .filter((f) => f.length > 0)
    .map((f) => (f.endsWith(ERASE) ? f.slice(0, -ERASE.length) : f))
    .filter((f) => f.length > 0);
}

for (const args of [
  ['positions', rec],
  ['heatmap', rec, '--coin', 'BTC'],
  ['syndicates', rec],
  ['replay', rec, '--json'],
]) {
  test(`glass ${args[0]}: progress on stderr only when asked for (a terminal, or GLASS_PROGRESS=1); stdout the same`, async () => {
    const plain = await glassAsync(args);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, '', 'stderr is not a terminal here: no progress');
    const shown = await glassAsync(args, { GLASS_PROGRESS: '1' });
    assert.equal(shown.code, 0);
    assert.equal(shown.stdout, plain.stdout, 'stdout stays clean');
    const f = frames(shown.stderr);
    assert.ok(f.length >= 1);
    // bytes of the file, its size and the share read, the rate, lines
    assert.match(f[0] as string, /rec\.ndjson: [\d.]+ [KMG]?B of [\d.]+ [KMG]?B \(\d+%\), [\d.]+ [KMG]?B\/s, [\d,]+ lines/);
  });
}

test('a paced replay shows the recorded time it has reached', async () => {
  const r = await glassAsync(['replay', rec, '--speed', '7200x', '--json'], { GLASS_PROGRESS: '1' });
  assert.equal(r.code, 0);
  assert.match(frames(r.stderr).join('\n'), /lines \([\d,]+\/s\), at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
});

test('bench names the suite it is running', async () => {
  const r = await glassAsync(['bench', '--only', 'score', '--wallets', '100', '--repeats', '1'], { GLASS_PROGRESS: '1' });
  assert.equal(r.code, 0);
  assert.match(frames(r.stderr)[0] as string, /^bench: score suite \(1 of 1\)/);
  assert.ok(JSON.parse(r.stdout) !== null);
});
