import { existsSync, statSync, unlinkSync } from 'node:fs';
import { InputError } from '../../recording/errors.ts';
import { parseNodeBlockLine, readLineBatches } from '../../recording/reader.ts';
import { RecordingWriter } from '../../recording/writer.ts';
import {
  CsvRowError,
  type ExportLedgerUpdate,
  type ExportLiquidation,
  type ExportTable,
  type ExportTrade,
  expectedHeaders,
  parseLedgerUpdate,
  parseLiquidation,
  parseTrade,
  tableOf,
} from '../../venues/hyperliquid/historical/csv.ts';
import { nodeBlockFiles } from '../../venues/hyperliquid/historical/node-blocks.ts';
import {
  fillEntry,
  orderbookEntry,
  parseSnapshotRow,
  ReservoirRowError,
  type SnapshotRow,
  snapshotEntries,
} from '../../venues/hyperliquid/historical/reservoir.ts';
import {
  DEFAULT_EXPORT_OPTIONS,
  ExportConverter,
  ledgerUpdateEntry,
  type RecordingEntry,
} from '../../venues/hyperliquid/historical/to-recording.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { fmtInt, note, printJson } from '../output.ts';

export const importSpec: CommandSpec = {
  name: 'import',
  summary:
    'Turns real Hyperliquid history into a recording: the official export CSVs (non_mm_trades, liquidations,\n' +
    'non_mm_ledger_updates), a node_fills_by_block directory, or Hydromancer Reservoir Parquet files\n' +
    '(fills, daily perp position snapshots, 1-minute order books).',
  usage: 'FILE|DIR… --out F [--marks-every S] [--strict] [--json]',
  options: {
    out: { type: 'string', short: 'o' },
    'marks-every': { type: 'string' },
    strict: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  help: [
    'FILE…            export CSVs (plain or .gz), each recognised by its header line; Reservoir .parquet files,',
    '                 each recognised by its columns (docs/real-data.md)',
    'DIR              a node_fills_by_block directory (hourly/{date}/{hour}): its blocks in time order',
    '--out F          recording to write (.ndjson, or .ndjson.gz for gzip); `glass replay F` plays it.',
    "                 Ledger updates go beside it, F with .ledger.ndjson (the venue's userNonFundingLedgerUpdates)",
    `--marks-every S  seconds between allMids messages for the CSV trades (default ${DEFAULT_EXPORT_OPTIONS.marksEveryMs / 1000}; 0: none)`,
    '--strict         stop at the first malformed row (default: report it and go on)',
    '--json           print the summary as JSON',
  ],
  positionals: { min: 1, max: 256 },
};

const MAX_LISTED = 20;

interface Tables {
  readonly trades: ExportTrade[];
  readonly liquidations: ExportLiquidation[];
  readonly ledger: ExportLedgerUpdate[];
  /** Entries from Parquet files, written in time order with the rest. */
  readonly other: RecordingEntry[];
  rejects: number;
  snapshotWallets: number;
  snapshotPositions: number;
  snapshotInconsistent: number;
  books: number;
  parquetFills: number;
  parquetLiquidationFills: number;
  spotSkipped: number;
}

class Rejects {
  private readonly tables: Tables;
  private readonly strict: boolean;
  constructor(tables: Tables, strict: boolean) {
    this.tables = tables;
    this.strict = strict;
  }
  /** One bad row, named by file and row: fatal under --strict, else listed (the first few) and counted. */
  add(file: string, message: string): void {
    if (this.strict) throw new InputError(`${file}: ${message}`);
    if (this.tables.rejects++ < MAX_LISTED) note(`${file}: ${message}`);
  }
}

async function readTable(file: string, tables: Tables, rejects: Rejects): Promise<ExportTable> {
  let line = 0;
  let table: ExportTable | null = null;
  for await (const batch of readLineBatches(file)) {
    for (const text of batch) {
      line++;
      if (text === '' || text === '\r') continue;
      if (table === null) {
        table = tableOf(text);
        if (table === null) throw new InputError(`${file}: not an export table this command knows (header should be ${expectedHeaders()})`);
        continue;
      }
      try {
        const row = text.trimEnd();
        if (table === 'trades') tables.trades.push(parseTrade(row, line));
        else if (table === 'liquidations') tables.liquidations.push(parseLiquidation(row, line));
        else tables.ledger.push(parseLedgerUpdate(row, line));
      } catch (e) {
        if (!(e instanceof CsvRowError)) throw e;
        rejects.add(file, e.message);
      }
    }
  }
  if (table === null) throw new InputError(`${file}: empty file`);
  return table;
}

async function readParquetFile(file: string, tables: Tables, rejects: Rejects): Promise<void> {
  // DuckDB's native binding loads only when a Parquet file is given: every other command starts without it.
  const { openParquet, orderbookCoinOf, snapshotTimeOf } = await import('../../venues/hyperliquid/historical/reservoir-read.ts');
  const f = await openParquet(file);
  try {
    let row = 0;
    const snapshot: SnapshotRow[] = [];
    const time = f.table === 'perpSnapshot' ? snapshotTimeOf(file) : null;
    if (f.table === 'perpSnapshot' && time === null) {
      throw new InputError(`${file}: a perp snapshot's time comes from its name ({block}_{timestamp}.parquet); rename it so`);
    }
    const coin = orderbookCoinOf(file);
    for await (const chunk of f.rows) {
      for (const r of chunk) {
        row++;
        try {
          if (f.table === 'perpSnapshot') snapshot.push(parseSnapshotRow(r, row));
          else if (f.table === 'orderbook') {
            tables.other.push(orderbookEntry(r, row, coin));
            tables.books++;
          } else {
            const c = fillEntry(r, row);
            if (c.entry === null) tables.spotSkipped++;
            else {
              tables.other.push(c.entry);
              tables.parquetFills++;
              if (c.liquidation) tables.parquetLiquidationFills++;
            }
          }
        } catch (e) {
          if (!(e instanceof ReservoirRowError)) throw e;
          rejects.add(file, e.message);
        }
      }
    }
    if (f.table === 'perpSnapshot') {
      const s = snapshotEntries(snapshot, time as number);
      tables.other.push(...s.entries);
      tables.snapshotWallets += s.wallets;
      tables.snapshotPositions += s.positions;
      tables.snapshotInconsistent += s.inconsistent;
    }
  } finally {
    f.close();
  }
}

interface NodeSummary {
  files: number;
  blocks: number;
}

/** A node_fills_by_block directory: every block line, file by file in time order, as it is. */
async function writeNodeBlocks(dirs: readonly string[], writer: RecordingWriter, rejects: Rejects): Promise<NodeSummary> {
  const s: NodeSummary = { files: 0, blocks: 0 };
  for (const dir of dirs) {
    const files = nodeBlockFiles(dir);
    if (files.length === 0) throw new InputError(`${dir}: no files (expected node_fills_by_block hourly files)`);
    for (const file of files) {
      s.files++;
      let line = 0;
      for await (const batch of readLineBatches(file)) {
        for (const text of batch) {
          line++;
          const r = parseNodeBlockLine(text, line);
          if (r === null) continue;
          if (r instanceof Error) {
            rejects.add(file, r.message);
            continue;
          }
          writer.write(r.ts, 'hyperliquid', r.msg);
          s.blocks++;
        }
      }
    }
  }
  return s;
}

/** Where the ledger updates of recording `out` go: `x.ndjson` → `x.ledger.ndjson` (gzip kept). */
export function ledgerPathOf(out: string): string {
  const m = /\.ndjson(\.gz)?$/.exec(out);
  return m === null ? `${out}.ledger.ndjson` : `${out.slice(0, m.index)}.ledger.ndjson${m[1] ?? ''}`;
}

export async function importCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(importSpec, argv);
  if (p === null) return 0;
  const out = strOption(p, 'out');
  if (out === undefined) throw new UsageError('needs --out F (the recording to write)');
  const marksEverySec = intOption(p, 'marks-every', DEFAULT_EXPORT_OPTIONS.marksEveryMs / 1000, 0, 86_400);
  const strict = flag(p, 'strict');
  const tables: Tables = {
    trades: [],
    liquidations: [],
    ledger: [],
    other: [],
    rejects: 0,
    snapshotWallets: 0,
    snapshotPositions: 0,
    snapshotInconsistent: 0,
    books: 0,
    parquetFills: 0,
    parquetLiquidationFills: 0,
    spotSkipped: 0,
  };
  const rejects = new Rejects(tables, strict);
  const dirs: string[] = [];
  const files: string[] = [];
  for (const path of p.positionals) {
    // As every command that reads a file: a missing one is an input error (exit 1), not a usage error.
    if (!existsSync(path)) throw new InputError(`${path}: no such file`);
    (statSync(path).isDirectory() ? dirs : files).push(path);
  }
  if (dirs.length > 0 && files.length > 0) {
    throw new UsageError('give node_fills_by_block directories alone (their blocks are written as they are), or files alone');
  }

  const writer = new RecordingWriter(out);
  const abandon = (e: unknown): never => {
    writer.close();
    unlinkSync(out);
    throw e;
  };

  if (dirs.length > 0) {
    const s = await writeNodeBlocks(dirs, writer, rejects).catch(abandon);
    writer.close();
    const summary = { out, lines: writer.lines, nodeFiles: s.files, nodeBlocks: s.blocks, rejectedRows: tables.rejects };
    if (flag(p, 'json')) await printJson(summary);
    else
      note(
        `${out}: ${fmtInt(s.blocks)} blocks from ${fmtInt(s.files)} hourly files${tables.rejects > 0 ? `, ${fmtInt(tables.rejects)} lines rejected` : ''}`,
      );
    return 0;
  }

  try {
    for (const file of files) {
      if (file.endsWith('.parquet')) await readParquetFile(file, tables, rejects);
      else await readTable(file, tables, rejects);
    }
  } catch (e) {
    abandon(e);
  }
  if (tables.trades.length === 0 && tables.ledger.length === 0 && tables.other.length === 0) {
    abandon(new UsageError('no trade rows: give the non_mm_trades CSV (liquidations alone make no recording)'));
  }
  // The export is in time order; a stable sort keeps the venue's order within a second.
  tables.trades.sort((a, b) => a.time - b.time);
  const converter = new ExportConverter(tables.liquidations, { ...DEFAULT_EXPORT_OPTIONS, marksEveryMs: marksEverySec * 1000 });
  // Ledger rows and Parquet entries join the trades in time order (stable: a snapshot written at
  // a fill's millisecond comes before it, as the snapshot was taken first).
  const other = tables.other.toSorted((a, b) => a.ts - b.ts);
  // Ledger updates go beside the recording, in the same format (the venue's userNonFundingLedgerUpdates
  // answers, which the normalizer reads as `transfer` events): `glass entities` / `syndicates` read
  // them as F.ledger.ndjson, and the recording stays the trades alone.
  const ledgerOut = tables.ledger.length > 0 ? ledgerPathOf(out) : null;
  if (ledgerOut !== null) {
    const w = new RecordingWriter(ledgerOut);
    for (const e of tables.ledger.toSorted((a, b) => a.time - b.time).map(ledgerUpdateEntry)) w.write(e.ts, 'hyperliquid', e.msg);
    w.close();
  }
  let next = 0;
  const upTo = (ts: number) => {
    for (; next < other.length && (other[next] as RecordingEntry).ts <= ts; next++) {
      const e = other[next] as RecordingEntry;
      writer.write(e.ts, 'hyperliquid', e.msg);
    }
  };
  try {
    for (const t of tables.trades) {
      for (const e of converter.trade(t)) {
        upTo(e.ts);
        writer.write(e.ts, 'hyperliquid', e.msg);
      }
    }
    for (const e of converter.finish()) {
      upTo(e.ts);
      writer.write(e.ts, 'hyperliquid', e.msg);
    }
    upTo(Number.POSITIVE_INFINITY);
    writer.close();
  } catch (e) {
    abandon(e);
  }
  const times = [...tables.trades.map((t) => t.time), ...tables.ledger.map((u) => u.time), ...other.map((e) => e.ts)];
  const summary = {
    out,
    lines: writer.lines,
    trades: tables.trades.length,
    wallets: new Set(tables.trades.map((t) => t.wallet)).size,
    liquidations: tables.liquidations.length,
    liquidationFills: converter.liquidationFills,
    ledgerUpdates: tables.ledger.length,
    ledgerOut,
    snapshotWallets: tables.snapshotWallets,
    snapshotPositions: tables.snapshotPositions,
    snapshotInconsistent: tables.snapshotInconsistent,
    orderbooks: tables.books,
    parquetFills: tables.parquetFills,
    parquetLiquidationFills: tables.parquetLiquidationFills,
    spotFillsSkipped: tables.spotSkipped,
    rejectedRows: tables.rejects,
    from: new Date(times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)).toISOString(),
    to: new Date(times.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY)).toISOString(),
  };
  if (flag(p, 'json')) await printJson(summary);
  else {
    const parts = [
      `${fmtInt(summary.trades)} fills of ${fmtInt(summary.wallets)} wallets, ${fmtInt(summary.liquidationFills)} liquidation fills (${fmtInt(summary.liquidations)} liquidations)`,
    ];
    if (ledgerOut !== null) parts.push(`${fmtInt(summary.ledgerUpdates)} deposits/withdrawals in ${ledgerOut}`);
    if (summary.snapshotPositions > 0) {
      parts.push(`snapshot of ${fmtInt(summary.snapshotPositions)} positions in ${fmtInt(summary.snapshotWallets)} wallets`);
      if (summary.snapshotInconsistent > 0)
        parts.push(`${fmtInt(summary.snapshotInconsistent)} cross positions whose liquidation price implies another account`);
    }
    if (summary.orderbooks > 0) parts.push(`${fmtInt(summary.orderbooks)} order books`);
    if (summary.parquetFills > 0)
      parts.push(`${fmtInt(summary.parquetFills)} Reservoir fills (${fmtInt(summary.parquetLiquidationFills)} liquidation)`);
    note(
      `${out}: ${fmtInt(summary.lines)} lines — ${parts.join(', ')}, ${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)}` +
        `${summary.rejectedRows > 0 ? `, ${fmtInt(summary.rejectedRows)} rows rejected` : ''}`,
    );
  }
  return 0;
}
