import type { Wallet } from '../../domain/ids.ts';
import type { FillEvent, MarketEvent } from '../../domain/market-event.ts';
import { arrField, asObj, DecodeError, decField, isObj, nested, numField, type Obj, optStrField, strField } from '../decode.ts';
import { bytesAre } from '../json-scan.ts';
import { decodeClearinghouseState } from './clearinghouse-state.ts';
import { decodeFill, liquidationOf } from './fills.ts';
import { decodeL2Book } from './l2-book.ts';
import { ledgerUpdatesInfo, ledgerUpdatesWs } from './ledger-updates.ts';
import { decodeActiveAssetCtx, decodeAllMids, decodeAssetCtx } from './marks.ts';
import { decodeMeta } from './meta.ts';
import { ScanDecoder } from './scan-decode.ts';
import { decodeTrade } from './trades.ts';
import type { WalletTable } from './wallet-table.ts';
import { coinField, walletField, walletValue } from './wire.ts';

export type Emit = (e: MarketEvent) => void;

/** What a message was, beside the events it produced. */
export type Outcome = { readonly kind: 'data' } | { readonly kind: 'control' } | { readonly kind: 'venue-error'; readonly message: string };

const DATA: Outcome = { kind: 'data' };
const CONTROL: Outcome = { kind: 'control' };

export const WS_CHANNELS = [
  'trades',
  'userFills',
  'allMids',
  'activeAssetCtx',
  'clearinghouseState',
  'webData2',
  'l2Book',
  'userNonFundingLedgerUpdates',
  'subscriptionResponse',
  'pong',
  'error',
  'glass:connection',
] as const;

/** /info request types whose responses the normalizer reads. */
export const INFO_TYPES = [
  'meta',
  'metaAndAssetCtxs',
  'clearinghouseState',
  'userFills',
  'userFillsByTime',
  'allMids',
  'l2Book',
  'fundingHistory',
  'candleSnapshot',
  'userNonFundingLedgerUpdates',
] as const;

/**
 * Turns one raw Hyperliquid message (a WebSocket frame, or an `{request, response}` pair for an
 * /info call) into MarketEvents. Pure but for one piece of state the venue forces on us: the first
 * `trades` frame after subscribing is a batch of recent history, and only the preceding
 * subscriptionResponse tells it apart, so that is remembered per coin.
 */
export class HyperliquidNormalizer {
  private readonly awaitingTradeSnapshot = new Set<string>();
  private readonly pending: MarketEvent[] = [];
  private readonly push: Emit = (e) => {
    this.pending.push(e);
  };
  private readonly scan: ScanDecoder;
  private readonly tradeSnapshot = (coin: string): boolean => this.awaitingTradeSnapshot.delete(coin);

  /**
   * `walletRefs`: the trades and fills decoded from bytes carry their wallets' numbers in the
   * scanner's table (WalletRef), so the position book behind this normalizer need not find each
   * address a second time. Off by default: the events are then exactly the general path's.
   */
  constructor(opts: { readonly walletRefs?: boolean } = {}) {
    this.scan = new ScanDecoder(opts);
  }

  /** The numbers behind `walletRefs`, with room for the paired book's ids (WalletTable.hint). */
  get walletTable(): WalletTable {
    return this.scan.walletTable;
  }

  /**
   * A message given as its UTF-8 JSON bytes (`bytes` from `from` to `to`): the frames and account
   * snapshots that fill a recording are decoded straight from the bytes; null means this is not
   * one the scanner reads (or not in its plain form), and the caller parses it and calls
   * `normalize`, which decodes it or names the failed field.
   */
  normalizeBytes(bytes: Buffer, from: number, to: number, localTs: number, emit: Emit): Outcome | null {
    const out = this.pending;
    out.length = 0;
    if (bytesAre(bytes, from, '{"channel":')) {
      if (!this.scan.frame(bytes, from, to, localTs, this.tradeSnapshot, out)) return null;
    } else if (bytesAre(bytes, from, '{"request":{"type":"clearinghouseState"')) {
      const snap = this.scan.clearinghouseState(bytes, from, to, localTs);
      if (snap === null) return null;
      out.push(snap);
    } else if (isNodeBlockHead(bytes, from)) {
      if (!this.scan.nodeBlock(bytes, from, to, localTs, out)) return null;
    } else return null;
    for (let i = 0; i < out.length; i++) emit(out[i] as MarketEvent);
    out.length = 0;
    return DATA;
  }

  /**
   * Throws DecodeError naming the field for malformed input. Events are held until the whole
   * message decoded, so a bad message emits nothing rather than half of itself.
   */
  normalize(msg: unknown, localTs: number, emit: Emit): Outcome {
    this.pending.length = 0;
    const outcome = this.decode(msg, localTs, this.push);
    for (let i = 0; i < this.pending.length; i++) emit(this.pending[i] as MarketEvent);
    this.pending.length = 0;
    return outcome;
  }

