import { parseDecimal } from './decode.ts';

/**
 * Thrown inside a scan when the text is not in the plain form the scanner reads (whitespace,
 * escapes, an unexpected type, a number it cannot reproduce exactly): the caller then takes the
 * general path (`JSON.parse` and the field guards), which either decodes it or names the field
 * that failed. A scanner may decline what is valid; it never accepts what the general path refuses.
 */
export const DECLINE: unique symbol = Symbol('decline');

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Whether the bytes at `at` are the ASCII literal `lit`. */
export function bytesAre(b: Uint8Array, at: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (b[at + i] !== lit.charCodeAt(i)) return false;
  return true;
}

/**
 * A validating cursor over compact JSON as UTF-8 bytes (what the recorder and the venue write),
 * reading only the fields a decoder asks for and checking the syntax of everything it skips. It
 * reads in place, from a range of a read chunk, and never decodes the bytes it only checks: a
 * byte read costs half a `charCodeAt`, and most of a message is never turned into a string. It
 * exists because `JSON.parse` materialises every field of every message (hashes, margin
 * summaries, funding totals) that the engines never read; see bench/replay.bench.ts.
 */
export class JsonScanner {
  s: Buffer = Buffer.alloc(0);
  p = 0;
  /** Where the value being scanned must end: the chunk goes on (it holds many lines). */
  private limit = 0;

  reset(s: Buffer, from: number, to: number): void {
    this.s = s;
    this.p = from;
    this.limit = to;
  }

  decline(): never {
    throw DECLINE;
  }

  /** The byte at `i`, or -1 past the value's end (so no test on it can pass). */
  at(i: number): number {
    return i < this.limit ? (this.s[i] as number) : -1;
  }

  /** Consumes one expected character. */
  ch(c: number): void {
    if (this.at(this.p) !== c) throw DECLINE;
    this.p++;
  }

  peek(): number {
    return this.at(this.p);
  }

  /** Consumes `,` and returns true, or returns false at `close` (consuming it). */
  more(close: number): boolean {
    const c = this.at(this.p++);
    if (c === COMMA) return true;
    if (c === close) return false;
    throw DECLINE;
  }

  /** Opens an object; false when it is empty (`{}` consumed). */
  open(): boolean {
    return this.opening(123, 125);
  }

  /** Opens an array; false when it is empty. */
  openArr(): boolean {
    return this.opening(91, 93);
  }

  private opening(open: number, close: number): boolean {
    this.ch(open);
    if (this.at(this.p) === close) {
      this.p++;
      return false;
    }
    return true;
  }

  /**
   * End (exclusive) of the string starting at the cursor's quote. It may be an escaped quote:
   * whoever takes the content either compares it with a literal (which has no backslash) or
   * checks it with `checkChars`, so an escape always declines.
   */
  private strEnd(): number {
    if (this.at(this.p) !== QUOTE) throw DECLINE;
    const s = this.s;
    const limit = this.limit;
    let i = this.p + 1;
    while (i < limit && s[i] !== QUOTE) i++;
    if (i >= limit) throw DECLINE;
    return i;
  }

