import type { GlassEventType } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { EvidenceStanding } from '../probability/honest.ts';
import type { CascadeCoefficients } from '../probability/model.ts';
import { type CalibrationOptions, WalkForwardCalibration } from './calibration.ts';
import type { Grade } from './grade.ts';
import { DEFAULT_MUTING, type LedgerRow, type MutingOptions, TallyTable } from './tally.ts';

/**
 * Where the evidence stands on a row's grades: known once at least `minGraded` graded forecasts
 * carry a model figure and all of them do; helps when the model's Brier is below the recalibrated
 * baseline's on them (the AccuracyLedger's `evidenceStanding`).
 */
export function standingOf(row: LedgerRow | undefined, minGraded: number): EvidenceStanding {
  const b = row?.brier ?? null;
  const n = b?.nModel ?? 0;
  const known = b !== null && n >= minGraded && n === b.n;
  return {
    helps: known ? (b.model as number) < (b.recalibrated as number) : null,
    n,
    modelBrier: b?.model ?? null,
    recalibratedBrier: b?.recalibrated ?? null,
  };
}

/**
 * The ledger's table rebuilt from its grades alone, taken in grade order (as the store keeps
 * them): the same tallies, mutes, evidence standings and walk-forward recalibration the
 * AccuracyLedger had when it had emitted exactly these grades. What grades cannot tell — events
 * seen but not graded yet — comes from `seen` (counts of the events themselves); an event that
 * could not be graded counts as pending here.
 */
export class GradeBook {
  private readonly muting: MutingOptions;
  private readonly tallies = new TallyTable();
  private readonly calibration: WalkForwardCalibration;
  /** Horizon end of the newest grade taken (−∞: none). */
  time = Number.NEGATIVE_INFINITY;
  /** Time of the earliest graded event. */
  from = Number.POSITIVE_INFINITY;

  constructor(opts: { muting?: MutingOptions; calibration?: Partial<CalibrationOptions> } = {}) {
    this.muting = opts.muting ?? DEFAULT_MUTING;
    this.calibration = new WalkForwardCalibration(opts.calibration ?? {});
  }

  /** One grade, in grade order. */
  add(g: Grade): void {
    if (g.kind === 'touch' && g.forecast !== null) this.calibration.add(g.forecast.baselineProbability, g.hit);
    this.tallies.of(g.type, null).add(g, this.muting);
    this.tallies.of(g.type, g.coin).add(g, this.muting);
    if (g.horizonEnd > this.time) this.time = g.horizonEnd;
    if (g.time < this.from) this.from = g.time;
  }

  /**
   * The rows, per type (coin null) or per type on each coin (`byCoin`); `seen` gives the events of
   * each type (on the coin, when byCoin) so counts and pending can be told: count is at least graded.
   */
  rows(byCoin: boolean, seen: (type: GlassEventType, coin: Coin | null) => number = () => 0): LedgerRow[] {
    return this.tallies.ordered(byCoin).map((t) => {
      t.count = Math.max(t.graded, seen(t.type, t.coin));
      return t.row(t.count - t.graded);
    });
  }

  evidenceStanding(type: GlassEventType): EvidenceStanding {
    return standingOf(this.tallies.get(type)?.row(0), this.muting.minGraded);
  }

  muteReason(type: GlassEventType, coin?: Coin | string): string | null {
    return this.tallies.muteReason(type, coin);
  }

  recalibrate(p0: number): number {
    return this.calibration.apply(p0);
  }

  get recalibration(): { readonly coefficients: CascadeCoefficients; readonly fittedOn: number } {
    return { coefficients: this.calibration.coefficients, fittedOn: this.calibration.fittedOn };
  }
}
