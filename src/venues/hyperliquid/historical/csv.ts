import type { Coin, Wallet } from '../../../domain/ids.ts';
import { toCoin, toWallet } from '../../../domain/ids.ts';

/**
 * Hyperliquid's official historical export (the "Historical DEX data" CSVs, 2023): one file per
 * table, a header line, comma-separated, no quoting. Each row is validated here, once; an error
 * names the line and the column. See docs/recording.md ("Importing the official export").
 */
export class CsvRowError extends Error {
  readonly line: number;
  constructor(line: number, column: string, expected: string, got: string) {
    super(`line ${line}: column ${column}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'CsvRowError';
    this.line = line;
  }
}

/** `non_mm_trades.csv`: one side of one trade (the row's `user` is that side's wallet). */
export interface ExportTrade {
  readonly line: number;
  /** ms since epoch; the export writes whole seconds. */
  readonly time: number;
  readonly wallet: Wallet;
  readonly coin: Coin;
  /** `Bid` buys, `Ask` sells: the venue's B / A. */
  readonly side: 'B' | 'A';
  /** Decimal strings exactly as the export writes them. */
  readonly px: string;
  readonly sz: string;
  /** The order took liquidity. */
  readonly crossed: boolean;
}

/** `liquidations.csv`: one liquidation of one account. */
export interface ExportLiquidation {
  readonly line: number;
  readonly time: number;
  readonly wallet: Wallet;
  /** Notional of the positions liquidated, USD. */
  readonly notional: number;
  readonly accountValue: number;
  readonly leverageType: 'cross' | 'isolated';
}

/**
 * `non_mm_ledger_updates.csv`: one deposit (positive) or withdrawal (negative) of USDC to or from
 * an account. Columns as the export's own table defines them (hyperliquid-stats' schema:
 * `time timestamptz, user varchar, delta_usd double precision`).
 */
export interface ExportLedgerUpdate {
  readonly line: number;
  readonly time: number;
  readonly wallet: Wallet;
  /** USD into the account (negative: out). */
  readonly deltaUsd: number;
}

export type ExportTable = 'trades' | 'liquidations' | 'ledger';

const HEADERS: Readonly<Record<ExportTable, string>> = {
  trades: 'time,user,coin,side,px,sz,crossed',
  liquidations: 'time,user,liquidated_ntl_pos,liquidated_account_value,leverage_type',
  ledger: 'time,user,delta_usd',
};

/** Which table a header line belongs to, or null when it is none the importer knows. */
export function tableOf(header: string): ExportTable | null {
  const h = header.trim();
  for (const t of Object.keys(HEADERS) as ExportTable[]) if (HEADERS[t] === h) return t;
  return null;
}

export function expectedHeaders(): string {
  return Object.values(HEADERS)
    .map((h) => `"${h}"`)
    .join(' or ');
}

const DECIMAL = /^\d+(\.\d+)?$/;
const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function cells(text: string, line: number, n: number): string[] {
  const c = text.split(',');
  if (c.length !== n) throw new CsvRowError(line, '*', `${n} comma-separated cells`, text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return c;
}

function timeCell(s: string, line: number): number {
  const t = ISO_SECOND.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(t)) throw new CsvRowError(line, 'time', 'an ISO-8601 UTC time (2023-02-27T15:02:26Z)', s);
  return t;
}

function walletCell(s: string, line: number): Wallet {
  const w = toWallet(s);
  if (w === null) throw new CsvRowError(line, 'user', 'a 0x address of 40 hex digits', s);
  return w;
}

function decimalCell(s: string, line: number, column: string): string {
  if (!DECIMAL.test(s) || !(Number(s) > 0)) throw new CsvRowError(line, column, 'a positive decimal', s);
  return s;
}

function numberCell(s: string, line: number, column: string): number {
  const n = s.trim() === '' ? Number.NaN : Number(s);
  if (!Number.isFinite(n)) throw new CsvRowError(line, column, 'a number', s);
  return n;
}

export function parseTrade(text: string, line: number): ExportTrade {
  const [time, user, coin, side, px, sz, crossed] = cells(text, line, 7) as [string, string, string, string, string, string, string];
  const c = toCoin(coin);
  if (c === null) throw new CsvRowError(line, 'coin', 'a coin symbol', coin);
  if (side !== 'Bid' && side !== 'Ask') throw new CsvRowError(line, 'side', 'Bid or Ask', side);
  if (crossed !== 'true' && crossed !== 'false') throw new CsvRowError(line, 'crossed', 'true or false', crossed);
  return {
    line,
    time: timeCell(time, line),
    wallet: walletCell(user, line),
    coin: c,
    side: side === 'Bid' ? 'B' : 'A',
    px: decimalCell(px, line, 'px'),
    sz: decimalCell(sz, line, 'sz'),
    crossed: crossed === 'true',
  };
}

export function parseLiquidation(text: string, line: number): ExportLiquidation {
  const [time, user, ntl, av, lt] = cells(text, line, 5) as [string, string, string, string, string];
  const type = lt.toLowerCase();
  if (type !== 'cross' && type !== 'isolated') throw new CsvRowError(line, 'leverage_type', 'Cross or Isolated', lt);
  return {
    line,
    time: timeCell(time, line),
    wallet: walletCell(user, line),
    notional: numberCell(ntl, line, 'liquidated_ntl_pos'),
    accountValue: numberCell(av, line, 'liquidated_account_value'),
    leverageType: type,
  };
}

export function parseLedgerUpdate(text: string, line: number): ExportLedgerUpdate {
  const [time, user, delta] = cells(text, line, 3) as [string, string, string];
  const deltaUsd = numberCell(delta, line, 'delta_usd');
  if (deltaUsd === 0) throw new CsvRowError(line, 'delta_usd', 'a non-zero amount', delta);
  return { line, time: timeCell(time, line), wallet: walletCell(user, line), deltaUsd };
}
