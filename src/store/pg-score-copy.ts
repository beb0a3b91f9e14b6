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

/** The binary COPY data of numeric packed rows whose wallets have the given ids; null if a row must go as text. */
export function scoreCopyBinary(p: PackedScores, walletIds: readonly number[]): Buffer | null {
  const n = walletIds.length;
  for (let x = 0; x < n * SCORE_WIDTH; x += SCORE_WIDTH) {
    const trades = p.nums[x + 3] as number;
    if (!Number.isSafeInteger(p.nums[x]) || !Number.isInteger(trades) || trades < -2147483648 || trades > 2147483647) return null;
  }
  const b = Buffer.allocUnsafe(HEADER.length + n * ROW_BYTES + 2);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = HEADER.copy(b, 0);
  for (let i = 0, x = 0; i < n; i++, x += SCORE_WIDTH) {
    const time = p.nums[x] as number;
    const hi = Math.floor(time / TWO_32);
    o = b.writeInt16BE(6, o);
    o = b.writeInt32BE(4, o);
    o = b.writeInt32BE(walletIds[i] as number, o);
    o = b.writeInt32BE(8, o);
    o = b.writeInt32BE(hi, o);
    o = b.writeUInt32BE(time - hi * TWO_32, o);
    o = b.writeInt32BE(8, o);
    // + 0: -0 as 0, as the text path wrote it (String(-0) is "0").
    o = b.writeDoubleBE((p.nums[x + 1] as number) + 0, o);
    o = b.writeInt32BE(8, o);
    o = b.writeDoubleBE((p.nums[x + 2] as number) + 0, o);
    o = b.writeInt32BE(4, o);
    o = b.writeInt32BE(p.nums[x + 3] as number, o);
    o = b.writeInt32BE(PACKED_BYTES, o);
    writePackedComponents(p.nums, x, view, o);
    o += PACKED_BYTES;
  }
  b.writeInt16BE(-1, o);
  return b;
}
