import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { busNames } from '../../src/bus/nats/config.ts';
import { connectBus } from '../../src/bus/nats/connect.ts';
import { LINE_HEADER } from '../../src/bus/nats/raw.ts';
import { dropStreams } from '../../src/bus/nats/streams.ts';
import { walletCovered } from '../../src/bus/nats/wallet-owner.ts';
import { SIM_WHALES } from '../../src/cli/engines.ts';
import { ingestFile } from '../../src/store/ingest.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import type { EventRecord } from '../../src/store/types.ts';
import { freshSchemaUrl, PG_URL, pgUnreachable } from '../store/pg.ts';
import { exitsOk, NATS, natsDown, run, until } from './processes.ts';

/** The cluster's coin workers, for each one's --peers: they share one accuracy ledger (ledger-exchange.ts). */
const PEERS = 'BTC;ETH,SOL;HYPE';

/** Event types whose fields (or whose being emitted at all) come from the shared accuracy ledger and cascade fit. */
const LEDGER_TYPES = new Set(['WHALE_NEAR_ZONE', 'SYNDICATE_NEAR_ZONE', 'CASCADE_RISK']);

/**
 * Per coin, the cluster's events against the single process's: the same event ids in the same
 * order, the same payloads — the accuracy ledger's fields too — and receive times. Returns what it saw.
 */
function sameAsSingle(ref: readonly EventRecord[], got: readonly EventRecord[]): string {
  assert.equal(new Set(got.map((e) => e.id)).size, got.length);
  const coins = [...new Set(ref.map((e) => e.coin))].sort();
  assert.deepEqual([...new Set(got.map((e) => e.coin))].sort(), coins);
  for (const coin of coins) {
    const a = ref.filter((e) => e.coin === coin);
    const b = got.filter((e) => e.coin === coin);
    assert.deepEqual(
      b.map((e) => (e.event as { id: string }).id),
      a.map((e) => (e.event as { id: string }).id),
      `${coin}: same ids in the same order`,
    );
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as EventRecord;
      const y = b[i] as EventRecord;
      assert.equal(JSON.stringify(y.event), JSON.stringify(x.event), `${coin} #${i} ${x.type}: same payload`);
      assert.equal(y.receivedAt, x.receivedAt);
    }
  }
  const fromLedger = ref.filter((e) => LEDGER_TYPES.has(e.type)).length;
  return `${ref.length} events, ${coins.length} coins, all equal (${fromLedger} of the ledger-decided types)`;
}

