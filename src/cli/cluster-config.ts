import { type ClusterConfig, loadClusterConfig } from '../bus/nats/config.ts';
import { type Parsed, strOption } from './args.ts';

/** The command-line options that stand for a cluster environment variable (a command takes those it names in its spec). */
const OVERRIDES = [
  ['nats', 'GLASS_NATS_URL'],
  ['prefix', 'GLASS_BUS_PREFIX'],
  ['db', 'GLASS_DATABASE_URL'],
] as const;

/**
 * The cluster settings of a scale-out command: `--config C` (else GLASS_CONFIG) under the
 * environment, with `--nats` / `--prefix` / `--db`, when given, over their variables.
 */
export function clusterConfigOption(p: Parsed): ClusterConfig {
  const env = { ...process.env };
  for (const [opt, name] of OVERRIDES) {
    const v = strOption(p, opt);
    if (v !== undefined) env[name] = v;
  }
  return loadClusterConfig(strOption(p, 'config'), env);
}
