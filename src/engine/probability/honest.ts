import type { EvidenceUse, GlassEvent, GlassEventType } from '../../domain/glass-event.ts';
import type { Coin } from '../../domain/ids.ts';
import type { LabelledAssessment } from './assessments.ts';

/** Where the evidence stands for an event type on the walk-forward ledger's grades so far. */
export interface EvidenceStanding {
  /** Whether the model's Brier is below the recalibrated baseline's (null: too few grades to say). */
  readonly helps: boolean | null;
  /** Graded forecasts carrying a model figure. */
  readonly n: number;
  readonly modelBrier: number | null;
  readonly recalibratedBrier: number | null;
}

/**
 * What the engines ask of the accuracy ledger (src/engine/ledger AccuracyLedger is one): the
 * volatility baseline recalibrated on past grades only, whether the evidence term has earned its
 * place for a type, and whether a type is muted. Its answers change only as grades come in, and a
 * grade is only ever of the past: point in time.
 */
export interface HonestyLedger {
  recalibrate(p0: number): number;
  evidenceStanding(type: GlassEventType): EvidenceStanding;
  muteReason(type: GlassEventType, coin?: Coin | string): string | null;
  /** An event raised while its type is muted, graded for the record without being emitted: how a muted type recovers. */
  onGlass(e: GlassEvent): void;
  /**
   * A labelled cascade assessment (`due`: its horizon's end), handed to the fit through the
   * ledger's shared order: it reaches `takeLabels`' taker once it counts, as grades reach the
   * verdicts — in one process and across coin workers alike.
   */
  label(l: LabelledAssessment, due: number): void;
  takeLabels(take: (l: LabelledAssessment) => void): void;
}

/** The honest figure of a probability event: the model's while its evidence helps, else the recalibrated baseline. */
export interface HonestFigure {
  readonly probability: number;
  readonly recalibrated: number;
  readonly evidence: EvidenceUse;
}

const fmt = (x: number | null) => (x === null ? '–' : x.toFixed(4));

export function honestFigure(ledger: HonestyLedger, type: GlassEventType, baseline: number, model: number): HonestFigure {
  const recalibrated = ledger.recalibrate(baseline);
  const evidence = evidenceUse(type, ledger.evidenceStanding(type));
  return { probability: evidence.used ? model : recalibrated, recalibrated, evidence };
}

/** Whether a type's events use the evidence term, and why, from its standing on the ledger. */
export function evidenceUse(type: GlassEventType, s: EvidenceStanding): EvidenceUse {
  const brier = `model Brier ${fmt(s.modelBrier)} vs recalibrated baseline ${fmt(s.recalibratedBrier)} over ${s.n} graded ${type}`;
  return s.helps === true
    ? { used: true, reason: `evidence improves walk-forward Brier: ${brier}` }
    : s.helps === false
      ? { used: false, reason: `evidence does not improve walk-forward Brier: ${brier}` }
      : { used: false, reason: `too few graded ${type} forecasts to show the evidence helps (${s.n} so far)` };
}

/**
 * Why a CASCADE_RISK on `coin` is muted now (null: it is an alert): its type is muted on the
 * ledger (precision below baseline), or no alert threshold has been validated walk-forward (the
 * monitor's labelled assessments: walk-forward.ts). Its evidence does not decide: an event whose
 * evidence has not earned its place carries the recalibrated baseline and claims no lift from it.
 */
export function cascadeMuteReason(
  ledger: Pick<HonestyLedger, 'muteReason'>,
  coin: Coin | undefined,
  threshold: { readonly value: number | null; readonly reason: string } | null,
): string | null {
  return (
    ledger.muteReason('CASCADE_RISK', coin) ?? (threshold === null || threshold.value !== null ? null : `CASCADE_RISK: ${threshold.reason}`)
  );
}