  private decode(msg: unknown, localTs: number, emit: Emit): Outcome {
    const m = asObj(msg, 'msg');
    const channel = m['channel'];
    if (typeof channel === 'string') return this.ws(channel, m, localTs, emit);
    if ('request' in m) return info(m, localTs, emit);
    if ('block_number' in m) return nodeBlock(m, localTs, emit);
    throw DecodeError.of('msg.channel', 'a WebSocket channel or an {request, response} pair', channel);
  }

  private ws(channel: string, m: Obj, localTs: number, emit: Emit): Outcome {
    const run = (f: () => Outcome): Outcome => {
      try {
        return f();
      } catch (e) {
        throw e instanceof DecodeError ? e.under('msg.data') : e;
      }
    };
    switch (channel) {
      case 'trades':
        return run(() => this.trades(m['data'], localTs, emit));
      case 'userFills':
        return run(() => userFillsWs(asObj(m['data'], ''), localTs, emit));
      case 'allMids':
        return run(() => {
          decodeAllMids(
            nested(asObj(m['data'], ''), 'mids', (x) => x),
            localTs,
            emit,
          );
          return DATA;
        });
      case 'activeAssetCtx':
        return run(() => {
          decodeActiveAssetCtx(asObj(m['data'], ''), localTs, emit);
          return DATA;
        });
      case 'clearinghouseState':
      case 'webData2':
        return run(() => snapshotWs(asObj(m['data'], ''), localTs, emit));
      case 'l2Book':
        return run(() => {
          emit(decodeL2Book(asObj(m['data'], ''), localTs));
          return DATA;
        });
      case 'userNonFundingLedgerUpdates':
        // Money between wallets, and on/off the venue: the entities' funding links (ledger-updates.ts).
        return run(() => {
          ledgerUpdatesWs(asObj(m['data'], ''), localTs, emit);
          return DATA;
        });
      case 'subscriptionResponse':
        return run(() => this.subscribed(asObj(m['data'], '')));
      case 'pong':
        return CONTROL;
      case 'glass:connection':
        // The recorder's own note of a connection change: a closed socket is a gap in the stream.
        return run(() => {
          const d = asObj(m['data'], '');
          if (strField(d, 'state') !== 'closed') return CONTROL;
          emit({ type: 'disconnect', venue: 'hyperliquid', time: localTs, localTs, reason: strField(d, 'reason') });
          return DATA;
        });
      case 'error':
        return { kind: 'venue-error', message: typeof m['data'] === 'string' ? m['data'] : JSON.stringify(m['data']) };
      default:
        throw DecodeError.of('msg.channel', `one of ${WS_CHANNELS.join(', ')}`, channel);
    }
  }

  private trades(data: unknown, localTs: number, emit: Emit): Outcome {
    if (!Array.isArray(data)) throw DecodeError.of('', 'an array of trades', data);
    if (data.length === 0) return DATA;
    const first = data[0];
    const coin = isObj(first) && typeof first['coin'] === 'string' ? first['coin'] : '';
    const isSnapshot = this.awaitingTradeSnapshot.delete(coin);
    for (let i = 0; i < data.length; i++) {
      try {
        emit(decodeTrade(data[i], localTs, isSnapshot));
      } catch (e) {
        throw e instanceof DecodeError ? e.under(`[${i}]`) : e;
      }
    }
    return DATA;
  }

  private subscribed(data: Obj): Outcome {
    const sub = nested(data, 'subscription', (s) => s);
    if (sub['type'] === 'trades' && strField(data, 'method') === 'subscribe') {
      this.awaitingTradeSnapshot.add(strField(sub, 'coin'));
    }
    return CONTROL;
  }
}

/** How a node's block line begins (its keys in the node's order, or the order of our tests). */
function isNodeBlockHead(bytes: Buffer, from: number): boolean {
  return bytesAre(bytes, from, '{"local_time":') || bytesAre(bytes, from, '{"block_number":') || bytesAre(bytes, from, '{"block_time":');
}

/**
 * A batch of one wallet's fills, emitted oldest first. The /info endpoints answer newest first
 * by time, but with the fills of one order at one millisecond in execution order; every consumer
 * (round trips, syndicate windows) reads a wallet's fills in the order they happened, so the
 * batch is decoded whole and stably sorted by time, which keeps each millisecond's own order.
 */
function emitFills(list: Obj, key: string, wallet: Wallet, localTs: number, isSnapshot: boolean, emit: Emit): void {
  const raw = arrField(list, key);
  const fills: FillEvent[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      const f = decodeFill(raw[i], wallet, localTs, isSnapshot);
      if (f !== null) fills.push(f);
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`${key}[${i}]`) : e;
    }
  }
  if (!fills.every((f, i) => i === 0 || (fills[i - 1] as FillEvent).time <= f.time)) fills.sort((a, b) => a.time - b.time);
  for (const f of fills) {
    emit(f);
    const liq = liquidationOf(f);
    if (liq !== null) emit(liq);
  }
}

