import type { Venue } from '../domain/market-event.ts';

/**
 * The recording format (SPEC "Recording format"): NDJSON, one line per message as the venue sent
 * it: `{"ts": <receive ms>, "venue": "hyperliquid", "msg": <WS message or {request, response}>}`.
 * Live capture, the simulator and replay all speak it, so there is one normalizer for all three.
 */
export interface RawMessage {
  /** 1-based line number in the recording (0 for a single-document file). */
  readonly line: number;
  /** Receive time, ms. */
  readonly ts: number;
  readonly venue: Venue;
  readonly msg: unknown;
}

export const VENUES: readonly Venue[] = ['hyperliquid'];

export function isVenue(v: unknown): v is Venue {
  return v === 'hyperliquid';
}

/** Serialises one record. Key order is fixed so equal inputs give byte-identical files. */
export function recordLine(ts: number, venue: Venue, msg: unknown): string {
  return `{"ts":${ts},"venue":"${venue}","msg":${JSON.stringify(msg)}}\n`;
}
