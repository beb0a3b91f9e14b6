import { createHash } from 'node:crypto';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { RecordError } from '../../recording/errors.ts';
import type { RawBytes, RawMessage } from '../../recording/format.ts';
import { recordLine } from '../../recording/format.ts';
import { parseRecordLine, scanRecordLine } from '../../recording/reader.ts';
import { ALL, routeOf, routeOfBytes, subjectToken } from './route.ts';

/** Header with the message's position in its source (a recording's line, a live feed's sequence). */
export const LINE_HEADER = 'Glass-Line';

/** A recording line as it goes on the raw stream: its exact text, its line, its coin route. */
export interface RawOut {
  readonly line: number;
  readonly text: Buffer;
  /** The coin token of its subject, or `_all`. */
  readonly route: string;
  readonly msgId: string;
}

/**
 * One reader item → what is published. A line the reader kept as bytes goes out byte for byte; a
 * parsed one as the recorder writes it (same ts, venue and message). The message id is the line
 * and a hash of its text: the same line of the same recording republished (a standby ingest
 * taking over) is dropped by the stream's de-duplication, and two equal lines stay two messages.
 */
export function rawOut(item: RawMessage | RawBytes, source: string): RawOut {
  const text =
    'bytes' in item ? item.bytes.subarray(item.lineFrom, item.lineTo) : Buffer.from(recordLine(item.ts, item.venue, item.msg).trimEnd());
  const route =
    'bytes' in item
      ? (routeOfBytes(item.bytes, item.msgFrom, item.msgTo) ?? routeOf(JSON.parse(item.bytes.toString('utf8', item.msgFrom, item.msgTo))))
      : routeOf(item.msg);
  const hash = createHash('sha1').update(text).digest('hex').slice(0, 16);
  return { line: item.line, text, route: route === ALL ? ALL : subjectToken(route), msgId: `${source}:${item.line}:${hash}` };
}

export function rawHeaders(o: RawOut): MsgHdrs {
  const h = headers();
  h.set(LINE_HEADER, String(o.line));
  return h;
}

/** A raw stream message back into the item the single-process reader would have made of the line. */
export function rawIn(data: Uint8Array, line: number): RawMessage | RawBytes | RecordError {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return (
    scanRecordLine(bytes, 0, bytes.length, line) ?? parseRecordLine(bytes.toString('utf8'), line) ?? new RecordError(line, 'empty line')
  );
}
