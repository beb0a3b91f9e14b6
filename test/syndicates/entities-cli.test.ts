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
import { readFixture } from '../helpers/fixtures.ts';

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
    `${JSON.stringify({ ts: 1, venue: 'hyperliquid', msg: { request: { type: 'userNonFundingLedgerUpdates', user: `0x${'1'.repeat(40)}` }, response: [{ time: 1, hash: `0x${'0'.repeat(64)}`, delta: { type: 'internalTransfer', usdc: 'x', user: `0x${'1'.repeat(40)}`, destination: `0x${'2'.repeat(40)}` } }] } })}\n`,
  );
  for (const cmd of ['entities', 'syndicates']) {
    const line = assertOneLineError(glass(cmd, file, '--ledger', bad));
    assert.match(line, /bad\.ledger\.ndjson: line 1: field msg\.response\[0\]\.delta\.usdc: expected a decimal string/);
  }
  assert.match(assertOneLineError(glass('entities', file, '--ledger', join(dir, 'none-such'))), /no such file/);
});

test("glass entities: ledger updates in the recording itself (the live venue's, for tracked wallets) link wallets as they come", () => {
  // The documented WebSocket shape (not captured): U's ledger snapshot, a live transfer V → U reported to both.
  const frames = readFixture('hyperliquid-ws/userNonFundingLedgerUpdates.documented.json') as { channel: string; data: unknown }[];
  const trades = (readFixture('hyperliquid-ws/trades_BTC_with_users.json') as { time: number }[]).slice(0, 10);
  const t0 = 1_751_364_000_000;
  const f = join(dir, 'live.ndjson');
  const w = new RecordingWriter(f);
  w.write(t0 - 1000, 'hyperliquid', { channel: 'trades', data: trades.map((t, i) => ({ ...t, time: t0 - 1000 + i })) });
  frames.forEach((m, i) => {
    w.write(t0 + 1_000_000 + i, 'hyperliquid', m);
  });
  w.close();
  const U = '0x3b1f5a9c7e2d4f60a8b9c0d1e2f3a4b5c6d7e8f9';
  const V = '0x8c2e6d4a1b3f5e7092a4c6e8f0b2d4f6a8c0e2d4';
  const text = glass('entities', f, '--ledger', 'none', '--all-wallets');
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stderr, /line \d+:/, 'no line of the recording rejected');
  assert.match(text.stdout, /no funding links from a file; 5 funding links from the recording's ledger updates \(5 transfers, 0 matched/);
  assert.match(text.stdout, new RegExp(`${U} paid ${V}`));
  const r = glass('entities', f, '--json', '--ledger', 'none', '--all-wallets');
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EntityCluster);
  assert.equal(got.length, 1);
  const c = got[0] as EntityCluster;
  // U paid V, S (sub-account) and X; W paid U: one entity, every link a funding link with its time.
  assert.deepEqual(c.wallets.length, 5);
  assert.ok(c.wallets.includes(U) && c.wallets.includes(V));
  const uv = c.links.find((l) => l.a === U && l.b === V);
  assert.equal(uv?.kind, 'funding');
  assert.equal(uv?.time, t0 + 120_000);
  // Without the recording's ledger updates there is nothing to link.
  const bare = join(dir, 'bare.ndjson');
  const wb = new RecordingWriter(bare);
  wb.write(t0 - 1000, 'hyperliquid', { channel: 'trades', data: trades.map((t, i) => ({ ...t, time: t0 - 1000 + i })) });
  wb.close();
  assert.match(glass('entities', bare, '--ledger', 'none', '--all-wallets').stdout, /^0 entities/);
});
