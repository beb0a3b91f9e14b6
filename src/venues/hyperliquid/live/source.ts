// The venue's per-IP WebSocket limits (subscriptions; distinct users across user-specific ones), defined once in limits.ts.
import { LEDGER_UPDATES } from '../ledger-updates.ts';
import { MAX_WS_SUBSCRIPTIONS as MAX_SUBSCRIPTIONS, MAX_WS_USERS as MAX_USERS } from './limits.ts';
import { InfoClient } from './rest.ts';
import { LiveSocket } from './socket.ts';

/** A session the venue's limits cannot hold (too many coins for its subscriptions): the user's to change. */
export class LiveLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveLimitError';
  }
}

export const MAINNET = { ws: 'wss://api.hyperliquid.xyz/ws', info: 'https://api.hyperliquid.xyz' } as const;

export interface LiveOptions {
  readonly wsUrl: string;
  readonly infoUrl: string;
  /** Coins to follow (default: every listed perp in `meta`). */
  readonly coins?: readonly string[];
  /**
   * Wallets followed on their own `userFills` channel (exact fills with `startPosition`, as they
   * happen) and `userNonFundingLedgerUpdates` (transfers to and from other wallets, deposits,
   * withdrawals: the entities' funding links): the venue allows 10 users across user-specific
   * subscriptions — two channels of one user count once — so the first 10.
   */
  readonly users?: readonly string[];
  /** Account snapshots per refresh round, and the round's period (ms). */
  readonly refreshBatch?: number;
  readonly refreshEveryMs?: number;
}

/** Which wallets to refresh next, most important first (the engines decide: size, score, zones). */
export type RefreshPicker = (n: number) => readonly string[];

/** After a disconnect, the wallets whose fills are fetched over the gap (`userFillsByTime`). */
export type BackfillPicker = () => readonly string[];

/**
 * The live Hyperliquid source: `meta` over REST, then one socket with `trades` (each names buyer
 * and seller, so every active wallet is seen) and `activeAssetCtx` (the mark liquidations trigger
 * on, funding) for every coin, `allMids`, and `userFills` and `userNonFundingLedgerUpdates` for
 * at most 10 seed wallets (a reconnect's resubscription brings a fresh ledger snapshot); account
 * snapshots for the wallets the picker names, spent from the REST weight budget — thousands of
 * wallets are followed that way, never through per-user sockets (10 users is the venue's limit). Everything goes to `sink` as the recording
 * format's `msg`, so live, record and replay share one normalizer.
 */
export class LiveSource {
  readonly rest: InfoClient;
  socket: LiveSocket | null = null;
  private readonly opts: LiveOptions;
  private readonly sink: (ts: number, msg: unknown) => void;
  private readonly log: (line: string) => void;
  private readonly picker: RefreshPicker;
  private refresh: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  /** Aborted by stop(): a request being retried gives up at once instead of keeping the process alive. */
  private readonly stopping = new AbortController();

  private readonly backfill: BackfillPicker;
  private closedAt = Number.NaN;
  /** When this session first connected: a back-fill never reaches before it (the book did not see those trades live). */
  private firstOpen = Number.NaN;
  backfills = 0;

  constructor(
    opts: LiveOptions,
    sink: (ts: number, msg: unknown) => void,
    picker: RefreshPicker = () => [],
    log: (line: string) => void = () => {},
    backfill: BackfillPicker = () => [],
  ) {
    this.opts = opts;
    this.backfill = backfill;
    // Connection notes pass through to the sink; a reopen after a close starts the back-fill.
    this.sink = (ts, msg) => {
      sink(ts, msg);
      if (isConnection(msg, 'open') && !(this.firstOpen === this.firstOpen)) this.firstOpen = ts;
      if (isConnection(msg, 'closed') && !(this.closedAt === this.closedAt)) this.closedAt = ts;
      else if (isConnection(msg, 'open') && this.closedAt === this.closedAt) {
        const from = this.closedAt;
        this.closedAt = Number.NaN;
        void this.fillGap(from, ts);
      }
    };
    this.picker = picker;
    this.log = log;
    this.rest = new InfoClient({ url: opts.infoUrl, onRetry: log, signal: this.stopping.signal });
  }

