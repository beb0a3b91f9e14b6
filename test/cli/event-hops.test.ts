import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { glass } from '../helpers/cli.ts';

/**
 * One event, one set of hops, whichever command prints it: `heatmap --events --json` and
 * `syndicates --json` used to say `receivedAt: null` where `events --json` gave the causing
 * message's receive time.
 */
const dir = mkdtempSync(join(tmpdir(), 'glass-hops-'));
const SIM = join(dir, 'sim.ndjson');

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as GlassEvent);

test('heatmap --events --json and syndicates --json carry the hops events --json does, receive time included', () => {
  assert.equal(glass('sim', '--out', SIM, '--wallets', '600', '--hours', '2', '--seed', '3', '--syndicates', '48').code, 0);
  const all = glass('events', SIM, '--json', '--sim-scale');
  assert.equal(all.code, 0, all.stderr);
  const byId = new Map(ndjson(all.stdout).map((e) => [e.id, e]));
  const zones = glass('heatmap', SIM, '--coin', 'SOL', '--events', '--json');
  assert.equal(zones.code, 0, zones.stderr);
  // The simulator's whale scale, as --sim-scale has it.
  const syn = glass('syndicates', SIM, '--json', '--min-account', '200000', '--min-position', '1000000', '--min-notional', '50000');
  assert.equal(syn.code, 0, syn.stderr);
  for (const [what, text] of [
    ['heatmap --events', zones.stdout],
    ['syndicates', syn.stdout],
  ] as const) {
    const events = ndjson(text);
    const shared = events.filter((e) => byId.has(e.id));
    assert.ok(shared.length > 0, `${what}: ${events.length} events, none also in glass events`);
    for (const e of events) assert.equal(typeof e.hops.receivedAt, 'number', `${what}: ${e.id}`);
    for (const e of shared) assert.deepEqual(e.hops, byId.get(e.id)?.hops, `${what}: ${e.id}`);
  }
});
