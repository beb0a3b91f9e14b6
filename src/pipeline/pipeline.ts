import { Bus } from '../bus/bus.ts';
import type { MarketEvent, MarketEventType } from '../domain/market-event.ts';
import { PositionBook } from '../engine/position-book/book.ts';
import type { AccountApplied, BookConsumer, DriftReport, PositionChange } from '../engine/position-book/change.ts';
import { RecordError } from '../recording/errors.ts';
import type { RawBytes, RawMessage } from '../recording/format.ts';
import { parsedLine } from '../recording/reader.ts';
import { DecodeError } from '../venues/decode.ts';
import { HyperliquidNormalizer, type Outcome } from '../venues/hyperliquid/normalizer.ts';

export interface Reject {
  readonly line: number;
  readonly message: string;
}

/** Raised in strict mode at the first bad message. */
export class StrictModeError extends Error {
  readonly reject: Reject;

  constructor(reject: Reject) {
    super(`line ${reject.line}: ${reject.message} (stopped: --strict)`);
    this.name = 'StrictModeError';
    this.reject = reject;
  }
}

export interface PipelineOptions {
  readonly strict?: boolean;
  readonly onReject?: (r: Reject) => void;
  readonly onVenueError?: (line: number, message: string) => void;
}

const EVENT_TYPES: readonly MarketEventType[] = [
  'fill',
  'trade',
  'mark',
  'snapshot',
  'liquidation',
  'funding',
  'book',
  'meta',
  'transfer',
  'disconnect',
];

/**
 * Adapter → normalizer → position book, the same for live, replay and simulation. Market events
 * and the book's position changes go out on two buses for the engines and consumers above.
 */
export class Pipeline {
  readonly book: PositionBook;
  readonly market = new Bus<MarketEvent>();
  readonly changes = new Bus<PositionChange>();
  readonly drifts = new Bus<DriftReport>();
  /** Account snapshots after the book applied them, with the wallet's id and slots. */
  readonly accounts = new Bus<AccountApplied>();
  readonly counts: Record<MarketEventType, number>;
  messages = 0;
  rejects = 0;
  venueErrors = 0;
  control = 0;
  positionChanges = 0;
  firstTs = Number.NaN;
  lastTs = Number.NaN;
  /** Its scanned events carry wallet numbers the book takes as they are (see WalletRef, `applyOwn`): kept to itself. */
  private readonly normalizer = new HyperliquidNormalizer({ walletRefs: true });
  private readonly opts: PipelineOptions;
  /** What is told that a raw message starts (BookConsumer.onMessage). */
  private readonly starts: (() => void)[] = [];
  /** Receive time (`localTs`) of the market event being applied: what the engines emit meanwhile, it caused. */
  causeTs = Number.NaN;
  private readonly onEvent = (e: MarketEvent): void => {
    this.causeTs = e.localTs;
    this.counts[e.type]++;
    this.book.applyOwn(e);
    this.market.publish(e);
  };

  constructor(opts: PipelineOptions = {}) {
    this.opts = opts;
    this.counts = Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<MarketEventType, number>;
    this.book = new PositionBook({
      change: (c) => {
        this.positionChanges++;
        this.changes.publish(c);
      },
      listening: () => this.changes.size > 0,
      skipped: () => {
        this.positionChanges++;
      },
      drift: (d) => this.drifts.publish(d),
      account: (walletId, snapshot, slots) => this.accounts.publish({ walletId, snapshot, slots }),
    });
    this.book.pair(this.normalizer.walletTable);
  }

  /** Wires an engine to the buses it listens on (market events, position changes, accounts). */
  attach(engine: BookConsumer): void {
    if (engine.onMessage !== undefined) this.starts.push(() => engine.onMessage?.());
    if (engine.onMarket !== undefined) this.market.subscribe((e) => engine.onMarket?.(e));
    if (engine.onChange !== undefined) this.changes.subscribe((c) => engine.onChange?.(c));
    if (engine.onAccount !== undefined) this.accounts.subscribe((a) => engine.onAccount?.(a));
  }

  /** One recording line (or the reader's complaint about it). */
  ingest(item: RawMessage | RawBytes | RecordError): void {
    for (const start of this.starts) start();
    if (item instanceof RecordError) {
      this.reject({ line: item.line, message: item.reason });
      return;
    }
    if ('bytes' in item) {
      const scanned = this.normalizer.normalizeBytes(item.bytes, item.msgFrom, item.msgTo, item.ts, this.onEvent);
      if (scanned !== null) {
        this.settle(item, scanned);
        return;
      }
      const parsed = parsedLine(item);
      if (parsed instanceof RecordError) {
        this.reject({ line: parsed.line, message: parsed.reason });
        return;
      }
      item = parsed;
    }
    let outcome: Outcome;
    try {
      outcome = this.normalizer.normalize(item.msg, item.ts, this.onEvent);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.settle(item, null);
      this.reject({ line: item.line, message: e.message });
      return;
    }
    this.settle(item, outcome);
  }

  /** Counts a message the normalizer took (outcome null: it was rejected). */
  private settle(item: { readonly line: number; readonly ts: number }, outcome: Outcome | null): void {
    this.messages++;
    if (this.firstTs !== this.firstTs) this.firstTs = item.ts;
    this.lastTs = item.ts;
    if (outcome === null) return;
    if (outcome.kind === 'control') this.control++;
    else if (outcome.kind === 'venue-error') {
      this.venueErrors++;
      this.opts.onVenueError?.(item.line, outcome.message);
    }
  }

  private reject(r: Reject): void {
    this.rejects++;
    this.opts.onReject?.(r);
    if (this.opts.strict === true) throw new StrictModeError(r);
  }

  summary(): PipelineSummary {
    const s = this.book.stats;
    return {
      messages: this.messages,
      rejects: this.rejects,
      venueErrors: this.venueErrors,
      controlMessages: this.control,
      events: { ...this.counts },
      fills: this.positionChanges,
      wallets: this.book.wallets.size,
      coins: this.book.coins.size,
      openPositions: this.book.openPositions,
      duplicates: s.duplicates,
      historyTrades: s.historyTrades,
      uncertainFills: s.uncertain,
      resolvedFills: s.resolved,
      drifts: s.drifts,
      dirMismatches: s.dirMismatches,
      firstTs: this.firstTs === this.firstTs ? this.firstTs : null,
      lastTs: this.lastTs === this.lastTs ? this.lastTs : null,
    };
  }
}

export interface PipelineSummary {
  messages: number;
  rejects: number;
  venueErrors: number;
  controlMessages: number;
  events: Record<MarketEventType, number>;
  /** Wallet-side fills the book applied (two per public trade, one per user fill). */
  fills: number;
  wallets: number;
  coins: number;
  openPositions: number;
  duplicates: number;
  historyTrades: number;
  uncertainFills: number;
  resolvedFills: number;
  drifts: number;
  dirMismatches: number;
  firstTs: number | null;
  lastTs: number | null;
}
