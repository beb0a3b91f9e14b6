import type { SQLInputValue } from 'node:sqlite';
import type postgres from 'postgres';
import { type PackedScoreRows, packedTimes, SCORE_COPY_BINARY, scoreCopyBinary } from './pg-score-copy.ts';
import { unpackScores, type WireBatch } from './sqlite-write.ts';

/**
 * (Run on the PostgreSQL store's writer thread, src/store/pg-worker.ts, from the batch as
 * `encodeBatch` packs it for either store's thread.)
 * A batch's rows go to PostgreSQL by `COPY … FROM STDIN`, one per table (`batchTexts`, below);
 * the rows of a table holding a text COPY cannot carry as it is go as they did before COPY:
 *
 * A batch's rows for PostgreSQL as one JSON text per table, inserted by `json_to_recordset`: one
 * bound parameter per table instead of one per value. The multi-row `INSERT … VALUES` it replaces
 * had the client type and encode every value (~60,000 a batch of scores) and, since the statement
 * text changed with the row count, describe it to the server anew each batch; this statement text
 * is fixed (prepared once per connection) and the client sends one string, JSON.stringify's work.
 *
 * A column holding JSON text goes in either as a JSON string (`…_s`, into a text field: the
 * large texts, an event, a map, a grade: `stringText`) or as it is, as a JSON value (`… json`,
 * read back with `::text`, which keeps the text byte for byte: the scores' small components).
 * PostgreSQL refuses to parse some `\u` escapes (`\u0000`, a lone surrogate) anywhere in the
 * document, so a components text holding `\u` goes as a JSON string too (`jsonText`).
 */

/** A finite number as JSON; NaN and ±Infinity as the strings float8 reads them from. */
function f8(x: number | null | undefined): string {
  if (x === null || x === undefined) return 'null';
  return Number.isFinite(x) ? String(x) : `"${x}"`;
}

/** `"key":text` as a JSON value, or `"key_s":"text"` when PostgreSQL may refuse one of its escapes. */
function jsonText(key: string, text: string): string {
  return text.includes('\\u') ? `"${key}_s":${JSON.stringify(text)}` : `"${key}":${text}`;
}

/**
 * `"key_s":"text"`, the text as a JSON string, when PostgreSQL can read it back byte for byte (no NUL,
 * which its text cannot hold, and no lone surrogate, which it refuses as an escape); else as
 * `jsonText`. For the large texts (maps, events, grades): json_to_recordset hands a string
 * field to a text column as it is, where a `json` field is parsed once more on its way in (the
 * whole document was parsed already): measured, the server's CPU for a batch of maps 470 → 260 ms
 * (20 inserts of 30 maps), for events 70 → 40 ms. The scores' small components texts gain nothing.
 */
function stringText(key: string, text: string): string {
  return text.isWellFormed() && !text.includes('\u0000') ? `"${key}_s":${JSON.stringify(text)}` : jsonText(key, text);
}

const str = JSON.stringify;

/** Rows of the wire batch (see `encodeBatch`: bound values in column order, JSON texts encoded). */
type WireRows = readonly (readonly SQLInputValue[])[];

export function eventRows(rows: WireRows): string {
  let s = '[';
  for (let i = 0; i < rows.length; i++) {
    const [id, type, coin, time, receivedAt, detectedAt, payload] = rows[i] as SQLInputValue[];
    s +=
      `${i > 0 ? ',' : ''}{"id":${id},"type":${str(type)},"coin":${str(coin)},"time":${time},` +
      `"received_at":${receivedAt},"detected_at":${detectedAt},${stringText('payload', payload as string)}}`;
  }
  return `${s}]`;
}

export function heatmapRows(rows: WireRows): string {
  let s = '[';
  for (let i = 0; i < rows.length; i++) {
    const [coin, time, reason, text, delta] = rows[i] as SQLInputValue[];
    s += `${i > 0 ? ',' : ''}{"coin":${str(coin)},"time":${time},"reason":${str(reason)},"delta":${delta === 1},${stringText('map', text as string)}}`;
  }
  return `${s}]`;
}

