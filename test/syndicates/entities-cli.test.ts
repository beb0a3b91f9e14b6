import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gradeEntities } from '../../src/backtest/syndicate-eval.ts';
import type { EntityCluster } from '../../src/engine/syndicates/entities.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { assertOneLineError, glass } from '../helpers/cli.ts';

/** A simulated half day with planted actors, written as a recorder would: the recording and its ledger beside it. */
const dir = mkdtempSync(join(tmpdir(), 'glass-ent-'));
const file = join(dir, 'a.ndjson');
const rec = new RecordingWriter(file);
const ledger = new RecordingWriter(join(dir, 'a.ledger.ndjson'));
const truth = new Simulator(
  { seed: 5, wallets: 3000, hours: 12, actors: 3 },
  (ts, msg) => rec.write(ts, 'hyperliquid', msg),
  (ts, msg) => ledger.write(ts, 'hyperliquid', msg),
).run();
rec.close();
ledger.close();
const SIM_SCALE = ['--min-account', '250000', '--min-position', '1e15'];

function clusters(...args: string[]): EntityCluster[] {
  const r = glass('entities', file, '--json', ...SIM_SCALE, ...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EntityCluster);
}

test('glass entities: the ledger beside the recording links each actor’s wallets; text lists the evidence', () => {
  const actors = truth.entities ?? [];
  assert.equal(actors.length, 3);
  const g = gradeEntities(clusters(), actors, true);
  assert.ok(g.precision >= 0.9 && g.recall >= 0.9, JSON.stringify(g));
  const text = glass('entities', file, ...SIM_SCALE);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^\d+ entities of two or more wallets \(\d+ wallets\); \d+ funding links from .*a\.ledger\.ndjson/);
  assert.match(text.stdout, /ENT:0x[0-9a-f]{40} {2}\d+ wallets {2}confidence 0\.990 {2}\d+ funding/);
  assert.match(text.stdout, /0x[0-9a-f]{40} paid 0x[0-9a-f]{40}/);
  // Without the ledger: timing alone, the funder (who never trades) unseen.
  for (const c of clusters('--ledger', 'none')) assert.ok(c.links.every((l) => l.kind !== 'funding'));
});

test('glass entities / syndicates: a malformed ledger is one clear line naming the field', () => {
  const bad = join(dir, 'bad.ledger.ndjson');
  writeFileSync(
    bad,
    `${JSON.stringify({ ts: 1, venue: 'hyperliquid', msg: { request: { type: 'userNonFundingLedgerUpdates', user: `0x${'1'.repeat(40)}` }, response: [{ time: 1, delta: { type: 'internalTransfer', usdc: 'x', destination: `0x${'2'.repeat(40)}` } }] } })}\n`,
  );
  for (const cmd of ['entities', 'syndicates']) {
    const line = assertOneLineError(glass(cmd, file, '--ledger', bad));
    assert.match(line, /bad\.ledger\.ndjson: line 1: msg\.response\[0\]\.delta\.usdc/);
  }
  assert.match(assertOneLineError(glass('entities', file, '--ledger', join(dir, 'none-such'))), /no such file/);
});
