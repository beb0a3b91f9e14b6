import { tidy } from '../../domain/format.ts';
import type { GlassEvent } from '../../domain/glass-event.ts';
import type { HunterOptions } from '../../engine/whales/hunter.ts';
import { type CommandSpec, flag, parseCommand, strOption } from '../args.ts';
import { attachEngines, describe, SIM_WHALES } from '../engines.ts';
import { playFile } from '../load.ts';
import { note, out } from '../output.ts';
import { eventTypeOption } from '../validate.ts';
import { costNote } from './heatmap.ts';

export const eventsSpec: CommandSpec = {
  name: 'events',
  summary: 'Every event a recording produces, in order, with its priority tier, hops and evidence.',
  usage: 'F [--type T] [--coin C] [--json] [--sim-scale] [--strict]',
  options: {
    type: { type: 'string' },
    coin: { type: 'string' },
    json: { type: 'boolean' },
    'sim-scale': { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  help: [
    'F            a recording, played through every engine as `glass live` runs them',
    '--type T     only events of type T (e.g. LIQUIDATION_CLUSTER_ARMED)',
    '--coin C     only events on coin C',
    '--json       NDJSON: each event whole ({id, type, time, coin, severity, priority, hops, …evidence})',
    '--sim-scale  whales of the simulator’s scale (account $200k or position $1M, syndicates from $50k)',
    'Text: time (UTC), tier (P0 < 100 ms, P1 < 500 ms, P2 < 2 s: docs/events.md), what happened; a zone',
    'event with its cost to reach (market-order notional from the mark, from the latest l2Book) and chain.',
    'Hops in a replay: receivedAt is the causing line’s ts, detectedAt the same (deterministic).',
  ],
  positionals: { min: 1, max: 1 },
};

export async function eventsCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(eventsSpec, argv);
  if (p === null) return 0;
  const file = p.positionals[0] as string;
  const type = eventTypeOption(p);
  const coin = strOption(p, 'coin');
  const json = flag(p, 'json');
  const whales: Partial<HunterOptions> = flag(p, 'sim-scale') ? { ...SIM_WHALES } : {};
  let shown = 0;
  // Written as the engines emit (in emit order); playFile waits for the reader between batches.
  const onEvent = (e: GlassEvent) => {
    if ((type !== undefined && e.type !== type) || (coin !== undefined && e.coin !== coin)) return;
    shown++;
    out.write(`${json ? JSON.stringify(tidy(e)) : eventLine(e)}\n`);
  };
  await playFile(file, (pl) => attachEngines(pl, whales, onEvent), { strict: flag(p, 'strict') });
  await out.flowing();
  if (shown === 0) note(`${file}: no event${type === undefined ? '' : ` of type ${type}`}${coin === undefined ? '' : ` on ${coin}`}`);
  return 0;
}

/** One line for a person: the tier, the ticker's sentence, and a zone's cost to reach when it has one. */
export function eventLine(e: GlassEvent): string {
  const zone = 'zone' in e && e.zone !== null && typeof e.zone === 'object' ? e.zone : null;
  const cost = zone === null ? '' : costNote(zone);
  return `${e.priority} ${describe(e)}${cost}`;
}
