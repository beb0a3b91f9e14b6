import { readFileSync } from 'node:fs';
import { InputError } from '../../recording/errors.ts';

/**
 * The cluster's settings, 12-factor: defaults, then a JSON file (`--config F` or GLASS_CONFIG),
 * then the environment, then command-line flags (the command applies those). Every process of a
 * cluster reads the same names; a test gives each run its own `prefix` so runs never share a
 * stream, a consumer or a lease.
 */
export interface ClusterConfig {
  /** NATS server(s), comma-separated (GLASS_NATS_URL). */
  readonly natsUrl: string;
  /** PostgreSQL URL of the shared store (GLASS_DATABASE_URL). */
  readonly databaseUrl: string | null;
  /**
   * Subject root and stream-name stem (GLASS_BUS_PREFIX, default `glass`): subjects
   * `<prefix>.raw.<venue>.<coin>`, `<prefix>.events.<type>.<coin>` and `<prefix>.wallet.reads`,
   * streams `<PREFIX>_RAW`, `<PREFIX>_EVENTS`, `<PREFIX>_WALLET`, KV bucket `<PREFIX>_LEASES`.
   */
  readonly prefix: string;
  /** Oldest raw message kept (ms; GLASS_RAW_MAX_AGE, e.g. 7d): a new worker rebuilds its engines from the stream's start. */
  readonly rawMaxAgeMs: number;
  /** Raw stream size bound (bytes; GLASS_RAW_MAX_BYTES; -1: none). */
  readonly rawMaxBytes: number;
  readonly eventsMaxAgeMs: number;
  readonly eventsMaxBytes: number;
  /** JetStream de-duplication window (ms; GLASS_DEDUP_WINDOW): a republish within it is dropped by message id. */
  readonly dedupWindowMs: number;
  /** Lease time-to-live (ms; GLASS_LEASE_TTL): a killed holder's role is free again after this long. */
  readonly leaseTtlMs: number;
}

export const DEFAULT_CLUSTER: ClusterConfig = {
  natsUrl: '127.0.0.1:4222',
  databaseUrl: null,
  prefix: 'glass',
  rawMaxAgeMs: 7 * 86_400_000,
  rawMaxBytes: -1,
  eventsMaxAgeMs: 30 * 86_400_000,
  eventsMaxBytes: -1,
  dedupWindowMs: 10 * 60_000,
  leaseTtlMs: 5_000,
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTES: Record<string, number> = { b: 1, kb: 1 << 10, mb: 1 << 20, gb: 1 << 30, tb: 2 ** 40 };

/** `250ms`, `30s`, `10m`, `7d` or a bare number of ms. */
export function parseDuration(v: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (m === null) throw new InputError(`${field}: "${v}" is not a duration (e.g. 500ms, 30s, 10m, 7d)`);
  return Math.round(Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number));
}

/** `512mb`, `10gb`, a bare number of bytes, or -1 for no bound. */
export function parseBytes(v: string, field: string): number {
  if (v.trim() === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb|tb)?$/i.exec(v.trim());
  if (m === null) throw new InputError(`${field}: "${v}" is not a size (e.g. 512mb, 10gb, -1)`);
  return Math.round(Number(m[1]) * (BYTES[(m[2] ?? 'b').toLowerCase()] as number));
}

const PREFIX_RE = /^[A-Za-z][A-Za-z0-9_-]{0,40}$/;

/** Environment names → fields, with how each is read. */
const ENV: readonly [string, keyof ClusterConfig, 'str' | 'ms' | 'bytes'][] = [
  ['GLASS_NATS_URL', 'natsUrl', 'str'],
  ['GLASS_DATABASE_URL', 'databaseUrl', 'str'],
  ['GLASS_BUS_PREFIX', 'prefix', 'str'],
  ['GLASS_RAW_MAX_AGE', 'rawMaxAgeMs', 'ms'],
  ['GLASS_RAW_MAX_BYTES', 'rawMaxBytes', 'bytes'],
  ['GLASS_EVENTS_MAX_AGE', 'eventsMaxAgeMs', 'ms'],
  ['GLASS_EVENTS_MAX_BYTES', 'eventsMaxBytes', 'bytes'],
  ['GLASS_DEDUP_WINDOW', 'dedupWindowMs', 'ms'],
  ['GLASS_LEASE_TTL', 'leaseTtlMs', 'ms'],
];

