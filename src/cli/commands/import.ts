import { existsSync, unlinkSync } from 'node:fs';
import { readLineBatches } from '../../recording/reader.ts';
import { RecordingWriter } from '../../recording/writer.ts';
import {
  CsvRowError,
  type ExportLiquidation,
  type ExportTable,
  type ExportTrade,
  expectedHeaders,
  parseLiquidation,
  parseTrade,
  tableOf,
} from '../../venues/hyperliquid/historical/csv.ts';
import { DEFAULT_EXPORT_OPTIONS, ExportConverter } from '../../venues/hyperliquid/historical/to-recording.ts';
import { type CommandSpec, flag, intOption, parseCommand, strOption, UsageError } from '../args.ts';
import { fmtInt, note, printJson } from '../output.ts';

export const importSpec: CommandSpec = {
  name: 'import',
  summary:
    "Turns Hyperliquid's official historical export (CSV: non_mm_trades, liquidations) into a recording:\n" +
    "each trade row its wallet's userFills message, liquidation fills flagged, allMids once a minute.",
  usage: 'FILE… --out F [--marks-every S] [--strict] [--json]',
  options: {
    out: { type: 'string', short: 'o' },
    'marks-every': { type: 'string' },
    strict: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  help: [
    'FILE…            export CSVs (plain or .gz), each recognised by its header line',
    '--out F          recording to write (.ndjson, or .ndjson.gz for gzip)',
    `--marks-every S  seconds between allMids messages (default ${DEFAULT_EXPORT_OPTIONS.marksEveryMs / 1000}; 0: none)`,
    '--strict         stop at the first malformed row (default: report it and go on)',
    '--json           print the summary as JSON',
  ],
  positionals: { min: 1, max: 8 },
};

const MAX_LISTED = 20;

interface Tables {
  readonly trades: ExportTrade[];
  readonly liquidations: ExportLiquidation[];
  rejects: number;
}

async function readTable(file: string, tables: Tables, strict: boolean): Promise<ExportTable> {
  let line = 0;
  let table: ExportTable | null = null;
  for await (const batch of readLineBatches(file)) {
    for (const text of batch) {
      line++;
      if (text === '' || text === '\r') continue;
      if (table === null) {
        table = tableOf(text);
        if (table === null) throw new UsageError(`${file}: not an export table this command knows (header should be ${expectedHeaders()})`);
        continue;
      }
      try {
        if (table === 'trades') tables.trades.push(parseTrade(text.trimEnd(), line));
        else tables.liquidations.push(parseLiquidation(text.trimEnd(), line));
      } catch (e) {
        if (!(e instanceof CsvRowError)) throw e;
        if (strict) throw new UsageError(`${file}: ${e.message}`);
        if (tables.rejects++ < MAX_LISTED) note(`${file}: ${e.message}`);
      }
    }
  }
  if (table === null) throw new UsageError(`${file}: empty file`);
  return table;
}

export async function importCommand(argv: readonly string[]): Promise<number> {
  const p = parseCommand(importSpec, argv);
  if (p === null) return 0;
  const out = strOption(p, 'out');
  if (out === undefined) throw new UsageError('needs --out F (the recording to write)');
  const marksEverySec = intOption(p, 'marks-every', DEFAULT_EXPORT_OPTIONS.marksEveryMs / 1000, 0, 86_400);
  const strict = flag(p, 'strict');
  const tables: Tables = { trades: [], liquidations: [], rejects: 0 };
  for (const file of p.positionals) {
    if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
    await readTable(file, tables, strict);
  }
  if (tables.trades.length === 0) throw new UsageError('no trade rows: give the non_mm_trades CSV (liquidations alone make no recording)');
  // The export is in time order; a stable sort keeps the venue's order within a second.
  tables.trades.sort((a, b) => a.time - b.time);
  const converter = new ExportConverter(tables.liquidations, {
    ...DEFAULT_EXPORT_OPTIONS,
    marksEveryMs: marksEverySec * 1000,
  });
  const writer = new RecordingWriter(out);
  try {
    for (const t of tables.trades) for (const e of converter.trade(t)) writer.write(e.ts, 'hyperliquid', e.msg);
    for (const e of converter.finish()) writer.write(e.ts, 'hyperliquid', e.msg);
    writer.close();
  } catch (e) {
    writer.close();
    unlinkSync(out);
    throw e;
  }
  const summary = {
    out,
    lines: writer.lines,
    trades: tables.trades.length,
    wallets: new Set(tables.trades.map((t) => t.wallet)).size,
    liquidations: tables.liquidations.length,
    liquidationFills: converter.liquidationFills,
    rejectedRows: tables.rejects,
    from: new Date(tables.trades[0]?.time ?? 0).toISOString(),
    to: new Date(tables.trades[tables.trades.length - 1]?.time ?? 0).toISOString(),
  };
  if (flag(p, 'json')) await printJson(summary);
  else {
    note(
      `${out}: ${fmtInt(summary.lines)} lines — ${fmtInt(summary.trades)} fills of ${fmtInt(summary.wallets)} wallets, ` +
        `${fmtInt(summary.liquidationFills)} liquidation fills (${fmtInt(summary.liquidations)} liquidations), ` +
        `${summary.from.slice(0, 10)} to ${summary.to.slice(0, 10)}${summary.rejectedRows > 0 ? `, ${fmtInt(summary.rejectedRows)} rows rejected` : ''}`,
    );
  }
  return 0;
}
