import type { SimCoin } from './config.ts';
import { dec, hashOf, usd } from './format.ts';

/** Hyperliquid-shaped messages, exactly as the live adapter would record them. */
export interface SimTrade {
  readonly coin: string;
  readonly side: 'B' | 'A';
  readonly px: number;
  readonly sz: number;
  readonly time: number;
  readonly tid: number;
  readonly hashN: number;
  readonly buyer: string;
  readonly seller: string;
}

export function tradesMessage(trades: readonly SimTrade[]): unknown {
  return {
    channel: 'trades',
    data: trades.map((t) => ({
      coin: t.coin,
      side: t.side,
      px: dec(t.px),
      sz: dec(t.sz),
      time: t.time,
      hash: hashOf(t.hashN),
      tid: t.tid,
      users: [t.buyer, t.seller],
    })),
  };
}

export interface SimFill {
  readonly user: string;
  readonly trade: SimTrade;
  readonly side: 'B' | 'A';
  readonly startPosition: number;
  readonly dir: string;
  readonly closedPnl: number;
  readonly liquidationMarkPx: number | null;
}

/** What the venue sends a subscribed user for one of its fills (WsFill). */
export function userFillsMessage(f: SimFill): unknown {
  const t = f.trade;
  return {
    channel: 'userFills',
    data: {
      user: f.user,
      fills: [
        {
          coin: t.coin,
          px: dec(t.px),
          sz: dec(t.sz),
          side: f.side,
          time: t.time,
          startPosition: dec(f.startPosition),
          dir: f.dir,
          closedPnl: usd(f.closedPnl),
          hash: hashOf(t.hashN),
          oid: t.tid,
          crossed: true,
          fee: '0.0',
          tid: t.tid,
          feeToken: 'USDC',
          ...(f.liquidationMarkPx === null
            ? {}
            : { liquidation: { liquidatedUser: f.user, markPx: dec(f.liquidationMarkPx), method: 'market' } }),
        },
      ],
    },
  };
}

export function allMidsMessage(coins: readonly SimCoin[], px: Float64Array): unknown {
  const mids: Record<string, string> = {};
  coins.forEach((c, i) => {
    mids[c.coin] = dec(px[i] as number);
  });
  return { channel: 'allMids', data: { mids } };
}

export function assetCtxMessage(coin: string, markPx: number, funding: number, openInterest: number): unknown {
  return {
    channel: 'activeAssetCtx',
    data: {
      coin,
      ctx: {
        funding: dec(funding, 8),
        openInterest: dec(openInterest, 2),
        oraclePx: dec(markPx),
        markPx: dec(markPx),
        midPx: dec(markPx),
        dayNtlVlm: '0.0',
        prevDayPx: dec(markPx),
        premium: '0.0',
      },
    },
  };
}

export function metaMessage(coins: readonly SimCoin[]): unknown {
  return {
    request: { type: 'meta' },
    response: {
      universe: coins.map((c) => ({ szDecimals: c.szDecimals, name: c.coin, maxLeverage: c.maxLeverage })),
    },
  };
}

/** A synthetic book: depth grows away from mid, so a sweep's cost is well defined. */
export function l2BookMessage(coin: string, mid: number, depthUsdPerPct: number, time: number, round: (p: number) => number): unknown {
  const level = (k: number, sign: 1 | -1) => {
    const px = round(mid * (1 + sign * 0.0005 * k));
    return { px: dec(px), sz: dec(Number((depthUsdPerPct / 20 / px).toFixed(4))), n: 1 + (k % 5) };
  };
  const bids = [];
  const asks = [];
  for (let k = 1; k <= 20; k++) {
    bids.push(level(k, -1));
    asks.push(level(k, 1));
  }
  return { channel: 'l2Book', data: { coin, time, levels: [bids, asks] } };
}

export interface SnapshotPosition {
  readonly coin: string;
  readonly szi: number;
  readonly entryPx: number;
  readonly markPx: number;
  readonly leverage: number;
  readonly isolated: boolean;
  /** Isolated margin (USD) behind the position. */
  readonly margin: number;
  readonly maxLeverage: number;
  readonly liquidationPx: number | null;
}

/** clearinghouseState /info response for one wallet, as the snapshot refresher records it. */
export function clearinghouseMessage(user: string, cash: number, positions: readonly SnapshotPosition[], time: number): unknown {
  let crossValue = cash;
  let crossNtl = 0;
  let crossMargin = 0;
  let crossMm = 0;
  let isoValue = 0;
  let isoNtl = 0;
  let isoMargin = 0;
  const assetPositions = positions.map((p) => {
    const value = Math.abs(p.szi) * p.markPx;
    const upnl = (p.markPx - p.entryPx) * p.szi;
    const rawUsd = p.margin - p.entryPx * p.szi;
    const marginUsed = p.isolated ? rawUsd + p.szi * p.markPx : value / p.leverage;
    if (p.isolated) {
      crossValue -= p.margin;
      isoValue += marginUsed;
      isoNtl += value;
      isoMargin += marginUsed;
    } else {
      crossValue += upnl;
      crossNtl += value;
      crossMargin += marginUsed;
      crossMm += value / (2 * p.maxLeverage);
    }
    return {
      type: 'oneWay',
      position: {
        coin: p.coin,
        szi: dec(p.szi),
        leverage: p.isolated ? { type: 'isolated', value: p.leverage, rawUsd: usd(rawUsd) } : { type: 'cross', value: p.leverage },
        entryPx: dec(p.entryPx, 6),
        positionValue: usd(value),
        unrealizedPnl: usd(upnl),
        returnOnEquity: dec(upnl / Math.max(1e-9, value / p.leverage), 10),
        liquidationPx: p.liquidationPx === null ? null : dec(p.liquidationPx, 8),
        marginUsed: usd(marginUsed),
        maxLeverage: p.maxLeverage,
      },
    };
  });
  const summary = (value: number, ntl: number, margin: number) => ({
    accountValue: usd(value),
    totalNtlPos: usd(ntl),
    totalRawUsd: usd(value - ntl),
    totalMarginUsed: usd(margin),
  });
  return {
    request: { type: 'clearinghouseState', user },
    response: {
      marginSummary: summary(crossValue + isoValue, crossNtl + isoNtl, crossMargin + isoMargin),
      crossMarginSummary: summary(crossValue, crossNtl, crossMargin),
      crossMaintenanceMarginUsed: usd(crossMm),
      withdrawable: usd(Math.max(0, crossValue - crossMargin)),
      assetPositions,
      time,
    },
  };
}