/** The file's keys are the field names (`natsUrl`, `rawMaxAge: "7d"` …); durations and sizes as strings or numbers. */
const FILE_KEYS: Record<string, [keyof ClusterConfig, 'str' | 'ms' | 'bytes']> = {
  natsUrl: ['natsUrl', 'str'],
  databaseUrl: ['databaseUrl', 'str'],
  prefix: ['prefix', 'str'],
  rawMaxAge: ['rawMaxAgeMs', 'ms'],
  rawMaxBytes: ['rawMaxBytes', 'bytes'],
  eventsMaxAge: ['eventsMaxAgeMs', 'ms'],
  eventsMaxBytes: ['eventsMaxBytes', 'bytes'],
  dedupWindow: ['dedupWindowMs', 'ms'],
  leaseTtl: ['leaseTtlMs', 'ms'],
};

function read(kind: 'str' | 'ms' | 'bytes', v: unknown, field: string): string | number {
  if (kind === 'str') {
    if (typeof v !== 'string' || v.length === 0) throw new InputError(`${field}: expected a non-empty string`);
    return v;
  }
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  return kind === 'ms' ? parseDuration(s, field) : parseBytes(s, field);
}

/** Defaults ← file ← environment. `file` is the --config value (else GLASS_CONFIG). */
export function loadClusterConfig(file?: string, env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const c: Record<string, unknown> = { ...DEFAULT_CLUSTER };
  const path = file ?? env.GLASS_CONFIG;
  if (path !== undefined && path !== '') {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new InputError(`${path}: cannot read the cluster config (${(e as Error).message})`, { cause: e });
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`${path}: the cluster config is a JSON object`);
    for (const [k, v] of Object.entries(doc)) {
      const f = FILE_KEYS[k];
      if (f === undefined) throw new InputError(`${path}: unknown key "${k}" (known: ${Object.keys(FILE_KEYS).join(', ')})`);
      c[f[0]] = read(f[1], v, `${path}: ${k}`);
    }
  }
  for (const [name, key, kind] of ENV) {
    const v = env[name];
    if (v !== undefined && v !== '') c[key] = read(kind, v, name);
  }
  const cfg = c as unknown as ClusterConfig;
  if (!PREFIX_RE.test(cfg.prefix)) throw new InputError(`prefix: "${cfg.prefix}" must be a letter then letters, digits, _ or - (up to 41)`);
  return cfg;
}

/** Stream, bucket and subject names derived from the prefix. */
export interface BusNames {
  readonly rawStream: string;
  readonly eventsStream: string;
  /** The wallet owner's score reads (`<prefix>.wallet.reads`), kept as long as the raw stream. */
  readonly walletStream: string;
  readonly walletSubject: string;
  /** Wallet partitions' evidence updates for the merger (`<prefix>.wallet.evidence.<i>of<n>`, wallet-partition.ts). */
  readonly walletEvidenceStream: string;
  /** Coin workers' grades and labels for the shared accuracy ledger (`<prefix>.ledger.<worker>`), kept as long as the raw stream. */
  readonly ledgerStream: string;
  ledgerSubject(worker: string): string;
  readonly leases: string;
  rawSubject(venue: string, coin: string): string;
  rawVenue(venue: string): string;
  eventSubject(type: string, coin: string): string;
  readonly eventsAll: string;
}

export function busNames(prefix: string): BusNames {
  const stem = prefix.toUpperCase().replace(/-/g, '_');
  return {
    rawStream: `${stem}_RAW`,
    eventsStream: `${stem}_EVENTS`,
    walletStream: `${stem}_WALLET`,
    walletSubject: `${prefix}.wallet.reads`,
    walletEvidenceStream: `${stem}_WALLET_EVIDENCE`,
    ledgerStream: `${stem}_LEDGER`,
    ledgerSubject: (worker) => `${prefix}.ledger.${worker}`,
    leases: `${stem}_LEASES`,
    rawSubject: (venue, coin) => `${prefix}.raw.${venue}.${coin}`,
    rawVenue: (venue) => `${prefix}.raw.${venue}.>`,
    eventSubject: (type, coin) => `${prefix}.events.${type}.${coin}`,
    eventsAll: `${prefix}.events.>`,
  };
}
