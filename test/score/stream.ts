import { wallet } from '../../src/domain/ids.ts';

/** Test wallets. */
export const W = Array.from({ length: 40 }, (_, i) => wallet(`0x${(i + 1).toString(16).padStart(40, 'a')}`));

let tid = 1;

/** One fill to `w` as the venue's WS userFills channel delivers it (decimal strings, startPosition). */
export function fill(
  w: string,
  coin: string,
  side: 'B' | 'A',
  sz: number,
  px: number,
  startPosition: number,
  time: number,
  liquidated = false,
): { time: number; msg: unknown } {
  return {
    time,
    msg: {
      channel: 'userFills',
      data: {
        user: w,
        isSnapshot: false,
        fills: [
          {
            coin,
            px: String(px),
            sz: String(sz),
            side,
            time,
            startPosition: String(startPosition),
            closedPnl: '0',
            fee: '0',
            hash: `0x${(tid).toString(16)}`,
            oid: tid,
            tid: tid++,
            crossed: true,
            ...(liquidated ? { liquidation: { liquidatedUser: w, markPx: String(px), method: 'market' } } : {}),
          },
        ],
      },
    },
  };
}

/** A mark price as allMids delivers it. */
export function mids(time: number, prices: Record<string, number>): { time: number; msg: unknown } {
  return { time, msg: { channel: 'allMids', data: { mids: Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, String(v)])) } } };
}
