import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { busNames, DEFAULT_CLUSTER } from '../../src/bus/nats/config.ts';
import { connectBus } from '../../src/bus/nats/connect.ts';
import { dropStreams } from '../../src/bus/nats/streams.ts';
import { evidenceCovered, evidenceSubject } from '../../src/bus/nats/wallet-partition.ts';
import { SIM_WHALES } from '../../src/cli/engines.ts';
import { ingestFile } from '../../src/store/ingest.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { EventRecord } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../store/pg.ts';
import { exitsOk, NATS, natsDown, run, until } from './processes.ts';

/**
 * The wallet owner split by wallet hash on the real bus: two wallet partitions (`--role wallets
 * --partition i/2`), the merger (`--role wallets --merge 2`) and a coin worker taking its score reads
 * give the single process's events and score records; partition 1/2 is killed with SIGKILL
 * mid-stream and replaced (it rebuilds and publishes after what its subject covers).
 */
test('wallet partitions: two partitions (one SIGKILLed and replaced) + merger + coin worker equal the single process', {
  timeout: 900_000,
}, async (t) => {
  const down = (await natsDown()) ?? (await pgUnreachable());
  if (down !== null) {
    t.skip(`NATS at ${NATS} or PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glass-wallet-partitions-'));
  const prefix = `t${process.pid}p${Date.now().toString(36)}`;
  const names = busNames(prefix);
  const cfg = { ...DEFAULT_CLUSTER, prefix };
  const refUrl = freshSchemaUrl('wpref');
  const url = freshSchemaUrl('wpcluster');
  const env = { GLASS_NATS_URL: NATS, GLASS_BUS_PREFIX: prefix, GLASS_LEASE_TTL: '3000', GLASS_DATABASE_URL: url, GLASS_PROGRESS: '0' };
  const nc = await connectBus(NATS, 'glass-test');
  const jsm = await jetstreamManager(nc);
  const procs: ChildProcess[] = [];
  const opened: PostgresStore[] = [];
  t.after(async () => {
    for (const c of procs) if (c.exitCode === null) c.kill('SIGKILL');
    for (const s of opened) await s.close().catch(() => {});
    await dropStreams(nc, names);
    await jsm.streams.delete(names.walletEvidenceStream).catch(() => false);
    await nc.close();
    for (const u of [refUrl, url]) {
      const s = new PostgresStore(u, { max: 1 });
      await s.dropSchema().catch(() => {});
      await s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const rec = join(dir, 'sim.ndjson');
  const sim = run(['sim', '--hours', process.env.GLASS_TEST_CLUSTER_HOURS ?? '2', '--wallets', '2000', '--seed', '11', '--out', rec], {});
  procs.push(sim.child);
  await exitsOk({ sim });
  const lines = readFileSync(rec, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;

  // The single process: glass replay --db, its score ticks read as the merger can read them
  // (unsettled: the merger holds no bets to settle; docs/scale-out.md).
  await ingestFile(refUrl, rec, undefined, { whales: SIM_WHALES, note: () => {}, recorder: { settleScores: false } });
  const refStore = new PostgresStore(refUrl, { max: 1 });
  opened.push(refStore);
  const ref = await refStore.events({ limit: 1_000_000 });
  assert.ok(ref.length > 100, `the recording makes events (${ref.length})`);

  const ingest = run(['ingest', rec, '--exit-when-done'], env);
  procs.push(ingest.child);
  await exitsOk({ ingest });

  const w = (args: string[]) => {
    const r = run(['worker', '--sim-whales', '--idle-exit', '4000', ...args], env);
    procs.push(r.child);
    return r;
  };
  const merger = w(['--role', 'wallets', '--merge', '2']);
  await until('the merger to be active', async () => merger.err().includes(': active'));
  const p0 = w(['--role', 'wallets', '--partition', '0/2']);
  const p1 = w(['--role', 'wallets', '--partition', '1/2', '--batch', '200']);
  const coins = w(['--coins', 'BTC,ETH,SOL,HYPE', '--scores', 'owner']);
  const covered = () => evidenceCovered(jsm, names, evidenceSubject(cfg, 1, 2)).catch(() => 0);
  await until('partition 1/2 to cover a fifth of the stream', async () => (await covered()) >= lines / 5, 180_000, 20);
  p1.child.kill('SIGKILL');
  await p1.done;
  const killedAt = await covered();
  assert.ok(killedAt < lines, `partition killed mid-stream (at raw sequence ${killedAt} of ${lines})`);
  const p1b = w(['--role', 'wallets', '--partition', '1/2', '--batch', '200']);
  await exitsOk({ 'partition 0/2': p0, 'replacement partition 1/2': p1b, merger, 'coin worker': coins }, 300_000);
  assert.match(p1b.err(), /rebuilding from the stream's start; evidence published to raw sequence/);
  assert.doesNotMatch(coins.err(), /score reads the wallet owner had not published/);
  assert.match(merger.err(), /score reads published/);
  assert.doesNotMatch(merger.err(), / 0 score reads published/, 'the merger published score reads');

  const store = new PostgresStore(url, { max: 1 });
  opened.push(store);
  const got = await store.events({ limit: 1_000_000 });
  assert.equal(new Set(got.map((e) => e.id)).size, got.length);
  const coinList = [...new Set(ref.map((e) => e.coin))].sort();
  for (const coin of coinList) {
    const a = ref.filter((e) => e.coin === coin);
    const b = got.filter((e) => e.coin === coin);
    assert.deepEqual(
      b.map((e) => (e.event as { id: string }).id),
      a.map((e) => (e.event as { id: string }).id),
      `${coin}: same ids in the same order`,
    );
    for (let i = 0; i < a.length; i++)
      assert.equal(JSON.stringify((b[i] as EventRecord).event), JSON.stringify((a[i] as EventRecord).event), `${coin} #${i}: same payload`);
  }
  const scored = got.filter((e) => typeof (e.event as { score?: unknown }).score === 'number').length;
  const lastTime = Math.max(...ref.map((e) => e.time));
  const at = lastTime - 10 * 60_000;
  const refScores = await refStore.scores({ at, limit: 1_000_000 });
  const gotScores = await store.scores({ at, limit: 1_000_000 });
  assert.ok(refScores.length > 0, 'the single process recorded scores');
  assert.deepEqual(gotScores, refScores, "the merger recorded the single process's scores");
  const evidence = (await jsm.streams.info(names.walletEvidenceStream)).state.messages;
  t.diagnostic(
    `${ref.length} events equal (${scored} carry a score), ${refScores.length} wallets' scores equal; ${evidence} evidence messages; partition 1/2 killed at raw seq ${killedAt} of ${lines}`,
  );
});
