import type { GlassEventType } from '../domain/glass-event.ts';
import type { Coin } from '../domain/ids.ts';
import type { LedgerRow } from '../engine/ledger/index.ts';
import type { LedgerView } from './rules.ts';
import type { LedgerStanding } from './types.ts';

/** What the view reads: an AccuracyLedger, or a GradeBook over stored grades (`glass serve`). */
export interface LedgerTable {
  /** The ledger's clock: its rows change only when it moves. */
  readonly clock: number;
  rows(): LedgerRow[];
  muteReason(type: GlassEventType, coin?: Coin | string): string | null;
}

/**
 * The rules' view of an AccuracyLedger (or any LedgerTable): the event type's row (hit rate, Wilson interval, baseline,
 * lift) and whether the type is muted, on the coin too. The table is read once per ledger clock
 * tick: grades (and mutes) change only when the clock moves.
 */
export function ledgerView(ledger: LedgerTable): LedgerView {
  let at = Number.NaN;
  let rows = new Map<string, LedgerRow>();
  return {
    standing(type: GlassEventType, coin: Coin): LedgerStanding | null {
      if (at !== ledger.clock) {
        rows = new Map(ledger.rows().map((r) => [r.type, r]));
        at = ledger.clock;
      }
      const r = rows.get(type);
      const reason = ledger.muteReason(type, coin);
      if (r === undefined && reason === null) return null;
      return {
        graded: r?.graded ?? 0,
        hitRate: r?.hitRate ?? null,
        wilson: r?.wilson ?? null,
        baseline: r?.baseline ?? null,
        lift: r?.lift ?? null,
        muted: reason !== null,
        muteReason: reason,
      };
    },
  };
}
