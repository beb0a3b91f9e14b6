import { PACKED_BYTES, SCORE_WIDTH, writePackedComponents } from './score-rows.ts';
import type { PackedScores } from './sqlite-write.ts';

/**
 * The recorder's score rows as one binary `COPY scores … FROM STDIN (FORMAT binary)`, written
 * straight from the packed numbers (`packScores`) on the PostgreSQL writer thread. A score tick
 * writes about a thousand rows; as COPY text each row's numbers were formatted here and parsed
 * again by the server (and the rows first unpacked into arrays, the components into JSON text):
 * the binary row carries the numbers as the server stores them, the components as four float8 in
 * `components_packed` (migration 007). A value the text path wrote differently is left to it
 * (`null`): a time or trade count that is not an integer int8 / int4 holds (the server refused
 * those as text too, with its own message).
 */

/** `PGCOPY\n\377\r\n\0`, no flags, no header extension. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Per row: the field count, then each field's length and value (int4, int8, float8, float8, int4, bytea). */
const ROW_BYTES = 2 + (4 + 4) + (4 + 8) + (4 + 8) + (4 + 8) + (4 + 4) + (4 + PACKED_BYTES);
const TWO_32 = 4294967296;

export const SCORE_COPY_BINARY = 'COPY scores (wallet_id, time, score, confidence, trades, components_packed) FROM STDIN (FORMAT binary)';

/** The recorder's packed rows (`packScores`, numeric) and each row's wallet address. */
export interface PackedScoreRows {
  readonly scores: PackedScores;
  readonly wallets: readonly string[];
}

/** Each packed row's time, once each. */
export function packedTimes(p: PackedScores): number[] {
  const times = new Set<number>();
  for (let x = 0; x < p.nums.length; x += SCORE_WIDTH) times.add(p.nums[x] as number);
  return [...times];
}

/**
 * The order the rows go in: grouped by wallet id (ascending), each wallet's rows in their own
 * order. Rows take their serial ids in the order sent, so a wallet's rows keep their relative
 * order, and every read of scores orders within one wallet (by time, then id: see postgres.ts),
 * never by id across wallets: what a read returns is unchanged. What changes is the server's
 * work: each row goes into the (wallet_id, time, id) index, and a batch in table order (tick by
 * tick, every wallet once a tick) landed each insert on another leaf page than the last; grouped,
 * a wallet's rows of the batch go into one place one after another. The bench's 23 batches
 * (75,347 rows) replayed into fresh schemas, 5 each alternating: the score COPYs' server CPU
 * 157–166 ms (median 164) → 148–163 ms (153).
 */
function walletOrder(walletIds: readonly number[]): Uint32Array {
  const n = walletIds.length;
  const order = new Uint32Array(n);
  let sorted = true;
  let max = 0;
  let min = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const id = walletIds[i] as number;
    if (i > 0 && id < (walletIds[i - 1] as number)) sorted = false;
    if (id > max) max = id;
    if (id < min) min = id;
  }
  if (sorted) return order;
  if (min < 0 || max >= Math.max(65536, 8 * n)) return order.sort((a, b) => (walletIds[a] as number) - (walletIds[b] as number) || a - b);
  // Ids are the wallets table's identity (1, 2, 3 …): counted, then each row placed after the rows
  // of lower ids and of its own id before it (stable).
  const at = new Uint32Array(max + 2);
  for (let i = 0; i < n; i++) (at[(walletIds[i] as number) + 1] as number)++;
  for (let id = 1; id <= max + 1; id++) at[id] = (at[id] as number) + (at[id - 1] as number);
  for (let i = 0; i < n; i++) order[(at[walletIds[i] as number] as number)++] = i;
  return order;
}

/** The binary COPY data of numeric packed rows whose wallets have the given ids; null if a row must go as text. */
export function scoreCopyBinary(p: PackedScores, walletIds: readonly number[]): Buffer | null {
  const n = walletIds.length;
  for (let x = 0; x < n * SCORE_WIDTH; x += SCORE_WIDTH) {
    const trades = p.nums[x + 3] as number;
    if (!Number.isSafeInteger(p.nums[x]) || !Number.isInteger(trades) || trades < -2147483648 || trades > 2147483647) return null;
  }
  const b = Buffer.allocUnsafe(HEADER.length + n * ROW_BYTES + 2);
  // DataView's setters rather than Buffer's write…BE (a check in JavaScript a call): with the
  // ordering, a run's rows in 4–8 ms of the writer thread where they took ~12 ms (warm; cold 16–18 → 25–28 ms).
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = HEADER.copy(b, 0);
  const order = walletOrder(walletIds);
  for (let i = 0; i < n; i++, o += ROW_BYTES) {
    const r = order[i] as number;
    const x = r * SCORE_WIDTH;
    const time = p.nums[x] as number;
    const hi = Math.floor(time / TWO_32);
    view.setInt16(o, 6);
    view.setInt32(o + 2, 4);
    view.setInt32(o + 6, walletIds[r] as number);
    view.setInt32(o + 10, 8);
    view.setInt32(o + 14, hi);
    view.setUint32(o + 18, time - hi * TWO_32);
    view.setInt32(o + 22, 8);
    // + 0: -0 as 0, as the text path wrote it (String(-0) is "0").
    view.setFloat64(o + 26, (p.nums[x + 1] as number) + 0);
    view.setInt32(o + 34, 8);
    view.setFloat64(o + 38, (p.nums[x + 2] as number) + 0);
    view.setInt32(o + 46, 4);
    view.setInt32(o + 50, p.nums[x + 3] as number);
    view.setInt32(o + 54, PACKED_BYTES);
    writePackedComponents(p.nums, x, view, o + 58);
  }
  view.setInt16(o, -1);
  return b;
}
