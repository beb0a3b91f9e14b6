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
