import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-sim-actors-'));

test('glass sim --actors writes the actors’ funding beside the recording, and glass entities finds each actor as one entity', () => {
  const out = join(dir, 'act.ndjson');
  const sim = glass('sim', '--out', out, '--wallets', '800', '--hours', '6', '--seed', '3', '--actors', '4', '--shocks', '4');
  assert.equal(sim.code, 0, sim.stderr);
  assert.match(sim.stderr, /4 actors \(funding in .*act\.ledger\.ndjson\)/);
  const ledger = join(dir, 'act.ledger.ndjson');
  assert.ok(existsSync(ledger), 'F.ledger.ndjson written');
  const truth = JSON.parse(readFileSync(join(dir, 'act.truth.json'), 'utf8')) as {
    entities: { id: string; funder: string; wallets: string[] }[];
    shocks: unknown[];
  };
  assert.equal(truth.entities.length, 4);
  assert.ok(truth.shocks.length >= 1, 'a planted shock in 6 h at 4 a day');
  const r = glass('entities', out, '--all-wallets', '--json');
  assert.equal(r.code, 0, r.stderr);
  const found = r.stdout
    .trim()
    .split('\n')
    .map((l) => new Set((JSON.parse(l) as { wallets: string[] }).wallets));
  // Every planted actor (its funder and every wallet it paid) is exactly one entity found.
  for (const actor of truth.entities) {
    const members = [actor.funder, ...actor.wallets];
    const homes = found.filter((f) => members.some((w) => f.has(w)));
    assert.equal(homes.length, 1, `${actor.id} split over ${homes.length} entities`);
    const home = homes[0] as Set<string>;
    for (const w of members) assert.ok(home.has(w), `${actor.id}: ${w} missing from its entity`);
  }
});

test('glass sim without --actors writes no ledger file', () => {
  const out = join(dir, 'plain.ndjson');
  const sim = glass('sim', '--out', out, '--wallets', '100', '--hours', '1', '--seed', '3');
  assert.equal(sim.code, 0, sim.stderr);
  assert.equal(existsSync(join(dir, 'plain.ledger.ndjson')), false);
});
