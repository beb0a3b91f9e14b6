import { type Coin, toCoin, toWallet, type Wallet } from '../../domain/ids.ts';
import {
  type BookEvent,
  type BookLevel,
  DIRECTIONS,
  type Direction,
  type FillEvent,
  type MarketEvent,
  type PositionSnapshotEvent,
  type PositionState,
  type Side,
  type TradeEvent,
  type WalletRef,
} from '../../domain/market-event.ts';
import { bytesAre, DECLINE, JsonScanner } from '../json-scan.ts';
import { liquidationOf } from './fills.ts';
import { WalletTable } from './wallet-table.ts';
import { isSpotCoin } from './wire.ts';

/** Places in a scanner's cache of coins (a power of two; the venue lists a few hundred). */
const COIN_CACHE = 1024;

/**
 * Decoders for the messages that are most of a recording's bytes — `trades`, `allMids`,
 * `activeAssetCtx` and `l2Book` frames and `clearinghouseState` answers — straight from their JSON text, without `JSON.parse` building
 * every field. They give exactly the events the general path (normalizer.ts and its field guards)
 * gives, or decline, and the general path runs instead; test/venues/scan-decode.test.ts holds
 * them to that on every fixture and on corrupted variants.
 */
export class ScanDecoder {
  private readonly j = new JsonScanner();
  /** Each wallet and coin string once (decoded from the bytes on first sight, then reused). */
  private readonly wallets = new WalletTable();
  private readonly coins = new Map<string, Coin>();
  private lastCoin: Coin | null = null;
  /** Coins by a hash of their bytes (see `coin`), COIN_CACHE places. */
  private readonly coinCache: (Coin | undefined)[] = new Array<Coin | undefined>(COIN_CACHE).fill(undefined);
  /** Whether trades and fills carry their wallets' numbers in the table (WalletRef). */
  private readonly refs: boolean;
  /** The number of the wallet `wallet()` read last (-1: not filed, see WalletTable). */
  private ref = -1;

  constructor(opts: { readonly walletRefs?: boolean } = {}) {
    this.refs = opts.walletRefs === true;
  }

  /** The table whose numbers the events carry (WalletRef), for the one book paired with it. */
  get walletTable(): WalletTable {
    return this.wallets;
  }

