import { InputError } from '../recording/errors.ts';
import type { RetentionPolicy, Store } from './types.ts';

/** Keeps everything: the default when neither --retention nor GLASS_RETENTION says otherwise. */
export const KEEP_ALL: RetentionPolicy = { eventsMs: null, heatmapsMs: null, positionsMs: null, scoresMs: null };

const TABLES: Record<string, keyof RetentionPolicy> = {
  events: 'eventsMs',
  heatmaps: 'heatmapsMs',
  positions: 'positionsMs',
  scores: 'scoresMs',
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `events=30d,heatmaps=7d,positions=7d,scores=90d` → a policy (a table not named is kept forever;
 * `forever` says so explicitly). Windows are venue time back from the table's newest row.
 * `from` names where the text came from (`--retention`, `GLASS_RETENTION`) in the error.
 */
export function parseRetention(text: string, from = '--retention'): RetentionPolicy {
  const out: { -readonly [K in keyof RetentionPolicy]: number | null } = { ...KEEP_ALL };
  for (const part of text.split(',').map((x) => x.trim())) {
    if (part === '') continue;
    const m = /^([a-z]+)=(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w)|(forever))$/.exec(part);
    const key = m === null ? undefined : TABLES[m[1] as string];
    if (m === null || key === undefined) {
      throw new InputError(
        `${from}: expected table=age such as events=30d,heatmaps=7d,positions=7d,scores=90d (tables ${Object.keys(TABLES).join(', ')}; units ms s m h d w; or forever), got ${part}`,
      );
    }
    const ms = m[4] === 'forever' ? null : Number(m[2]) * (UNIT_MS[m[3] as string] as number);
    if (ms !== null && !(ms > 0)) throw new InputError(`${from}: ${m[1]} must keep more than 0, got ${part}`);
    out[key] = ms;
  }
  return out;
}

/** The policy a command runs with: its --retention, else GLASS_RETENTION, else none (keep everything). */
export function retentionFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): RetentionPolicy | undefined {
  if (option !== undefined) return parseRetention(option, '--retention');
  const e = env.GLASS_RETENTION;
  return e === undefined || e.trim() === '' ? undefined : parseRetention(e, 'GLASS_RETENTION');
}

/** The policy as it was written (`events=30d, …`), for a line on stderr. */
export function describeRetention(p: RetentionPolicy): string {
  const fmt = (ms: number | null) => {
    if (ms === null) return 'forever';
    for (const u of ['w', 'd', 'h', 'm', 's'] as const) {
      const n = ms / (UNIT_MS[u] as number);
      if (Number.isInteger(n)) return `${n}${u}`;
    }
    return `${ms}ms`;
  };
  return Object.entries(TABLES)
    .map(([t, k]) => `${t}=${fmt(p[k])}`)
    .join(',');
}

/**
 * Runs `store.prune(policy)` after a committed batch, at most once per `everyMs` of wall time
 * (the first time `everyMs` after the start), one pass at a time, and once more when the input
 * ends (`finish`), so a finished run leaves the store within its policy. A failed pass is said at
 * `finish()`, not swallowed.
 */
export class Pruner {
  private readonly store: Store;
  private readonly policy: RetentionPolicy;
  private readonly everyMs: number;
  private readonly clock: () => number;
  private readonly onPrune: ((deleted: Record<string, number>) => void) | undefined;
  private last: number;
  private running: Promise<void> | null = null;
  private error: unknown = null;
  passes = 0;

  constructor(
    store: Store,
    policy: RetentionPolicy,
    everyMs: number,
    clock: () => number,
    onPrune?: (deleted: Record<string, number>) => void,
  ) {
    this.store = store;
    this.policy = policy;
    this.everyMs = everyMs;
    this.clock = clock;
    this.onPrune = onPrune;
    this.last = clock();
  }

  afterBatch(): void {
    if (this.running !== null || this.clock() - this.last < this.everyMs) return;
    this.last = this.clock();
    this.passes++;
    this.running = this.store
      .prune(this.policy)
      .then((d) => this.onPrune?.(d))
      .catch((e: unknown) => {
        this.error ??= e;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** The input ended: waits for a pass under way, then runs the last one; throws what a pass failed with. */
  async finish(): Promise<void> {
    if (this.running !== null) await this.running;
    if (this.error !== null) throw this.error;
    this.passes++;
    this.onPrune?.(await this.store.prune(this.policy));
  }
}
