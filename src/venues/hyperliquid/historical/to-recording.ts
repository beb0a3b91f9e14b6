import type { Coin, Wallet } from '../../../domain/ids.ts';
import type { ExportLedgerUpdate, ExportLiquidation, ExportTrade } from './csv.ts';

/** One recording entry: the receive time and the message exactly as the venue would send it. */
export interface RecordingEntry {
  readonly ts: number;
  readonly msg: unknown;
}

export interface ExportOptions {
  /** allMids cadence, ms (0: none). The mids are each coin's last traded price: nothing new. */
  readonly marksEveryMs: number;
  /** How far from a liquidation's time a wallet's fills are taken to be its liquidation fills. */
  readonly liquidationWindowMs: number;
}

export const DEFAULT_EXPORT_OPTIONS: ExportOptions = { marksEveryMs: 60_000, liquidationWindowMs: 1_000 };

const EPS = 1e-9;

/** Decimal text for a size computed here (never float noise like 0.30000000000000004). */
function dec(n: number): string {
  const s = Number(n.toFixed(8)).toString();
  return s === '-0' ? '0' : s;
}

function dirOf(start: number, signed: number): string {
  const end = start + signed;
  if (Math.abs(start) <= EPS * Math.abs(signed)) return signed > 0 ? 'Open Long' : 'Open Short';
  if (start > 0) {
    if (signed > 0) return 'Open Long';
    return end < -EPS * Math.abs(start) ? 'Long > Short' : 'Close Long';
  }
  if (signed < 0) return 'Open Short';
  return end > EPS * Math.abs(start) ? 'Short > Long' : 'Close Short';
}

interface Position {
  szi: number;
  entry: number;
}

/**
 * Turns the official export's trades into the recording format: every row becomes its wallet's
 * `userFills` message (the export has no `startPosition`, `dir`, `closedPnl`, `tid` or `hash`, so
 * they are derived here: positions start flat when the export starts, PnL realises against the
 * average entry, tids number the rows). Fills of a wallet within `liquidationWindowMs` of one of its
 * liquidations that reduce its position carry the venue's `liquidation` field (mark price unknown
 * in the export: the fill's price stands in). `allMids` is written at each whole `marksEveryMs`
 * the stream crosses. Pure and deterministic: the same rows give the same entries.
 */
export class ExportConverter {
  private readonly opts: ExportOptions;
  private readonly positions = new Map<string, Position>();
  private readonly lastPx = new Map<Coin, string>();
  private readonly liqByWallet = new Map<Wallet, number[]>();
  private nextMarkAt = Number.POSITIVE_INFINITY;
  private lastTime = Number.NEGATIVE_INFINITY;
  private tid = 0;
  liquidationFills = 0;

  constructor(liquidations: readonly ExportLiquidation[], opts: ExportOptions = DEFAULT_EXPORT_OPTIONS) {
    this.opts = opts;
    for (const l of liquidations) {
      const list = this.liqByWallet.get(l.wallet) ?? [];
      list.push(l.time);
      this.liqByWallet.set(l.wallet, list);
    }
  }

  /** Entries for one trade row; rows must come in time order (the export's own order). */
  trade(t: ExportTrade): RecordingEntry[] {
    if (t.time < this.lastTime) throw new Error(`line ${t.line}: time goes back (${new Date(t.time).toISOString()})`);
    this.lastTime = t.time;
    const out: RecordingEntry[] = [];
    this.marksUpTo(t.time, out);
    const key = `${t.wallet}|${t.coin}`;
    const pos = this.positions.get(key) ?? { szi: 0, entry: 0 };
    const px = Number(t.px);
    const sz = Number(t.sz);
    const signed = t.side === 'B' ? sz : -sz;
    const start = pos.szi;
    const closing = start !== 0 && Math.sign(signed) !== Math.sign(start);
    const closedSz = closing ? Math.min(Math.abs(signed), Math.abs(start)) : 0;
    const closedPnl = closedSz * (px - pos.entry) * Math.sign(start);
    const end = start + signed;
    if (Math.abs(end) <= EPS * Math.max(Math.abs(start), sz)) {
      pos.szi = 0;
      pos.entry = 0;
    } else if (!closing) {
      pos.entry = (pos.entry * Math.abs(start) + px * sz) / (Math.abs(start) + sz);
      pos.szi = end;
    } else {
      pos.szi = end;
      if (Math.sign(end) !== Math.sign(start)) pos.entry = px;
    }
    this.positions.set(key, pos);
    this.lastPx.set(t.coin, t.px);
    const fill: Record<string, unknown> = {
      coin: t.coin,
      px: t.px,
      sz: t.sz,
      side: t.side,
      time: t.time,
      startPosition: dec(start),
      dir: dirOf(start, signed),
      closedPnl: closedPnl.toFixed(6),
      hash: `0x${(++this.tid).toString(16).padStart(64, '0')}`,
      oid: this.tid,
      crossed: t.crossed,
      fee: '0.0',
      tid: this.tid,
      feeToken: 'USDC',
    };
    if (closing && this.nearLiquidation(t.wallet, t.time)) {
      fill['liquidation'] = { liquidatedUser: t.wallet, markPx: t.px, method: 'market' };
      this.liquidationFills++;
    }
    out.push({ ts: t.time, msg: { channel: 'userFills', data: { user: t.wallet, isSnapshot: false, fills: [fill] } } });
    return out;
  }

  /** The closing marks after the last row. */
  finish(): RecordingEntry[] {
    const out: RecordingEntry[] = [];
    if (Number.isFinite(this.lastTime)) this.marksUpTo(this.lastTime + this.opts.marksEveryMs, out);
    return out;
  }

  private nearLiquidation(wallet: Wallet, time: number): boolean {
    const list = this.liqByWallet.get(wallet);
    if (list === undefined) return false;
    for (const t of list) if (Math.abs(t - time) <= this.opts.liquidationWindowMs) return true;
    return false;
  }

  private marksUpTo(time: number, out: RecordingEntry[]): void {
    const every = this.opts.marksEveryMs;
    if (every <= 0) return;
    if (this.lastPx.size === 0) {
      this.nextMarkAt = (Math.floor(time / every) + 1) * every;
      return;
    }
    // Every boundary crossed gets its allMids, as a live feed would: a quiet minute's mids are the
    // last traded prices, which is what the venue's mids were up to the spread.
    for (; this.nextMarkAt <= time; this.nextMarkAt += every) {
      out.push({ ts: this.nextMarkAt, msg: { channel: 'allMids', data: { mids: Object.fromEntries(this.lastPx) } } });
    }
  }
}

/**
 * A ledger row as the venue's `userNonFundingLedgerUpdates` answer for its wallet: a `deposit`
 * (USDC in) or `withdraw` (out), the amount as a positive decimal. The export has no transaction
 * hash; `line` numbers it so two rows of one second stay apart.
 */
export function ledgerUpdateEntry(u: ExportLedgerUpdate): RecordingEntry {
  const usdc = Math.abs(u.deltaUsd).toFixed(6);
  return {
    ts: u.time,
    msg: {
      request: { type: 'userNonFundingLedgerUpdates', user: u.wallet },
      response: [
        {
          time: u.time,
          hash: `0x${u.line.toString(16).padStart(64, '0')}`,
          delta: u.deltaUsd > 0 ? { type: 'deposit', usdc } : { type: 'withdraw', usdc, nonce: u.line, fee: '0.0' },
        },
      ],
    },
  };
}
