import { toCoin } from '../../domain/ids.ts';
import type { FundingEvent, MarketEvent, MarkPriceEvent } from '../../domain/market-event.ts';
import { DecodeError, decField, nested, type Obj, optDecField, parseDecimal } from '../decode.ts';
import { coinField, isSpotCoin } from './wire.ts';

/** allMids: `{mids: {COIN: "px"}}`, no venue time, so the receive time stands in. */
export function decodeAllMids(mids: Obj, localTs: number, emit: (e: MarketEvent) => void): void {
  for (const key in mids) {
    if (isSpotCoin(key)) continue;
    const v = mids[key];
    const px = typeof v === 'string' ? parseDecimal(v) : Number.NaN;
    const coin = toCoin(key);
    if (!(px > 0) || coin === null) throw DecodeError.of(`mids.${key}`, 'a positive decimal string', v);
    const e: MarkPriceEvent = { type: 'mark', venue: 'hyperliquid', coin, px, kind: 'mid', time: localTs, localTs };
    emit(e);
  }
}

/** A perp asset context (activeAssetCtx's `ctx`, an element of metaAndAssetCtxs[1]). */
export function decodeAssetCtx(coinObj: Obj, ctx: Obj, time: number, localTs: number, emit: (e: MarketEvent) => void): void {
  const coin = coinField(coinObj, 'coin');
  const mark: MarkPriceEvent = {
    type: 'mark',
    venue: 'hyperliquid',
    coin,
    px: decField(ctx, 'markPx'),
    kind: 'mark',
    time,
    localTs,
  };
  const funding: FundingEvent = {
    type: 'funding',
    venue: 'hyperliquid',
    coin,
    rate: decField(ctx, 'funding'),
    openInterest: optDecField(ctx, 'openInterest'),
    time,
    localTs,
  };
  emit(mark);
  emit(funding);
}

/** activeAssetCtx channel data: `{coin, ctx}`. */
export function decodeActiveAssetCtx(data: Obj, localTs: number, emit: (e: MarketEvent) => void): void {
  const ctx = nested(data, 'ctx', (c) => c);
  try {
    decodeAssetCtx(data, ctx, localTs, localTs, emit);
  } catch (e) {
    throw e instanceof DecodeError && e.path !== 'coin' ? e.under('ctx') : e;
  }
}
