import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { encodeViews, type MapEncoder, PACKED, type PackedView } from './map-encoder.ts';
import { componentsText, packComponents, SCORE_WIDTH, ScoreRow } from './score-rows.ts';
import type { ScoreRecord, WriteBatch } from './types.ts';

/**
 * A batch as rows of bound values, JSON already encoded: what crosses to the writer thread.
 * Strings cross threads as flat copies; the records' nested objects would be walked by the
 * structured clone, which measured costlier than encoding them once here.
 */
export interface WireBatch {
  readonly events: SQLInputValue[][];
  /** A packed map's row has null for its text and PACKED for its delta flag until `encodeViews` (the writer). */
  readonly heatmaps: SQLInputValue[][];
  /** The packed maps (map-encoder.ts), in the order of their rows. */
  readonly views: PackedView[];
  readonly positions: SQLInputValue[][];
  readonly scores: SQLInputValue[][];
  readonly grades: SQLInputValue[][];
  readonly cursor: SQLInputValue[];
}

/**
 * `scores` false: the batch's scores are left out (they cross to the writer thread as `packScores`).
 * `maps`: the store's encoder when the batch is written on this thread (its packed maps encoded
 * here); without it they are left packed for the writer thread.
 */
export function encodeBatch(b: WriteBatch, scores = true, maps?: MapEncoder): WireBatch {
  const c = b.cursor;
  const views: PackedView[] = [];
  const heatmaps = b.heatmaps.map((h): SQLInputValue[] => {
    if (h.packed !== undefined) {
      views.push(h.packed);
      return [h.coin, h.time, h.reason, null, PACKED];
    }
    return h.deltaJson !== undefined
      ? [h.coin, h.time, h.reason, h.deltaJson, 1]
      : [h.coin, h.time, h.reason, h.json ?? JSON.stringify(h.map), 0];
  });
  if (maps !== undefined && views.length > 0) {
    encodeViews(heatmaps, views, maps);
    views.length = 0;
  }
  return {
    events: b.events.map((e) => [e.id, e.type, e.coin, e.time, e.receivedAt, e.detectedAt, e.payload ?? JSON.stringify(e.event)]),
    heatmaps,
    views,
    positions: b.positions.map((p) => [
      p.wallet,
      p.coin,
      p.time,
      p.szi,
      p.entryPx,
      p.liquidationPx,
      p.notionalUsd,
      p.leverage,
      p.estimated ? 1 : 0,
    ]),
    scores: scores
      ? b.scores.map((s) => [s.wallet, s.time, s.score, s.confidence, s.trades, s.componentsJson ?? JSON.stringify(s.components)])
      : [],
    grades: (b.grades ?? []).map((r) => {
      const g = r.grade;
      return [g.id, g.type, g.coin, g.time, g.horizonEnd, g.hit ? 1 : 0, g.baseline, r.json ?? JSON.stringify(g)];
    }),
    cursor: [c.source, c.position, c.ts, c.nextEventId, c.complete === true ? 1 : 0, c.firstEventId ?? 1],
  };
}

/** A batch's map texts as UTF-8 in one buffer (`ends[i]`: where map i ends), moved to the writer thread, not copied. */
export interface PackedMaps {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly ends: Uint32Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let scratch = new Uint8Array(0);

/**
 * Takes the map texts (most of a batch's bytes: ~15 kB a map) out of the rows into one buffer
 * that crosses to the writer thread by transfer, not by a structured clone of the strings: the
 * engines' thread's share of a write (encode and hand-over) measured 70 → 45 ms over the 23 batches
 * of bench/store.bench.ts. The rows keep null in their place until `unpackMaps`.
 */
export function packMaps(w: WireBatch): PackedMaps {
  let bound = 0;
  for (const r of w.heatmaps) if (r[4] !== PACKED) bound += 3 * (r[3] as string).length;
  // Encoded into a buffer kept for the next batch, then copied at its size: a buffer of the bound
  // (three bytes a character) apiece was three times the external memory the collector sees.
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, 2 * scratch.length));
  const ends = new Uint32Array(w.heatmaps.length);
  let at = 0;
  for (let i = 0; i < w.heatmaps.length; i++) {
    const r = w.heatmaps[i] as SQLInputValue[];
    if (r[4] === PACKED) {
      ends[i] = at;
      continue;
    }
    at += encoder.encodeInto(r[3] as string, scratch.subarray(at)).written;
    ends[i] = at;
    r[3] = null;
  }
  return { bytes: scratch.slice(0, at), ends };
}

