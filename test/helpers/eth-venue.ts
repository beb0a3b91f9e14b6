import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
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
