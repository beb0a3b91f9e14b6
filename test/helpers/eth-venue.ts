import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { PUBLISH_EVERY_MS } from '../../src/engine/heatmap/leverage-model.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';

/**
 * A pipeline with a heatmap on one coin (ETH) and two feeders written as the venue writes them:
 * `fill` sends one wallet's `userFills` message (a liquidation fill when `liq`), `mark` an `allMids`.
 */
export function ethVenue() {
  const p = new Pipeline();
  const heat = new HeatmapEngine(p.book);
  p.attach(heat);
  let n = 0;
  const fill = (w: string, time: number, px: number, sz: number, side: 'B' | 'A', start: number, liq: boolean, closedPnl: number) => {
    n++;
    const f = {
      coin: 'ETH',
      px: String(px),
      sz: String(sz),
      side,
      time,
      startPosition: String(start),
      dir: side === 'B' ? (start < 0 ? 'Close Short' : 'Open Long') : start > 0 ? 'Close Long' : 'Open Short',
      closedPnl: String(closedPnl),
      hash: `0x${n.toString(16).padStart(64, '0')}`,
      oid: n,
      crossed: true,
      fee: '0.0',
      tid: n,
      feeToken: 'USDC',
      ...(liq ? { liquidation: { liquidatedUser: w, markPx: String(px), method: 'market' } } : {}),
    };
    p.ingest({ line: n, ts: time, venue: 'hyperliquid', msg: { channel: 'userFills', data: { user: w, isSnapshot: false, fills: [f] } } });
  };
  const mark = (time: number, px: number) => {
    n++;
    p.ingest({ line: n, ts: time, venue: 'hyperliquid', msg: { channel: 'allMids', data: { mids: { ETH: String(px) } } } });
  };
  return { p, heat, fill, mark };
}

/**
 * Five longs opened at 2000 and liquidated at 1900–1940 (3–5 % lower: 20–30×), one leverage
 * publication apart from `t0`, so the model has learned ETH's leverage by `t0 + 10` publications.
 * Gives that later time.
 */
export function learnFiveLiquidatedLongs(fill: ReturnType<typeof ethVenue>['fill'], t0: number): number {
  for (let i = 0; i < 5; i++) {
    const w = `0x${String(i + 1).padStart(40, '0')}`;
    fill(w, t0 + i * PUBLISH_EVERY_MS, 2000, 1, 'B', 0, false, 0);
    fill(w, t0 + i * PUBLISH_EVERY_MS + 1, 1900 + 10 * i, 1, 'A', 1, true, -100 + 10 * i);
  }
  return t0 + 10 * PUBLISH_EVERY_MS;
}