/** The map texts back into their rows (the writer thread). */
export function unpackMaps(w: WireBatch, p: PackedMaps): void {
  let from = 0;
  for (let i = 0; i < w.heatmaps.length; i++) {
    const to = p.ends[i] as number;
    const r = w.heatmaps[i] as SQLInputValue[];
    if (r[4] !== PACKED) r[3] = decoder.decode(p.bytes.subarray(from, to));
    from = to;
  }
}

/**
 * A batch's scores as columns: per row time, score, confidence and trades, then the components
 * (COMPONENTS order) in `nums`, SCORE_WIDTH numbers a row; each row's wallet as its number
 * (`WalletNumbers`: an address crosses to a writer thread once, in `fresh`, then as its number);
 * unless `numeric`, each row's components text one after another in `text`, `ends[i]` where row
 * i's ends. A batch holds thousands of score rows (a cadence rewrites every wallet whose
 * percentile moved), and the structured clone of as many small arrays was most of the engines'
 * thread's share of a write; this crosses as three transferred buffers. `numeric`: every row was
 * the recorder's (score-rows.ts), its components built on the writer from the numbers.
 */
export interface PackedScores {
  readonly nums: Float64Array<ArrayBuffer>;
  readonly wallets: Uint32Array<ArrayBuffer>;
  /** Addresses numbered in this batch, in number order from `firstFresh`. */
  readonly fresh: readonly string[];
  readonly firstFresh: number;
  readonly text: string;
  readonly ends: Uint32Array<ArrayBuffer>;
  readonly numeric: boolean;
}

/**
 * Wallet address → number, on the store's side of one writer thread (which keeps the reverse,
 * `WalletNames`). Joining 75,000 addresses into one text a run cost the engines' thread ~16 ms.
 */
export class WalletNumbers {
  private readonly no = new Map<string, number>();

  /** The address's number; a new one is pushed to `fresh`. */
  number(address: string, fresh: string[]): number {
    let n = this.no.get(address);
    if (n === undefined) {
      n = this.no.size;
      this.no.set(address, n);
      fresh.push(address);
    }
    return n;
  }

  get size(): number {
    return this.no.size;
  }

  /** Forgets the numbers from `size` on (a batch that never reached the thread). */
  truncate(size: number): void {
    for (const [a, n] of this.no) if (n >= size) this.no.delete(a);
  }
}

/** The writer thread's side of `WalletNumbers`: number → address, learnt from every batch in order (refused ones too). */
export class WalletNames {
  private readonly names: string[] = [];

  constructor(p?: PackedScores) {
    if (p !== undefined) this.learn(p);
  }

  learn(p: PackedScores): void {
    if (p.firstFresh !== this.names.length) {
      throw new Error(`wallet numbers out of step: the batch numbers from ${p.firstFresh}, ${this.names.length} known`);
    }
    for (const a of p.fresh) this.names.push(a);
  }

  /** Each row's address. */
  of(p: PackedScores): string[] {
    const out: string[] = new Array(p.wallets.length);
    for (let i = 0; i < p.wallets.length; i++) out[i] = this.names[p.wallets[i] as number] as string;
    return out;
  }
}

