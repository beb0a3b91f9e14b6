import type { BookEvent, BookLevel } from '../../domain/market-event.ts';
import { arrField, asObj, DecodeError, decField, type Obj, optNumField } from '../decode.ts';
import { coinField } from './wire.ts';

function decodeLevels(side: unknown, path: string): BookLevel[] {
  if (!Array.isArray(side)) throw DecodeError.of(path, 'an array of levels', side);
  const out: BookLevel[] = [];
  for (let i = 0; i < side.length; i++) {
    try {
      const l = asObj(side[i], '');
      out.push({ px: decField(l, 'px'), sz: decField(l, 'sz') });
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`${path}[${i}]`) : e;
    }
  }
  return out;
}

/** l2Book (WS channel data and /info response): `{coin, levels: [bids, asks], time}`. */
export function decodeL2Book(o: Obj, localTs: number): BookEvent {
  const levels = arrField(o, 'levels');
  if (levels.length !== 2) throw DecodeError.of('levels', '[bids, asks]', levels);
  return {
    type: 'book',
    venue: 'hyperliquid',
    coin: coinField(o, 'coin'),
    bids: decodeLevels(levels[0], 'levels[0]'),
    asks: decodeLevels(levels[1], 'levels[1]'),
    time: optNumField(o, 'time') ?? localTs,
    localTs,
  };
}
