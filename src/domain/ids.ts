/**
 * Branded identifiers: a wallet address and a coin are both strings on the wire, but mixing them
 * up is a bug the compiler should catch.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A venue account address, lower-case 0x-prefixed hex (Hyperliquid: 20 bytes). */
export type Wallet = Brand<string, 'Wallet'>;
/** A perpetual's venue symbol as the venue spells it ("BTC", "kPEPE"). */
export type Coin = Brand<string, 'Coin'>;

const WALLET_RE = /^0x[0-9a-f]{40}$/;

/** Lower-case hex address check without a regex or a copy: the common case on the hot path. */
function isCanonicalAddress(s: string): boolean {
  if (s.length !== 42 || s.charCodeAt(0) !== 48 || s.charCodeAt(1) !== 120) return false;
  for (let i = 2; i < 42; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Addresses arrive in mixed case from some sources; one canonical form keeps maps exact. */
export function toWallet(s: string): Wallet | null {
  if (isCanonicalAddress(s)) return s as Wallet;
  const w = s.length === 42 ? s.toLowerCase() : '';
  return WALLET_RE.test(w) ? (w as Wallet) : null;
}

export function toCoin(s: string): Coin | null {
  return s.length > 0 && s.length <= 32 ? (s as Coin) : null;
}

/** Only for literals in tests and the simulator, where the value is known-good. */
export function coin(s: string): Coin {
  const c = toCoin(s);
  if (c === null) throw new Error(`not a coin symbol: ${s}`);
  return c;
}

export function wallet(s: string): Wallet {
  const w = toWallet(s);
  if (w === null) throw new Error(`not a wallet address: ${s}`);
  return w;
}
