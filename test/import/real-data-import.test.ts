import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RESERVOIR_COLUMNS } from '../../src/venues/hyperliquid/historical/reservoir.ts';
import { glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-realimport-'));

interface Line {
  ts: number;
  venue: string;
  msg: Record<string, unknown>;
}
const linesOf = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

async function pipelineOf(file: string): Promise<Pipeline> {
  const p = new Pipeline();
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  return p;
}

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000b2';
const C = '0x00000000000000000000000000000000000000c3';

// ---------------------------------------------------------------------------------------------
// non_mm_ledger_updates.csv — header `time,user,delta_usd` (the export's table: hyperliquid-stats'
// `non_mm_ledger_updates(time timestamptz, "user" varchar, delta_usd double precision)`).

test('ledger updates CSV: deposits and withdrawals join the trades in time order; bad rows named by file and line', async () => {
  const trades = join(dir, 'non_mm_trades.csv');
  writeFileSync(
    trades,
    [
      'time,user,coin,side,px,sz,crossed',
      `2023-05-01T10:00:05Z,${A},ETH,Bid,1800.5,2,true`,
      `2023-05-01T10:02:00Z,${A},ETH,Ask,1810.0,2,false`,
      `2023-05-01T10:03:00Z,${B},BTC,Ask,28000,0.1,true`,
    ].join('\n'),
  );
  const ledger = join(dir, 'non_mm_ledger_updates.csv');
  writeFileSync(
    ledger,
    [
      'time,user,delta_usd',
      `2023-05-01T10:00:00Z,${A},5000.25`,
      `2023-05-01T10:02:30Z,${A},-1200`,
      `2023-05-01T10:02:40Z,${B},ten`,
      `2023-05-01T10:02:50Z,${B},0`,
      `2023-05-01T10:02:55Z,${B},300`,
    ].join('\n'),
  );
  const out = join(dir, 'ledger.ndjson');
  const r = glass('import', trades, ledger, '--out', out, '--json', '--marks-every', '0');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /non_mm_ledger_updates\.csv: line 4: column delta_usd: expected a number, got "ten"/);
  assert.match(r.stderr, /non_mm_ledger_updates\.csv: line 5: column delta_usd: expected a non-zero amount/);
  const s = JSON.parse(r.stdout) as { trades: number; ledgerUpdates: number; ledgerOut: string; rejectedRows: number; lines: number };
  assert.equal(s.trades, 3);
  assert.equal(s.ledgerUpdates, 3);
  assert.equal(s.rejectedRows, 2);
  // Beside the recording, in the recording format, in time order.
  assert.equal(s.ledgerOut, join(dir, 'ledger.ledger.ndjson'));
  const updates = linesOf(s.ledgerOut);
  for (let i = 1; i < updates.length; i++) assert.ok((updates[i] as Line).ts >= (updates[i - 1] as Line).ts, 'time order');
  assert.deepEqual(
    updates.map((l) => {
      assert.equal((l.msg['request'] as { type: string }).type, 'userNonFundingLedgerUpdates');
      const u = (l.msg['response'] as { time: number; delta: { type: string; usdc: string } }[])[0];
      assert.equal(l.ts, u?.time);
      return [(l.msg['request'] as { user: string }).user, u?.time, u?.delta.type, u?.delta.usdc];
    }),
    [
      [A, Date.parse('2023-05-01T10:00:00Z'), 'deposit', '5000.250000'],
      [A, Date.parse('2023-05-01T10:02:30Z'), 'withdraw', '1200.000000'],
      [B, Date.parse('2023-05-01T10:02:55Z'), 'deposit', '300.000000'],
    ],
  );
  // The recording itself is the trades, which the pipeline takes whole.
  assert.equal(linesOf(out).length, 3);
  const p = await pipelineOf(out);
  assert.equal(p.summary().rejects, 0);
  assert.equal(p.summary().fills, 3);
});

