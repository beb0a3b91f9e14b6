import { hostname } from 'node:os';
import { busNames } from '../../bus/nats/config.ts';
import { connectBus } from '../../bus/nats/connect.ts';
import { Lease, leaseBucket } from '../../bus/nats/lease.ts';
import { runWalletOwner, WALLET_OWNER } from '../../bus/nats/wallet-owner.ts';
import { partitionName, runWalletPartition } from '../../bus/nats/wallet-partition.ts';
import { type Assignment, assignmentName, runWorker } from '../../bus/nats/worker.ts';
import { stopSignal } from '../../server/serve-engines.ts';
import { openStore } from '../../store/open.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { clusterConfigOption } from '../cluster-config.ts';
import { SIM_WHALES } from '../engines.ts';
import { fmtInt, note } from '../output.ts';

export const workerSpec: CommandSpec = {
  name: 'worker',
  summary:
    'Scale-out: runs the engines for some coins from the raw JetStream stream into PostgreSQL and the event stream (--role wallets: the wallet owner).',
  usage:
    '(--coins A,B | --partition i/n) [--scores self|owner] [--owns-scores] [--local] | --role wallets [--partition i/n | --merge n]; [--db URL] [--config C] [--nats URL] [--prefix P] [--sim-whales]',
  options: {
    role: { type: 'string' },
    scores: { type: 'string' },
    coins: { type: 'string' },
    partition: { type: 'string' },
    merge: { type: 'string' },
    peers: { type: 'string' },
    'owns-scores': { type: 'boolean' },
    local: { type: 'boolean' },
    db: { type: 'string' },
    config: { type: 'string' },
    nats: { type: 'string' },
    prefix: { type: 'string' },
    venue: { type: 'string' },
    batch: { type: 'string' },
    'sim-whales': { type: 'boolean' },
    'idle-exit': { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  help: [
    '--role wallets   the wallet owner: runs the score engine (and the whale policy and syndicate detector on every',
    '                 coin) once for the cluster, records the scores, publishes the score reads to <prefix>.wallet.reads',
    '  --partition i/n  (with --role wallets) a wallet partition: the score engine for the wallets whose address hashes',
    '                 to i mod n; publishes its evidence to <prefix>.wallet.evidence.<i>of<n> (writes no store)',
    '  --merge n      (with --role wallets) the wallet owner merging n wallet partitions instead of running the score',
    '                 engine itself: the same reads and score records; give it and every partition the same n',
    '--scores owner   (coin workers) take the score reads from the wallet owner instead of running the score engine;',
    "                 the default 'self' runs it in this worker. A cluster with a wallet owner gives every coin worker --scores owner",
    '--coins A,B      the coins this worker answers for',
    '--partition i/n  or: the coins whose hash is i mod n (0 ≤ i < n)',
    "--peers 'A;B,C'  with --coins: every coin worker's --coins in the cluster, ';' between workers (this one's among them):",
    "                 the accuracy ledger is then shared exactly (--partition i/n knows its peers); without it, this worker's coins only",
    "--owns-scores    record every wallet's score (exactly one worker of a cluster does)",
    "--local          read only its coins' subjects and _all (cheaper; scores in events then count only these coins)",
    '--db URL         the shared PostgreSQL store (default GLASS_DATABASE_URL)',
    '--config C       cluster settings file (JSON; default GLASS_CONFIG); the environment overrides it',
    '--nats URL       NATS server(s) (default GLASS_NATS_URL, else 127.0.0.1:4222)',
    '--prefix P       subject and stream prefix (default GLASS_BUS_PREFIX, else glass)',
    '--batch N        raw messages per fetch and store transaction (default 500)',
    "--sim-whales     the simulator's whale thresholds (as glass demo; the wallet owner and the coin workers alike)",
    '--idle-exit MS   exit when nothing arrived for this long (default: run until stopped)',
    'Two workers with the same assignment: one works, the other stands by on the lease and takes over.',
  ],
  positionals: { min: 0, max: 0 },
};

function assignment(coins: string | undefined, partition: string | undefined): Assignment {
  if ((coins === undefined) === (partition === undefined)) throw new UsageError('give one of --coins A,B or --partition i/n');
  if (coins !== undefined) {
    const list = coins
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
    if (list.length === 0) throw new UsageError('--coins: expected a comma-separated list of coins');
    return { kind: 'coins', coins: list };
  }
  const m = /^(\d+)\/(\d+)$/.exec(partition as string);
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (m === null || !(of >= 1) || !(index < of)) throw new UsageError('--partition: expected i/n with 0 ≤ i < n, e.g. 0/3');
  return { kind: 'partition', index, of };
}

/** `--role wallets`: the whole owner, a wallet partition (`--partition i/n`) or the merger of n (`--merge n`). */
function walletPartition(
  partition: string | undefined,
  merge: string | undefined,
): { kind: 'partition'; index: number; of: number } | { kind: 'merge'; of: number } | null {
  if (partition !== undefined && merge !== undefined) throw new UsageError('--role wallets: give --partition i/n or --merge n, not both');
  if (partition !== undefined) {
    const a = assignment(undefined, partition);
    return a.kind === 'partition' ? { kind: 'partition', index: a.index, of: a.of } : null;
  }
  if (merge === undefined) return null;
  const of = Number(merge);
  if (!/^\d+$/.test(merge) || !(of >= 1)) throw new UsageError(`--merge: expected the number of wallet partitions (≥ 1), not "${merge}"`);
  return { kind: 'merge', of };
}

/** `--peers 'BTC;ETH,SOL;HYPE'`: the cluster's coin workers, each one's coins (this worker's among them). */
function peerAssignments(text: string | undefined, self: Assignment | null, local: boolean): Assignment[] | undefined {
  if (text === undefined) return undefined;
  if (self === null || self.kind !== 'coins' || local)
    throw new UsageError('--peers: only with --coins in exact mode (--partition i/n knows its peers; --local keeps its own ledger)');
  const peers = text.split(';').map((part) => assignment(part, undefined));
  const owner = new Map<string, string>();
  for (const x of peers)
    for (const c of x.kind === 'coins' ? x.coins : []) {
      const other = owner.get(c.toUpperCase());
      if (other !== undefined)
        throw new UsageError(`--peers: ${c} is in two workers' coins (${other} and ${x.kind === 'coins' ? x.coins.join(',') : ''})`);
      owner.set(c.toUpperCase(), x.kind === 'coins' ? x.coins.join(',') : '');
    }
  const name = assignmentName(self);
  if (!peers.some((x) => assignmentName(x) === name))
    throw new UsageError(`--peers: this worker's --coins (${self.coins.join(',')}) must be one of them`);
  return peers;
}

export async function workerCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(workerSpec, argv);
  if (p === null) return 0;
  const role = strOption(p, 'role') ?? 'coins';
  if (role !== 'coins' && role !== WALLET_OWNER)
    throw new UsageError(`--role: expected "wallets" (or omit it for a coin worker), not "${role}"`);
  const scores = strOption(p, 'scores') ?? 'self';
  if (scores !== 'self' && scores !== 'owner') throw new UsageError(`--scores: expected self or owner, not "${scores}"`);
  if (
    role === WALLET_OWNER &&
    (strOption(p, 'coins') !== undefined || flag(p, 'owns-scores') || flag(p, 'local') || strOption(p, 'scores') !== undefined)
  )
    throw new UsageError('--role wallets takes no --coins, --scores, --owns-scores or --local: it owns every wallet');
  const walletPart = role === WALLET_OWNER ? walletPartition(strOption(p, 'partition'), strOption(p, 'merge')) : null;
  if (role !== WALLET_OWNER && strOption(p, 'merge') !== undefined) throw new UsageError('--merge: only with --role wallets');
  if (scores === 'owner' && (flag(p, 'owns-scores') || flag(p, 'local')))
    throw new UsageError('--scores owner: the wallet owner records the scores (no --owns-scores) and needs exact mode (no --local)');
  const a: Assignment | null = role === WALLET_OWNER ? null : assignment(strOption(p, 'coins'), strOption(p, 'partition'));
  const peers = peerAssignments(strOption(p, 'peers'), a, flag(p, 'local'));
  const name =
    a !== null
      ? assignmentName(a)
      : walletPart?.kind === 'partition'
        ? `${WALLET_OWNER}-${partitionName(walletPart.index, walletPart.of)}`
        : WALLET_OWNER;
  const cfg = clusterConfigOption(p);
  if (cfg.databaseUrl === null) throw new UsageError('no store: give --db postgres://… or GLASS_DATABASE_URL');
  const names = busNames(cfg.prefix);
  const quiet = flag(p, 'quiet');
  const say = (l: string) => {
    if (!quiet) note(`glass worker ${name}: ${l}`);
  };
  const idle = p.values['idle-exit'] === undefined ? undefined : intOption(p, 'idle-exit', 0, 1, 86_400_000);
  const nc = await connectBus(cfg.natsUrl, `glass-worker-${name}`);
  const stop = stopSignal();
  const store = await openStore(cfg.databaseUrl).catch(async (e: unknown) => {
    await nc.close();
    throw e;
  });
  try {
    const kv = await leaseBucket(nc, names.leases, cfg.leaseTtlMs);
    const lease = new Lease(kv, `worker.${name}`, `${hostname()}:${process.pid}`, cfg.leaseTtlMs);
    let lost = false;
    lease.onLost = () => {
      lost = true;
      say('lease lost to another worker; stopping');
    };
    const got = await lease.acquire((h) => say(`standing by (${h.holder} holds this partition)`), stop);
    if (!got) return 0;
    say('active');
    const venue = strOption(p, 'venue') ?? 'hyperliquid';
    const batch = intOption(p, 'batch', 500, 1, 100_000);
    if (walletPart?.kind === 'partition') {
      const r = await runWalletPartition(nc, cfg, names, {
        venue,
        index: walletPart.index,
        of: walletPart.of,
        batch,
        stopped: () => lost || stop.stopped,
        note: say,
        ...(idle === undefined ? {} : { idleExitMs: idle }),
      });
      await lease.release();
      say(`stopped at raw sequence ${fmtInt(r.lastSeq)}, ${fmtInt(r.records)} evidence updates published`);
      return lost ? 1 : 0;
    }
    if (a === null) {
      const r = await runWalletOwner(nc, cfg, names, store, {
        ...(walletPart?.kind === 'merge' ? { merge: walletPart.of } : {}),
        venue,
        ...(flag(p, 'sim-whales') ? { whales: SIM_WHALES } : {}),
        batch,
        stopped: () => lost || stop.stopped,
        note: say,
        ...(idle === undefined ? {} : { idleExitMs: idle }),
      });
      await lease.release();
      say(`stopped at raw sequence ${fmtInt(r.lastSeq)}, ${fmtInt(r.reads)} score reads published, ${fmtInt(r.scores)} scores written`);
      return lost ? 1 : 0;
    }
    let events = 0;
    const r = await runWorker(nc, cfg, names, store, {
      venue,
      assignment: a,
      ownsScores: flag(p, 'owns-scores'),
      mode: flag(p, 'local') ? 'local' : 'exact',
      scores,
      ...(peers === undefined ? {} : { peers }),
      ...(flag(p, 'sim-whales') ? { whales: SIM_WHALES } : {}),
      batch,
      stopped: () => lost || stop.stopped,
      note: say,
      onCommit: (_seq, n) => {
        events += n;
      },
      ...(idle === undefined ? {} : { idleExitMs: idle }),
    });
    await lease.release();
    say(`stopped at raw sequence ${fmtInt(r.lastSeq)}, ${fmtInt(events)} events written`);
    return lost ? 1 : 0;
  } finally {
    await store.close();
    await nc.close();
  }
}
