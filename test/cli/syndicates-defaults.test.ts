import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { episodes, gradeSyndicates } from '../../src/backtest/syndicate-eval.ts';
import type { SyndicateEvent } from '../../src/domain/glass-event.ts';
import type { GroundTruth } from '../../src/sim/truth.ts';
import { glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-syn-'));
const file = join(dir, 's.ndjson');

function run(...args: string[]) {
  const r = glass('syndicates', file, '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SyndicateEvent);
  return episodes(events);
}

test('glass syndicates: by default whales only (no crowd), --all-wallets widens, planted syndicates found at the simulator’s whale scale', () => {
  assert.equal(glass('sim', '--out', file, '--wallets', '3000', '--hours', '4', '--seed', '7').code, 0);
  const truth = JSON.parse(readFileSync(join(dir, 's.truth.json'), 'utf8')) as GroundTruth;
  const byDefault = run();
  const largest = Math.max(0, ...byDefault.map((e) => e.members.length));
  // Before: 54 episodes, the largest 1,526 wallets (everyone buying one drift).
  assert.ok(byDefault.length >= 1 && byDefault.length <= 15, `${byDefault.length} syndicates by default`);
  assert.ok(largest <= 10, `an episode of ${largest} wallets is a crowd`);
  const everyone = run('--all-wallets');
  assert.ok(everyone.length >= 3 * byDefault.length, `--all-wallets: ${everyone.length}`);
  assert.ok(Math.max(...everyone.map((e) => e.members.length)) > 100);
  // The simulator's whales start at $250k, under the venue's $1M line: widened to its scale,
  // every planted syndicate is found, still no crowd.
  const simScale = run('--min-account', '250000', '--min-position', '1e15');
  const g = gradeSyndicates(simScale, truth.syndicates, 60_000);
  assert.ok(g.planted >= 3, `${g.planted} planted`);
  assert.equal(g.recall, 1, `missed ${g.unmatchedPlanted.join(', ')}`);
  assert.ok(g.precision >= 0.75, `precision ${g.precision}`);
  assert.ok(Math.max(...simScale.map((e) => e.members.length)) <= 10);
  const both = glass('syndicates', file, '--all-wallets', '--min-account', '5');
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--all-wallets/);
});
