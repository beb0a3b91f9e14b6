import { basename } from 'node:path';
import type { JetStreamManager, PubAck } from '@nats-io/jetstream';
import { RecordError } from '../../recording/errors.ts';
import type { ReadItem } from '../../recording/reader.ts';
import type { BusNames } from './config.ts';
import type { Lease } from './lease.ts';
import type { PipelinedPublisher } from './pipelined.ts';
import { LINE_HEADER, rawHeaders, rawOut } from './raw.ts';

export interface PublishRawOptions {
  readonly venue: string;
  /** Names the source in message ids (default: the recording's file name). */
  readonly source: string;
  /** PubAcks outstanding at once (ordered on one connection). */
  readonly window?: number;
  /** Skip lines up to this one (already on the stream). */
  readonly after: number;
  /** Told when the active lease is lost: stop at once. */
  readonly stopped?: () => boolean;
  readonly onLine?: (line: number) => void;
  /** At most this many lines a second (absent: flat out). */
  readonly rate?: number;
}

export function sourceName(file: string): string {
  return basename(file).replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The newest line of this venue already on the raw stream (0: none): where a standby that takes
 * over resumes, so nothing is missed; the lines between the lease's recorded position and this one
 * would be dropped as duplicates anyway. Reads the stream's last message; with several venues on
 * one stream the lease's position is the fallback (documented in docs/scale-out.md).
 */
export async function lastPublishedLine(jsm: JetStreamManager, names: BusNames, venue: string): Promise<number> {
  const info = await jsm.streams.info(names.rawStream);
  if (info.state.messages === 0) return 0;
  const m = await jsm.streams.getMessage(names.rawStream, { seq: info.state.last_seq }).catch(() => null);
  if (m === null || !m.subject.startsWith(names.rawVenue(venue).slice(0, -1))) return 0;
  return Number(m.header?.get(LINE_HEADER) ?? 0) || 0;
}

/**
 * Publishes a recording's lines to `<prefix>.raw.<venue>.<coin|_all>` in order, up to `window`
 * PubAcks in flight on one connection (pipelined: see PipelinedPublisher). When the window is full
 * it waits until half of it is acknowledged, so publishes leave in runs that share a socket write.
 * The lease's position follows the newest line whose PubAck (and every earlier one's) came back.
 * Returns the last line published.
 */
export async function publishRaw(
  pub: PipelinedPublisher,
  names: BusNames,
  items: AsyncIterable<readonly ReadItem[]>,
  lease: Lease | null,
  o: PublishRawOptions,
): Promise<{ last: number; published: number; duplicates: number; rejected: number }> {
  const window = o.window ?? 512;
  const inflight: { line: number; ack: Promise<PubAck> }[] = [];
  let last = o.after;
  let published = 0;
  let duplicates = 0;
  let rejected = 0;
  const settle = async (): Promise<void> => {
    const f = inflight.shift();
    if (f === undefined) return;
    const a = await f.ack;
    if (a.duplicate) duplicates++;
    else published++;
    last = f.line;
    if (lease !== null) lease.position = last;
    o.onLine?.(last);
  };
  const t0 = performance.now();
  let sent = 0;
  for await (const batch of items) {
    for (const item of batch) {
      if (o.stopped?.() === true) break;
      if (o.rate !== undefined && ++sent % 16 === 0) {
        const due = t0 + (1000 * sent) / o.rate - performance.now();
        if (due > 0) await new Promise((r) => setTimeout(r, due));
      }
      if (item instanceof RecordError) {
        rejected++;
        continue;
      }
      if (item.line <= o.after) continue;
      const r = rawOut(item, o.source);
      // Observed at once inside: a failure surfaces at its settle, not as an unhandled rejection.
      const ack = pub.publish(names.rawSubject(o.venue, r.route), r.text, rawHeaders(r), r.msgId);
      inflight.push({ line: item.line, ack });
      if (inflight.length >= window) while (inflight.length > window >> 1) await settle();
    }
    if (o.stopped?.() === true) break;
  }
  while (inflight.length > 0) await settle();
  return { last, published, duplicates, rejected };
}
