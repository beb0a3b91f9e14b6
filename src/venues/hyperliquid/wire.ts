import { type Coin, toCoin, toWallet, type Wallet } from '../../domain/ids.ts';
import type { Side } from '../../domain/market-event.ts';
import { DecodeError, type Obj, strField } from '../decode.ts';

/** Hyperliquid-specific field guards shared by the channel decoders. */
export function walletField(o: Obj, key: string): Wallet {
  const v = o[key];
  const w = typeof v === 'string' ? toWallet(v) : null;
  if (w === null) throw DecodeError.of(key, 'a 0x-prefixed 20-byte address', v);
  return w;
}

export function walletValue(v: unknown, path: string): Wallet {
  const w = typeof v === 'string' ? toWallet(v) : null;
  if (w === null) throw DecodeError.of(path, 'a 0x-prefixed 20-byte address', v);
  return w;
}

export function coinField(o: Obj, key: string): Coin {
  const v = o[key];
  const c = typeof v === 'string' ? toCoin(v) : null;
  if (c === null) throw DecodeError.of(key, 'a coin symbol', v);
  return c;
}

export function sideField(o: Obj, key: string): Side {
  const v = o[key];
  if (v === 'B' || v === 'A') return v;
  throw DecodeError.of(key, '"B" or "A"', v);
}

/**
 * Spot markets share channels with perps but are named "@107" or "PURR/USDC"; the position book
 * and heatmap are perp-only.
 */
export function isSpotCoin(c: string): boolean {
  return c.charCodeAt(0) === 64 || c.includes('/');
}

export function optWalletField(o: Obj, key: string): Wallet | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  return walletField(o, key);
}

export function strEnum<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const s = strField(o, key);
  for (const v of values) if (v === s) return v;
  throw DecodeError.of(key, values.map((v) => JSON.stringify(v)).join(' or '), s);
}