test('cluster: ingest standby takeover, three workers (one SIGKILLed and replaced) equal the single process; so do three coin workers with the wallet owner (both SIGKILLed and replaced)', {
  timeout: 600_000,
}, async (t) => {
  const down = (await natsDown()) ?? (await pgUnreachable());
  if (down !== null) {
    t.skip(`NATS at ${NATS} or PostgreSQL at ${new URL(PG_URL).host} unreachable: ${down}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glass-bus-'));
  const prefix = `t${process.pid}x${Date.now().toString(36)}`;
  const names = busNames(prefix);
  const refUrl = freshSchemaUrl('busref');
  const clusterUrl = freshSchemaUrl('buscluster');
  const ownerUrl = freshSchemaUrl('busowner');
  const env = {
    GLASS_NATS_URL: NATS,
    GLASS_BUS_PREFIX: prefix,
    GLASS_LEASE_TTL: '3000',
    GLASS_DATABASE_URL: clusterUrl,
    GLASS_PROGRESS: '0',
  };
  const nc = await connectBus(NATS, 'glass-test');
  const procs: ChildProcess[] = [];
  /** Stores opened below, closed at the end even when an assertion fails (an open pool keeps the runner alive). */
  const opened: PostgresStore[] = [];
  t.after(async () => {
    for (const c of procs) if (c.exitCode === null) c.kill('SIGKILL');
    for (const s of opened) await s.close().catch(() => {});
    await dropStreams(nc, names);
    await dropStreams(nc, busNames(`${prefix}w`));
    await nc.close();
    for (const u of [refUrl, clusterUrl, ownerUrl]) {
      const s = new PostgresStore(u, { max: 1 });
      await s.dropSchema().catch(() => {});
      await s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const rec = join(dir, 'sim.ndjson');
  // Eight hours: the shared ledger's verdicts and the cascade fit take 4-hour grades, so past ~4 h
  // they decide fields (35 events of this recording differ when the workers do not share them: the
  // in-memory test; a two-hour recording has no grade and would check only the wiring).
  // GLASS_TEST_CLUSTER_HOURS changes it.
  const hours = process.env.GLASS_TEST_CLUSTER_HOURS ?? '8';
  const sim = run(['sim', '--hours', hours, '--wallets', '2000', '--seed', '11', '--out', rec], {});
  procs.push(sim.child);
  await exitsOk({ sim });

  // The single process: glass replay --db, the engines as glass demo runs them.
  await ingestFile(refUrl, rec, undefined, { whales: SIM_WHALES, note: () => {} });
  const refStore = new PostgresStore(refUrl, { max: 1 });
  const ref = await refStore.events({ limit: 1_000_000 });
  await refStore.close();
  assert.ok(ref.length > 100, `the recording makes events (${ref.length})`);

  // Ingest: an active paced so it is killed mid-recording, a standby that takes over.
  const active = run(['ingest', rec, '--rate', '600', '--exit-when-done'], env);
  procs.push(active.child);
  await until('the active ingest to hold the lease', async () => active.err().includes('active for'));
  const standby = run(['ingest', rec, '--exit-when-done'], env);
  procs.push(standby.child);
  await until('the standby to stand by', async () => standby.err().includes('standing by'));
  const jsm = await jetstreamManager(nc);
  await until('part of the recording on the stream', async () => (await jsm.streams.info(names.rawStream)).state.messages > 3000);
  active.child.kill('SIGKILL');
  await exitsOk({ standby });
  assert.match(standby.err(), /resuming after line/);
  const lines = (await import('node:fs'))
    .readFileSync(rec, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0).length;
  const raw = await jsm.streams.info(names.rawStream);
  assert.equal(raw.state.messages, lines, 'every line on the stream once: no gap, no double');
  // Lines in order, each once (the stream sequence follows the recording).
  let expect = 1;
  for (let seq = 1; seq <= raw.state.last_seq; seq += 997) {
    const m = await jsm.streams.getMessage(names.rawStream, { seq });
    assert.equal(Number(m?.header?.get(LINE_HEADER)), seq, `raw sequence ${seq} carries line ${seq}`);
    expect = seq;
  }
  assert.ok(expect > 1);

  // Three workers; the ETH,SOL one is killed with SIGKILL once it has committed a fifth of the stream, and replaced.
  const w = (coins: string, extra: string[] = []) => {
    const r = run(['worker', '--coins', coins, '--peers', PEERS, '--sim-whales', '--idle-exit', '3000', ...extra], env);
    procs.push(r.child);
    return r;
  };
  const w1 = w('BTC', ['--owns-scores']);
  const w2 = w('ETH,SOL', ['--batch', '200']);
  const w3 = w('HYPE');
  const cluster = new PostgresStore(clusterUrl, { max: 1 });
  opened.push(cluster);
  const source = `bus:${names.rawStream}:worker-coins-ETH-SOL`;
  await until(
    'the ETH,SOL worker to commit a fifth of the stream',
    async () => ((await cluster.cursor(source).catch(() => null))?.position ?? 0) >= lines / 5,
    120_000,
    10,
  );
  w2.child.kill('SIGKILL');
  await w2.done;
  const killedAt = (await cluster.cursor(source))?.position ?? 0;
  assert.ok(killedAt < lines, `killed mid-stream (at raw sequence ${killedAt} of ${lines})`);
  const w2b = w('ETH,SOL', ['--batch', '200']);
  await exitsOk({ 'BTC worker': w1, 'HYPE worker': w3, 'replacement ETH,SOL worker': w2b });
  assert.match(w2b.err(), /rebuilding from the stream's start/);

  for (const x of [w1, w3, w2b]) assert.doesNotMatch(x.err(), /came after their place|going on without/);
  // The grades each worker stored for its coins are the single process's.
  const byId = (gs: readonly { grade: { id: string } }[]) => gs.map((g) => JSON.stringify(g.grade)).sort();
  const refGradeStore = new PostgresStore(refUrl, { max: 1 });
  const refGrades = byId(await refGradeStore.grades({ limit: 1_000_000 }));
  await refGradeStore.close();
  const clusterGrades = byId(await cluster.grades({ limit: 1_000_000 }));
  assert.ok(Number(hours) < 6 || refGrades.length > 100, `the ledger graded (${refGrades.length})`);
  assert.deepEqual(clusterGrades, refGrades, "the workers stored the single process's grades");
  const exchanged = (await jsm.streams.info(names.ledgerStream)).state.messages;
  assert.ok(exchanged > 0, 'the workers exchanged their grades');
  const got = await cluster.events({ limit: 1_000_000 });
  await cluster.close();
  const events = await jsm.streams.info(names.eventsStream);
  assert.equal(events.state.messages, got.length, 'each stored event once on the event stream');
  t.diagnostic(
    `each worker running the score engine: ${sameAsSingle(ref, got)}; killed worker at raw seq ${killedAt}; ${exchanged} ledger-exchange messages; ${refGrades.length} grades stored equal`,
  );

  // The same with the wallet owner: three coin workers take the score reads from it instead of
  // running the score engine; the owner is killed with SIGKILL mid-stream and replaced, then a coin worker.
  const prefix2 = `${prefix}w`;
  const names2 = busNames(prefix2);
  const env2 = { ...env, GLASS_BUS_PREFIX: prefix2, GLASS_DATABASE_URL: ownerUrl };
  const ingest2 = run(['ingest', rec, '--exit-when-done'], env2);
  procs.push(ingest2.child);
  await exitsOk({ ingest: ingest2 });
  const ow = (args: string[]) => {
    const r = run(['worker', '--sim-whales', '--idle-exit', '3000', ...args], env2);
    procs.push(r.child);
    return r;
  };
  const owner = ow(['--role', 'wallets']);
  // Active means its store is migrated: processes migrating one fresh schema at the same moment can collide.
  await until('the wallet owner to be active', async () => owner.err().includes(': active'));
  const c1 = ow(['--coins', 'BTC', '--peers', PEERS, '--scores', 'owner']);
  const c2 = ow(['--coins', 'ETH,SOL', '--peers', PEERS, '--scores', 'owner', '--batch', '200']);
  const c3 = ow(['--coins', 'HYPE', '--peers', PEERS, '--scores', 'owner']);
  const store2 = new PostgresStore(ownerUrl, { max: 1 });
  opened.push(store2);
  const coinSource = `bus:${names2.rawStream}:worker-coins-ETH-SOL`;
  const at = async (src: string) => (await store2.cursor(src).catch(() => null))?.position ?? 0;
  // The owner's progress: the raw sequence its published reads cover (it commits only when it has score records).
  const covered = () => walletCovered(jsm, names2).catch(() => 0);
  await until('the wallet owner to cover a fifth of the stream', async () => (await covered()) >= lines / 5, 120_000, 10);
  owner.child.kill('SIGKILL');
  await owner.done;
  const ownerKilledAt = await covered();
  assert.ok(ownerKilledAt < lines, `owner killed mid-stream (at raw sequence ${ownerKilledAt} of ${lines})`);
  const owner2 = ow(['--role', 'wallets']);
  await until(
    'the ETH,SOL coin worker to commit two fifths of the stream',
    async () => (await at(coinSource)) >= (2 * lines) / 5,
    180_000,
    10,
  );
  // The replacement starts after the owner has published its last reads: the case where a
  // replacement once attached to its predecessor's wallet-stream consumer and waited forever.
  await until('the replacement wallet owner to cover the stream', async () => (await covered()) >= lines, 180_000, 10);
  c2.child.kill('SIGKILL');
  await c2.done;
  const coinKilledAt = await at(coinSource);
  assert.ok(coinKilledAt < lines, `coin worker killed mid-stream (at raw sequence ${coinKilledAt} of ${lines})`);
  const c2b = ow(['--coins', 'ETH,SOL', '--peers', PEERS, '--scores', 'owner', '--batch', '200']);
  await exitsOk({
    'replacement wallet owner': owner2,
    'BTC coin worker': c1,
    'HYPE coin worker': c3,
    'replacement ETH,SOL coin worker': c2b,
  });
  assert.match(owner2.err(), /rebuilding from the stream's start/);
  for (const x of [c1, c3, c2b]) assert.doesNotMatch(x.err(), /score reads the wallet owner had not published|came after their place/);
  const got2 = await store2.events({ limit: 1_000_000 });
  const events2 = await jsm.streams.info(names2.eventsStream);
  assert.equal(events2.state.messages, got2.length, 'each stored event once on the event stream');
  const scoredEvents = got2.filter((e) => typeof (e.event as { score?: unknown }).score === 'number').length;
  // The scores the owner recorded are the single process's (before its end-of-input table).
  const lastTime = Math.max(...ref.map((e) => e.time));
  const scoresAt = lastTime - 10 * 60_000;
  const refStore2 = new PostgresStore(refUrl, { max: 1 });
  const refScores = await refStore2.scores({ at: scoresAt, limit: 1_000_000 });
  await refStore2.close();
  const ownerScores = await store2.scores({ at: scoresAt, limit: 1_000_000 });
  await store2.close();
  assert.ok(refScores.length > 0, 'the single process recorded scores');
  assert.deepEqual(ownerScores, refScores, "the wallet owner recorded the single process's scores");
  t.diagnostic(
    `with the wallet owner: ${sameAsSingle(ref, got2)}; ${scoredEvents} events carry a score; ${refScores.length} wallets' scores equal; ` +
      `owner killed at raw seq ${ownerKilledAt}, coin worker at ${coinKilledAt}`,
  );
});