export function positionRows(rows: WireRows): string {
  let s = '[';
  for (let i = 0; i < rows.length; i++) {
    const [wallet, coin, time, szi, entryPx, liquidationPx, notionalUsd, leverage, estimated] = rows[i] as SQLInputValue[];
    s +=
      `${i > 0 ? ',' : ''}{"wallet":${str(wallet)},"coin":${str(coin)},"time":${time},"szi":${f8(szi as number)},` +
      `"entry_px":${f8(entryPx as number)},"liquidation_px":${f8(liquidationPx as number | null)},"notional_usd":${f8(notionalUsd as number)},` +
      `"leverage":${f8(leverage as number | null)},"estimated":${estimated === 1}}`;
  }
  return `${s}]`;
}

/** Score rows' wallet addresses as their ids in the wallets table (`internWallets`). */
export type WalletIds = ReadonlyMap<string, number>;

function idOf(ids: WalletIds, wallet: SQLInputValue | undefined): number {
  const id = ids.get(wallet as string);
  if (id === undefined) throw new Error(`wallet ${String(wallet)} has no id: intern the batch's wallets first`);
  return id;
}

export function scoreRows(rows: WireRows, ids: WalletIds): string {
  let s = '[';
  for (let i = 0; i < rows.length; i++) {
    const [wallet, time, score, confidence, trades, components] = rows[i] as SQLInputValue[];
    s +=
      `${i > 0 ? ',' : ''}{"wallet_id":${idOf(ids, wallet)},"time":${time},"score":${f8(score as number)},"confidence":${f8(confidence as number)},` +
      `"trades":${trades},${jsonText('components', components as string)}}`;
  }
  return `${s}]`;
}

export function gradeRows(rows: WireRows): string {
  let s = '[';
  for (let i = 0; i < rows.length; i++) {
    const [id, type, coin, time, horizonEnd, hit, baseline, grade] = rows[i] as SQLInputValue[];
    s +=
      `${i > 0 ? ',' : ''}{"event_id":${str(id)},"type":${str(type)},"coin":${str(coin)},"time":${time},"horizon_end":${horizonEnd},` +
      `"hit":${hit === 1},"baseline":${f8(baseline as number | null)},${stringText('grade', grade as string)}}`;
  }
  return `${s}]`;
}

type Tx = postgres.TransactionSql;

/** A batch's rows as the JSON texts `sendRows` binds, one per table (null: the table has no rows). */
export interface RowTexts {
  readonly events: string | null;
  readonly heatmaps: string | null;
  readonly positions: string | null;
  readonly scores: string | null;
  readonly grades: string | null;
}

export function rowTexts(w: WireBatch, ids: WalletIds): RowTexts {
  return {
    events: w.events.length > 0 ? eventRows(w.events) : null,
    heatmaps: w.heatmaps.length > 0 ? heatmapRows(w.heatmaps) : null,
    positions: w.positions.length > 0 ? positionRows(w.positions) : null,
    scores: w.scores.length > 0 ? scoreRows(w.scores, ids) : null,
    grades: w.grades.length > 0 ? gradeRows(w.grades) : null,
  };
}

/**
 * Sends the batch's inserts and its cursor's upsert without waiting (their promises go into
 * `sent`), each insert only when it has rows. Rows keep their order (WITH ORDINALITY): serial ids
 * follow it, as before. `t`: the batch's `rowTexts`.
 */
