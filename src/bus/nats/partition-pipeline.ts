import { AccuracyLedger } from '../../engine/ledger/ledger.ts';
import type { BookConsumer } from '../../engine/position-book/change.ts';
import { ScoreEngine } from '../../engine/score/engine.ts';
import { DEFAULT_CORRELATION_BREAK } from '../../engine/signals/correlation-break.ts';
import { SignalDetectors } from '../../engine/signals/detectors.ts';
import { WhaleHunter } from '../../engine/whales/hunter.ts';
import { Pipeline, type PipelineOptions } from '../../pipeline/pipeline.ts';
import { RemoteScores, StreamTicks } from './wallet-state.ts';

/** Whether a coin is one this worker answers for. */
export type CoinFilter = (coin: string) => boolean;

/**
 * The single-process pipeline with the per-coin engines narrowed to a worker's coins. The
 * normalizer, the position book and the score engine (unless a wallet owner answers the score
 * reads: `scores: 'owner'`) still see every message: a wallet's book
 * (cross margin, account snapshots) and its score span coins, and the events' `score` fields must
 * be the wallet's score over all its trades, as in one process. The whale hunter sees every coin's
 * position changes too — its market-maker tally and the syndicate detector's entities (wallets
 * that act as one, judged on their entries in every coin) span coins — but emits only for the
 * worker's coins (`emitsFor`). The accuracy ledger sees every market event (its clock runs on every
 * coin) and grades the worker's coins (its `owns`); the other workers' grades reach it through the
 * ledger exchange (src/bus/nats/ledger-exchange.ts). The signal detectors' CORRELATION_BREAK compares each coin with a
 * reference coin (BTC, the default attachEngines uses): its detector also gets the reference's
 * market events (it never emits for the reference itself). The heatmap, the cascade monitor, the
 * other signal detectors get only market events and position changes of the
 * worker's coins (and every coin-less market event, every account snapshot).
 */
export class PartitionPipeline extends Pipeline {
  readonly mine: CoinFilter;
  /**
   * With a wallet owner (`scores: 'owner'`): the owner's score reads, which the engines' score
   * lookups answer from instead of a score engine of their own (src/bus/nats/wallet-state.ts).
   */
  readonly remote: RemoteScores | null;
  readonly ticks: StreamTicks | null;

  constructor(mine: CoinFilter, opts: PipelineOptions = {}, scores: 'self' | 'owner' = 'self') {
    super(opts);
    this.mine = mine;
    // Subscribed before any engine, so a publication is counted before an engine reads a score in it.
    this.ticks = scores === 'owner' ? new StreamTicks(this) : null;
    this.remote = this.ticks === null ? null : new RemoteScores(this.ticks);
  }

  override attach(engine: BookConsumer): void {
    if (engine instanceof ScoreEngine) {
      const remote = this.remote;
      // The engine is not fed: its lookup (the one the hunter, the detectors and the signals call) reads the owner's values.
      if (remote !== null) engine.scoreNow = (w) => remote.read(w);
      else super.attach(engine);
      return;
    }
    if (engine instanceof AccuracyLedger) {
      // Every market event: its clock runs on every coin (grades it makes only for its `owns` coins).
      super.attach(engine);
      return;
    }
    const mine = this.mine;
    const narrowed: BookConsumer = {};
    if (engine instanceof SignalDetectors) {
      const reference = DEFAULT_CORRELATION_BREAK.reference;
      narrowed.onMarket = (e) => {
        if (!('coin' in e) || typeof e.coin !== 'string' || mine(e.coin)) engine.onMarket(e);
        else if (e.coin === reference) engine.correlation.onMarket(e);
      };
    } else if (engine.onMarket !== undefined) {
      narrowed.onMarket = (e) => {
        if (!('coin' in e) || typeof e.coin !== 'string' || mine(e.coin)) engine.onMarket?.(e);
      };
    }
    if (engine instanceof WhaleHunter) {
      engine.emitsFor = mine;
      narrowed.onChange = (c) => engine.onChange(c);
    } else if (engine.onChange !== undefined) {
      narrowed.onChange = (c) => {
        if (mine(c.coin)) engine.onChange?.(c);
      };
    }
    if (engine.onAccount !== undefined) narrowed.onAccount = (a) => engine.onAccount?.(a);
    super.attach(narrowed);
  }
}
