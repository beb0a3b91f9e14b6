import type { Wallet } from '../../domain/ids.ts';
import type { TransferEvent } from '../../domain/market-event.ts';
import { asObj, DecodeError, decField, numField, type Obj, strField } from '../decode.ts';
import { walletField } from './wire.ts';

/**
 * Hyperliquid's non-funding ledger updates, as documented (GitBook, "Info endpoint › Perpetuals":
 * `userNonFundingLedgerUpdates`; "Websocket › Subscriptions": `WsUserNonFundingLedgerUpdates`;
 * field by field as the nktkas/hyperliquid SDK's schema for both writes them):
 *
 * - /info `{type: 'userNonFundingLedgerUpdates', user, startTime?, endTime?}` answers
 *   `[{time, hash, delta}]`;
 * - the WebSocket subscription `{type: 'userNonFundingLedgerUpdates', user}` pushes
 *   `{user, nonFundingLedgerUpdates: [{time, hash, delta}], isSnapshot?: true}` (the first message
 *   is the snapshot of the past).
 *
 * `delta.type` says what moved. The ones that are money between wallets or on/off the venue:
 * - `internalTransfer` {usdc, user, destination, fee} and `subAccountTransfer` {usdc, user, destination}:
 *   USDC from `user` to `destination`;
 * - `send` {user, destination, sourceDex, destinationDex, token, amount, usdcValue, fee, …} and
 *   `spotTransfer` {token, amount, usdcValue, user, destination, fee, …}: a token, its USD value `usdcValue`;
 * - `deposit` {usdc} (in from the bridge), `withdraw` {usdc, nonce, fee} (out to it).
 *
 * Every other type (accountClassTransfer between one wallet's own perp and spot, vault*,
 * liquidation, rewardsClaim, staking, borrowLend, …, and types the venue adds later) is read past:
 * none moves money between two wallets, and a new type must not make a recording unreadable.
 */
export const TRANSFER_DELTAS = ['send', 'internalTransfer', 'subAccountTransfer', 'spotTransfer'] as const;

/** The request and channel name, shared by the /info request and the WebSocket subscription. */
export const LEDGER_UPDATES = 'userNonFundingLedgerUpdates';

function amount(d: Obj, key: string): number {
  const usd = decField(d, key);
  if (usd < 0) throw DecodeError.of(key, 'a non-negative decimal string', d[key]);
  return usd;
}

/**
 * One `{time, hash, delta}` of `wallet`'s ledger as a TransferEvent (null: an update that moves
 * no money between wallets or on/off the venue). Throws DecodeError naming the field.
 */
export function decodeLedgerUpdate(raw: unknown, wallet: Wallet, localTs: number, isSnapshot: boolean): TransferEvent | null {
  const u = asObj(raw, '');
  const time = numField(u, 'time');
  const hash = strField(u, 'hash');
  const d = asObj(u['delta'], 'delta');
  try {
    const via = strField(d, 'type');
    let from: Wallet | null;
    let to: Wallet | null;
    let usd: number;
    switch (via) {
      case 'internalTransfer':
      case 'subAccountTransfer':
        usd = amount(d, 'usdc');
        from = walletField(d, 'user');
        to = walletField(d, 'destination');
        break;
      case 'send':
      case 'spotTransfer':
        usd = amount(d, 'usdcValue');
        from = walletField(d, 'user');
        to = walletField(d, 'destination');
        break;
      case 'deposit':
        usd = amount(d, 'usdc');
        from = null;
        to = wallet;
        break;
      case 'withdraw':
        usd = amount(d, 'usdc');
        from = wallet;
        to = null;
        break;
      default:
        return null;
    }
    return { type: 'transfer', venue: 'hyperliquid', time, localTs, wallet, from, to, usd, via, hash, isSnapshot };
  } catch (e) {
    throw e instanceof DecodeError ? e.under('delta') : e;
  }
}

/**
 * A list of ledger updates of `wallet` (`raw`, found at `path`: '' for a bare answer), emitted in
 * time order (nothing promises the venue's order). Decoded whole before any is emitted.
 */
function emitList(
  raw: unknown,
  path: string,
  wallet: Wallet,
  localTs: number,
  isSnapshot: boolean,
  emit: (e: TransferEvent) => void,
): void {
  if (!Array.isArray(raw)) throw DecodeError.of(path, 'an array of ledger updates', raw);
  const out: TransferEvent[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      const e = decodeLedgerUpdate(raw[i], wallet, localTs, isSnapshot);
      if (e !== null) out.push(e);
    } catch (err) {
      throw err instanceof DecodeError ? err.under(`${path}[${i}]`) : err;
    }
  }
  if (!out.every((e, i) => i === 0 || (out[i - 1] as TransferEvent).time <= e.time)) out.sort((a, b) => a.time - b.time);
  for (const e of out) emit(e);
}

/** The WebSocket frame's data: `{user, nonFundingLedgerUpdates, isSnapshot?}`. */
export function ledgerUpdatesWs(data: Obj, localTs: number, emit: (e: TransferEvent) => void): void {
  const wallet = walletField(data, 'user');
  emitList(data['nonFundingLedgerUpdates'], 'nonFundingLedgerUpdates', wallet, localTs, data['isSnapshot'] === true, emit);
}

/** The /info answer: the request's `user` owns the list; a query answer is history (`isSnapshot`). */
export function ledgerUpdatesInfo(wallet: Wallet, response: unknown, localTs: number, emit: (e: TransferEvent) => void): void {
  emitList(response, '', wallet, localTs, true, emit);
}
