import { plural } from '../domain/format.ts';
import type { PipelineSummary } from '../pipeline/pipeline.ts';
import { fmtInt } from './output.ts';

/**
 * The one summary of a run through the pipeline, printed alike by `glass replay F` and by
 * `glass live --record F` (same fields, same text), so a recording can be checked against the
 * session that wrote it. How fast it ran and how it connected are notes on stderr, not part of it.
 */
export type RunSummary = { readonly file?: string } & PipelineSummary;

export function runSummary(file: string | undefined, s: PipelineSummary): RunSummary {
  return file === undefined ? s : { file, ...s };
}

export function summaryText(title: string, s: PipelineSummary): string {
  return [
    title,
    // Rejected lines are not a part of the messages: a line that is not a message at all (truncated,
    // not JSON) is rejected without being one, so "6 (2 rejected)" read as 2 of the 6 misled.
    `  messages       ${fmtInt(s.messages)} (${fmtInt(s.venueErrors)} venue errors); ${plural(s.rejects, 'line', 'lines')} rejected`,
    `  fills          ${fmtInt(s.fills)} (${fmtInt(s.uncertainFills)} with uncertain direction, ${fmtInt(s.duplicates)} duplicates dropped)`,
    `  trades         ${fmtInt(s.events.trade)}`,
    `  wallets        ${fmtInt(s.wallets)}`,
    `  open positions ${fmtInt(s.openPositions)} in ${s.coins} coins`,
    `  snapshots      ${fmtInt(s.events.snapshot)} (${fmtInt(s.drifts)} drifts)`,
    `  liquidations   ${fmtInt(s.events.liquidation)}`,
  ].join('\n');
}
