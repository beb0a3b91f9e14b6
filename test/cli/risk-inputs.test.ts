import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';

// `glass risk` on impossible or doubtful inputs: it refuses a leverage the venue does not allow
// and warns of an entry far from the mark; an empty header says `none`.
const dir = mkdtempSync(join(tmpdir(), 'glass-risk-inputs-'));
const rec = join(dir, 'rec.ndjson');
let mark = 0;

before(() => {
  const r = glass('sim', '--out', rec, '--wallets', '1000', '--hours', '2', '--seed', '5');
  assert.equal(r.code, 0, r.stderr);
  const m = /mark ([\d,.]+)/.exec(glass('risk', rec, '--coin', 'BTC', '--side', 'long', '--entry', '90000', '--size', '0.01').stdout);
  assert.ok(m !== null);
  mark = Number((m[1] as string).replaceAll(',', ''));
});

test('a leverage past the venue’s maximum for the coin is refused in one line, exit 2', () => {
  const r = glass(
    'risk',
    rec,
    '--coin',
    'BTC',
    '--side',
    'long',
    '--entry',
    String(Math.round(mark)),
    '--size',
    '0.01',
    '--leverage',
    '500',
  );
  assert.equal(r.code, 2, r.stdout);
  const line = assertOneLineError(r);
  assert.match(line, /--leverage 500: BTC allows at most \d+× at \$[\d.]+ notional/);
  assert.equal(r.stdout, '');
  // The venue's own maximum is accepted.
  const max = Number(/at most (\d+)×/.exec(line)?.[1]);
  const ok = glass(
    'risk',
    rec,
    '--coin',
    'BTC',
    '--side',
    'long',
    '--entry',
    String(Math.round(mark)),
    '--size',
    '0.01',
    '--leverage',
    String(max),
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.doesNotMatch(ok.stdout, /warning/);
});

test('an entry far from the mark is warned of, saying how far (text and JSON)', () => {
  const args = ['risk', rec, '--coin', 'BTC', '--side', 'short', '--entry', '0.1', '--size', '0.01'];
  const r = glass(...args);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(
    lines[1] as string,
    /^warning: entry 0\.1 is 100\.0 % below the mark [\d,]+ \(the mark is [\d,]+ times it; [\d,]+ σ of a 4 h move\)/,
  );
  const j = JSON.parse(glass(...args, '--json').stdout) as { warnings: string[] };
  assert.ok(
    j.warnings.some((w) => w.startsWith('entry 0.1 is 100.0 % below the mark')),
    JSON.stringify(j.warnings),
  );
  // With a leverage: already past liquidation at the mark.
  const lev = glass(...args, '--leverage', '10');
  assert.match(lev.stdout, /warning: at the mark [\d,]+ this position is already past its liquidation/);
  // An entry near the mark with its leverage: no warning. Without the leverage: only that it has no liquidation price.
  const nearArgs = [
    'risk',
    rec,
    '--coin',
    'BTC',
    '--side',
    'short',
    '--entry',
    String(Math.round(mark * 1.01)),
    '--size',
    '0.01',
    '--json',
  ];
  const near = JSON.parse(glass(...nearArgs, '--leverage', '5').stdout) as { warnings: string[] };
  assert.deepEqual(near.warnings, []);
  const noLev = JSON.parse(glass(...nearArgs).stdout) as { warnings: string[]; liquidationPx: number | null };
  assert.equal(noLev.liquidationPx, null);
  assert.deepEqual(noLev.warnings, [
    'no leverage given, so no liquidation price: the advice cannot say whether the stop or a zone lies beyond it (give the leverage)',
  ]);
});

test('an empty header says none', () => {
  const r = glass(
    'risk',
    rec,
    '--coin',
    'BTC',
    '--side',
    'long',
    '--entry',
    String(Math.round(mark)),
    '--size',
    '0.01',
    '--stop',
    String(Math.round(mark * 0.999)),
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  for (const [i, l] of lines.entries()) {
    if (/^(zones in the path \(0\)|suggestions):$/.test(l)) assert.equal(lines[i + 1], '  none', `under "${l}":\n${r.stdout}`);
  }
  assert.ok(
    lines.includes('zones in the path (0):'),
    `a stop just under the mark leaves no zone in the path:
${r.stdout}`,
  );
  assert.ok(lines.includes('  none'), r.stdout);
  assert.notEqual(lines.at(-1), 'suggestions:', 'no header ends the output empty');
});
