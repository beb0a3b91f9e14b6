import { hostname } from 'node:os';
import { busNames } from '../../bus/nats/config.ts';
import { connectBus } from '../../bus/nats/connect.ts';
import { Lease, leaseBucket } from '../../bus/nats/lease.ts';
import { PipelinedPublisher } from '../../bus/nats/pipelined.ts';
import { lastPublishedLine, publishRaw, sourceName } from '../../bus/nats/publish-raw.ts';
import { ensureStreams } from '../../bus/nats/streams.ts';
import { readRecordingBatches } from '../../recording/reader.ts';
import { stopSignal } from '../../server/serve-engines.ts';
import { type CommandSpec, intOption, parseCommand, strOption } from '../args.ts';
import { clusterConfigOption } from '../cluster-config.ts';
import { fmtInt, note } from '../output.ts';

export const ingestSpec: CommandSpec = {
  name: 'ingest',
  summary: 'Scale-out: publishes a recording to the raw JetStream stream, one coin per subject; one active per venue, others stand by.',
  usage: 'F [--config C] [--nats URL] [--prefix P] [--venue V] [--source NAME] [--window N] [--rate N] [--exit-when-done]',
  options: {
    config: { type: 'string' },
    nats: { type: 'string' },
    prefix: { type: 'string' },
    venue: { type: 'string' },
    source: { type: 'string' },
    window: { type: 'string' },
    rate: { type: 'string' },
    'exit-when-done': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  help: [
    '--config C   cluster settings file (JSON; default GLASS_CONFIG); the environment overrides it (GLASS_NATS_URL …)',
    '--nats URL   NATS server(s) (default GLASS_NATS_URL, else 127.0.0.1:4222)',
    '--prefix P   subject and stream prefix (default GLASS_BUS_PREFIX, else glass)',
    '--venue V    venue token of the subjects (default hyperliquid)',
    '--source N   names the recording in message ids (default its file name); a standby must use the same',
    '--window N   PubAcks in flight (default 512)',
    '--rate N     at most N lines a second (default: as fast as the stream takes them)',
    '--exit-when-done  exit (releasing the lease) after the last line instead of holding the lease until stopped',
    'Subjects: <prefix>.raw.<venue>.<coin> for per-coin messages, <prefix>.raw.<venue>._all for the rest (allMids,',
    'account snapshots, userFills: every worker reads them). Active/standby: the lease <PREFIX>_LEASES/ingest.<venue>;',
    'a standby takes over when the active stops renewing and resumes after the last line on the stream (no gap;',
    'a line published twice is dropped by Nats-Msg-Id).',
  ],
  positionals: { min: 1, max: 1 },
};

export async function ingestCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(ingestSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const cfg = clusterConfigOption(p);
  const names = busNames(cfg.prefix);
  const venue = strOption(p, 'venue') ?? 'hyperliquid';
  const source = strOption(p, 'source') ?? sourceName(file);
  const window = intOption(p, 'window', 512, 1, 100_000);
  const quiet = p.values['quiet'] === true;
  const rate = intOption(p, 'rate', 0, 0, 10_000_000);
  const nc = await connectBus(cfg.natsUrl, `glass-ingest-${venue}`);
  const stop = stopSignal();
  try {
    const jsm = await ensureStreams(nc, cfg, names);
    const kv = await leaseBucket(nc, names.leases, cfg.leaseTtlMs);
    const lease = new Lease(kv, `ingest.${venue}`, `${hostname()}:${process.pid}`, cfg.leaseTtlMs);
    let lost = false;
    lease.onLost = () => {
      lost = true;
      note('glass ingest: lease lost to another ingest; stopping');
    };
    const got = await lease.acquire((h) => {
      if (!quiet) note(`glass ingest: standing by (${h.holder} is active for ${venue})`);
    }, stop);
    if (!got) return 0;
    const onStream = await lastPublishedLine(jsm, names, venue);
    const after = Math.max(onStream, lease.position ?? 0);
    if (!quiet) note(`glass ingest: active for ${venue}${after > 0 ? `, resuming after line ${fmtInt(after)}` : ''}`);
    const t0 = performance.now();
    const pub = new PipelinedPublisher(nc);
    const r = await publishRaw(pub, names, readRecordingBatches(file), lease, {
      venue,
      source,
      window,
      after,
      stopped: () => lost || stop.stopped,
      ...(rate > 0 ? { rate } : {}),
    });
    pub.close();
    await lease.renew();
    const s = (performance.now() - t0) / 1000;
    if (!quiet) {
      note(
        `glass ingest: ${fmtInt(r.published)} messages published to ${names.rawStream} in ${s.toFixed(1)} s` +
          `${r.duplicates > 0 ? `, ${fmtInt(r.duplicates)} already there` : ''}${r.rejected > 0 ? `, ${fmtInt(r.rejected)} bad lines skipped` : ''}; last line ${fmtInt(r.last)}`,
      );
    }
    // The recording is done: keep the lease so a standby does not publish it again, until stopped.
    if (!lost && p.values['exit-when-done'] !== true) await stop.promise;
    await lease.release();
    return lost ? 1 : 0;
  } finally {
    await nc.close();
  }
}
