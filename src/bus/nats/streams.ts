import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import type { BusNames, ClusterConfig } from './config.ts';

/**
 * The streams, created or brought to the configured limits: raw venue messages
 * (`<prefix>.raw.<venue>.<coin>`), Glass events (`<prefix>.events.<type>.<coin>`) and the wallet
 * owner's score reads (`<prefix>.wallet.reads`, src/bus/nats/wallet-state.ts) and the coin
 * workers' ledger exchange (`<prefix>.ledger.<worker>`, src/bus/nats/ledger-exchange.ts). All are
 * limits-retention file streams with a de-duplication window: a republish of the same
 * `Nats-Msg-Id` within it (an ingest that took over, a worker that redoes a batch) is dropped and
 * its PubAck names the original sequence.
 */
export async function ensureStreams(nc: NatsConnection, cfg: ClusterConfig, names: BusNames): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const base = { retention: RetentionPolicy.Limits, storage: StorageType.File, discard: DiscardPolicy.Old, num_replicas: 1 };
  const want: (Partial<StreamConfig> & { name: string })[] = [
    {
      ...base,
      name: names.rawStream,
      subjects: [`${cfg.prefix}.raw.>`],
      max_age: nanos(cfg.rawMaxAgeMs),
      max_bytes: cfg.rawMaxBytes,
      duplicate_window: nanos(Math.min(cfg.dedupWindowMs, cfg.rawMaxAgeMs)),
    },
    {
      ...base,
      name: names.eventsStream,
      subjects: [`${cfg.prefix}.events.>`],
      max_age: nanos(cfg.eventsMaxAgeMs),
      max_bytes: cfg.eventsMaxBytes,
      duplicate_window: nanos(Math.min(cfg.dedupWindowMs, cfg.eventsMaxAgeMs)),
    },
    {
      // The wallet owner's score reads: a coin worker rebuilding from the raw stream's start needs
      // them from there too, so they are kept as long as the raw messages.
      ...base,
      name: names.walletStream,
      subjects: [names.walletSubject],
      max_age: nanos(cfg.rawMaxAgeMs),
      max_bytes: cfg.rawMaxBytes,
      duplicate_window: nanos(Math.min(cfg.dedupWindowMs, cfg.rawMaxAgeMs)),
    },
    {
      // Coin workers' grades and labels (src/bus/nats/ledger-exchange.ts): a worker rebuilding
      // from the raw stream's start needs the others' from there too.
      ...base,
      name: names.ledgerStream,
      subjects: [names.ledgerSubject('>')],
      max_age: nanos(cfg.rawMaxAgeMs),
      max_bytes: cfg.rawMaxBytes,
      duplicate_window: nanos(Math.min(cfg.dedupWindowMs, cfg.rawMaxAgeMs)),
    },
  ];
  for (const s of want) {
    const name = s.name;
    const info = await jsm.streams.info(name).catch(() => null);
    if (info === null) await jsm.streams.add(s);
    else await jsm.streams.update(name, { ...info.config, ...s });
  }
  return jsm;
}

/** Removes the streams and the lease bucket (tests, `glass cluster` teardown). */
export async function dropStreams(nc: NatsConnection, names: BusNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const s of [
    names.rawStream,
    names.eventsStream,
    names.walletStream,
    names.walletEvidenceStream,
    names.ledgerStream,
    `KV_${names.leases}`,
  ])
    await jsm.streams.delete(s).catch(() => false);
}

/** A worker's durable pull consumer, made afresh from `startSeq` (see worker.ts for why afresh). */
export async function resetConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filters: readonly string[],
  multi: boolean,
): Promise<void> {
  await jsm.consumers.delete(stream, durable).catch(() => false);
  const filter =
    multi && filters.length > 1 ? { filter_subjects: [...filters] } : { filter_subject: filters.length === 1 ? filters[0] : undefined };
  await jsm.consumers.add(stream, {
    durable_name: durable,
    // Cumulative: a worker takes messages strictly in order and acks a batch by its last message.
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(60_000),
    max_ack_pending: 20_000,
    ...filter,
  });
}