export function sendRows(sent: Promise<unknown>[], tx: Tx, w: WireBatch, t: RowTexts): void {
  if (t.events !== null) {
    sent.push(
      tx`INSERT INTO events (id, type, coin, time, received_at, detected_at, payload)
        SELECT id, type, coin, time, received_at, detected_at, COALESCE(payload_s, payload::text)
        FROM ROWS FROM (json_to_recordset(${t.events}::text::json) AS (id bigint, type text, coin text, time bigint,
          received_at bigint, detected_at bigint, payload json, payload_s text)) WITH ORDINALITY
          AS r(id, type, coin, time, received_at, detected_at, payload, payload_s, n)
        ORDER BY n`.execute(),
    );
  }
  if (t.heatmaps !== null) {
    sent.push(
      tx`INSERT INTO heatmap_snapshots (coin, time, reason, delta, map)
        SELECT coin, time, reason, delta, COALESCE(map_s, map::text)
        FROM ROWS FROM (json_to_recordset(${t.heatmaps}::text::json) AS (coin text, time bigint, reason text, delta boolean,
          map json, map_s text)) WITH ORDINALITY AS r(coin, time, reason, delta, map, map_s, n)
        ORDER BY n`.execute(),
    );
  }
  if (t.positions !== null) {
    sent.push(
      tx`INSERT INTO position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated)
        SELECT wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated
        FROM ROWS FROM (json_to_recordset(${t.positions}::text::json) AS (wallet text, coin text, time bigint,
          szi float8, entry_px float8, liquidation_px float8, notional_usd float8, leverage float8, estimated boolean))
          WITH ORDINALITY AS r(wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated, n)
        ORDER BY n`.execute(),
    );
  }
  if (t.scores !== null) {
    sent.push(
      tx`INSERT INTO scores (wallet_id, time, score, confidence, trades, components)
        SELECT wallet_id, time, score, confidence, trades, COALESCE(components_s, components::text)
        FROM ROWS FROM (json_to_recordset(${t.scores}::text::json) AS (wallet_id integer, time bigint, score float8,
          confidence float8, trades integer, components json, components_s text))
          WITH ORDINALITY AS r(wallet_id, time, score, confidence, trades, components, components_s, n)
        ORDER BY n`.execute(),
    );
  }
  if (t.grades !== null) {
    sent.push(
      tx`INSERT INTO ledger_grades (event_id, type, coin, time, horizon_end, hit, baseline, grade)
        SELECT event_id, type, coin, time, horizon_end, hit, baseline, COALESCE(grade_s, grade::text)
        FROM ROWS FROM (json_to_recordset(${t.grades}::text::json) AS (event_id text, type text, coin text, time bigint,
          horizon_end bigint, hit boolean, baseline float8, grade json, grade_s text))
          WITH ORDINALITY AS r(event_id, type, coin, time, horizon_end, hit, baseline, grade, grade_s, n)
        ORDER BY n`.execute(),
    );
  }
  const [source, position, ts, nextEventId, complete, firstEventId] = w.cursor;
  sent.push(
    tx`INSERT INTO ingest_cursor (source, position, ts, next_event_id, complete, first_event_id)
      VALUES (${source as string}, ${position as number}, ${ts as number}, ${nextEventId as number}, ${complete === 1}, ${firstEventId as number})
      ON CONFLICT (source) DO UPDATE SET position = excluded.position, ts = excluded.ts,
        next_event_id = excluded.next_event_id, complete = excluded.complete, first_event_id = excluded.first_event_id`.execute(),
  );
}

/**
 * COPY's text format: a row a line, columns split by tabs, `\N` for null; a text is kept byte for
 * byte once its backslashes, tabs and line ends are escaped (a JSON text has none but the
 * backslashes of its own escapes). Measured against `json_to_recordset` over the 23 batches of
 * bench/store.bench.ts: the server's CPU for the inserts ~420 → ~290 ms (no JSON document to lex,
 * no string to unescape, no hash of field names per row: most of it the 24,000 score rows), and
 * the writer thread's time to build the texts 41 → 18 ms (a map is not escaped as a JSON string).
 */
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const escaped = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

function ct(v: SQLInputValue | undefined): string {
  const s = v as string;
  return SPECIAL.test(s) ? s.replace(SPECIALS, escaped) : s;
}

/** A number as float8 reads it (NaN and ±Infinity by name), or null. */
function cf(v: SQLInputValue | undefined): string {
  return v === null || v === undefined ? '\\N' : String(v);
}

function cb(v: SQLInputValue | undefined): string {
  return v === 1 ? 't' : 'f';
}

export function eventCopy(rows: WireRows): string {
  let s = '';
  for (const [id, type, coin, time, receivedAt, detectedAt, payload] of rows) {
    s += `${id}\t${ct(type)}\t${ct(coin)}\t${time}\t${receivedAt}\t${detectedAt}\t${ct(payload)}\n`;
  }
  return s;
}

export function heatmapCopy(rows: WireRows): string {
  let s = '';
  for (const [coin, time, reason, text, delta] of rows) s += `${ct(coin)}\t${time}\t${ct(reason)}\t${cb(delta)}\t${ct(text)}\n`;
  return s;
}

