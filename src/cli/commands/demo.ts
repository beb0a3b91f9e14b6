import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fmtDistance, fmtPx, fmtUsd, plural, tidy } from '../../domain/format.ts';
import type { HeatmapView } from '../../engine/heatmap/engine.ts';
import { DEFAULT_ZONE_PARAMS } from '../../engine/heatmap/zones.ts';
import { RANKED_MIN_TRADES, type WalletScore } from '../../engine/score/engine.ts';
import { Pipeline, type PipelineSummary } from '../../pipeline/pipeline.ts';
import { SERVE_HELP, SERVE_OPTIONS, SERVING_DEMO_HOURS, serveDemo } from '../../server/serve-engines.ts';
import { DEFAULT_SIM } from '../../sim/config.ts';
import { Simulator } from '../../sim/simulator.ts';
import { type CommandSpec, flag, intOption, numOption, parseCommand } from '../args.ts';
import { attachEngines, describe, SIM_WHALES } from '../engines.ts';
import { fmtInt, note, out, printNdjson } from '../output.ts';
import { estimateNote } from './heatmap.ts';

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'Simulator → the live pipeline and every engine on embedded defaults, with a running console summary. Nothing to set up.',
  usage: '[--wallets N] [--hours H] [--seed S] [--speed X] [--serve [--port P]]',
  options: {
    wallets: { type: 'string' },
    hours: { type: 'string' },
    seed: { type: 'string' },
    speed: { type: 'string' },
    port: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' },
    serve: { type: 'boolean' },
    db: { type: 'string' },
    retention: { type: 'string' },
    ...SERVE_OPTIONS,
  },
  help: [
    `--wallets N   simulated traders (default ${DEFAULT_SIM.wallets})`,
    `--hours H     simulated span (default ${DEFAULT_SIM.hours}; with --serve ${SERVING_DEMO_HOURS}, i.e. ${SERVING_DEMO_HOURS / 24} days, then it serves what it has)`,
    `--seed S      simulator seed (default ${DEFAULT_SIM.seed})`,
    '--speed X     simulated seconds per wall second (default 0: as fast as possible; with --serve 60)',
    '--quiet       only the final summary',
    '--json        the final summary as one JSON line: {demo, …pipeline summary, glassEvents, zones, topScores}',
    '--serve       serve the /v1 API and stream while simulating (at 60× real time unless --speed, until stopped)',
    '--db SPEC     with --serve: the store the engines write (default: in memory). Ctrl-C and the same demo again',
    '              (same --seed, --wallets, --hours) on that store resumes it exactly where it stopped (the seeded',
    '              simulator fast-forwards through what is stored); a store holding later venue time from anything',
    '              else is refused (venue time never goes back): give another --db',
    '--retention R  prune the store as it is written: events=30d,heatmaps=7d,positions=7d,scores=90d (default GLASS_RETENTION, else keep all)',
    ...SERVE_HELP,
  ],
  positionals: { min: 0, max: 0 },
};

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(demoSpec, argv);
  if (p === null) return 0;
  const config = {
    seed: intOption(p, 'seed', DEFAULT_SIM.seed, 0, 2 ** 32 - 1),
    wallets: intOption(p, 'wallets', DEFAULT_SIM.wallets, 10, 1_000_000),
    hours: numOption(p, 'hours', DEFAULT_SIM.hours, 0.01, 24 * 365),
  };
  if (flag(p, 'serve') || p.values['port'] !== undefined) return serveDemo(p, config);
  const speed = numOption(p, 'speed', 0, 0, 1e9);
  const pipeline = new Pipeline();
  const engines = attachEngines(pipeline, SIM_WHALES);
  let line = 0;
  const sim = new Simulator(config, (ts, msg) => pipeline.ingest({ line: ++line, ts, venue: 'hyperliquid', msg }));
  note(`glass demo: ${fmtInt(config.wallets)} simulated wallets, ${config.hours} h, seed ${config.seed}`);
  const t0 = performance.now();
  sim.begin();
  const step = speed > 0 ? Math.max(1, Math.round(speed / 10)) : 300;
  let lastNote = 0;
  for (;;) {
    const more = sim.advance(step);
    const now = performance.now();
    if (!flag(p, 'quiet') && (now - lastNote > 1000 || !more)) {
      lastNote = now;
      const s = pipeline.summary();
      note(
        `  t+${(sim.elapsed / 3600).toFixed(2)} h  ${fmtInt(s.fills)} fills  ${fmtInt(s.wallets)} wallets  ` +
          `${plural(s.openPositions, 'open position')}  ${plural(s.events.liquidation, 'liquidation')}  ` +
          `${fmtInt(s.messages / ((now - t0) / 1000))} msg/s`,
      );
      // Events in time order: those dated before the stream's last minute (later ones may still be revealed earlier-dated).
      const until = more ? (pipeline.lastTs ?? 0) - EVENT_HOLD_MS : Number.POSITIVE_INFINITY;
      for (const e of engines.recent.take(until, 5)) note(`    ${describe(e)}`);
    }
    if (!more) break;
    if (speed > 0) await new Promise((r) => setTimeout(r, (1000 * step) / speed));
    else await yieldToLoop();
  }
  const s = pipeline.summary();
  const zones = Object.fromEntries(engines.heat.coinList().map((c) => [c, topZones(engines.heat.zones(c), 3)]));
  const top = engines.score.table(RANKED_MIN_TRADES).slice(0, 5);
  if (flag(p, 'json')) {
    await printNdjson(tidy({ demo: config, ...s, glassEvents: engines.counts, zones, topScores: top }));
    return 0;
  }
  const marks = (c: string) => engines.heat.coinState(c)?.mark ?? Number.NaN;
  const lines = summaryText(config, s, (performance.now() - t0) / 1000, zones, marks, top, engines.counts);
  await out.line(lines.join('\n'));
  return 0;
}