  /** String content the scanner takes as it is: no escapes, and no raw control characters (JSON forbids them). */
  private checkChars(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) {
      const c = s[i] as number;
      if (c < 32 || c === BACKSLASH) throw DECLINE;
    }
  }

  /** Start and end of the last key read. */
  private k0 = 0;
  private k1 = 0;

  /** Reads an object key and its colon; compare it with `is`, or pass on it with `other`. */
  key(): void {
    const end = this.strEnd();
    this.k0 = this.p + 1;
    this.k1 = end;
    this.p = end + 1;
    this.ch(COLON);
  }

  /** The last key is none the decoder reads: check it and skip its value. */
  other(): void {
    this.checkChars(this.k0, this.k1);
    this.skip();
  }

  /** Whether the last key read is `name` (ASCII). */
  is(name: string): boolean {
    return this.k1 - this.k0 === name.length && bytesAre(this.s, this.k0, name);
  }

  /** A string value, decoded (UTF-8, as the general path decodes the line). */
  str(): string {
    const end = this.strEnd();
    this.checkChars(this.p + 1, end);
    const v = this.s.toString('utf8', this.p + 1, end);
    this.p = end + 1;
    return v;
  }

  /**
   * Skips a string value (checked like `str`, not decoded); true for the caller's bookkeeping.
   * One pass: a backslash or control character before the closing quote declines, as `strEnd`
   * and `checkChars` one after the other would (a hash is most of a trade's bytes).
   */
  strSkip(): true {
    if (this.at(this.p) !== QUOTE) throw DECLINE;
    const s = this.s;
    const limit = this.limit;
    let i = this.p + 1;
    for (; i < limit; i++) {
      const c = s[i] as number;
      if (c === QUOTE) break;
      if (c < 32 || c === BACKSLASH) throw DECLINE;
    }
    if (i >= limit) throw DECLINE;
    this.p = i + 1;
    return true;
  }

  /** Whether the next value is the ASCII string `v` (consumed when it is). */
  strIs(v: string): boolean {
    const p = this.p;
    if (this.at(p) === QUOTE && bytesAre(this.s, p + 1, v) && this.at(p + 1 + v.length) === QUOTE) {
      this.p = p + 2 + v.length;
      return true;
    }
    return false;
  }

  /** True (and consumed) when the next value is the literal `null`. */
  isNull(): boolean {
    if (this.p + 4 <= this.limit && bytesAre(this.s, this.p, 'null')) {
      this.p += 4;
      return true;
    }
    return false;
  }

  /**
   * A decimal string (`"-84133.05"`), parsed to exactly the double `parseDecimal` gives: up to 15
   * significant digits the integer mantissa and the power of ten are both exact, so their
   * quotient is the correctly rounded value, as `Number()` is. Anything longer or stranger goes
   * through `parseDecimal` itself.
   */
  dec(): number {
    const s = this.s;
    const start = this.p + 1;
    if (this.at(this.p) !== QUOTE) throw DECLINE;
    let i = start;
    const neg = this.at(i) === MINUS;
    if (neg) i++;
    let m = 0;
    let digits = 0;
    let frac = -1;
    for (; i < this.limit; i++) {
      const c = s[i] as number;
      if (c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        digits++;
      } else if (c === DOT && frac < 0) frac = i;
      else break;
    }
    if (this.at(i) === QUOTE && digits > 0 && digits <= 15) {
      const f = frac < 0 ? 0 : i - frac - 1;
      const v = m / (POW10[f] as number);
      this.p = i + 1;
      return neg ? -v : v;
    }
    const end = this.strEnd();
    this.checkChars(start, end);
    const v = parseDecimal(s.toString('utf8', start, end));
    if (v !== v) throw DECLINE;
    this.p = end + 1;
    return v;
  }

  /** A JSON integer that is an exact double (times, ids, leverage). */
  int(): number {
    let i = this.p;
    const neg = this.at(i) === MINUS;
    if (neg) i++;
    const first = i;
    let v = 0;
    for (;;) {
      const c = this.at(i);
      if (c < ZERO || c > NINE) break;
      v = v * 10 + (c - ZERO);
      i++;
    }
    const n = i - first;
    const next = this.at(i);
    // A fraction or exponent, a leading zero (invalid JSON) or more than 2^53: the general path.
    if (n === 0 || n > 16 || v > Number.MAX_SAFE_INTEGER || next === DOT || next === 101 || next === 69) throw DECLINE;
    if (n > 1 && this.at(first) === ZERO) throw DECLINE;
    this.p = i;
    return neg ? -v : v;
  }

  /** Skips one value of any type, checking its syntax. */
  skip(): void {
    const c = this.at(this.p);
    if (c === QUOTE) this.strSkip();
    else if (c === 123) {
      if (!this.open()) return;
      do {
        this.key();
        this.other();
      } while (this.more(125));
    } else if (c === 91) {
      if (!this.openArr()) return;
      do this.skip();
      while (this.more(93));
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) this.skipNumber();
    else if (this.literal('true') || this.literal('false') || this.isNull()) return;
    else throw DECLINE;
  }

  /** A JSON boolean. */
  bool(): boolean {
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    throw DECLINE;
  }

  private literal(word: string): boolean {
    if (this.p + word.length <= this.limit && bytesAre(this.s, this.p, word)) {
      this.p += word.length;
      return true;
    }
    return false;
  }

  /** JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private skipNumber(): void {
    let i = this.p;
    if (this.at(i) === MINUS) i++;
    const digits = (): number => {
      const from = i;
      while (this.at(i) >= ZERO && this.at(i) <= NINE) i++;
      return i - from;
    };
    const intStart = i;
    const n = digits();
    if (n === 0 || (n > 1 && this.at(intStart) === ZERO)) throw DECLINE;
    if (this.at(i) === DOT) {
      i++;
      if (digits() === 0) throw DECLINE;
    }
    const e = this.at(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = this.at(i);
      if (sign === 43 || sign === MINUS) i++;
      if (digits() === 0) throw DECLINE;
    }
    this.p = i;
  }

  /** The value must end here. */
  end(): void {
    if (this.p !== this.limit) throw DECLINE;
  }
}
