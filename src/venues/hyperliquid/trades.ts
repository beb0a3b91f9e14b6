import type { TradeEvent } from '../../domain/market-event.ts';
import { arrField, asObj, DecodeError, decField, numField, strField } from '../decode.ts';
import { coinField, sideField, walletValue } from './wire.ts';

/**
 * One element of the `trades` channel. `users` is `[buyer, seller]` (venue docs, WsTrade);
 * `side` is the taker's side.
 */
export function decodeTrade(v: unknown, localTs: number, isSnapshot: boolean): TradeEvent {
  const o = asObj(v, '');
  const users = arrField(o, 'users');
  if (users.length !== 2) throw DecodeError.of('users', '[buyer, seller]', users);
  strField(o, 'hash'); // checked, not carried (TradeEvent.tid)
  return {
    type: 'trade',
    venue: 'hyperliquid',
    coin: coinField(o, 'coin'),
    side: sideField(o, 'side'),
    px: decField(o, 'px'),
    sz: decField(o, 'sz'),
    time: numField(o, 'time'),
    localTs,
    tid: numField(o, 'tid'),
    buyer: walletValue(users[0], 'users[0]'),
    seller: walletValue(users[1], 'users[1]'),
    isSnapshot,
  };
}