/** How much event time the console waits before telling an event (a later message may reveal an earlier one). */
const EVENT_HOLD_MS = 60_000;

type Zone = HeatmapView['zones'][number];

/** A zone's weight as detection ranks it: exact notional plus estimated at its discount. */
function weight(z: Zone): number {
  const est = z.estimatedUsd ?? 0;
  return z.notionalUsd - (1 - DEFAULT_ZONE_PARAMS.estimateWeight) * est;
}

/** A coin's `n` heaviest zones, either side. */
function topZones(zones: readonly Zone[], n: number): Zone[] {
  return zones.toSorted((a, b) => weight(b) - weight(a)).slice(0, n);
}

/** The demo's closing summary, for people: what the map, the score and the events came to. */
export function summaryText(
  config: { wallets: number; hours: number; seed: number },
  s: PipelineSummary,
  seconds: number,
  zones: Record<string, readonly Zone[]>,
  mark: (coin: string) => number,
  top: readonly WalletScore[],
  counts: Record<string, number>,
): string[] {
  const out = [
    `glass demo: ${fmtInt(config.wallets)} simulated wallets, ${config.hours} h (seed ${config.seed}) in ${seconds.toFixed(1)} s`,
    `  ${fmtInt(s.messages)} messages, ${fmtInt(s.fills)} fills, ${fmtInt(s.wallets)} wallets, ` +
      `${plural(s.openPositions, 'open position')}, ${plural(s.events.liquidation, 'liquidation')}`,
    '',
    'Largest liquidation zones per coin (notional that liquidates there, distance from the mark):',
  ];
  for (const [coin, list] of Object.entries(zones)) {
    out.push(`  ${coin.padEnd(6)} mark ${fmtPx(mark(coin))}${list.length === 0 ? '  no zone' : ''}`);
    for (const z of list) {
      out.push(
        `    ${z.side.padEnd(9)} ${`${fmtPx(z.lo)}–${fmtPx(z.hi)}`.padEnd(17)} ${fmtUsd(z.notionalUsd).padStart(7)}  ` +
          `${`${z.wallets} wallet${z.wallets === 1 ? '' : 's'}`.padEnd(11)} ${fmtDistance(z.distancePct, 1).padStart(7)}${estimateNote(z)}`,
      );
    }
  }
  out.push('', `Top wallets by Nexus Score (at least ${RANKED_MIN_TRADES} closed trades):`);
  if (top.length === 0) out.push('  none yet');
  for (const w of top)
    out.push(`  ${w.wallet}  score ${w.score.toFixed(1)}  confidence ${w.confidence.toFixed(2)}  ${fmtInt(w.trades)} trades`);
  out.push('', 'Events:');
  const byCount = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (byCount.length === 0) out.push('  none');
  for (const [type, n] of byCount) out.push(`  ${type.padEnd(26)} ${fmtInt(n).padStart(7)}`);
  out.push('', 'Machine-readable: glass demo --json');
  return out;
}