export function positionCopy(rows: WireRows): string {
  let s = '';
  for (const [wallet, coin, time, szi, entryPx, liquidationPx, notionalUsd, leverage, estimated] of rows) {
    s += `${ct(wallet)}\t${ct(coin)}\t${time}\t${cf(szi)}\t${cf(entryPx)}\t${cf(liquidationPx)}\t${cf(notionalUsd)}\t${cf(leverage)}\t${cb(estimated)}\n`;
  }
  return s;
}

export function scoreCopy(rows: WireRows, ids: WalletIds): string {
  let s = '';
  for (const [wallet, time, score, confidence, trades, components] of rows) {
    s += `${idOf(ids, wallet)}\t${time}\t${cf(score)}\t${cf(confidence)}\t${trades}\t${ct(components)}\n`;
  }
  return s;
}

export function gradeCopy(rows: WireRows): string {
  let s = '';
  for (const [id, type, coin, time, horizonEnd, hit, baseline, grade] of rows) {
    s += `${ct(id)}\t${ct(type)}\t${ct(coin)}\t${time}\t${horizonEnd}\t${cb(hit)}\t${cf(baseline)}\t${ct(grade)}\n`;
  }
  return s;
}

type Table = keyof RowTexts;
const TABLES: readonly Table[] = ['events', 'heatmaps', 'positions', 'scores', 'grades'];

const COPY: Record<Table, readonly [string, (rows: WireRows, ids: WalletIds) => string]> = {
  events: ['COPY events (id, type, coin, time, received_at, detected_at, payload) FROM STDIN', eventCopy],
  heatmaps: ['COPY heatmap_snapshots (coin, time, reason, delta, map) FROM STDIN', heatmapCopy],
  positions: [
    'COPY position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated) FROM STDIN',
    positionCopy,
  ],
  scores: ['COPY scores (wallet_id, time, score, confidence, trades, components) FROM STDIN', scoreCopy],
  grades: ['COPY ledger_grades (event_id, type, coin, time, horizon_end, hit, baseline, grade) FROM STDIN', gradeCopy],
};

/**
 * Whether COPY keeps every text of the rows as it is: it sends UTF-8, where a lone surrogate
 * would become U+FFFD, and PostgreSQL's text holds no NUL. Else the table's rows go by
 * `json_to_recordset` as before (which keeps or refuses them as it always did).
 */
function copyable(rows: WireRows): boolean {
  for (const r of rows) for (const v of r) if (typeof v === 'string' && (!v.isWellFormed() || v.includes('\u0000'))) return false;
  return true;
}

/** A batch's rows split between COPY texts (in table order) and the JSON texts of the tables COPY cannot take. */
export interface BatchTexts {
  readonly copies: readonly (readonly [statement: string, data: string | Buffer])[];
  readonly json: RowTexts;
}

export function batchTexts(w: WireBatch, ids: WalletIds): BatchTexts {
  const copies: [string, string | Buffer][] = [];
  const json: Record<Table, string | null> = { events: null, heatmaps: null, positions: null, scores: null, grades: null };
  for (const t of TABLES) {
    const rows = w[t];
    if (rows.length === 0) continue;
    if (copyable(rows)) {
      const [statement, text] = COPY[t];
      copies.push([statement, text(rows, ids)]);
    } else json[t] = rowTexts({ ...w, events: [], heatmaps: [], positions: [], scores: [], grades: [], [t]: rows }, ids)[t];
  }
  return { copies, json };
}

/**
 * One `COPY … FROM STDIN` of `data` (text, or binary for the scores). The client settles a COPY's stream when the server has taken
 * it, but not when the server refuses it after the last byte (a duplicate key, say): that error
 * reaches only the query's `reject`, which is watched here (the `postgres` client's Query keeps
 * it as its own field), so the transaction fails with the server's reason instead of waiting.
 */
async function copyIn(tx: Tx, statement: string, data: string | Buffer): Promise<void> {
  const q = tx.unsafe(statement);
  const refused = new Promise<never>((_, reject) => {
    const query = q as unknown as { reject: (e: unknown) => void };
    const own = query.reject;
    query.reject = (e) => {
      reject(e);
      own(e);
    };
  });
  refused.catch(() => {});
  const ws = await Promise.race([q.writable(), refused]);
  await Promise.race([
    refused,
    new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('finish', resolve);
      ws.end(data);
    }),
  ]);
}

/**
 * Wallet address → id (the wallets table, migration 006), per client. Ids never change once
 * committed; those learnt in a transaction that fails are forgotten with it.
 */