/** `numbers`: the writer thread's numbering (a fresh one: the batch names all its wallets). */
export function packScores(scores: readonly ScoreRecord[], numbers = new WalletNumbers()): PackedScores {
  const n = scores.length;
  const nums = new Float64Array(SCORE_WIDTH * n);
  const wallets = new Uint32Array(n);
  const fresh: string[] = [];
  const firstFresh = numbers.size;
  for (let i = 0; i < n; i++) wallets[i] = numbers.number((scores[i] as ScoreRecord).wallet, fresh);
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) numeric = scores[i] instanceof ScoreRow;
  if (numeric) {
    // The rows' numbers by runs: records made one after another sit one after another in a chunk.
    for (let i = 0; i < n; ) {
      const s = scores[i] as ScoreRow;
      let j = i + 1;
      for (let t = scores[j] as ScoreRow | undefined; t !== undefined && t.nums === s.nums && t.at === s.at + (j - i) * SCORE_WIDTH; ) {
        t = scores[++j] as ScoreRow | undefined;
      }
      nums.set(s.nums.subarray(s.at, s.at + (j - i) * SCORE_WIDTH), SCORE_WIDTH * i);
      i = j;
    }
    return { nums, wallets, fresh, firstFresh, text: '', ends: new Uint32Array(0), numeric };
  }
  const ends = new Uint32Array(n);
  const parts: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i] as ScoreRecord;
    nums[SCORE_WIDTH * i] = s.time;
    nums[SCORE_WIDTH * i + 1] = s.score;
    nums[SCORE_WIDTH * i + 2] = s.confidence;
    nums[SCORE_WIDTH * i + 3] = s.trades;
    const components = s.componentsJson ?? JSON.stringify(s.components);
    parts[i] = components;
    at += components.length;
    ends[i] = at;
  }
  return { nums, wallets, fresh, firstFresh, text: parts.join(''), ends, numeric };
}

/**
 * The score rows back, as `encodeBatch` makes them (the writer thread: `wallets`, each row's
 * address, from its WalletNames). `packed`: the recorder's rows carry their components packed
 * (`packComponents`, a seventh value; the text null) instead of as text.
 */
export function unpackScores(p: PackedScores, wallets: readonly string[] = new WalletNames(p).of(p), packed = false): SQLInputValue[][] {
  const n = wallets.length;
  const rows: SQLInputValue[][] = new Array(n);
  let from = 0;
  for (let i = 0; i < n; i++) {
    const x = SCORE_WIDTH * i;
    let components: string | null;
    if (p.numeric && packed) components = null;
    else if (p.numeric) components = componentsText(p.nums, x);
    else {
      const end = p.ends[i] as number;
      components = p.text.slice(from, end);
      from = end;
    }
    rows[i] = [
      wallets[i] as string,
      p.nums[x] as number,
      p.nums[x + 1] as number,
      p.nums[x + 2] as number,
      p.nums[x + 3] as number,
      components,
    ];
    if (components === null) rows[i]?.push(packComponents(p.nums, x));
  }
  return rows;
}

/**
 * Every connection's settings. WAL: readers (the API) go on while a batch commits. NORMAL: a
 * commit survives a killed process (kill -9), not necessarily a power cut. A 64 MB WAL before
 * each checkpoint: checkpoints (the copy back and its fsync) were half the write time at the
 * default 4 MB.
 */
export const PRAGMAS =
  'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 16384';

const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

function st(db: DatabaseSync, sql: string): StatementSync {
  let m = cache.get(db);
  if (m === undefined) {
    m = new Map();
    cache.set(db, m);
  }
  let s = m.get(sql);
  if (s === undefined) {
    s = db.prepare(sql);
    m.set(sql, s);
  }
  return s;
}