  /**
   * The events of a WebSocket frame `{"channel":…,"data":…}` (`text` from `from` to `to`) for the
   * channels that fill a recording — `trades`, `allMids`, `activeAssetCtx`, `l2Book` — into
   * `out`; false when declined (nothing added). `isSnapshot(coin)` says whether a trades frame is
   * the post-subscribe history batch; it is asked only once the whole frame decoded.
   */
  frame(text: Buffer, from: number, to: number, localTs: number, isSnapshot: (firstCoin: string) => boolean, out: MarketEvent[]): boolean {
    const j = this.j;
    j.reset(text, from, to);
    const start = out.length;
    try {
      j.ch(123);
      j.key();
      if (!j.is('channel')) return false;
      const channel = j.strIs('trades')
        ? TRADES
        : j.strIs('userFills')
          ? FILLS
          : j.strIs('allMids')
            ? MIDS
            : j.strIs('activeAssetCtx')
              ? CTX
              : j.strIs('l2Book')
                ? BOOK
                : -1;
      if (channel < 0) return false;
      let seen = false;
      while (j.more(125)) {
        j.key();
        if (j.is('data')) {
          if (seen) j.decline();
          seen = true;
          if (channel === TRADES) this.tradeList(localTs, out);
          else if (channel === FILLS) this.userFills(localTs, out);
          else if (channel === MIDS) this.mids(localTs, out);
          else if (channel === CTX) this.assetCtx(localTs, out);
          else out.push(this.book(localTs));
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
    const first = out[start];
    if (first?.type === 'trade' && isSnapshot(first.coin)) {
      for (let i = start; i < out.length; i++) {
        const t = out[i];
        if (t?.type === 'trade') out[i] = { ...t, isSnapshot: true };
      }
    }
    return true;
  }

  /**
   * A `userFills` frame's data, `{"isSnapshot":…,"user":…,"fills":[…]}`: one wallet's fills,
   * time-ordered as the general path orders them. Declines when `user` or `isSnapshot` comes after
   * the fills (or twice), and on a liquidation fill (the general path reads those).
   */
  private userFills(localTs: number, out: MarketEvent[]): void {
    const j = this.j;
    let user: Wallet | null = null;
    let userRef = -1;
    let isSnapshot = false;
    let snapSeen = false;
    let fills: FillEvent[] | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('user')) {
        if (user !== null || fills !== null) j.decline();
        user = this.wallet();
        userRef = this.ref;
      } else if (j.is('isSnapshot')) {
        if (snapSeen || fills !== null) j.decline();
        snapSeen = true;
        const at = j.p;
        j.skip();
        // The general path takes `=== true`: any other value is not a snapshot.
        isSnapshot = j.p - at === 4 && bytesAre(j.s, at, 'true');
      } else if (j.is('fills')) {
        if (user === null || fills !== null) throw DECLINE;
        fills = [];
        if (j.openArr()) {
          do {
            const f = this.fill(user, userRef, localTs, isSnapshot);
            if (f !== null) fills.push(f);
          } while (j.more(93));
        }
      } else j.other();
    } while (j.more(125));
    if (fills === null) throw DECLINE;
    let sorted = true;
    for (let i = 1; i < fills.length; i++) if ((fills[i - 1] as FillEvent).time > (fills[i] as FillEvent).time) sorted = false;
    if (!sorted) fills.sort((a, b) => a.time - b.time);
    for (let i = 0; i < fills.length; i++) pushFill(fills[i] as FillEvent, out);
  }

  /**
   * A node's `node_fills_by_block` line, `{"local_time":…,"block_time":…,"block_number":…,
   * "events":[[user, fill], …]}` (`text` from `from` to `to`), into `out`; false when declined. The
   * reader took the receive time from the time keys before `events`; one after it, or twice,
   * declines, as does a `channel` or `request` key (the general path would read another message).
   */
  nodeBlock(text: Buffer, from: number, to: number, localTs: number, out: MarketEvent[]): boolean {
    const j = this.j;
    j.reset(text, from, to);
    const start = out.length;
    try {
      let events = false;
      let number = false;
      let local = false;
      let block = false;
      j.ch(123);
      do {
        j.key();
        if (j.is('events')) {
          if (events) j.decline();
          events = true;
          if (!j.openArr()) continue;
          do {
            j.ch(91);
            const user = this.wallet();
            const ref = this.ref;
            j.ch(44);
            const f = this.fill(user, ref, localTs, false);
            j.ch(93);
            if (f !== null) pushFill(f, out);
          } while (j.more(93));
        } else if (j.is('local_time')) {
          if (events || local) j.decline();
          local = true;
          j.skip();
        } else if (j.is('block_time')) {
          if (events || block) j.decline();
          block = true;
          j.skip();
        } else if (j.is('block_number')) {
          number = true;
          j.skip();
        } else if (j.is('channel') || j.is('request')) j.decline();
        else j.other();
      } while (j.more(125));
      j.end();
      if (!events || !number) j.decline();
    } catch (e) {
      if (e !== DECLINE) throw e;
      out.length = start;
      return false;
    }
    return true;
  }

  /**
   * A fill as the venue reports it to its owner (decodeFill's fields), or null for a spot fill.
   * `ref` is the wallet's number in the table (-1: none).
   */
  private fill(wallet: Wallet, ref: number, localTs: number, isSnapshot: boolean): FillEvent | null {
    const j = this.j;
    let coin: Coin | null = null;
    let px = Number.NaN;
    let sz = Number.NaN;
    let side: Side | null = null;
    let time = Number.NaN;
    let startPosition = Number.NaN;
    let dir: Direction | null = null;
    let closedPnl = 0;
    let fee = 0;
    let tid: number | null = null;
    let hash: string | null = null;
    let oid: number | null = null;
    let crossed = false;
    let liq: FillEvent['liquidation'] = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('coin')) coin = this.coin();
      else if (j.is('px')) px = j.dec();
      else if (j.is('sz')) sz = j.dec();
      else if (j.is('side')) side = j.strIs('B') ? 'B' : j.strIs('A') ? 'A' : j.decline();
      else if (j.is('time')) time = j.int();
      else if (j.is('startPosition')) startPosition = j.dec();
      else if (j.is('dir')) dir = j.isNull() ? null : dirOf(j.str());
      else if (j.is('closedPnl')) closedPnl = j.isNull() ? 0 : j.dec();
      else if (j.is('fee')) fee = j.isNull() ? 0 : j.dec();
      else if (j.is('tid')) tid = j.isNull() ? null : j.int();
      else if (j.is('hash')) hash = j.str();
      else if (j.is('oid')) oid = j.isNull() ? null : j.int();
      else if (j.is('crossed')) crossed = j.isNull() ? false : j.bool();
      else if (j.is('liquidation')) liq = j.isNull() ? null : this.liquidation(wallet);
      else j.other();
    } while (j.more(125));
    if (coin === null || side === null || hash === null) throw DECLINE;
    if (isSpotCoin(coin)) return null;
    if (px !== px || sz !== sz || time !== time || startPosition !== startPosition) throw DECLINE;
    // Two literals, not one with the number added after: an event without numbers has no
    // `walletRef` key at all (it equals the general path's event), and each shape is built whole
    // (one hidden class per shape on the hot path).
    if (this.refs && ref >= 0) {
      return {
        type: 'fill',
        venue: 'hyperliquid',
        wallet,
        coin,
        px,
        sz,
        side,
        time,
        localTs,
        startPosition,
        dir,
        closedPnl,
        fee,
        tid,
        hash,
        oid,
        crossed,
        liquidation: liq,
        isSnapshot,
        walletRef: ref as WalletRef,
      };
    }
    return {
      type: 'fill',
      venue: 'hyperliquid',
      wallet,
      coin,
      px,
      sz,
      side,
      time,
      localTs,
      startPosition,
      dir,
      closedPnl,
      fee,
      tid,
      hash,
      oid,
      crossed,
      liquidation: liq,
      isSnapshot,
    };
  }

  /**
   * A fill's `liquidation` object: the liquidation of `wallet` unless `liquidatedUser` names
   * another (both sides of a liquidation fill carry it). Declines on anything but an object.
   */
  private liquidation(wallet: Wallet): FillEvent['liquidation'] {
    const j = this.j;
    let user: Wallet | null = null;
    let markPx = Number.NaN;
    let method: string | null = null;
    if (!j.open()) return { markPx: j.decline(), method: 'market' };
    do {
      j.key();
      if (j.is('liquidatedUser')) user = j.isNull() ? null : this.wallet();
      else if (j.is('markPx')) markPx = j.dec();
      else if (j.is('method')) method = j.isNull() ? null : j.str();
      else j.other();
    } while (j.more(125));
    if (user !== null && user !== wallet) return null;
    if (markPx !== markPx) j.decline();
    return { markPx, method: method ?? 'market' };
  }

  private tradeList(localTs: number, out: MarketEvent[]): void {
    const j = this.j;
    if (!j.openArr()) return;
    do out.push(this.trade(localTs));
    while (j.more(93));
  }

  /**
   * `{"mids":{COIN:"px",…}}`, in the order `for…in` over the parsed object would give: a coin
   * named like an array index (which JavaScript orders first) or named twice (which keeps its
   * first place but its last value) declines.
   */
  private mids(localTs: number, out: MarketEvent[]): void {
    const j = this.j;
    let seen = false;
    j.ch(123);
    do {
      j.key();
      if (!j.is('mids')) {
        j.other();
        continue;
      }
      if (seen) j.decline();
      seen = true;
      const start = out.length;
      if (!j.open()) continue;
      do {
        const coin = this.coinKey();
        if (coin === null) {
          j.skip();
          continue;
        }
        const px = j.dec();
        if (!(px > 0)) j.decline();
        for (let i = start; i < out.length; i++) {
          const e = out[i];
          if (e?.type === 'mark' && e.coin === coin) j.decline();
        }
        out.push({ type: 'mark', venue: 'hyperliquid', coin, px, kind: 'mid', time: localTs, localTs });
      } while (j.more(125));
    } while (j.more(125));
    if (!seen) j.decline();
  }

  /** `{"coin":…,"ctx":{"markPx":…,"funding":…,"openInterest":…}}` → a mark and a funding event. */
  private assetCtx(localTs: number, out: MarketEvent[]): void {
    const j = this.j;
    let coin: Coin | null = null;
    let mark = Number.NaN;
    let rate = Number.NaN;
    let oi: number | null = null;
    let ctx = false;
    j.ch(123);
    do {
      j.key();
      if (j.is('coin')) coin = this.coin();
      else if (j.is('ctx')) {
        ctx = true;
        mark = Number.NaN;
        rate = Number.NaN;
        oi = null;
        j.ch(123);
        do {
          j.key();
          if (j.is('markPx')) mark = j.dec();
          else if (j.is('funding')) rate = j.dec();
          else if (j.is('openInterest')) oi = j.isNull() ? null : j.dec();
          else j.other();
        } while (j.more(125));
      } else j.other();
    } while (j.more(125));
    if (coin === null || !ctx || mark !== mark || rate !== rate) throw DECLINE;
    out.push({ type: 'mark', venue: 'hyperliquid', coin, px: mark, kind: 'mark', time: localTs, localTs });
    out.push({ type: 'funding', venue: 'hyperliquid', coin, rate, openInterest: oi, time: localTs, localTs });
  }

  /** `{"coin":…,"time":…,"levels":[[{"px","sz",…}…],[…]]}`. */
  private book(localTs: number): BookEvent {
    const j = this.j;
    let coin: Coin | null = null;
    let time: number | null = null;
    let bids: BookLevel[] | null = null;
    let asks: BookLevel[] | null = null;
    j.ch(123);
    do {
      j.key();
      if (j.is('coin')) coin = this.coin();
      else if (j.is('time')) time = j.isNull() ? null : j.int();
      else if (j.is('levels')) {
        j.ch(91);
        bids = this.levels();
        j.ch(44);
        asks = this.levels();
        j.ch(93);
      } else j.other();
    } while (j.more(125));
    if (coin === null || bids === null || asks === null) throw DECLINE;
    return { type: 'book', venue: 'hyperliquid', coin, bids, asks, time: time ?? localTs, localTs };
  }

  private levels(): BookLevel[] {
    const j = this.j;
    const out: BookLevel[] = [];
    if (!j.openArr()) return out;
    do {
      let px = Number.NaN;
      let sz = Number.NaN;
      j.ch(123);
      do {
        j.key();
        if (j.is('px')) px = j.dec();
        else if (j.is('sz')) sz = j.dec();
        else j.other();
      } while (j.more(125));
      if (px !== px || sz !== sz) throw DECLINE;
      out.push({ px, sz });
    } while (j.more(93));
    return out;
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
    let buyerRef = -1;
    let sellerRef = -1;
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
        const p = j.p;
        // Both known, written `"0x…","0x…"`: looked up together (WalletTable.findTwo).
        if (j.at(p) === 34 && j.at(p + 43) === 34 && j.at(p + 44) === 44 && j.at(p + 45) === 34 && j.at(p + 88) === 34) {
          const t = this.wallets;
          const b = t.findTwo(j.s, p + 1, p + 46);
          const s = t.second;
          if (b >= 0 && s >= 0) {
            buyer = t.firstName;
            buyerRef = b;
            seller = t.secondName;
            sellerRef = s;
            j.p = p + 89;
            j.ch(93);
            continue;
          }
        }
        buyer = this.wallet();
        buyerRef = this.ref;
        j.ch(44);
        seller = this.wallet();
        sellerRef = this.ref;
        j.ch(93);
      } else j.other();
    } while (j.more(125));
    if (coin === null || side === null || px !== px || sz !== sz || time !== time || !hash || tid !== tid) throw DECLINE;
    if (buyer === null || seller === null) throw DECLINE;
    if (this.refs && buyerRef >= 0 && sellerRef >= 0) {
      const b = buyerRef as WalletRef;
      const s = sellerRef as WalletRef;
      return {
        type: 'trade',
        venue: 'hyperliquid',
        coin,
        side,
        px,
        sz,
        time,
        localTs,
        tid,
        buyer,
        seller,
        isSnapshot: false,
        buyerRef: b,
        sellerRef: s,
      };
    }
    return { type: 'trade', venue: 'hyperliquid', coin, side, px, sz, time, localTs, tid, buyer, seller, isSnapshot: false };
  }

  /**
   * An `{"request":{"type":"clearinghouseState",…},"response":{…}}` pair as one snapshot event,
   * or null when declined.
   */
  clearinghouseState(text: Buffer, from: number, to: number, localTs: number): PositionSnapshotEvent | null {
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
   * A wallet string value. A known address is found from its bytes in place (WalletTable: nothing
   * decoded, no string hashed). Its number in the table is left in `ref`.
   */
  private wallet(): Wallet {
    const j = this.j;
    const s = j.s;
    const p = j.p;
    if (j.at(p) === 34 && j.at(p + 43) === 34) {
      const ref = this.wallets.find(s, p + 1);
      if (ref >= 0) {
        j.p = p + 44;
        this.ref = ref;
        return this.wallets.name(ref);
      }
    }
    const w = toWallet(j.str());
    if (w === null) throw DECLINE;
    // Filed only when written canonically: a mixed-case spelling would never match its bytes.
    this.ref = bytesAre(s, p + 1, w) ? this.wallets.add(w) : -1;
    return w;
  }

  /**
   * An allMids key as a coin, or null for a spot market (which the general path passes over
   * without reading its value); declines where the general path's key order would differ.
   */
  private coinKey(): Coin | null {
    const j = this.j;
    const c = this.coin();
    j.ch(58);
    if (isSpotCoin(c)) return null;
    if (/^\d+$/.test(c)) j.decline();
    return c;
  }

  private coin(): Coin {
    const j = this.j;
    // A frame is one coin's trades, and snapshots name few coins: the last one usually matches.
    if (this.lastCoin !== null && j.strIs(this.lastCoin)) return this.lastCoin;
    // Else a coin seen before, found by a hash of its bytes and confirmed byte for byte: frames of
    // different coins alternate, and decoding the name to look it up cost more than the trade's numbers.
    let h = 0;
    for (let i = j.p + 1, end = i + 33; i < end; i++) {
      const c = j.at(i);
      if (c === 34 || c < 0) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    const at = (h ^ (h >>> 15)) & (COIN_CACHE - 1);
    const seen = this.coinCache[at];
    if (seen !== undefined && j.strIs(seen)) {
      this.lastCoin = seen;
      return seen;
    }
    const s = j.str();
    let c = this.coins.get(s);
    if (c === undefined) {
      const flat = toCoin(s);
      if (flat === null) throw DECLINE;
      this.coins.set(flat, flat);
      c = flat;
    }
    this.coinCache[at] = c;
    this.lastCoin = c;
    return c;
  }
}

const TRADES = 0;
const MIDS = 1;
const CTX = 2;
const BOOK = 3;
const FILLS = 4;

/** A fill, and the liquidation event it is when it liquidated its wallet (as the general path emits them). */
function pushFill(f: FillEvent, out: MarketEvent[]): void {
  out.push(f);
  const liq = liquidationOf(f);
  if (liq !== null) out.push(liq);
}

function dirOf(s: string): Direction | null {
  for (const d of DIRECTIONS) if (d === s) return d;
  return null;
}
