import { basename } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { InputError } from '../../../recording/errors.ts';
import { type ReservoirTable, reservoirTableOf } from './reservoir.ts';

/**
 * Parquet files read with DuckDB's Node API (`@duckdb/node-api`), rows handed on in DuckDB's
 * chunks as JSON values. Validation is `reservoir.ts`'s; this file only opens, names and streams.
 */
export interface ParquetFile {
  readonly table: ReservoirTable;
  readonly columns: readonly string[];
  readonly rows: AsyncIterable<readonly Readonly<Record<string, unknown>>[]>;
  close(): void;
}

/** A file path as a DuckDB string literal. */
function literal(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}

export async function openParquet(path: string): Promise<ParquetFile> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    const result = await connection.stream(`SELECT * FROM read_parquet(${literal(path)})`);
    const columns = result.columnNames();
    const table = reservoirTableOf(columns);
    if (table === null) {
      throw new InputError(
        `${path}: not a Reservoir table this command knows (columns ${columns.join(', ')}); see docs/real-data.md for fills, perp snapshots and order books`,
      );
    }
    return { table, columns, rows: result.yieldRowObjectJson(), close };
  } catch (e) {
    close();
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read as Parquet (${(e as Error).message.split('\n')[0]})`, { cause: e });
  }
}

/**
 * The snapshot's time from its documented file name: `{block}_{timestamp}.parquet` (global
 * snapshots) or `{ts}_perp_positions.parquet` (daily exports), milliseconds. Null when neither.
 */
export function snapshotTimeOf(path: string): number | null {
  const name = basename(path);
  const m = /^\d+_(\d{12,14})\.parquet$/.exec(name) ?? /^(\d{12,14})_perp_positions\.parquet$/.exec(name);
  return m === null ? null : Number(m[1]);
}

/** The coin of a 1-minute order book file: `{coin}.parquet`, the slash of `PURR/USDC` URL-encoded. */
export function orderbookCoinOf(path: string): string {
  return decodeURIComponent(basename(path).replace(/\.parquet$/, ''));
}
