import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Pipeline } from '../../pipeline/pipeline.ts';
import { DEFAULT_SIM } from '../../sim/config.ts';
import { Simulator } from '../../sim/simulator.ts';
import { type CommandSpec, flag, intOption, numOption, parseCommand } from '../args.ts';
import { attachEngines, describe, SIM_WHALES } from '../engines.ts';
import { fmtInt, note } from '../output.ts';

export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'Simulator → the live pipeline and every engine on embedded defaults, with a running console summary. Nothing to set up.',
  usage: '[--wallets N] [--hours H] [--seed S] [--speed X]',
  options: {
    wallets: { type: 'string' },
    hours: { type: 'string' },
    seed: { type: 'string' },
    speed: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  help: [
    `--wallets N   simulated traders (default ${DEFAULT_SIM.wallets})`,
    `--hours H     simulated span (default ${DEFAULT_SIM.hours})`,
    `--seed S      simulator seed (default ${DEFAULT_SIM.seed})`,
    '--speed X     simulated seconds per wall second (default 0: as fast as possible)',
    '--quiet       only the final summary',
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
          `${fmtInt(s.openPositions)} open positions  ${fmtInt(s.events.liquidation)} liquidations  ` +
          `${fmtInt(s.messages / ((now - t0) / 1000))} msg/s`,
      );
      for (const e of engines.recent.splice(0)) note(`    ${describe(e)}`);
    }
    if (!more) break;
    if (speed > 0) await new Promise((r) => setTimeout(r, (1000 * step) / speed));
    else await yieldToLoop();
  }
  const s = pipeline.summary();
  const zones = Object.fromEntries(engines.heat.coinList().map((c) => [c, engines.heat.zones(c).slice(0, 3)]));
  const top = engines.score.table(10).slice(0, 5);
  process.stdout.write(`${JSON.stringify({ demo: config, ...s, glassEvents: engines.counts, zones, topScores: top })}\n`);
  return 0;
}
