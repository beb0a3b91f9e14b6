import type { Venue } from '../domain/market-event.ts';

/**
 * The recording format (docs/recording.md): NDJSON, one line per message as the venue sent
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

/**
 * A recording line kept as bytes because its message is one the normalizer decodes straight from
 * its UTF-8 JSON (trades and other frames, account snapshots: most of a recording's bytes).
 * `bytes` is the read chunk the line sits in (nothing is copied or decoded); the line is
 * `[lineFrom, lineTo)` of it and its message `[msgFrom, msgTo)`. When the normalizer declines it,
 * the line is decoded and parsed whole like any other (`parsedLine`).
 */
export interface RawBytes {
  readonly line: number;
  readonly ts: number;
  readonly venue: Venue;
  readonly bytes: Buffer;
  readonly lineFrom: number;
  readonly lineTo: number;
  readonly msgFrom: number;
  readonly msgTo: number;
  /** A node's `node_fills_by_block` line (the message is the whole line, not the recorder's envelope). */
  readonly node?: boolean;
}

export const VENUES: readonly Venue[] = ['hyperliquid'];

export function isVenue(v: unknown): v is Venue {
  return v === 'hyperliquid';
}

/** Serialises one record. Key order is fixed so equal inputs give byte-identical files. */
export function recordLine(ts: number, venue: Venue, msg: unknown): string {
  return `{"ts":${ts},"venue":"${venue}","msg":${JSON.stringify(msg)}}\n`;
}
