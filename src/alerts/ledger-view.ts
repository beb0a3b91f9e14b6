import type { GlassEventType } from '../domain/glass-event.ts';
import type { Coin } from '../domain/ids.ts';
import type { AccuracyLedger, LedgerRow } from '../engine/ledger/index.ts';
import type { LedgerView } from './rules.ts';
import type { LedgerStanding } from './types.ts';

/**
 * The rules' view of an AccuracyLedger: the event type's row (hit rate, Wilson interval, baseline,
 * lift) and whether the type is muted, on the coin too. The table is read once per ledger clock
 * tick: grades (and mutes) change only when the clock moves.
 */
export function ledgerView(ledger: AccuracyLedger): LedgerView {
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
