import type { Wallet } from '../../domain/ids.ts';
import type { PositionSnapshotEvent, PositionState } from '../../domain/market-event.ts';
import { asObj, DecodeError, decField, mapArr, nested, numOrDecField, type Obj, optDecField, optNumField } from '../decode.ts';
import { coinField, strEnum } from './wire.ts';

const MARGIN_MODES = ['cross', 'isolated'] as const;

function decodePosition(ap: unknown): PositionState {
  const p = nested(asObj(ap, ''), 'position', (v) => v);
  try {
    return positionOf(p);
  } catch (e) {
    throw e instanceof DecodeError ? e.under('position') : e;
  }
}

function positionOf(p: Obj): PositionState {
  const lev = nested(p, 'leverage', (l) => {
    const t = strEnum(l, 'type', MARGIN_MODES);
    return { type: t, value: numOrDecField(l, 'value'), rawUsd: optDecField(l, 'rawUsd') };
  });
  return {
    coin: coinField(p, 'coin'),
    szi: decField(p, 'szi'),
    entryPx: decField(p, 'entryPx'),
    positionValue: decField(p, 'positionValue'),
    marginMode: lev.type,
    leverage: lev.value,
    rawUsd: lev.type === 'isolated' ? lev.rawUsd : null,
    marginUsed: decField(p, 'marginUsed'),
    maxLeverage: optNumField(p, 'maxLeverage'),
    liquidationPx: optDecField(p, 'liquidationPx'),
  };
}

/** The body of a clearinghouseState response (also inside webData2 and the WS channel). */
export function decodeClearinghouseState(body: Obj, wallet: Wallet | null, localTs: number): PositionSnapshotEvent {
  const margin = nested(body, 'marginSummary', (m) => decField(m, 'accountValue'));
  const cross = nested(body, 'crossMarginSummary', (m) => decField(m, 'accountValue'));
  return {
    type: 'snapshot',
    venue: 'hyperliquid',
    wallet,
    accountValue: margin,
    crossAccountValue: cross,
    crossMaintenanceMarginUsed: optDecField(body, 'crossMaintenanceMarginUsed'),
    positions: mapArr(body, 'assetPositions', decodePosition),
    time: optNumField(body, 'time') ?? localTs,
    localTs,
  };
}
