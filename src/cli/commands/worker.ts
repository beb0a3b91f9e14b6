import { hostname } from 'node:os';
import { busNames } from '../../bus/nats/config.ts';
import { connectBus } from '../../bus/nats/connect.ts';
import { Lease, leaseBucket } from '../../bus/nats/lease.ts';
import { type Assignment, assignmentName, runWorker } from '../../bus/nats/worker.ts';
import { stopSignal } from '../../server/serve-engines.ts';
import { openStore } from '../../store/open.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { clusterConfigOption } from '../cluster-config.ts';
import { SIM_WHALES } from '../engines.ts';
import { fmtInt, note } from '../output.ts';

export const workerSpec: CommandSpec = {
  name: 'worker',
  summary: 'Scale-out: runs the engines for some coins from the raw JetStream stream into PostgreSQL and the event stream.',
  usage: '(--coins A,B | --partition i/n) [--owns-scores] [--local] [--db URL] [--config C] [--nats URL] [--prefix P] [--sim-whales]',
  options: {
    coins: { type: 'string' },
    partition: { type: 'string' },
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
    '--coins A,B      the coins this worker answers for',
    '--partition i/n  or: the coins whose hash is i mod n (0 ≤ i < n)',
    "--owns-scores    record every wallet's score (exactly one worker of a cluster does)",
    "--local          read only its coins' subjects and _all (cheaper; scores in events then count only these coins)",
    '--db URL         the shared PostgreSQL store (default GLASS_DATABASE_URL)',
    '--config C       cluster settings file (JSON; default GLASS_CONFIG); the environment overrides it',
    '--nats URL       NATS server(s) (default GLASS_NATS_URL, else 127.0.0.1:4222)',
    '--prefix P       subject and stream prefix (default GLASS_BUS_PREFIX, else glass)',
    '--batch N        raw messages per fetch and store transaction (default 500)',
    "--sim-whales     the simulator's whale thresholds (as glass demo)",
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

export async function workerCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(workerSpec, argv);
  if (p === null) return 0;
  const a = assignment(strOption(p, 'coins'), strOption(p, 'partition'));
  const cfg = clusterConfigOption(p);
  if (cfg.databaseUrl === null) throw new UsageError('no store: give --db postgres://… or GLASS_DATABASE_URL');
  const names = busNames(cfg.prefix);
  const quiet = flag(p, 'quiet');
  const say = (l: string) => {
    if (!quiet) note(`glass worker ${assignmentName(a)}: ${l}`);
  };
  const idle = p.values['idle-exit'] === undefined ? undefined : intOption(p, 'idle-exit', 0, 1, 86_400_000);
  const nc = await connectBus(cfg.natsUrl, `glass-worker-${assignmentName(a)}`);
  const stop = stopSignal();
  const store = await openStore(cfg.databaseUrl).catch(async (e: unknown) => {
    await nc.close();
    throw e;
  });
  try {
    const kv = await leaseBucket(nc, names.leases, cfg.leaseTtlMs);
    const lease = new Lease(kv, `worker.${assignmentName(a)}`, `${hostname()}:${process.pid}`, cfg.leaseTtlMs);
    let lost = false;
    lease.onLost = () => {
      lost = true;
      say('lease lost to another worker; stopping');
    };
    const got = await lease.acquire((h) => say(`standing by (${h.holder} holds this partition)`), stop);
    if (!got) return 0;
    say('active');
    let events = 0;
    const r = await runWorker(nc, cfg, names, store, {
      venue: strOption(p, 'venue') ?? 'hyperliquid',
      assignment: a,
      ownsScores: flag(p, 'owns-scores'),
      mode: flag(p, 'local') ? 'local' : 'exact',
      ...(flag(p, 'sim-whales') ? { whales: SIM_WHALES } : {}),
      batch: intOption(p, 'batch', 500, 1, 100_000),
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
