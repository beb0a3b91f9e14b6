import type { JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { fmtInt } from '../../cli/output.ts';
import type { BusNames } from './config.ts';
import type { LeaseValue } from './lease.ts';

export interface StreamStatus {
  readonly name: string;
  readonly exists: boolean;
  readonly messages: number;
  readonly bytes: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly subjects: readonly string[];
}

export interface ConsumerStatus {
  readonly stream: string;
  readonly name: string;
  readonly filter: string;
  /** Delivered and acknowledged up to this stream sequence. */
  readonly ackFloor: number;
  /** Messages on the stream (matching its filter) not delivered yet: the worker's lag. */
  readonly pending: number;
  /** Delivered, not acknowledged yet. */
  readonly ackPending: number;
  readonly redelivered: number;
  /** Lease holder of the role (empty: free). */
  readonly holder: string | null;
}

export interface ClusterStatus {
  readonly server: string;
  readonly streams: readonly StreamStatus[];
  readonly consumers: readonly ConsumerStatus[];
  readonly leases: readonly { key: string; holder: string; until: number; position?: number }[];
}

export async function clusterStatus(jsm: JetStreamManager, nc: NatsConnection, names: BusNames): Promise<ClusterStatus> {
  const streams: StreamStatus[] = [];
  const consumers: ConsumerStatus[] = [];
  const leases: { key: string; holder: string; until: number; position?: number }[] = [];
  const dec = new TextDecoder();
  try {
    const kv = await new Kvm(nc).open(names.leases);
    for await (const k of await kv.keys()) {
      const e = await kv.get(k);
      if (e === null || e.value.length === 0) continue;
      const v = JSON.parse(dec.decode(e.value)) as LeaseValue;
      leases.push({ key: k, holder: v.holder, until: v.until, ...(v.position === undefined ? {} : { position: v.position }) });
    }
  } catch {
    // no bucket yet
  }
  for (const name of [names.rawStream, names.eventsStream, names.walletStream, names.walletEvidenceStream, names.ledgerStream]) {
    const info = await jsm.streams.info(name).catch(() => null);
    if (info === null) {
      streams.push({ name, exists: false, messages: 0, bytes: 0, firstSeq: 0, lastSeq: 0, subjects: [] });
      continue;
    }
    streams.push({
      name,
      exists: true,
      messages: info.state.messages,
      bytes: info.state.bytes,
      firstSeq: info.state.first_seq,
      lastSeq: info.state.last_seq,
      subjects: info.config.subjects ?? [],
    });
    for await (const c of jsm.consumers.list(name)) {
      const holder = leases.find((l) => `worker-${l.key.replace(/^worker\./, '')}` === c.name);
      consumers.push({
        stream: name,
        name: c.name,
        filter: c.config.filter_subject ?? (c.config.filter_subjects ?? []).join(','),
        ackFloor: c.ack_floor.stream_seq,
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        holder: holder === undefined ? null : holder.until > Date.now() ? holder.holder : '',
      });
    }
  }
  return { server: nc.info?.version ?? '?', streams, consumers, leases };
}

export function statusText(s: ClusterStatus): string {
  const lines = [`nats-server ${s.server}`, '', 'streams'];
  for (const st of s.streams) {
    lines.push(
      st.exists
        ? `  ${st.name.padEnd(16)} ${fmtInt(st.messages).padStart(12)} msgs  ${(st.bytes / 2 ** 20).toFixed(1).padStart(8)} MiB  seq ${fmtInt(st.firstSeq)}–${fmtInt(st.lastSeq)}  ${st.subjects.join(' ')}`
        : `  ${st.name.padEnd(16)} (not created)`,
    );
  }
  lines.push('', 'consumers (lag = messages not yet delivered)');
  if (s.consumers.length === 0) lines.push('  (none)');
  for (const c of s.consumers) {
    lines.push(
      `  ${c.name.padEnd(28)} lag ${fmtInt(c.pending).padStart(10)}  unacked ${fmtInt(c.ackPending).padStart(7)}  acked to ${fmtInt(c.ackFloor).padStart(10)}  ` +
        `${c.holder === null ? '' : c.holder === '' ? 'no holder' : `held by ${c.holder}`}`,
    );
  }
  lines.push('', 'leases');
  if (s.leases.length === 0) lines.push('  (none)');
  const now = Date.now();
  for (const l of s.leases) {
    lines.push(
      `  ${l.key.padEnd(28)} ${l.until > now ? `held by ${l.holder}` : 'free'}${l.position === undefined ? '' : `  position ${fmtInt(l.position)}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
