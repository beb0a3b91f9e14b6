/**
 * Which raw subject a venue message goes to. Messages about one coin (trades, l2Book,
 * activeAssetCtx) go to that coin's subject; the rest (allMids, meta and account snapshots that
 * span coins, userFills, connection markers) to `_all`, which every worker reads too. The message's
 * bytes are published unchanged, so a worker's normalizer sees exactly what the single process saw.
 */
export const ALL = '_all';

/** NATS subject tokens may not hold `.`, `*`, `>` or whitespace; venue symbols rarely do. */
export function subjectToken(coin: string): string {
  return coin.replace(/[.*>\s]/g, '_');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The coin a recording message is about, or ALL when it is about several (or none). */
export function routeOf(msg: unknown): string {
  if (!isObj(msg)) return ALL;
  const channel = msg['channel'];
  const data = msg['data'];
  switch (channel) {
    case 'trades': {
      if (!Array.isArray(data) || data.length === 0) return ALL;
      let coin: string | null = null;
      for (const t of data) {
        const c = isObj(t) ? t['coin'] : undefined;
        if (typeof c !== 'string' || (coin !== null && c !== coin)) return ALL;
        coin = c;
      }
      return coin ?? ALL;
    }
    case 'l2Book':
    case 'activeAssetCtx': {
      const c = isObj(data) ? data['coin'] : undefined;
      return typeof c === 'string' && c.length > 0 ? c : ALL;
    }
    default:
      return ALL;
  }
}

const CHANNEL = Buffer.from('{"channel":"');
const COIN = Buffer.from('"coin":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * routeOf on a message's bytes without parsing it (the ingest's hot path): a compact
 * `{"channel":"trades"|"l2Book"|"activeAssetCtx",…}` goes to its coin when every `"coin":"…"` in
 * it names the same one; any other channel to ALL. Null when the bytes are not in that compact
 * form (the caller parses and asks routeOf). test/bus/route.test.ts checks it against routeOf.
 */
export function routeOfBytes(buf: Buffer, from: number, to: number): string | null {
  if (to - from < CHANNEL.length + 2 || buf.compare(CHANNEL, 0, CHANNEL.length, from, from + CHANNEL.length) !== 0) return null;
  const c0 = from + CHANNEL.length;
  const c1 = buf.indexOf(QUOTE, c0);
  if (c1 < 0 || c1 >= to) return null;
  const channel = buf.toString('latin1', c0, c1);
  if (channel !== 'trades' && channel !== 'l2Book' && channel !== 'activeAssetCtx') return ALL;
  let coin: string | null = null;
  let at = c1;
  for (;;) {
    const i = buf.indexOf(COIN, at);
    if (i < 0 || i >= to) break;
    const v0 = i + COIN.length;
    const v1 = buf.indexOf(QUOTE, v0);
    if (v1 < 0 || v1 >= to) return null;
    const esc = buf.indexOf(BACKSLASH, v0);
    if (esc >= 0 && esc < v1) return null; // an escape: let JSON.parse read it
    const c = buf.toString('utf8', v0, v1);
    if (coin !== null && c !== coin) return ALL;
    coin = c;
    at = v1;
  }
  return coin === null || coin.length === 0 ? null : coin;
}