  async start(): Promise<void> {
    const meta = await this.rest.info({ type: 'meta' });
    if (this.stopping.signal.aborted) return;
    this.sink(Date.now(), meta);
    const universe = listedCoins(meta.response);
    const coins = this.opts.coins ?? universe;
    const users = (this.opts.users ?? []).slice(0, MAX_USERS);
    if ((this.opts.users?.length ?? 0) > MAX_USERS)
      this.log(`userFills: the venue allows ${MAX_USERS} users; following the first ${MAX_USERS}`);
    // trades per coin, allMids and ≤ 10 users' userFills and ledger updates must fit the venue's
    // 1000 subscriptions; then activeAssetCtx (mark, funding) for as many coins as still fit —
    // allMids covers the rest.
    const base = [
      { type: 'allMids' },
      ...coins.map((coin) => ({ type: 'trades', coin })),
      ...users.map((user) => ({ type: 'userFills', user })),
      ...users.map((user) => ({ type: LEDGER_UPDATES, user })),
    ];
    if (base.length > MAX_SUBSCRIPTIONS)
      throw new LiveLimitError(`${coins.length} coins: over the venue's ${MAX_SUBSCRIPTIONS} subscriptions (choose with --coins)`);
    const ctx = coins.slice(0, MAX_SUBSCRIPTIONS - base.length).map((coin) => ({ type: 'activeAssetCtx', coin }));
    if (ctx.length < coins.length)
      this.log(`activeAssetCtx for ${ctx.length} of ${coins.length} coins (subscription limit); allMids for the rest`);
    const subscriptions = [...base, ...ctx];
    this.socket = new LiveSocket({ url: this.opts.wsUrl, subscriptions }, this.sink, (r) => this.log(r));
    this.socket.start();
    this.refresh = setInterval(() => void this.refreshRound(), this.opts.refreshEveryMs ?? 1000);
  }

  /** Stops the socket and the refreshes; a `start()` still waiting for `meta` rejects with VenueUnreachable. */
  stop(): void {
    this.stopping.abort();
    this.socket?.stop();
    if (this.refresh !== null) clearInterval(this.refresh);
  }

  /** The tracked wallets' own fills over the gap: exact, with startPosition, deduplicated by tid. */
  private async fillGap(from: number, to: number): Promise<void> {
    try {
      for (const user of this.backfill()) {
        // A margin before the close: the last messages before a silent drop may not have arrived.
        const startTime = Math.max(from - 5000, this.firstOpen);
        const r = await this.rest.info({ type: 'userFillsByTime', user, startTime, endTime: to });
        this.backfills++;
        this.sink(Date.now(), r);
      }
    } catch (e) {
      if (!this.stopping.signal.aborted) this.log(`back-fill: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async refreshRound(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const user of this.picker(this.opts.refreshBatch ?? 5)) {
        const r = await this.rest.info({ type: 'clearinghouseState', user });
        this.sink(Date.now(), r);
      }
    } catch (e) {
      if (!this.stopping.signal.aborted) this.log(`refresh: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.busy = false;
    }
  }
}

function isConnection(msg: unknown, state: 'open' | 'closed'): boolean {
  if (typeof msg !== 'object' || msg === null || !('channel' in msg) || msg.channel !== 'glass:connection' || !('data' in msg))
    return false;
  const d = msg.data;
  return typeof d === 'object' && d !== null && 'state' in d && d.state === state;
}

function listedCoins(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null || !('universe' in meta) || !Array.isArray(meta.universe)) return [];
  return meta.universe.flatMap((a: unknown) =>
    typeof a === 'object' && a !== null && 'name' in a && typeof a.name === 'string' && !('isDelisted' in a && a.isDelisted === true)
      ? [a.name]
      : [],
  );
}