const walletIds = new WeakMap<postgres.Sql, Map<string, number>>();

/**
 * Adds the batch's new wallet addresses to the wallets table (inside its transaction; a wallet
 * another writer is adding meanwhile is waited for by the unique index, then read) and learns
 * their ids; `learnt` gets each address learnt.
 */
async function internWallets(tx: Tx, ids: Map<string, number>, wallets: readonly string[], learnt: string[]): Promise<void> {
  // Sorted: two writers adding overlapping addresses take the unique index's entries in one order (no deadlock).
  const fresh = [...new Set(wallets.filter((a) => !ids.has(a)))].sort();
  if (fresh.length === 0) return;
  const learn = (rows: readonly Record<string, unknown>[]) => {
    for (const r of rows) {
      ids.set(r['address'] as string, Number(r['id']));
      learnt.push(r['address'] as string);
    }
  };
  // The ids of the addresses inserted come back with the insert; only those already in the table
  // (another writer's, not inserted here) are read afterwards. (Reading all of them again cost the
  // server ~8 ms a run of bench/store.bench.ts, whose first batch names ~1,700 new wallets.)
  learn(await tx`INSERT INTO wallets (address) SELECT unnest(${fresh}::text[]) ON CONFLICT (address) DO NOTHING RETURNING id, address`);
  const rest = fresh.filter((a) => !ids.has(a));
  if (rest.length > 0) learn(await tx`SELECT id, address FROM wallets WHERE address = ANY(${rest}::text[])`);
}

/**
 * One batch and its cursor in one transaction, which waits for `before` (the previous write)
 * before its first insert and fails if it failed: batches commit, and take serial ids, in cursor
 * order, and a later cursor is never committed over a batch that is not. `packed`: the batch's
 * score rows as the recorder packed them (`packScores`, numeric; `w.scores` then empty), sent by
 * binary COPY (pg-score-copy.ts).
 */
export async function writePgWire(sql: postgres.Sql, w: WireBatch, before: Promise<void>, packed?: PackedScoreRows): Promise<void> {
  let ids = walletIds.get(sql);
  if (ids === undefined) {
    ids = new Map();
    walletIds.set(sql, ids);
  }
  const known = ids;
  const wallets = packed === undefined ? w.scores.map((r) => r[0] as string) : packed.wallets;
  const times = packed === undefined ? [...new Set(w.scores.map((r) => r[1] as number))] : packedTimes(packed.scores);
  // The rows' texts are built now, while the previous batch may still be committing, not after it
  // (unless a score's wallet is new: its id comes from the transaction).
  const ready = wallets.every((a) => known.has(a)) ? scoreTexts(w, known, wallets, packed) : null;
  const learnt: string[] = [];
  try {
    await sql.begin(async (tx) => {
      await before;
      await internWallets(tx, known, wallets, learnt);
      const t = ready ?? scoreTexts(w, known, wallets, packed);
      // Each COPY waits for the server's answer (the client runs nothing else meanwhile on the connection) …
      for (const [statement, data] of t.copies) await copyIn(tx, statement, data);
      // … then the rest, sent at once and executed in order.
      const sent: Promise<unknown>[] = [];
      sendRows(sent, tx, w, t.json);
      if (times.length > 0) sent.push(tx`INSERT INTO score_times SELECT unnest(${times}::bigint[])`.execute());
      // The first failure fails the transaction; the rest are observed so none goes unhandled.
      for (const x of sent) x.catch(() => {});
      await Promise.all(sent);
    });
  } catch (e) {
    for (const a of learnt) known.delete(a);
    throw e;
  }
}

/** `batchTexts`, the packed score rows by binary COPY where they can go so (else unpacked, as text). */
function scoreTexts(w: WireBatch, ids: WalletIds, wallets: readonly string[], packed: PackedScoreRows | undefined): BatchTexts {
  if (packed === undefined) return batchTexts(w, ids);
  const binary = scoreCopyBinary(
    packed.scores,
    wallets.map((a) => idOf(ids, a)),
  );
  if (binary === null) return batchTexts({ ...w, scores: unpackScores(packed.scores, packed.wallets) }, ids);
  const t = batchTexts(w, ids);
  return { ...t, copies: [...t.copies, [SCORE_COPY_BINARY, binary]] };
}
