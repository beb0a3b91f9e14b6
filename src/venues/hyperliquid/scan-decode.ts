import { type Coin, toCoin, toWallet, type Wallet } from '../../domain/ids.ts';
import type { MarketEvent, PositionSnapshotEvent, PositionState, Side, TradeEvent } from '../../domain/market-event.ts';
import { DECLINE, JsonScanner } from '../json-scan.ts';

/**
 * Decoders for the two messages that are most of a recording's bytes — `trades` frames and
 * `clearinghouseState` answers — straight from their JSON text, without `JSON.parse` building
 * every field. They give exactly the events the general path (normalizer.ts and its field guards)
 * gives, or decline, and the general path runs instead; test/venues/scan-decode.test.ts holds
 * them to that on every fixture and on corrupted variants.
 */
export class ScanDecoder {
  private readonly j = new JsonScanner();
  /**
   * One flat copy of each wallet and coin string: a slice of the line would keep the whole read
   * chunk alive for as long as the engines hold the id.
   */
  private table = new Array<Wallet | undefined>(1024);
  private mask = 1023;
  private count = 0;
  private readonly coins = new Map<string, Coin>();
  private lastCoin: Coin | null = null;

  /**
   * Trades of a `{"channel":"trades","data":[…]}` frame (`text` from `from` to `to`) into `out`, or null when declined.
   * `isSnapshot(coin)` says whether the frame is the post-subscribe history batch; it is asked
   * only once the whole frame decoded.
   */
  trades(text: string, from: number, to: number, localTs: number, isSnapshot: (firstCoin: string) => boolean, out: MarketEvent[]): boolean {
    const j = this.j;
    j.reset(text, from, to);
    const start = out.length;
    try {
      j.ch(123);
      j.key();
      if (!j.is('channel') || !j.strIs('trades')) return false;
      let seen = false;
      while (j.more(125)) {
        j.key();
        if (j.is('data')) {
          if (seen) j.decline();
          seen = true;
          if (j.openArr()) {
            do out.push(this.trade(localTs));
            while (j.more(93));
          }
        } else if (j.is('channel')) j.decline();
        else j.other();
      }
      j.end();
      if (!seen) j.decline();
    } catch (e) {
      if (e !== DECLINE) throw e;
      out.length = start;
      return false;
    }
    if (out.length > start && isSnapshot((out[start] as TradeEvent).coin)) {
      for (let i = start; i < out.length; i++) out[i] = { ...(out[i] as TradeEvent), isSnapshot: true };
    }
    return true;
  }

