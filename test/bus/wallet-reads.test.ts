import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { busNames, DEFAULT_CLUSTER } from '../../src/bus/nats/config.ts';
import { connectBus } from '../../src/bus/nats/connect.ts';
import { dropStreams, ensureStreams } from '../../src/bus/nats/streams.ts';
import { decodeReads, encodeReads, openWalletReads, RemoteScores, StreamTicks, type WalletReads } from '../../src/bus/nats/wallet-state.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';

const NATS = process.env.GLASS_TEST_NATS_URL ?? '127.0.0.1:4222';

/** Feeds a reader into `remote` until its reads cover `to` or `ms` pass; the covered sequence. */
async function readUntil(reads: WalletReads, remote: RemoteScores, to: number, ms: number): Promise<number> {
  const timer = setTimeout(() => void reads.messages.close(), ms);
  try {
    for await (const m of reads.messages) {
      remote.add(decodeReads(m.data));
      if (remote.covered >= to) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return remote.covered;
}

test('wallet reads: a replacement coin worker reads the wallet stream from its first message though its SIGKILLed predecessor read it all', async (t) => {
  const nc = await connectBus(NATS, 'glass-test-wallet-reads', 2000).catch((e: Error) => e);
  if (nc instanceof Error) {
    t.skip(`NATS at ${NATS} unreachable: ${nc.message}`);
    return;
  }
  const prefix = `t${process.pid}r${Date.now().toString(36)}`;
  const names = busNames(prefix);
  const others: Awaited<ReturnType<typeof connectBus>>[] = [];
  t.after(async () => {
    for (const c of others) await c.close().catch(() => {});
    await dropStreams(nc, names);
    await nc.close();
  });
  await ensureStreams(nc, { ...DEFAULT_CLUSTER, prefix }, names);
  // The owner published everything before the predecessor died: reads for raw sequences 1…30.
  const js = jetstream(nc);
  for (const [from, to] of [
    [1, 10],
    [11, 20],
    [21, 30],
  ] as const)
    await js.publish(names.walletSubject, encodeReads({ from, to, r: [from, 0, 7, 42] }), { msgID: `reads:${from}-${to}` });

  // The predecessor reads the whole stream, then dies without a word (its consumer stays on the server).
  const before = await connectBus(NATS, 'glass-test-predecessor', 2000);
  others.push(before);
  const first = await openWalletReads(before, names, 'coins-ETH-SOL');
  const r1 = new RemoteScores(new StreamTicks(new Pipeline()));
  assert.equal(await readUntil(first, r1, 30, 10_000), 30, 'the predecessor read the stream');
  await before.close(); // like SIGKILL: nothing closed or deleted

  // The replacement, same worker name: it must get every read again, from raw sequence 1.
  const after = await connectBus(NATS, 'glass-test-replacement', 2000);
  others.push(after);
  const second = await openWalletReads(after, names, 'coins-ETH-SOL');
  const r2 = new RemoteScores(new StreamTicks(new Pipeline()));
  const covered = await readUntil(second, r2, 30, 10_000);
  await second.close();
  assert.equal(covered, 30, `the replacement's reads cover raw sequence ${covered} of 30 after 10 s`);
});
