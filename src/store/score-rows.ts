import { COMPONENTS, type Component } from '../engine/score/universe.ts';
import type { ScoreRecord } from './types.ts';

/**
 * Score records as the recorder makes them: a record holds its wallet and where its numbers are
 * in a shared column chunk (SCORE_WIDTH numbers a record: time, score, confidence, trades, then
 * the components in COMPONENTS order). A replay makes tens of thousands of these; the components
 * object and its JSON text (what the store writes) are built from the numbers only when read, and
 * the store's writer thread builds that text itself from the numbers (`componentsText`), so the
 * engines' thread never does.
 */
export const SCORE_WIDTH = 4 + COMPONENTS.length;

/** Records a chunk holds; a full chunk is left to the records in it (never written again) and a new one begun. */
const CHUNK_ROWS = 1024;

/** The components object of the record at `at` in `nums` (its keys in COMPONENTS order). */
export function componentsAt(nums: Float64Array, at: number): Record<string, number> {
  const components: Record<string, number> = {};
  for (let c = 0; c < COMPONENTS.length; c++) components[COMPONENTS[c] as Component] = nums[at + 4 + c] as number;
  return components;
}

/**
 * The components as the stores pack the recorder's (`components_packed`, migration 007: four
 * float8, big-endian, in this order), in place of their JSON text: what the rows written so far hold. A
 * change to COMPONENTS needs a migration that rewrites those rows; until then this fails at load.
 */
export const PACKED_COMPONENTS = ['accuracy', 'riskAdjusted', 'sizing', 'behaviour'] as const;
if (COMPONENTS.length !== PACKED_COMPONENTS.length || COMPONENTS.some((c, i) => c !== PACKED_COMPONENTS[i])) {
  throw new Error(
    `score components ${COMPONENTS.join(', ')} are not the packed ${PACKED_COMPONENTS.join(', ')}: migrate components_packed`,
  );
}

/** Bytes of the packed components. */
export const PACKED_BYTES = 8 * PACKED_COMPONENTS.length;

/**
 * `components_packed` read back as the components object its text would have given: each finite
 * number as it is (−0 as 0), any other null (componentsText writes JSON, which has neither NaN
 * nor ±Infinity).
 */
export function packedComponents(b: Uint8Array): Record<string, number> {
  if (b.length !== PACKED_BYTES) throw new Error(`scores.components_packed: expected ${PACKED_BYTES} bytes, got ${b.length}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Record<string, number | null> = {};
  for (let i = 0; i < PACKED_COMPONENTS.length; i++) {
    const x = v.getFloat64(8 * i);
    out[PACKED_COMPONENTS[i] as string] = Number.isFinite(x) ? x + 0 : null;
  }
  return out as Record<string, number>;
}

/** Writes the components of the record at `at` in `nums` packed (PACKED_COMPONENTS order, big-endian float64) at `offset` of `out`. */
export function writePackedComponents(nums: Float64Array, at: number, out: DataView, offset: number): void {
  for (let c = 0; c < PACKED_COMPONENTS.length; c++) out.setFloat64(offset + 8 * c, nums[at + 4 + c] as number);
}

/** The components of the record at `at` in `nums`, packed. */
export function packComponents(nums: Float64Array, at: number): Uint8Array {
  const b = new Uint8Array(PACKED_BYTES);
  writePackedComponents(nums, at, new DataView(b.buffer), 0);
  return b;
}

/** `"key":` per component, in COMPONENTS order: what componentsText writes before each number. */
const KEYS = COMPONENTS.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);

/**
 * `JSON.stringify(componentsAt(nums, at))`, the components text the store writes, without the
 * object (tens of thousands a replay, on the writer thread): a finite number as String writes it
 * (-0 as 0), anything else null, as JSON.stringify does.
 */
export function componentsText(nums: Float64Array, at: number): string {
  let s = '';
  for (let c = 0; c < COMPONENTS.length; c++) {
    const x = nums[at + 4 + c] as number;
    s += (KEYS[c] as string) + (Number.isFinite(x) ? String(x) : 'null');
  }
  return `${s}}`;
}

/** One score record over its chunk's numbers (see above). */
export class ScoreRow implements ScoreRecord {
  readonly wallet: ScoreRecord['wallet'];
  /** The chunk and the record's first number in it. */
  readonly nums: Float64Array;
  readonly at: number;

  constructor(wallet: ScoreRecord['wallet'], nums: Float64Array, at: number) {
    this.wallet = wallet;
    this.nums = nums;
    this.at = at;
  }

  get time(): number {
    return this.nums[this.at] as number;
  }

  get score(): number {
    return this.nums[this.at + 1] as number;
  }

  get confidence(): number {
    return this.nums[this.at + 2] as number;
  }

  get trades(): number {
    return this.nums[this.at + 3] as number;
  }

  get components(): Record<string, number> {
    return componentsAt(this.nums, this.at);
  }

  get componentsJson(): string {
    return componentsText(this.nums, this.at);
  }
}

/** Makes ScoreRows: each record's numbers written once into the current chunk, never changed after. */
export class ScoreRows {
  private chunk = new Float64Array(CHUNK_ROWS * SCORE_WIDTH);
  private used = 0;

  /**
   * A record of `wallet` at `time`; `v`: score, confidence, trades, then the components in
   * COMPONENTS order (what ScoreEngine.peekInto fills).
   */
  make(wallet: ScoreRecord['wallet'], time: number, v: Float64Array): ScoreRow {
    if (this.used + SCORE_WIDTH > this.chunk.length) {
      this.chunk = new Float64Array(CHUNK_ROWS * SCORE_WIDTH);
      this.used = 0;
    }
    const at = this.used;
    const nums = this.chunk;
    nums[at] = time;
    for (let i = 0; i < SCORE_WIDTH - 1; i++) nums[at + 1 + i] = v[i] as number;
    this.used += SCORE_WIDTH;
    return new ScoreRow(wallet, nums, at);
  }
}