/** Runs `f` in one immediate transaction: all of it or none. */
export function transaction<T>(db: DatabaseSync, f: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = f();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

const INSERT_EVENT = 'INSERT INTO events (id, type, coin, time, received_at, detected_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)';
const INSERT_HEATMAP = 'INSERT INTO heatmap_snapshots (coin, time, reason, map, delta) VALUES (?, ?, ?, ?, ?)';
const INSERT_POSITION =
  'INSERT INTO position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Score rows a statement: one statement's call for many rows (75,000 rows a bench run: 110 → 75 ms of the writer thread). */
const SCORES_PER_INSERT = 32;
const SCORE_COLUMNS = 7;
/** The INSERT of `rows` score rows. */
const insertScores = (rows: number) =>
  `INSERT INTO scores (wallet_id, time, score, confidence, trades, components, components_packed) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
const INSERT_SCORE = insertScores(1);
const INSERT_SCORES = insertScores(SCORES_PER_INSERT);
const INSERT_SCORE_TIME = 'INSERT INTO score_times (time) VALUES (?)';
const INSERT_WALLET = 'INSERT INTO wallets (address) VALUES (?) ON CONFLICT (address) DO NOTHING';
const WALLET_ID = 'SELECT id FROM wallets WHERE address = ?';

/**
 * Wallet address → id (the wallets table, migration 006), per connection. Ids never change once
 * committed; one learnt in a transaction that rolls back is forgotten with it (`interned`).
 */
const walletIds = new WeakMap<DatabaseSync, Map<string, number>>();

/** The wallet's id, added to the wallets table if new (inside the batch's transaction); `learnt` gets each new one. */
function walletId(db: DatabaseSync, ids: Map<string, number>, address: string, learnt: string[]): number {
  const known = ids.get(address);
  if (known !== undefined) return known;
  st(db, INSERT_WALLET).run(address);
  const id = Number((st(db, WALLET_ID).get(address) as { id: number | bigint }).id);
  ids.set(address, id);
  learnt.push(address);
  return id;
}
/**
 * The batch's score rows, in their order: SCORES_PER_INSERT rows a statement, the rest one by
 * one; a batch's rows come tick by tick, so a time goes into score_times once per run of its rows
 * (migration 007).
 */
function writeScores(db: DatabaseSync, rows: readonly SQLInputValue[][], ids: Map<string, number>, learnt: string[]): void {
  const one = st(db, INSERT_SCORE);
  const many = st(db, INSERT_SCORES);
  const times = st(db, INSERT_SCORE_TIME);
  const args: SQLInputValue[] = new Array(SCORE_COLUMNS * SCORES_PER_INSERT);
  let time = Number.NaN;
  let i = 0;
  while (i < rows.length) {
    const t = (rows[i] as SQLInputValue[])[1] as number;
    if (t !== time) times.run(t);
    time = t;
    // The run of rows at this time (a NaN time: a run of one, as NaN never equals it).
    let end = i + 1;
    while (end < rows.length && (rows[end] as SQLInputValue[])[1] === t) end++;
    for (; i + SCORES_PER_INSERT <= end; i += SCORES_PER_INSERT) {
      for (let r = 0; r < SCORES_PER_INSERT; r++) scoreArgs(db, rows[i + r] as SQLInputValue[], ids, learnt, args, r * SCORE_COLUMNS);
      many.run(...args);
    }
    for (; i < end; i++) {
      scoreArgs(db, rows[i] as SQLInputValue[], ids, learnt, args, 0);
      one.run(...args.slice(0, SCORE_COLUMNS));
    }
  }
}

/** A score row's parameters into `args` from `at`: its wallet as its id (added if new), components text or null, packed or null. */
function scoreArgs(
  db: DatabaseSync,
  r: SQLInputValue[],
  ids: Map<string, number>,
  learnt: string[],
  args: SQLInputValue[],
  at: number,
): void {
  args[at] = walletId(db, ids, r[0] as string, learnt);
  for (let c = 1; c < 5; c++) args[at + c] = r[c] as SQLInputValue;
  args[at + 5] = r[5] ?? null;
  args[at + 6] = r[6] ?? null;
}

const INSERT_GRADE =
  'INSERT INTO ledger_grades (event_id, type, coin, time, horizon_end, hit, baseline, grade) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const UPSERT_CURSOR = `INSERT INTO ingest_cursor (source, position, ts, next_event_id, complete, first_event_id) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (source) DO UPDATE SET position = excluded.position, ts = excluded.ts,
    next_event_id = excluded.next_event_id, complete = excluded.complete, first_event_id = excluded.first_event_id`;

/** One batch and its cursor in one transaction (bound parameters only). */
export function writeWire(db: DatabaseSync, w: WireBatch): void {
  let ids = walletIds.get(db);
  if (ids === undefined) {
    ids = new Map();
    walletIds.set(db, ids);
  }
  const learnt: string[] = [];
  try {
    writeRows(db, w, ids, learnt);
  } catch (e) {
    for (const a of learnt) ids.delete(a);
    throw e;
  }
}

function writeRows(db: DatabaseSync, w: WireBatch, ids: Map<string, number>, learnt: string[]): void {
  transaction(db, () => {
    const ev = st(db, INSERT_EVENT);
    for (const r of w.events) ev.run(...r);
    const hm = st(db, INSERT_HEATMAP);
    for (const r of w.heatmaps) hm.run(...r);
    const ps = st(db, INSERT_POSITION);
    for (const r of w.positions) ps.run(...r);
    writeScores(db, w.scores, ids, learnt);
    if (w.grades.length > 0) {
      const gr = st(db, INSERT_GRADE);
      for (const r of w.grades) gr.run(...r);
    }
    st(db, UPSERT_CURSOR).run(...w.cursor);
  });
}