/** A node's block of fills: `events: [[user, fill], …]`, every wallet's, in execution order. */
function nodeBlock(m: Obj, localTs: number, emit: Emit): Outcome {
  const events = arrField(m, 'events');
  for (let i = 0; i < events.length; i++) {
    const pair = events[i];
    if (!Array.isArray(pair) || pair.length !== 2) throw DecodeError.of(`msg.events[${i}]`, 'a [user, fill] pair', pair);
    const user = walletValue(pair[0], `msg.events[${i}][0]`);
    try {
      const f = decodeFill(pair[1], user, localTs, false);
      if (f === null) continue;
      emit(f);
      const liq = liquidationOf(f);
      if (liq !== null) emit(liq);
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`msg.events[${i}][1]`) : e;
    }
  }
  return DATA;
}

function userFillsWs(data: Obj, localTs: number, emit: Emit): Outcome {
  const wallet = walletField(data, 'user');
  const isSnapshot = data['isSnapshot'] === true;
  emitFills(data, 'fills', wallet, localTs, isSnapshot, emit);
  return DATA;
}

/** WS clearinghouseState and webData2 both carry `{user, clearinghouseState}`. */
function snapshotWs(data: Obj, localTs: number, emit: Emit): Outcome {
  const wallet = walletField(data, 'user');
  emit(nested(data, 'clearinghouseState', (b) => decodeClearinghouseState(b, wallet, localTs)));
  return DATA;
}

function info(m: Obj, localTs: number, emit: Emit): Outcome {
  const request = nested(m, 'request', (r) => r);
  const type = strField(request, 'type');
  const response = m['response'];
  const at = (f: () => void): Outcome => {
    try {
      f();
      return DATA;
    } catch (e) {
      throw e instanceof DecodeError ? e.under('msg.response') : e;
    }
  };
  switch (type) {
    case 'meta':
      return at(() => emit(decodeMeta(asObj(response, ''), localTs, localTs)));
    case 'metaAndAssetCtxs':
      return at(() => metaAndAssetCtxs(response, localTs, emit));
    case 'clearinghouseState': {
      const user = optStrField(request, 'user');
      const wallet = user === null || user === 'unknown' ? null : walletValue(user, 'msg.request.user');
      return at(() => emit(decodeClearinghouseState(asObj(response, ''), wallet, localTs)));
    }
    case 'userFills':
    case 'userFillsByTime': {
      const wallet = walletValue(request['user'], 'msg.request.user');
      // A query answer is history (a back-fill, a wallet's past): it moves positions, it is not news.
      return at(() => emitFills({ fills: response }, 'fills', wallet, localTs, true, emit));
    }
    case 'allMids':
      return at(() => decodeAllMids(asObj(response, ''), localTs, emit));
    case 'l2Book':
      return at(() => emit(decodeL2Book(asObj(response, ''), localTs)));
    case 'fundingHistory':
      return at(() => fundingHistory(response, localTs, emit));
    case 'candleSnapshot':
      return CONTROL;
    case 'userNonFundingLedgerUpdates': {
      const wallet = walletValue(request['user'], 'msg.request.user');
      return at(() => ledgerUpdatesInfo(wallet, response, localTs, emit));
    }
    default:
      throw DecodeError.of('msg.request.type', `one of ${INFO_TYPES.join(', ')}`, type);
  }
}

function metaAndAssetCtxs(response: unknown, localTs: number, emit: Emit): void {
  if (!Array.isArray(response) || response.length !== 2) throw DecodeError.of('', '[meta, assetCtxs]', response);
  const meta = decodeMeta(asObj(response[0], '[0]'), localTs, localTs);
  const ctxs = response[1];
  if (!Array.isArray(ctxs)) throw DecodeError.of('[1]', 'an array of asset contexts', ctxs);
  emit(meta);
  meta.assets.forEach((a, i) => {
    try {
      decodeAssetCtx({ coin: a.coin }, asObj(ctxs[i], ''), localTs, localTs, emit);
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`[1][${i}]`) : e;
    }
  });
}

function fundingHistory(response: unknown, localTs: number, emit: Emit): void {
  if (!Array.isArray(response)) throw DecodeError.of('', 'an array', response);
  response.forEach((r, i) => {
    try {
      const o = asObj(r, '');
      const time = numField(o, 'time');
      emit({
        type: 'funding',
        venue: 'hyperliquid',
        coin: coinField(o, 'coin'),
        rate: decField(o, 'fundingRate'),
        openInterest: null,
        time,
        localTs,
      });
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`[${i}]`) : e;
    }
  });
}
