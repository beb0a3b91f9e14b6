/** The store package: the contract, the two stores, opening by spec, and the ingest side. */
export { StoreError } from './errors.ts';
export { DEFAULT_INGEST, type IngestOptions, type IngestResult, ingest, ingestFile } from './ingest.ts';
export { DEFAULT_SQLITE, describeSpec, isPostgres, openStore, storeSpec } from './open.ts';
export { PostgresStore } from './postgres.ts';
export { DEFAULT_RECORDER, type Recorded, Recorder, type RecorderOptions } from './recorder.ts';
export { SqliteStore } from './sqlite.ts';
export type * from './types.ts';
