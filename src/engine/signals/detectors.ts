import type { GlassEvent, ZoneRef } from '../../domain/glass-event.ts';
import type { Coin, Wallet } from '../../domain/ids.ts';
import type { MarketEvent } from '../../domain/market-event.ts';
import { CorrelationBreakDetector, type CorrelationBreakOptions } from './correlation-break.ts';
import { CvdDivergenceDetector, type CvdDivergenceOptions } from './cvd-divergence.ts';
import { FundingExtremeDetector, type FundingExtremeOptions } from './funding-extreme.ts';
import { LargeLiquidationDetector, type LargeLiquidationOptions } from './large-liquidation.ts';
import { LeverageSpikeDetector, type LeverageSpikeOptions } from './leverage-spike.ts';
import { RegimeShiftDetector, type RegimeShiftOptions } from './regime-shift.ts';

export interface SignalOptions {
  readonly leverageSpike: Partial<LeverageSpikeOptions>;
  readonly largeLiquidation: Partial<LargeLiquidationOptions>;
  readonly fundingExtreme: Partial<FundingExtremeOptions>;
  readonly cvdDivergence: Partial<CvdDivergenceOptions>;
  readonly regimeShift: Partial<RegimeShiftOptions>;
  readonly correlationBreak: Partial<CorrelationBreakOptions>;
}

/**
 * The six market-state detectors on one market stream (docs/events.md): LEVERAGE_SPIKE,
 * LARGE_LIQUIDATION, FUNDING_EXTREME, CVD_DIVERGENCE_EXTREME, REGIME_SHIFT, CORRELATION_BREAK.
 * Each is a pure event-time reducer; this only hands every market event to each in turn.
 */
export class SignalDetectors {
  readonly leverage: LeverageSpikeDetector;
  readonly liquidations: LargeLiquidationDetector;
  readonly funding: FundingExtremeDetector;
  readonly cvd: CvdDivergenceDetector;
  readonly regime: RegimeShiftDetector;
  readonly correlation: CorrelationBreakDetector;

  constructor(
    emit: (e: GlassEvent) => void,
    deps: { score?: (wallet: Wallet) => number | null; zones?: (coin: Coin) => readonly ZoneRef[] } = {},
    opts: Partial<SignalOptions> = {},
  ) {
    this.leverage = new LeverageSpikeDetector(emit, opts.leverageSpike);
    this.liquidations = new LargeLiquidationDetector(emit, deps, opts.largeLiquidation);
    this.funding = new FundingExtremeDetector(emit, opts.fundingExtreme);
    this.cvd = new CvdDivergenceDetector(emit, opts.cvdDivergence);
    this.regime = new RegimeShiftDetector(emit, opts.regimeShift);
    this.correlation = new CorrelationBreakDetector(emit, opts.correlationBreak);
  }

  onMarket(e: MarketEvent): void {
    this.leverage.onMarket(e);
    this.liquidations.onMarket(e);
    this.funding.onMarket(e);
    this.cvd.onMarket(e);
    this.regime.onMarket(e);
    this.correlation.onMarket(e);
  }
}