  private trade(localTs: number): TradeEvent {
    const j = this.j;
    let coin: Coin | null = null;
    let side: Side | null = null;
    let px = Number.NaN;
    let sz = Number.NaN;
    let time = Number.NaN;
    let hash = false;
    let tid = Number.NaN;
    let buyer: Wallet | null = null;
    let seller: Wallet | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('coin')) coin = this.coin();
      else if (j.is('side')) side = j.strIs('B') ? 'B' : j.strIs('A') ? 'A' : j.decline();
      else if (j.is('px')) px = j.dec();
      else if (j.is('sz')) sz = j.dec();
      else if (j.is('time')) time = j.int();
      else if (j.is('hash')) hash = j.strSkip();
      else if (j.is('tid')) tid = j.int();
      else if (j.is('users')) {
        j.ch(91);
        buyer = this.wallet();
        j.ch(44);
        seller = this.wallet();
        j.ch(93);
      } else j.other();
    } while (j.more(125));
    if (coin === null || side === null || px !== px || sz !== sz || time !== time || !hash || tid !== tid) throw DECLINE;
    if (buyer === null || seller === null) throw DECLINE;
    return { type: 'trade', venue: 'hyperliquid', coin, side, px, sz, time, localTs, tid, buyer, seller, isSnapshot: false };
  }

  /**
   * An `{"request":{"type":"clearinghouseState",…},"response":{…}}` pair as one snapshot event,
   * or null when declined.
   */
  clearinghouseState(text: string, from: number, to: number, localTs: number): PositionSnapshotEvent | null {
    const j = this.j;
    j.reset(text, from, to);
    try {
      j.ch(123);
      j.key();
      if (!j.is('request')) return null;
      const wallet = this.request();
      let snap: PositionSnapshotEvent | null = null;
      while (j.more(125)) {
        j.key();
        // A `channel` anywhere makes the general path read it as a WebSocket frame instead.
        if (j.is('channel') || j.is('request')) j.decline();
        if (j.is('response')) snap = this.account(wallet, localTs);
        else j.other();
      }
      j.end();
      return snap;
    } catch (e) {
      if (e !== DECLINE) throw e;
      return null;
    }
  }

  private request(): Wallet | null {
    const j = this.j;
    let type = false;
    let wallet: Wallet | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('type')) type = j.strIs('clearinghouseState') || j.decline();
      else if (j.is('user')) wallet = j.isNull() || j.strIs('unknown') ? null : this.wallet();
      else j.other();
    } while (j.more(125));
    if (!type) j.decline();
    return wallet;
  }

  private account(wallet: Wallet | null, localTs: number): PositionSnapshotEvent {
    const j = this.j;
    let accountValue = Number.NaN;
    let crossAccountValue = Number.NaN;
    let crossMm: number | null = null;
    let positions: PositionState[] | null = null;
    let time: number | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('marginSummary')) accountValue = this.accountValue();
      else if (j.is('crossMarginSummary')) crossAccountValue = this.accountValue();
      else if (j.is('crossMaintenanceMarginUsed')) crossMm = j.isNull() ? null : j.dec();
      else if (j.is('assetPositions')) {
        positions = [];
        if (j.openArr()) {
          do positions.push(this.assetPosition());
          while (j.more(93));
        }
      } else if (j.is('time')) time = j.isNull() ? null : j.int();
      else j.other();
    } while (j.more(125));
    if (accountValue !== accountValue || crossAccountValue !== crossAccountValue || positions === null) throw DECLINE;
    return {
      type: 'snapshot',
      venue: 'hyperliquid',
      wallet,
      accountValue,
      crossAccountValue,
      crossMaintenanceMarginUsed: crossMm,
      positions,
      time: time ?? localTs,
      localTs,
    };
  }

  private accountValue(): number {
    const j = this.j;
    let v = Number.NaN;
    j.ch(123);
    do {
      j.key();
      if (j.is('accountValue')) v = j.dec();
      else j.other();
    } while (j.more(125));
    if (v !== v) j.decline();
    return v;
  }

  private assetPosition(): PositionState {
    const j = this.j;
    let p: PositionState | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('position')) p = this.position();
      else j.other();
    } while (j.more(125));
    return p ?? j.decline();
  }

  private position(): PositionState {
    const j = this.j;
    let coin: Coin | null = null;
    let szi = Number.NaN;
    let entryPx = Number.NaN;
    let positionValue = Number.NaN;
    let marginUsed = Number.NaN;
    let maxLeverage: number | null = null;
    let liquidationPx: number | null = null;
    let mode: 'cross' | 'isolated' | null = null;
    let leverage = Number.NaN;
    let rawUsd: number | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('coin')) coin = this.coin();
      else if (j.is('szi')) szi = j.dec();
      else if (j.is('leverage')) {
        mode = null;
        leverage = Number.NaN;
        rawUsd = null;
        j.ch(123);
        do {
          j.key();
          if (j.is('type')) mode = j.strIs('cross') ? 'cross' : j.strIs('isolated') ? 'isolated' : j.decline();
          else if (j.is('value')) leverage = j.peek() === 34 ? j.dec() : j.int();
          else if (j.is('rawUsd')) rawUsd = j.isNull() ? null : j.dec();
          else j.other();
        } while (j.more(125));
      } else if (j.is('entryPx')) entryPx = j.dec();
      else if (j.is('positionValue')) positionValue = j.dec();
      else if (j.is('marginUsed')) marginUsed = j.dec();
      else if (j.is('maxLeverage')) maxLeverage = j.isNull() ? null : j.int();
      else if (j.is('liquidationPx')) liquidationPx = j.isNull() ? null : j.dec();
      else j.other();
    } while (j.more(125));
    if (coin === null || mode === null || szi !== szi || entryPx !== entryPx || positionValue !== positionValue) throw DECLINE;
    if (marginUsed !== marginUsed || leverage !== leverage) throw DECLINE;
    return {
      coin,
      szi,
      entryPx,
      positionValue,
      marginMode: mode,
      leverage,
      rawUsd: mode === 'isolated' ? rawUsd : null,
      marginUsed,
      maxLeverage,
      liquidationPx,
    };
  }

  /**
   * A wallet string value. A known address is matched in place (its first 32 bits pick the slot,
   * `startsWith` confirms), so the common case slices nothing and hashes nothing.
   */
  private wallet(): Wallet {
    const j = this.j;
    const s = j.s;
    const p = j.p;
    if (s.charCodeAt(p) === 34 && s.charCodeAt(p + 43) === 34) {
      let h = 0;
      for (let i = p + 3; i < p + 11; i++) h = (h << 4) | hexVal(s.charCodeAt(i));
      for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
        const w = this.table[slot];
        if (w === undefined) break;
        if (s.startsWith(w, p + 1)) {
          j.p = p + 44;
          return w;
        }
      }
    }
    const w = toWallet(flatCopy(j.str()));
    if (w === null) throw DECLINE;
    this.remember(w);
    return w;
  }

  private remember(w: Wallet): void {
    if (this.count * 2 >= this.table.length) {
      const old = this.table;
      this.table = new Array<Wallet | undefined>(old.length * 2);
      this.mask = this.table.length - 1;
      this.count = 0;
      for (const x of old) if (x !== undefined) this.remember(x);
    }
    let h = 0;
    for (let i = 2; i < 10; i++) h = (h << 4) | hexVal(w.charCodeAt(i));
    let slot = h & this.mask;
    while (this.table[slot] !== undefined) {
      if (this.table[slot] === w) return;
      slot = (slot + 1) & this.mask;
    }
    this.table[slot] = w;
    this.count++;
  }

  private coin(): Coin {
    // A frame is one coin's trades, and snapshots name few coins: the last one usually matches.
    if (this.lastCoin !== null && this.j.strIs(this.lastCoin)) return this.lastCoin;
    const s = this.j.str();
    let c = this.coins.get(s);
    if (c === undefined) {
      const flat = toCoin(flatCopy(s));
      if (flat === null) throw DECLINE;
      this.coins.set(flat, flat);
      c = flat;
    }
    this.lastCoin = c;
    return c;
  }
}

/** 0–15 for a lower-case hex digit; anything else only spoils the hash, which `startsWith` checks. */
function hexVal(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** A string that shares no storage with the text it was sliced from. */
function flatCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
