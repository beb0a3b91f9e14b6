import type { PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { EventRecord } from '../../store/types.ts';
import type { BusNames } from './config.ts';
import type { PipelinedPublisher } from './pipelined.ts';
import { subjectToken } from './route.ts';

/** Headers of an event on `<prefix>.events.<type>.<coin>`; the body is the event's JSON as the store keeps it. */
export const EVENT_HEADERS = { receivedAt: 'Glass-Received-At', detectedAt: 'Glass-Detected-At', time: 'Glass-Time' } as const;

/**
 * Publishes a batch's events in order, each with `Nats-Msg-Id` = the event's id (a second event
 * with the same id from the same worker gets `#2`, `#3` …, deterministically). The stream sequence
 * each gets is its id in the store and on /v1/stream: a redone batch (a worker killed between
 * publish and commit) gets the original sequences back from the de-duplication window.
 */
export async function publishEvents(
  pub: PipelinedPublisher,
  names: BusNames,
  events: readonly EventRecord[],
  seen: Map<string, number>,
): Promise<EventRecord[]> {
  const acks: Promise<PubAck>[] = [];
  for (const e of events) {
    const id = (e.event as { id: string }).id;
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    const h = headers();
    h.set(EVENT_HEADERS.receivedAt, String(e.receivedAt));
    h.set(EVENT_HEADERS.detectedAt, String(e.detectedAt));
    h.set(EVENT_HEADERS.time, String(e.time));
    acks.push(
      pub.publish(names.eventSubject(e.type, subjectToken(e.coin)), e.payload ?? JSON.stringify(e.event), h, n === 1 ? id : `${id}#${n}`),
    );
  }
  const out: EventRecord[] = [];
  for (let i = 0; i < events.length; i++) {
    const a = await (acks[i] as Promise<PubAck>);
    out.push(withId(events[i] as EventRecord, a.seq));
  }
  return out;
}

/** The record with its stream sequence as id (the payload text is kept; `event` parses it on demand). */
export function withId(e: EventRecord, id: number): EventRecord {
  const payload = e.payload ?? JSON.stringify(e.event);
  let parsed: EventRecord['event'] | undefined;
  return {
    id,
    type: e.type,
    coin: e.coin,
    time: e.time,
    receivedAt: e.receivedAt,
    detectedAt: e.detectedAt,
    payload,
    get event() {
      parsed ??= JSON.parse(payload) as EventRecord['event'];
      return parsed;
    },
  };
}
