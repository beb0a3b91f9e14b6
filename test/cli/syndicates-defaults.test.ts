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
  // Each reported episode carries its chance figures, class and entity count; none is a reaction.
  const raw = glass('syndicates', file, '--json', '--min-account', '250000', '--min-position', '1e15');
  const events = raw.stdout
    .split('\n')
    .filter((l) => l.includes('"syndicateId"'))
    .map((l) => JSON.parse(l) as SyndicateEvent);
  assert.ok(events.length > 0);
  for (const e of events) {
    assert.ok((e.surprise ?? 0) >= 3, `${e.syndicateId}: surprise ${e.surprise}`);
    assert.ok(e.class === 'lead' || e.class === 'unclear', `${e.syndicateId}: ${e.class}`);
    assert.ok((e.entities ?? 0) >= 3 && (e.entities ?? 0) <= e.memberCount);
  }
  // The bare rule (every 3 wallets in a minute, whatever chance, cause or initiator) reports more.
  assert.ok(run('--min-account', '250000', '--min-position', '1e15', '--bare').length >= simScale.length);
  const both = glass('syndicates', file, '--all-wallets', '--min-account', '5');
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--all-wallets/);
  assert.notEqual(glass('syndicates', file, '--seeds', '3').code, 0);
});

test('glass syndicates --baseline: real vs shifted counts in text and JSON', () => {
  const text = glass('syndicates', file, '--baseline', '--seeds', '2', '--min-account', '250000', '--min-position', '1e15');
  assert.equal(text.code, 0, text.stderr);
  const m =
    /baseline: (\d+) with the wallets as they traded, ([\d.]+) on average with each wallet's entries shifted by hours \((\d+), (\d+); 2 seeds\)/.exec(
      text.stdout,
    );
  assert.ok(m !== null, text.stdout.slice(0, 400));
  const real = Number(m[1]);
  assert.equal(real, Number(/^(\d+) syndicates/.exec(text.stdout)?.[1]));
  assert.ok(Number(m[2]) < real, text.stdout.split('\n')[1]);
});
