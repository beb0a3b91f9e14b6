import type { RecordingEntry } from './to-recording.ts';

/**
 * Hydromancer Reservoir's Parquet archives (https://docs.hydromancer.xyz/reservoir/schema-reference),
 * turned into the messages the venue itself sends, so a recording made from them replays through
 * the same parsers as a live capture. Rows arrive here as JSON values (DuckDB's
 * `getRowObjectsJson`: 64-bit integers as decimal strings) and are validated once, here; an error
 * names the row and the column. Reading the files is `reservoir-read.ts`.
 */
export class ReservoirRowError extends Error {
  readonly row: number;
  constructor(row: number, column: string, expected: string, got: unknown) {
    super(`row ${row}: column ${column}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'ReservoirRowError';
    this.row = row;
  }
}

export type ReservoirTable = 'perpSnapshot' | 'orderbook' | 'fills';

/**
 * Each table's columns. `perpSnapshot` and `orderbook` are the documented schemas in full
 * (https://docs.hydromancer.xyz/reservoir/schema-reference; `account_mode` is optional: older
 * snapshots lack it).
 *
 * `fills`: Reservoir documents "the same 27-column Parquet schema" for every fill file
 * (https://docs.hydromancer.xyz/reservoir/schema-reference/fills). The copy of that page this
 * project could read shows the table's first three rows only (`coin`, `dex`, `asset_class`); the
 * other names below are the ones independent public code uses on the real files (DuckDB and
 * pyarrow reads of `by_dex/…/fills/perp/…/fills.parquet`): `address`, `timestamp` (TIMESTAMPTZ),
 * `price`, `size` (unsigned) and `start_position`, `fee` as DECIMAL(20,10), `side` 'buy' or 'sell',
 * `direction`, `crossed` (true: taker), `realized_pnl`, `is_liquidation`, `liquidation_mark_px`,
 * `liquidation_method`, `order_id`, `trade_id`, `twap_id` (UBIGINT), `tx_hash`, `client_order_id`,
 * `builder`, `builder_fee`, `fee_token`, `base_symbol`, `quote_symbol`, `priority_gas`,
 * `deployer_fee` — 28 names, where the page says 27 and one reader counted 26: the file has grown
 * columns over time, so the ones added last (fees of builders, deployers, priority gas; the
 * symbol split; TWAP and client ids) are optional here. docs/real-data.md, "Reservoir fills".
 */
export const RESERVOIR_COLUMNS: Readonly<Record<ReservoirTable, readonly string[]>> = {
  perpSnapshot: [
    'user',
    'market',
    'size',
    'notional',
    'entry_price',
    'liquidation_price',
    'leverage_type',
    'leverage',
    'funding_pnl',
    'account_value',
    'account_mode',
  ],
  orderbook: ['block_time_ms', 'block_number', 'bids', 'asks'],
  fills: [
    'coin',
    'dex',
    'asset_class',
    'base_symbol',
    'quote_symbol',
    'address',
    'timestamp',
    'price',
    'size',
    'side',
    'direction',
    'start_position',
    'crossed',
    'realized_pnl',
    'fee',
    'fee_token',
    'builder_fee',
    'builder',
    'priority_gas',
    'deployer_fee',
    'is_liquidation',
    'liquidation_mark_px',
    'liquidation_method',
    'order_id',
    'trade_id',
    'twap_id',
    'tx_hash',
    'client_order_id',
  ],
};

const OPTIONAL = new Set([
  'account_mode',
  'dex',
  'asset_class',
  'base_symbol',
  'quote_symbol',
  'fee_token',
  'builder_fee',
  'builder',
  'priority_gas',
  'deployer_fee',
  'liquidation_mark_px',
  'liquidation_method',
  'twap_id',
  'client_order_id',
]);

/** Which table a file's columns are, or null. */
export function reservoirTableOf(columns: readonly string[]): ReservoirTable | null {
  const have = new Set(columns);
  for (const t of ['perpSnapshot', 'orderbook', 'fills'] as const) {
    if (RESERVOIR_COLUMNS[t].every((c) => OPTIONAL.has(c) || have.has(c))) return t;
  }
  return null;
}

type Row = Readonly<Record<string, unknown>>;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function address(r: Row, row: number, column: string): string {
  const v = r[column];
  if (typeof v !== 'string' || !ADDRESS.test(v)) throw new ReservoirRowError(row, column, 'a 0x address of 40 hex digits', v);
  return v.toLowerCase();
}

function text(r: Row, row: number, column: string): string {
  const v = r[column];
  if (typeof v !== 'string' || v.length === 0) throw new ReservoirRowError(row, column, 'a non-empty string', v);
  return v;
}

/** A finite number from a double, or from a decimal string (64-bit integers and decimals). */
function num(r: Row, row: number, column: string): number {
  const v = r[column];
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v) ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new ReservoirRowError(row, column, 'a finite number', v);
  return n;
}

function optNum(r: Row, row: number, column: string): number | null {
  return r[column] === null || r[column] === undefined ? null : num(r, row, column);
}

/** A decimal kept as the archive writes it (a string), or written from a double. */
function decimal(r: Row, row: number, column: string): string {
  const v = r[column];
  if (typeof v === 'string' && DECIMAL.test(v)) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new ReservoirRowError(row, column, 'a decimal', v);
}

// ---------------------------------------------------------------------------------------------
// Daily perp position snapshots

/** One row of `global/snapshots/perp/…`: one wallet's position in one market at the snapshot. */
export interface SnapshotRow {
  readonly row: number;
  readonly user: string;
  readonly coin: string;
  /** Signed size: positive long. */
  readonly szi: number;
  readonly notional: number;
  readonly entryPx: number;
  readonly liquidationPx: number | null;
  readonly marginMode: 'cross' | 'isolated';
  readonly leverage: number;
  /** Funding received over the position's life (USD; negative: paid). */
  readonly fundingPnl: number;
  readonly accountValue: number;
  readonly accountMode: string | null;
}

export function parseSnapshotRow(r: Row, row: number): SnapshotRow {
  const szi = num(r, row, 'size');
  if (szi === 0) throw new ReservoirRowError(row, 'size', 'a non-zero size', r['size']);
  const notional = num(r, row, 'notional');
  if (!(notional > 0)) throw new ReservoirRowError(row, 'notional', 'a positive notional', r['notional']);
  const mode = r['leverage_type'];
  if (mode !== 'cross' && mode !== 'isolated') throw new ReservoirRowError(row, 'leverage_type', 'cross or isolated', mode);
  const leverage = num(r, row, 'leverage');
  if (!(leverage >= 1)) throw new ReservoirRowError(row, 'leverage', 'a leverage ≥ 1', r['leverage']);
  const liq = optNum(r, row, 'liquidation_price');
  if (liq !== null && !(liq > 0)) throw new ReservoirRowError(row, 'liquidation_price', 'a positive price or null', r['liquidation_price']);
  const accountMode = r['account_mode'];
  if (accountMode !== undefined && accountMode !== null && typeof accountMode !== 'string') {
    throw new ReservoirRowError(row, 'account_mode', 'a string or null', accountMode);
  }
  return {
    row,
    user: address(r, row, 'user'),
    coin: text(r, row, 'market'),
    szi,
    notional,
    entryPx: num(r, row, 'entry_price'),
    liquidationPx: liq,
    marginMode: mode,
    leverage,
    fundingPnl: num(r, row, 'funding_pnl'),
    accountValue: num(r, row, 'account_value'),
    accountMode: typeof accountMode === 'string' ? accountMode : null,
  };
}

/**
 * Reservoir does not give a position's maximum leverage; the venue's highest (50×) stands in, and
 * written into each position as `maxLeverage` it is what the heatmap reads back (docs/margin.md:
 * the position's own `maxLeverage` wins). It sets how the maintenance margin moves, not where the
 * liquidation is today: that is Reservoir's own `liquidation_price`, reproduced below.
 */
export const SNAPSHOT_MAX_LEVERAGE = 50;

export interface SnapshotConversion {
  readonly entries: RecordingEntry[];
  readonly wallets: number;
  readonly positions: number;
  /** Cross positions whose liquidation price implies another account than the wallet's first. */
  readonly inconsistent: number;
}

/**
 * One `clearinghouseState` answer per wallet at the snapshot's time. The account is written so the
 * venue's rule (`liq = mark − side·A/|szi|/(1 − side·l)`, docs/margin.md) gives back each row's
 * `liquidation_price`: mark = notional/|size|; an isolated position's `rawUsd` is solved from its
 * price; the cross account's maintenance margin from the first cross position that has one (the
 * others share that account; one that implies another is counted in `inconsistent`).
 */
export function snapshotEntries(rows: readonly SnapshotRow[], time: number): SnapshotConversion {
  const byUser = new Map<string, SnapshotRow[]>();
  for (const r of rows) {
    const list = byUser.get(r.user);
    if (list === undefined) byUser.set(r.user, [r]);
    else list.push(r);
  }
  const l = 1 / (2 * SNAPSHOT_MAX_LEVERAGE);
  let inconsistent = 0;
  const entries: RecordingEntry[] = [];
  for (const [user, list] of byUser) {
    /** Margin available to a position for the rule to give its price (null: none liquidates it). */
    const available = (p: SnapshotRow, px: number) => {
      const side = Math.sign(p.szi);
      return side * (p.notional / Math.abs(p.szi) - px) * Math.abs(p.szi) * (1 - side * l);
    };
    const cross = list.filter((p) => p.marginMode === 'cross');
    const accountValue = (list[0] as SnapshotRow).accountValue;
    const anchor = cross.find((p) => p.liquidationPx !== null);
    const crossAvailable = anchor === undefined ? null : available(anchor, anchor.liquidationPx as number);
    const crossMm = crossAvailable === null ? cross.reduce((s, p) => s + p.notional * l, 0) : accountValue - crossAvailable;
    for (const p of cross) {
      if (p === anchor || p.liquidationPx === null || crossAvailable === null) continue;
      const a = available(p, p.liquidationPx);
      if (Math.abs(a - crossAvailable) > 1e-6 * Math.max(1, Math.abs(crossAvailable))) inconsistent++;
    }
    let crossNtl = 0;
    let crossMargin = 0;
    let isoValue = 0;
    let isoNtl = 0;
    let isoMargin = 0;
    const assetPositions = list.map((p) => {
      const mark = p.notional / Math.abs(p.szi);
      const position: Record<string, unknown> = {
        coin: p.coin,
        szi: String(p.szi),
        entryPx: String(p.entryPx),
        positionValue: String(p.notional),
        unrealizedPnl: String(p.szi * (mark - p.entryPx)),
        liquidationPx: p.liquidationPx === null ? null : String(p.liquidationPx),
        maxLeverage: SNAPSHOT_MAX_LEVERAGE,
        // The venue's cumFunding counts funding paid; Reservoir's funding_pnl counts it received.
        cumFunding: { allTime: String(-p.fundingPnl), sinceOpen: String(-p.fundingPnl), sinceChange: String(-p.fundingPnl) },
      };
      if (p.marginMode === 'cross') {
        const used = p.notional / p.leverage;
        crossNtl += p.notional;
        crossMargin += used;
        position['leverage'] = { type: 'cross', value: p.leverage };
        position['marginUsed'] = String(used);
      } else {
        // A long that nothing liquidates: margin down to a price of zero.
        const a = available(p, p.liquidationPx ?? 0);
        const rawUsd = a - p.szi * mark + Math.abs(p.szi) * mark * l;
        const used = rawUsd + p.szi * mark;
        isoValue += used;
        isoNtl += p.notional;
        isoMargin += used;
        position['leverage'] = { type: 'isolated', value: p.leverage, rawUsd: String(rawUsd) };
        position['marginUsed'] = String(used);
      }
      return { type: 'oneWay', position };
    });
    const crossSummary = {
      accountValue: String(accountValue),
      totalNtlPos: String(crossNtl),
      totalRawUsd: String(accountValue),
      totalMarginUsed: String(crossMargin),
    };
    const response: Record<string, unknown> = {
      marginSummary: {
        accountValue: String(accountValue + isoValue),
        totalNtlPos: String(crossNtl + isoNtl),
        totalRawUsd: String(accountValue + isoValue),
        totalMarginUsed: String(crossMargin + isoMargin),
      },
      crossMarginSummary: crossSummary,
      crossMaintenanceMarginUsed: String(crossMm),
      withdrawable: String(Math.max(0, accountValue - crossMargin)),
      assetPositions,
      time,
    };
    const mode = (list[0] as SnapshotRow).accountMode;
    if (mode !== null) response['accountMode'] = mode;
    entries.push({ ts: time, msg: { request: { type: 'clearinghouseState', user }, response } });
  }
  return { entries, wallets: byUser.size, positions: rows.length, inconsistent };
}

// ---------------------------------------------------------------------------------------------
// 1-minute order books

interface Level {
  readonly px: string;
  readonly sz: string;
  readonly n: number;
}

function levels(r: Row, row: number, column: string): Level[] {
  const v = r[column];
  if (!Array.isArray(v)) throw new ReservoirRowError(row, column, 'a list of {px, sz, n}', v);
  return v.map((x: unknown, i) => {
    if (typeof x !== 'object' || x === null) throw new ReservoirRowError(row, `${column}[${i}]`, '{px, sz, n}', x);
    const o = x as Row;
    const at = `${column}[${i}]`;
    const px = o['px'];
    const sz = o['sz'];
    const n = o['n'];
    if (typeof px !== 'string' || !DECIMAL.test(px) || !(Number(px) > 0))
      throw new ReservoirRowError(row, `${at}.px`, 'a positive decimal string', px);
    if (typeof sz !== 'string' || !DECIMAL.test(sz) || !(Number(sz) > 0))
      throw new ReservoirRowError(row, `${at}.sz`, 'a positive decimal string', sz);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ReservoirRowError(row, `${at}.n`, 'an order count', n);
    return { px, sz, n };
  });
}

/** One row of `by_dex/{dex}/orderbook/1m/…/{coin}.parquet` as the venue's `l2Book` message. */
export function orderbookEntry(r: Row, row: number, coin: string): RecordingEntry {
  const time = num(r, row, 'block_time_ms');
  const block = num(r, row, 'block_number');
  return {
    ts: time,
    msg: { channel: 'l2Book', data: { coin, time, levels: [levels(r, row, 'bids'), levels(r, row, 'asks')] }, block },
  };
}

// ---------------------------------------------------------------------------------------------
// Fills

export interface FillConversion {
  readonly entry: RecordingEntry | null;
  /** Why the row is left out (spot), or null. */
  readonly skipped: string | null;
  readonly liquidation: boolean;
}

/** A decimal as the venue writes one: DECIMAL(20,10)'s padding zeros dropped ("60050.5000000000" → "60050.5"). */
function venueDecimal(r: Row, row: number, column: string): string {
  const d = decimal(r, row, column);
  if (!d.includes('.') || /[eE]/.test(d)) return d;
  const t = d.replace(/0+$/, '');
  return t.endsWith('.') ? `${t}0` : t;
}

function optVenueDecimal(r: Row, row: number, column: string): string | null {
  return r[column] === null || r[column] === undefined ? null : venueDecimal(r, row, column);
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * `timestamp` (TIMESTAMPTZ): DuckDB hands it over as text with its offset ("2026-03-17
 * 00:08:20.123+00"); a file that stores milliseconds since the epoch instead is read as such.
 */
function timestampMs(r: Row, row: number, column: string): number {
  const v = r[column];
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return num(r, row, column);
  const m = typeof v === 'string' ? TIMESTAMP.exec(v) : null;
  if (m !== null) {
    const frac = (m[3] ?? '.000').slice(0, 4).padEnd(4, '0');
    const tz =
      m[4] === undefined || m[4] === 'Z'
        ? 'Z'
        : m[4].length === 3
          ? `${m[4]}:00`
          : m[4].includes(':')
            ? m[4]
            : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
    const t = Date.parse(`${m[1]}T${m[2]}${frac}${tz}`);
    if (Number.isFinite(t)) return t;
  }
  throw new ReservoirRowError(row, column, 'a timestamp with its offset (or milliseconds since the epoch)', v);
}

function optText(r: Row, row: number, column: string): string | null {
  const v = r[column];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new ReservoirRowError(row, column, 'a string or null', v);
  return v;
}

/**
 * One fill row as its wallet's `userFills` message (spot fills are left out: the map is perps).
 * Every column has its place in the venue's fill: `address` is the wallet, `timestamp` → `time`,
 * `price`/`size` → `px`/`sz`, `side` buy/sell → `B`/`A`, `direction` → `dir`, `start_position` →
 * `startPosition`, `realized_pnl` → `closedPnl`, `tx_hash` → `hash`, `order_id` → `oid`,
 * `trade_id` → `tid`, `client_order_id` → `cloid`, `twap_id` → `twapId`, `fee_token`,
 * `builder`, `builder_fee`, `deployer_fee`, `priority_gas` as the venue names them; `dex`,
 * `asset_class`, `base_symbol`, `quote_symbol` say which market (`coin` is already the venue's name).
 *
 * A liquidation: Reservoir has no `liquidatedUser`; a row with `is_liquidation` and a
 * `liquidation_mark_px` is read as the liquidated wallet's own fill (the reading public code
 * counting each liquidation once uses; not stated in the part of the documentation read here).
 */
export function fillEntry(r: Row, row: number): FillConversion {
  const assetClass = r['asset_class'];
  if (assetClass === 'spot') return { entry: null, skipped: 'spot', liquidation: false };
  if (assetClass !== undefined && assetClass !== null && assetClass !== 'perp')
    throw new ReservoirRowError(row, 'asset_class', 'perp or spot', assetClass);
  const sideText = r['side'];
  if (sideText !== 'buy' && sideText !== 'sell') throw new ReservoirRowError(row, 'side', 'buy or sell', sideText);
  const crossed = r['crossed'];
  if (typeof crossed !== 'boolean') throw new ReservoirRowError(row, 'crossed', 'true or false', crossed);
  const isLiq = r['is_liquidation'];
  if (typeof isLiq !== 'boolean') throw new ReservoirRowError(row, 'is_liquidation', 'true or false', isLiq);
  const time = timestampMs(r, row, 'timestamp');
  const user = address(r, row, 'address');
  const fill: Record<string, unknown> = {
    coin: text(r, row, 'coin'),
    px: venueDecimal(r, row, 'price'),
    sz: venueDecimal(r, row, 'size'),
    side: sideText === 'buy' ? 'B' : 'A',
    time,
    startPosition: venueDecimal(r, row, 'start_position'),
    dir: text(r, row, 'direction'),
    closedPnl: venueDecimal(r, row, 'realized_pnl'),
    hash: text(r, row, 'tx_hash'),
    oid: num(r, row, 'order_id'),
    crossed,
    fee: venueDecimal(r, row, 'fee'),
    tid: num(r, row, 'trade_id'),
    feeToken: optText(r, row, 'fee_token') ?? 'USDC',
  };
  const extras: [string, string | number | null][] = [
    ['cloid', optText(r, row, 'client_order_id')],
    ['twapId', optNum(r, row, 'twap_id')],
    ['builder', optText(r, row, 'builder')],
    ['builderFee', optVenueDecimal(r, row, 'builder_fee')],
    ['deployerFee', optVenueDecimal(r, row, 'deployer_fee')],
    ['priorityGas', optVenueDecimal(r, row, 'priority_gas')],
  ];
  for (const [k, v] of extras) if (v !== null) fill[k] = v;
  const markPx = optVenueDecimal(r, row, 'liquidation_mark_px');
  const liquidation = isLiq && markPx !== null;
  if (liquidation) {
    fill['liquidation'] = { liquidatedUser: user, markPx, method: optText(r, row, 'liquidation_method') ?? 'market' };
  }
  const dex = r['dex'];
  if (typeof dex === 'string' && dex !== 'hyperliquid' && !String(fill['coin']).includes(':')) fill['coin'] = `${dex}:${fill['coin']}`;
  return {
    entry: { ts: time, msg: { channel: 'userFills', data: { user, isSnapshot: false, fills: [fill] } } },
    skipped: null,
    liquidation,
  };
}
