import { jetstreamManager } from '@nats-io/jetstream';
import { busNames } from '../../bus/nats/config.ts';
import { connectBus } from '../../bus/nats/connect.ts';
import { clusterStatus, statusText } from '../../bus/nats/status.ts';
import { type CommandSpec, flag, parseCommand, UsageError } from '../args.ts';
import { clusterConfigOption } from '../cluster-config.ts';
import { out, printJson } from '../output.ts';

export const clusterSpec: CommandSpec = {
  name: 'cluster',
  summary: "Scale-out: `glass cluster status` shows the streams, the consumers and each worker's lag.",
  usage: 'status [--json] [--config C] [--nats URL] [--prefix P]',
  options: { json: { type: 'boolean' }, config: { type: 'string' }, nats: { type: 'string' }, prefix: { type: 'string' } },
  help: [
    '--json       one JSON document on stdout',
    '--config C   cluster settings file (JSON; default GLASS_CONFIG); the environment overrides it',
    '--nats URL   NATS server(s) (default GLASS_NATS_URL, else 127.0.0.1:4222)',
    '--prefix P   subject and stream prefix (default GLASS_BUS_PREFIX, else glass)',
  ],
  positionals: { min: 1, max: 1 },
};

export async function clusterCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(clusterSpec, argv);
  if (p === null) return 0;
  if (p.positionals[0] !== 'status') throw new UsageError(`unknown subcommand "${p.positionals[0]}" (known: status)`);
  const cfg = clusterConfigOption(p);
  const nc = await connectBus(cfg.natsUrl, 'glass-cluster-status');
  try {
    const s = await clusterStatus(await jetstreamManager(nc), nc, busNames(cfg.prefix));
    if (flag(p, 'json')) await printJson(s);
    else out.write(statusText(s));
    return 0;
  } finally {
    await nc.close();
  }
}
