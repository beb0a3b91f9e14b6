import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { assertOneLineError, glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-truncated-'));
const plain = join(dir, 'rec.ndjson');
const cut = join(dir, 'cut.ndjson.gz');
const lines: string[] = [];

before(() => {
  const r = glass('sim', '--out', plain, '--wallets', '300', '--hours', '2', '--seed', '5');
  assert.equal(r.code, 0, r.stderr);
  lines.push(...readFileSync(plain, 'utf8').split('\n').slice(0, -1));
  // The recording gzipped, then its last 40 % cut off: as a copy interrupted mid-transfer.
  const gz = gzipSync(readFileSync(plain));
  writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
});

/** The recording's first n lines, as a plain file. */
function head(n: number): string {
  const p = join(dir, `head-${n}.ndjson`);
  writeFileSync(p, `${lines.slice(0, n).join('\n')}\n`);
  return p;
}

function kept(stderr: string): number {
  const m = new RegExp(
    `^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: gzip stream truncated after line (\\d+); kept what came before$`,
    'm',
  ).exec(stderr);
  assert.ok(m !== null, `no truncation note in: ${stderr}`);
  return Number(m[1]);
}

test('replay of a truncated .gz plays every complete line before the break and says where it broke', () => {
  const r = glass('replay', cut, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  const n = kept(r.stderr);
  assert.ok(n > lines.length / 4 && n < lines.length, `${n} of ${lines.length} lines`);
  const got = JSON.parse(r.stdout) as Record<string, unknown>;
  const want = JSON.parse(glass('replay', head(n), '--json').stdout) as Record<string, unknown>;
  assert.ok((got['messages'] as number) > 0);
  assert.deepEqual({ ...got, file: null }, { ...want, file: null });
});

test('the engines (positions) on a truncated .gz see what the surviving lines hold', () => {
  const r = glass('positions', cut, '--json');
  assert.equal(r.code, 0, r.stderr);
  const n = kept(r.stderr);
  const want = glass('positions', head(n), '--json');
  assert.equal(r.stdout, want.stdout);
});

test('with --strict a truncated .gz is an error: one line, non-zero exit', () => {
  const line = assertOneLineError(glass('replay', cut, '--strict'));
  assert.match(line, /^glass replay: .*cut\.ndjson\.gz: gzip stream truncated after line \d+ \(--strict\)$/);
});