// ---------------------------------------------------------------------------------------------
// node_fills_by_block directories

/** The real 500-fill response as node blocks, spread over three hourly files (hours 23, 9, 10). */
function nodeDir(bad: boolean): string {
  const fix = readFixture('hyperliquid/userFills-2023.json') as { request: { user: string }; response: { time: number }[] };
  const byTime = new Map<number, unknown[]>();
  for (const f of fix.response.toSorted((a, b) => a.time - b.time))
    byTime.set(f.time, [...(byTime.get(f.time) ?? []), [fix.request.user, f]]);
  let n = 1000;
  const lines = [...byTime].map(([t, events]) =>
    JSON.stringify({ block_number: n++, block_time: new Date(t).toISOString(), local_time: new Date(t + 150).toISOString(), events }),
  );
  const root = mkdtempSync(join(dir, 'node-'));
  const third = Math.ceil(lines.length / 3);
  // Named so that text order would be wrong: 20230504/23, then 20230505/9 before 20230505/10.
  const parts: [string, string[]][] = [
    ['hourly/20230504/23', lines.slice(0, third)],
    ['hourly/20230505/9', lines.slice(third, 2 * third)],
    ['hourly/20230505/10', lines.slice(2 * third)],
  ];
  for (const [rel, ls] of parts) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(
      join(root, rel),
      `${(bad && rel.endsWith('/9') ? [ls[0], '{"block_number": 7, "events": [', ...ls.slice(1)] : ls).join('\n')}\n`,
    );
  }
  return root;
}

test('node_fills_by_block directory: one command makes a recording of every block, hourly files in time order', async () => {
  const root = nodeDir(false);
  const out = join(dir, 'node.ndjson');
  const r = glass('import', root, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { nodeFiles: number; nodeBlocks: number; rejectedRows: number };
  assert.equal(s.nodeFiles, 3);
  assert.equal(s.rejectedRows, 0);
  const lines = linesOf(out);
  assert.equal(lines.length, s.nodeBlocks);
  for (let i = 1; i < lines.length; i++) assert.ok((lines[i] as Line).ts >= (lines[i - 1] as Line).ts, `time goes back at line ${i + 1}`);
  const p = await pipelineOf(out);
  assert.equal(p.summary().fills, 500);
  assert.equal(p.summary().rejects, 0);
  assert.equal(p.book.stats.dirMismatches, 0);
  // And it plays.
  const replay = glass('replay', out, '--json');
  assert.equal(replay.code, 0, replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as { events: { fill: number } }).events.fill, 500);
});

test('node_fills_by_block: a corrupt block is named by its hourly file and line; --strict stops there', () => {
  const root = nodeDir(true);
  const out = join(dir, 'node-bad.ndjson');
  const r = glass('import', root, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /hourly\/20230505\/9: line 2: not valid JSON/);
  assert.equal((JSON.parse(r.stdout) as { rejectedRows: number }).rejectedRows, 1);
  const strict = glass('import', root, '--out', out, '--strict');
  assert.notEqual(strict.code, 0);
  assert.match(strict.stderr, /hourly\/20230505\/9: line 2/);
  assert.doesNotMatch(strict.stderr, /\n\s+at /);
});

// ---------------------------------------------------------------------------------------------
// Hydromancer Reservoir Parquet, written here by DuckDB to the documented schemas

