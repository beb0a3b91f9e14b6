import type { Wallet } from '../../domain/ids.ts';
import { DIRECTIONS, type Direction, type FillEvent, type LiquidationEvent } from '../../domain/market-event.ts';
import { asObj, decField, isObj, numField, type Obj, optBoolField, optDecField, optNumField, optStrField, strField } from '../decode.ts';
import { coinField, isSpotCoin, optWalletField, sideField } from './wire.ts';

function dirOf(s: string | null): Direction | null {
  if (s === null) return null;
  for (const d of DIRECTIONS) if (d === s) return d;
  // Other labels exist (spot "Buy"/"Sell", settlement, auto-deleveraging); the book derives its
  // own direction from startPosition, so an unknown label loses nothing.
  return null;
}

/**
 * A fill as the venue reports it to its owner (WsFill / userFills / node fills). Returns null for
 * spot fills, which the perp engines do not track.
 */
export function decodeFill(v: unknown, wallet: Wallet, localTs: number, isSnapshot: boolean): FillEvent | null {
  const o = asObj(v, '');
  const coin = coinField(o, 'coin');
  if (isSpotCoin(coin)) return null;
  return {
    type: 'fill',
    venue: 'hyperliquid',
    wallet,
    coin,
    px: decField(o, 'px'),
    sz: decField(o, 'sz'),
    side: sideField(o, 'side'),
    time: numField(o, 'time'),
    localTs,
    startPosition: decField(o, 'startPosition'),
    dir: dirOf(optStrField(o, 'dir')),
    closedPnl: optDecField(o, 'closedPnl') ?? 0,
    fee: optDecField(o, 'fee') ?? 0,
    tid: optNumField(o, 'tid'),
    hash: strField(o, 'hash'),
    oid: optNumField(o, 'oid'),
    crossed: optBoolField(o, 'crossed', false),
    liquidation: decodeLiquidationInfo(o, wallet),
    isSnapshot,
  };
}

/**
 * `liquidation` appears on both sides of a liquidation fill; it concerns this wallet only when
 * `liquidatedUser` is this wallet (or is absent, as in older responses).
 */
function decodeLiquidationInfo(o: Obj, wallet: Wallet): FillEvent['liquidation'] {
  const l = o['liquidation'];
  if (l === undefined || l === null) return null;
  if (!isObj(l)) return null;
  const liquidated = optWalletField(l, 'liquidatedUser');
  if (liquidated !== null && liquidated !== wallet) return null;
  return { markPx: decField(l, 'markPx'), method: optStrField(l, 'method') ?? 'market' };
}

export function liquidationOf(f: FillEvent): LiquidationEvent | null {
  if (f.liquidation === null) return null;
  return {
    type: 'liquidation',
    venue: f.venue,
    wallet: f.wallet,
    coin: f.coin,
    px: f.px,
    sz: f.sz,
    positionSide: f.startPosition > 0 ? 'long' : 'short',
    markPx: f.liquidation.markPx,
    method: f.liquidation.method,
    time: f.time,
    localTs: f.localTs,
  };
}
