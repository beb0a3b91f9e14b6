import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { glass } from '../helpers/cli.ts';

interface Row {
  wallet: string;
  score: number;
  confidence: number;
  trades: number;
  components: Record<string, number>;
}

const file = join(mkdtempSync(join(tmpdir(), 'glass-score-')), 's.ndjson');

function json<T>(...args: string[]): T {
  const r = glass('score', file, '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(() => {
  // A day, so that some wallets have an established record.
  assert.equal(glass('sim', '--out', file, '--wallets', '1500', '--hours', '24', '--seed', '3').code, 0);
});

test('glass score: the ranking and --wallet give a wallet one score (the same finalised universe)', () => {
  const all = json<Row[]>('--min-trades', '1');
  assert.ok(all.length > 1000, `${all.length} scored`);
  // Wallets across the table: its top, its middle, one-trade wallets at the bottom.
  const picks = [0, 7, Math.floor(all.length / 3), Math.floor(all.length / 2), all.length - 1].map((i) => all[i] as Row);
  for (const row of picks) {
    const p = json<Row>('--wallet', row.wallet);
    assert.deepEqual(
      { score: p.score, confidence: p.confidence, trades: p.trades, components: p.components },
      { score: row.score, confidence: row.confidence, trades: row.trades, components: row.components },
      row.wallet,
    );
  }
});

test('glass score: by default only wallets with an established record are ranked; --min-trades 1 widens it', () => {
  const ranked = json<Row[]>();
  assert.ok(ranked.length >= 20, `${ranked.length} ranked`);
  for (const r of ranked.slice(0, 20)) assert.ok(r.trades >= 20, `${r.wallet}: ${r.trades} trades, confidence ${r.confidence}`);
  const wide = json<Row[]>('--min-trades', '1');
  assert.ok(wide.length > ranked.length);
  // Unfiltered, few-trade wallets are what tops the list: the default exists for them.
  assert.ok(
    wide.slice(0, 20).some((r) => r.trades < 20),
    'the unfiltered top 20 should include wallets with fewer than 20 trades',
  );
  const text = glass('score', file, '--top', '3');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /with at least 20 closed trades ranked \(--min-trades 1 ranks all\)/);
  assert.match(glass('score', '--help').stdout, /--min-trades N .*default 20/);
});

test('glass score --wallet in text: a profile a person reads (score, components, movers), not a JSON dump', () => {
  const top = (json<Row[]>()[0] ?? json<Row[]>('--min-trades', '1')[0]) as Row;
  const r = glass('score', file, '--wallet', top.wallet);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^\s*[{[]/, 'not JSON');
  const [head, comps] = r.stdout.split('\n');
  assert.match(head ?? '', new RegExp(`^${top.wallet}  Nexus Score ${top.score.toFixed(1)}  confidence ${top.confidence.toFixed(2)}  `));
  assert.match(comps ?? '', new RegExp(`accuracy ${(top.components['accuracy'] as number).toFixed(1)} `));
  assert.match(r.stdout, /\ntrades that moved it most[^\n]*:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}\S+/);
});
