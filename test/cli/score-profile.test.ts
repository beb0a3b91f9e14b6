import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { glass } from '../helpers/cli.ts';

// `glass score F --wallet W` must tell one story: the header's Nexus Score is the table's, and the
// score history ends at it (the score at the end of the file), not at the last bet's close.
const dir = mkdtempSync(join(tmpdir(), 'glass-score-profile-'));
const rec = join(dir, 'rec.ndjson');

interface Row {
  wallet: string;
  score: number;
  trades: number;
}
interface Profile extends Row {
  history: { time: number; score: number }[];
}

let table: Row[] = [];

before(() => {
  const r = glass('sim', '--out', rec, '--wallets', '600', '--hours', '3', '--seed', '11');
  assert.equal(r.code, 0, r.stderr);
  const t = glass('score', rec, '--min-trades', '1', '--json');
  assert.equal(t.code, 0, t.stderr);
  table = JSON.parse(t.stdout) as Row[];
  assert.ok(table.length >= 20, `${table.length} wallets scored`);
});

/** A spread of wallets: the top, the bottom, the middle, and the ones with most trades. */
function sample(): Row[] {
  const byTrades = table.toSorted((a, b) => b.trades - a.trades);
  const picks = [table[0], table[1], table[Math.floor(table.length / 2)], table[table.length - 1], byTrades[0], byTrades[1]];
  return [...new Map(picks.filter((x): x is Row => x !== undefined).map((x) => [x.wallet, x])).values()];
}

test('profile JSON: the history ends at the header score, which is the table score', () => {
  for (const row of sample()) {
    const r = glass('score', rec, '--wallet', row.wallet, '--json');
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout) as Profile;
    assert.equal(p.score, row.score, `${row.wallet}: profile and table`);
    const last = p.history.at(-1);
    assert.ok(last !== undefined, `${row.wallet}: has a history`);
    assert.equal(last.score, p.score, `${row.wallet}: the history ends at the score it is headed with`);
    for (let i = 1; i < p.history.length; i++)
      assert.ok((p.history[i]?.time ?? 0) >= (p.history[i - 1]?.time ?? 0), 'history in time order');
  }
});

test('profile text: the header score, the history line’s last value and the table agree; the deltas are labelled', () => {
  for (const row of sample()) {
    const r = glass('score', rec, '--wallet', row.wallet);
    assert.equal(r.code, 0, r.stderr);
    const head = /Nexus Score (\d+\.\d)/.exec(r.stdout);
    const path = /score [\d.]+ .*→ (\d+\.\d) at the end of the file/.exec(r.stdout);
    assert.ok(head !== null && path !== null, r.stdout);
    assert.equal(head[1], row.score.toFixed(1), `${row.wallet}: header vs table`);
    assert.equal(path[1], head[1], `${row.wallet}: history's end vs header`);
    assert.match(r.stdout, /its change when that bet closed; .*need not sum/);
    assert.doesNotMatch(r.stdout, /\b1 (round trips|bets)\b/, 'singular counts');
  }
});
