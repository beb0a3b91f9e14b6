import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SyndicateEvent } from '../../src/domain/glass-event.ts';
import { glass } from '../helpers/cli.ts';
import { importRealExport } from '../helpers/real-export.ts';

/**
 * Hyperliquid's 2023 export (non_mm_trades.csv): the bare rule over every wallet fires 5 times, all
 * ETH longs of three wallets. None of them is a syndicate as Glass now reports one: every member is
 * a resting bid filled while price fell, and price had just moved several σ. Figures in
 * docs/real-data.md.
 */
const file = importRealExport();

function syndicates(...args: string[]): SyndicateEvent[] {
  const r = glass('syndicates', file, '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('"syndicateId"'))
    .map((l) => JSON.parse(l) as SyndicateEvent);
}

function baseline(...args: string[]): { real: number; shifted: number[]; meanShifted: number } {
  const r = glass('syndicates', file, '--json', '--baseline', '--seeds', '5', ...args);
  assert.equal(r.code, 0, r.stderr);
  const last = r.stdout.trim().split('\n').at(-1) as string;
  return (JSON.parse(last) as { baseline: { real: number; shifted: number[]; meanShifted: number } }).baseline;
}

test('real export: the five ETH episodes of the bare rule are reactions to a move, their members passive; none is a syndicate by default', () => {
  const bare = syndicates('--all-wallets', '--bare').filter((e) => e.type === 'SYNDICATE_DETECTED');
  assert.equal(bare.length, 5);
  assert.ok(bare.every((e) => e.coin === 'ETH' && e.direction === 'long' && e.memberCount === 3));
  // Classed on the tape before them: each follows a fall of several σ.
  assert.deepEqual(
    bare.map((e) => e.class),
    ['reaction', 'reaction', 'reaction', 'reaction', 'reaction'],
  );
  // Members that took liquidity only (whatever the chance or the class): none of the five is left.
  assert.equal(syndicates('--all-wallets', '--min-surprise', '0', '--reactions').length, 0);
  // The defaults: nothing, whales or everyone.
  assert.equal(syndicates().length, 0);
  assert.equal(syndicates('--all-wallets').length, 0);
});

test('real export: real vs shifted-baseline counts', () => {
  const bare = baseline('--all-wallets', '--bare');
  assert.equal(bare.real, 5);
  assert.equal(bare.shifted.length, 5);
  assert.ok(bare.meanShifted < bare.real, JSON.stringify(bare));
  const defaults = baseline('--all-wallets');
  assert.deepEqual({ real: defaults.real, meanShifted: defaults.meanShifted }, { real: 0, meanShifted: 0 });
});