async function sql(...statements: string[]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    for (const s of statements) await c.run(s);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

/** The venue's rule at maintenance fraction l (docs/margin.md): where a position of this account liquidates. */
function ruleLiq(mark: number, szi: number, available: number, l: number): number {
  const side = Math.sign(szi);
  return mark - (side * available) / Math.abs(szi) / (1 - side * l);
}

const L = 1 / 100; // 50×: the maximum leverage written for Reservoir positions
// Wallet A: cross, BTC long and ETH short sharing $10,000; maintenance 1 % of each notional.
const aMm = 60_000 * L + 30_000 * L;
const aBtc = ruleLiq(60_000, 1, 10_000 - aMm, L);
const aEth = ruleLiq(3_000, -10, 10_000 - aMm, L);
const SNAPSHOT_ROWS: [string, string, number, number, number, number | null, string, number, number, number, string | null][] = [
  // user, market, size, notional, entry_price, liquidation_price, leverage_type, leverage, funding_pnl, account_value, account_mode
  [A, 'BTC', 1, 60_000, 58_000, aBtc, 'cross', 10, -12.5, 10_000, 'standard'],
  [A, 'ETH', -10, 30_000, 3_100, aEth, 'cross', 5, 3.25, 10_000, 'standard'],
  [B, 'SOL', 100, 15_000, 152, 140, 'isolated', 20, 0, 2_000, null],
  [C, 'ETH', 1, 3_000, 2_000, null, 'cross', 1, 0, 1_000_000, 'unified'],
];
const SNAPSHOT_TIME = 1773706027926;

function snapshotSql(file: string, rows = SNAPSHOT_ROWS): string {
  const v = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
  const values = rows.map((r) => `(${r.map(v).join(', ')})`).join(',\n');
  return `COPY (SELECT user::VARCHAR AS user, market::VARCHAR AS market, size::DOUBLE AS size, notional::DOUBLE AS notional,
      entry_price::DOUBLE AS entry_price, liquidation_price::DOUBLE AS liquidation_price, leverage_type::VARCHAR AS leverage_type,
      leverage::UINTEGER AS leverage, funding_pnl::DOUBLE AS funding_pnl, account_value::DOUBLE AS account_value,
      account_mode::VARCHAR AS account_mode
    FROM (VALUES ${values}) t(user, market, size, notional, entry_price, liquidation_price, leverage_type, leverage, funding_pnl, account_value, account_mode))
    TO '${file}' (FORMAT parquet)`;
}

const BOOK_SQL = (file: string) => `COPY (SELECT * FROM (VALUES
    (1773706020000::BIGINT, 926029900::UBIGINT,
      [{'px': '60000.0', 'sz': '1.5', 'n': 3::UINTEGER}, {'px': '59999.0', 'sz': '0.25', 'n': 1::UINTEGER}],
      [{'px': '60001.0', 'sz': '2.0', 'n': 4::UINTEGER}]),
    (1773706080000::BIGINT, 926030700::UBIGINT,
      [{'px': '60010.0', 'sz': '0.5', 'n': 2::UINTEGER}],
      [{'px': '60011.0', 'sz': '0.75', 'n': 1::UINTEGER}, {'px': '60012.0', 'sz': '3.0', 'n': 6::UINTEGER}])
  ) t(block_time_ms, block_number, bids, asks)) TO '${file}' (FORMAT parquet)`;

/**
 * Reservoir fills as the real files hold them (see RESERVOIR_COLUMNS.fills for where the names
 * come from): money as DECIMAL(20,10), `timestamp` TIMESTAMPTZ, ids UBIGINT, side buy/sell.
 */
const FILL_TYPES: Readonly<Record<string, string>> = {
  timestamp: 'TIMESTAMPTZ',
  crossed: 'BOOLEAN',
  is_liquidation: 'BOOLEAN',
  order_id: 'UBIGINT',
  trade_id: 'UBIGINT',
  twap_id: 'UBIGINT',
  ...Object.fromEntries(
    ['price', 'size', 'start_position', 'realized_pnl', 'fee', 'builder_fee', 'priority_gas', 'deployer_fee', 'liquidation_mark_px'].map(
      (c) => [c, 'DECIMAL(20,10)'],
    ),
  ),
};
const BUILDER = '0x00000000000000000000000000000000000b1d3e';
const CLOID = '0x000000000000000000000000000c1d01';
const at = (ms: number) => `'${new Date(ms).toISOString()}'`;
const FILL_ROWS = [
  // coin, dex, asset_class, base_symbol, quote_symbol, address, timestamp, price, size, side, direction, start_position, crossed,
  // realized_pnl, fee, fee_token, builder_fee, builder, priority_gas, deployer_fee, is_liquidation, liquidation_mark_px,
  // liquidation_method, order_id, trade_id, twap_id, tx_hash, client_order_id
  `('BTC', 'hyperliquid', 'perp', 'BTC', 'USDC', '${A}', ${at(1773706100000)}, '60050.0', '0.5', 'buy', 'Open Long', '1.0', true,
    '0.0', '10.5', 'USDC', '0.25', '${BUILDER}', NULL, NULL, false, NULL, NULL, 111, 9001, NULL, '0x${'ab'.repeat(32)}', '${CLOID}')`,
  // B's SOL long liquidated into the book: its own fill carries the mark; A took the other side (flagged, no mark).
  `('SOL', 'hyperliquid', 'perp', 'SOL', 'USDC', '${B}', ${at(1773706200000)}, '139.9', '100', 'sell', 'Close Long', '100.0', true,
    '-1210.0', '4.2', 'USDC', NULL, NULL, NULL, NULL, true, '140.0', 'market', 222, 9002, NULL, '0x${'cd'.repeat(32)}', NULL)`,
  `('SOL', 'hyperliquid', 'perp', 'SOL', 'USDC', '${A}', ${at(1773706200000)}, '139.9', '100', 'buy', 'Open Long', '0.0', false,
    '0.0', '-0.4', 'USDC', NULL, NULL, NULL, NULL, true, NULL, NULL, 223, 9002, 77, '0x${'cd'.repeat(32)}', NULL)`,
  `('@107', 'hyperliquid', 'spot', 'HYPE', 'USDC', '${C}', ${at(1773706300000)}, '30.1', '3', 'buy', 'Buy', '0.0', false,
    '0.0', '0.01', 'HYPE', NULL, NULL, NULL, NULL, false, NULL, NULL, 333, 9003, NULL, '0x${'ef'.repeat(32)}', NULL)`,
];
const FILLS_SQL = (file: string, rows = FILL_ROWS) => {
  const cols = RESERVOIR_COLUMNS.fills;
  return `COPY (SELECT ${cols.map((c) => `${c}::${FILL_TYPES[c] ?? 'VARCHAR'} AS ${c}`).join(', ')}
    FROM (VALUES ${rows.join(',\n')}) t(${cols.join(', ')})) TO '${file}' (FORMAT parquet)`;
};

test('Reservoir Parquet: a perp snapshot, a 1-minute order book and fills import with every column mapped', async () => {
  const snap = join(dir, `926030000_${SNAPSHOT_TIME}.parquet`);
  const book = join(dir, 'BTC.parquet');
  const fills = join(dir, 'fills.parquet');
  await sql(snapshotSql(snap), BOOK_SQL(book), FILLS_SQL(fills));
  const out = join(dir, 'reservoir.ndjson');
  const r = glass('import', snap, book, fills, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Record<string, number>;
  assert.equal(s['snapshotWallets'], 3);
  assert.equal(s['snapshotPositions'], 4);
  assert.equal(s['snapshotInconsistent'], 0);
  assert.equal(s['orderbooks'], 2);
  assert.equal(s['parquetFills'], 3);
  assert.equal(s['parquetLiquidationFills'], 1);
  assert.equal(s['spotFillsSkipped'], 1);
  assert.equal(s['rejectedRows'], 0);
  const lines = linesOf(out);
  for (let i = 1; i < lines.length; i++) assert.ok((lines[i] as Line).ts >= (lines[i - 1] as Line).ts);

  // Snapshot: every column lands in the wallet's clearinghouseState.
  const states = lines.filter((l) => (l.msg['request'] as { type?: string } | undefined)?.type === 'clearinghouseState');
  assert.equal(states.length, 3);
  for (const l of states) assert.equal(l.ts, SNAPSHOT_TIME);
  const stateOf = (w: string) => {
    const l = states.find((x) => (x.msg['request'] as { user: string }).user === w) as Line;
    return l.msg['response'] as {
      time: number;
      accountMode?: string;
      crossMarginSummary: { accountValue: string };
      assetPositions: { position: Record<string, unknown> }[];
    };
  };
  for (const [user, market, size, notional, entry, liq, mode, lev, funding, av, accountMode] of SNAPSHOT_ROWS) {
    const st = stateOf(user);
    assert.equal(st.time, SNAPSHOT_TIME);
    const pos = st.assetPositions.map((a) => a.position).find((x) => x['coin'] === market) as Record<string, unknown>;
    assert.equal(Number(pos['szi']), size);
    assert.equal(Number(pos['positionValue']), notional);
    assert.equal(Number(pos['entryPx']), entry);
    assert.equal(pos['liquidationPx'] === null ? null : Number(pos['liquidationPx']), liq);
    assert.deepEqual([(pos['leverage'] as { type: string }).type, (pos['leverage'] as { value: number }).value], [mode, lev]);
    assert.equal(0 - Number((pos['cumFunding'] as { sinceOpen: string }).sinceOpen) + 0, funding);
    if (mode === 'cross') assert.equal(Number(st.crossMarginSummary.accountValue), av);
    assert.equal(st.accountMode, accountMode ?? undefined);
  }

  // The book and the heatmap take every wallet's liquidation price from the snapshot, exactly
  // (the snapshot alone: the fills above then move A's BTC and B's SOL on, as they should).
  const snapOnly = join(dir, 'snapshot-only.ndjson');
  assert.equal(glass('import', snap, '--out', snapOnly).code, 0);
  const positions = glass('positions', snapOnly, '--json');
  assert.equal(positions.code, 0, positions.stderr);
  const rows = JSON.parse(positions.stdout) as { wallet: string; coin: string; liquidationPx: number | null; estimated: boolean }[];
  for (const [user, market, , , , liq] of SNAPSHOT_ROWS) {
    const row = rows.find((x) => x.wallet === user && x.coin === market);
    assert.ok(row !== undefined, `${user} ${market}`);
    assert.equal(row.estimated, false);
    if (liq === null) assert.equal(row.liquidationPx, null);
    // Printed as the venue writes prices (5 significant figures): within half the last unit.
    else
      assert.ok(
        Math.abs((row.liquidationPx as number) - liq) <= 0.5 * 10 ** (Math.floor(Math.log10(liq)) - 4) + 1e-9,
        `${market}: ${row.liquidationPx} vs ${liq}`,
      );
  }

  // Order book: block time, levels (px, sz, n) as written; the coin from the file name; the block number kept.
  const books = lines.filter((l) => l.msg['channel'] === 'l2Book');
  assert.deepEqual(
    books.map((l) => [
      l.ts,
      l.msg['block'],
      (l.msg['data'] as { coin: string; time: number; levels: unknown }).coin,
      (l.msg['data'] as { levels: unknown }).levels,
    ]),
    [
      [
        1773706020000,
        926029900,
        'BTC',
        [
          [
            { px: '60000.0', sz: '1.5', n: 3 },
            { px: '59999.0', sz: '0.25', n: 1 },
          ],
          [{ px: '60001.0', sz: '2.0', n: 4 }],
        ],
      ],
      [
        1773706080000,
        926030700,
        'BTC',
        [
          [{ px: '60010.0', sz: '0.5', n: 2 }],
          [
            { px: '60011.0', sz: '0.75', n: 1 },
            { px: '60012.0', sz: '3.0', n: 6 },
          ],
        ],
      ],
    ],
  );

  // Fills: every column in its place in the venue's fill, the liquidated wallet's fill flagged; the spot fill left out.
  const fillLines = lines.filter((l) => l.msg['channel'] === 'userFills');
  assert.deepEqual(
    fillLines.map((l) => (l.msg['data'] as { user: string; fills: unknown[] }).fills[0]),
    [
      {
        coin: 'BTC',
        px: '60050.0',
        sz: '0.5',
        side: 'B',
        time: 1773706100000,
        startPosition: '1.0',
        dir: 'Open Long',
        closedPnl: '0.0',
        hash: `0x${'ab'.repeat(32)}`,
        oid: 111,
        crossed: true,
        fee: '10.5',
        tid: 9001,
        feeToken: 'USDC',
        cloid: CLOID,
        builder: BUILDER,
        builderFee: '0.25',
      },
      {
        coin: 'SOL',
        px: '139.9',
        sz: '100.0',
        side: 'A',
        time: 1773706200000,
        startPosition: '100.0',
        dir: 'Close Long',
        closedPnl: '-1210.0',
        hash: `0x${'cd'.repeat(32)}`,
        oid: 222,
        crossed: true,
        fee: '4.2',
        tid: 9002,
        feeToken: 'USDC',
        liquidation: { liquidatedUser: B, markPx: '140.0', method: 'market' },
      },
      {
        coin: 'SOL',
        px: '139.9',
        sz: '100.0',
        side: 'B',
        time: 1773706200000,
        startPosition: '0.0',
        dir: 'Open Long',
        closedPnl: '0.0',
        hash: `0x${'cd'.repeat(32)}`,
        oid: 223,
        crossed: false,
        fee: '-0.4',
        tid: 9002,
        feeToken: 'USDC',
        twapId: 77,
      },
    ],
  );
  assert.deepEqual(
    fillLines.map((l) => (l.msg['data'] as { user: string }).user),
    [A, B, A],
  );
  const p = await pipelineOf(out);
  assert.equal(p.summary().rejects, 0);
  assert.equal(p.summary().fills, 3);
  assert.equal(p.summary().events.liquidation, 1);
});

test('Reservoir Parquet: a bad row is named by file, row and column; a file of other columns is refused in one line', async () => {
  const bad = SNAPSHOT_ROWS.map((r, i) =>
    i === 1 ? ([...r.slice(0, 6), 'portfolio', ...r.slice(7)] as (typeof SNAPSHOT_ROWS)[number]) : r,
  );
  const snap = join(dir, `926030001_${SNAPSHOT_TIME}.parquet`);
  const other = join(dir, 'other.parquet');
  await sql(snapshotSql(snap, bad), `COPY (SELECT 1 AS a, 'x' AS b) TO '${other}' (FORMAT parquet)`);
  const out = join(dir, 'bad.ndjson');
  const r = glass('import', snap, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /926030001_1773706027926\.parquet: row 2: column leverage_type: expected cross or isolated, got "portfolio"/);
  assert.equal((JSON.parse(r.stdout) as { rejectedRows: number; snapshotPositions: number }).snapshotPositions, 3);
  // A fills row with the API's side letter instead of Reservoir's buy/sell: named by file, row and column.
  const fills = join(dir, 'bad-fills.parquet');
  await sql(
    FILLS_SQL(
      fills,
      FILL_ROWS.map((r, i) => (i === 2 ? r.replace("'buy', 'Open Long'", "'B', 'Open Long'") : r)),
    ),
  );
  const rf = glass('import', fills, '--out', join(dir, 'bad-fills.ndjson'), '--json');
  assert.equal(rf.code, 0, rf.stderr);
  assert.match(rf.stderr, /bad-fills\.parquet: row 3: column side: expected buy or sell, got "B"/);
  assert.equal((JSON.parse(rf.stdout) as { parquetFills: number; rejectedRows: number }).parquetFills, 2);
  const refused = glass('import', other, '--out', out);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /other\.parquet: not a Reservoir table this command knows \(columns a, b\)/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
});
