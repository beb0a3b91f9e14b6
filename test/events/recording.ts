import { writeFileSync } from 'node:fs';
import { attachEngines } from '../../src/cli/engines.ts';
import type { GlassEvent, ZoneRef } from '../../src/domain/glass-event.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { SimCoin } from '../../src/sim/config.ts';
import { assetCtxMessage, clearinghouseMessage, l2BookMessage, metaMessage, tradesMessage } from '../../src/sim/messages.ts';

/**
 * A small hand-built recording for the armed detectors' tests: one coin (TST, mark 100), twelve
 * isolated longs whose snapshots put a liquidation zone near 91, then whatever the test appends
 * (marks, books, taker trades), as the venue's own messages.
 */
export const COIN: SimCoin = { coin: 'TST', px0: 100, szDecimals: 2, maxLeverage: 20, vol: 0.6, weight: 1 };
export const T0 = Date.UTC(2026, 9, 1, 12);

export interface Line {
  readonly ts: number;
  readonly msg: unknown;
}

const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;

export function base(): Line[] {
  const lines: Line[] = [{ ts: T0, msg: metaMessage([COIN]) }];
  for (let i = 0; i < 12; i++) {
    const szi = 2_000 + 37 * i;
    // Isolated 10×: margin a tenth of the notional at entry 100, liquidation near 91.
    lines.push({
      ts: T0 + 1 + i,
      msg: clearinghouseMessage(
        addr(i + 1),
        50_000,
        [
          {
            coin: 'TST',
            szi,
            entryPx: 100,
            markPx: 100,
            leverage: 10,
            isolated: true,
            margin: szi * 10,
            maxLeverage: 20,
            liquidationPx: 91 + 0.01 * i,
          },
        ],
        T0 + 1 + i,
      ),
    });
  }
  for (let k = 0; k <= 6; k++) lines.push({ ts: T0 + 100 + k * 10_000, msg: assetCtxMessage('TST', 100, 0.0000125, 1e6) });
  return lines;
}

export const mark = (ts: number, px: number): Line => ({ ts, msg: assetCtxMessage('TST', px, 0.0000125, 1e6) });
export const book = (ts: number, mid: number, depthUsdPerPct: number): Line => ({
  ts,
  msg: l2BookMessage('TST', mid, depthUsdPerPct, ts, (p) => Math.round(p * 1e4) / 1e4),
});

let tid = 1;
/** Taker sells totalling `usd` at `px`, in lots, between wallets of no account (small next to the zone). */
export function sells(ts: number, px: number, usd: number, lots = 10): Line {
  const sz = Math.round((usd / px / lots) * 100) / 100;
  const trades = Array.from({ length: lots }, (_, i) => ({
    coin: 'TST',
    side: 'A' as const,
    px,
    sz,
    time: ts,
    tid: tid++,
    hashN: tid,
    buyer: addr(1000 + (i % 3)),
    seller: addr(2000 + (i % 3)),
  }));
  return { ts, msg: tradesMessage(trades) };
}

/** Runs lines through the pipeline and every engine, as `glass events` does. */
export function run(lines: readonly Line[]): { events: GlassEvent[]; zones: () => readonly (ZoneRef & { id: string })[] } {
  const p = new Pipeline({ strict: true });
  const events: GlassEvent[] = [];
  const engines = attachEngines(p, {}, (e) => events.push(e));
  lines.forEach((l, i) => {
    p.ingest({ line: i + 1, ts: l.ts, venue: 'hyperliquid', msg: l.msg });
  });
  return { events, zones: () => engines.heat.zones('TST') };
}

export function writeRecording(path: string, lines: readonly Line[]): void {
  writeFileSync(path, `${lines.map((l) => JSON.stringify({ ts: l.ts, venue: 'hyperliquid', msg: l.msg })).join('\n')}\n`);
}
