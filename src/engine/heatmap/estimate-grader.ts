import { round4 } from '../common/round.ts';

/** How far the estimated liquidation prices were from the exact ones once the accounts were seen. */
export interface EstimateAccuracy {
  /** Positions graded: filed at an estimate, then priced exactly from their account's snapshot. */
  readonly n: number;
  /** Both had a price: median and 90th percentile of |estimate − exact| / exact. */
  readonly priced: number;
  readonly medianAbsRelErr: number | null;
  readonly p90AbsRelErr: number | null;
  /** Median of (estimate − exact) / exact: above 0, estimates sat above the exact prices. */
  readonly medianRelErr: number | null;
  /** Shares of the priced pairs within 1 % and 5 % of the exact price. */
  readonly within1Pct: number | null;
  readonly within5Pct: number | null;
  /** The estimate had no price where the account has one (missing from the map), and the reverse. */
  readonly missed: number;
  readonly spurious: number;
  /** Neither had a price. */
  readonly bothNone: number;
}

/**
 * Grades the heatmap's estimates against the truth the venue later reveals: each time a snapshot
 * prices exactly a position that was filed at an estimate, the pair is kept. The map's estimated
 * part is only as good as this says.
 */
export class EstimateGrader {
  private errs: number[] = [];
  private missed = 0;
  private spurious = 0;
  private bothNone = 0;
  /** The summary of the pairs so far (null: one was added since): every map view reads it, pairs come rarely. */
  private last: EstimateAccuracy | null = null;

  /** `estimate` and `exact` are NaN where there was no liquidation price. */
  add(estimate: number, exact: number): void {
    this.last = null;
    const e = estimate > 0;
    const x = exact > 0;
    if (e && x) this.errs.push((estimate - exact) / exact);
    else if (x) this.missed++;
    else if (e) this.spurious++;
    else this.bothNone++;
  }

  /** Signed relative errors (estimate − exact) / exact of the pairs priced by both, in the order graded. */
  errors(): readonly number[] {
    return this.errs;
  }

  /**
   * The accuracy so far, computed once per pair added: a view of the map reads it (on Hyperliquid's
   * 2023 export some 196,000 map snapshots a run against 276 pairs, and sorting the pairs afresh
   * each time cost the engines' thread 1.6 s of 44).
   */
  summary(): EstimateAccuracy {
    this.last ??= Object.freeze(this.compute());
    return this.last;
  }

  private compute(): EstimateAccuracy {
    const priced = this.errs.length;
    const counts = { missed: this.missed, spurious: this.spurious, bothNone: this.bothNone };
    const n = priced + this.missed + this.spurious + this.bothNone;
    if (priced === 0) {
      return { n, priced, medianAbsRelErr: null, p90AbsRelErr: null, medianRelErr: null, within1Pct: null, within5Pct: null, ...counts };
    }
    const signed = Float64Array.from(this.errs).sort();
    const abs = Float64Array.from(this.errs, Math.abs).sort();
    const at = (a: Float64Array, q: number) => round4(a[Math.min(priced - 1, Math.floor(q * priced))] as number);
    const share = (limit: number) => round4(abs.filter((x) => x <= limit).length / priced);
    return {
      n,
      priced,
      medianAbsRelErr: at(abs, 0.5),
      p90AbsRelErr: at(abs, 0.9),
      medianRelErr: at(signed, 0.5),
      within1Pct: share(0.01),
      within5Pct: share(0.05),
      ...counts,
    };
  }
}
