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

/**
 * A validating cursor over compact JSON text (what the recorder and the venue write), reading
 * only the fields a decoder asks for and checking the syntax of everything it skips. It reads in
 * place, from a range of a larger text (a read chunk): `charCodeAt` on a slice costs about twice
 * what it costs on the flat string the slice points into. It exists
 * because `JSON.parse` materialises every field of every message (hashes, margin summaries,
 * funding totals) that the engines never read; see bench/replay.bench.ts.
 */
export class JsonScanner {
  s = '';
  p = 0;
  /** Where the value being scanned must end: the text may go on (a read chunk holds many lines). */
  private limit = 0;

  reset(s: string, from: number, to: number): void {
    this.s = s;
    this.p = from;
    this.limit = to;
  }

  decline(): never {
    throw DECLINE;
  }

  /** Consumes one expected character. */
  ch(c: number): void {
    if (this.s.charCodeAt(this.p) !== c) throw DECLINE;
    this.p++;
  }

  peek(): number {
    return this.s.charCodeAt(this.p);
  }

  /** Consumes `,` and returns true, or returns false at `close` (consuming it). */
  more(close: number): boolean {
    const c = this.s.charCodeAt(this.p++);
    if (c === COMMA) return true;
    if (c === close) return false;
    throw DECLINE;
  }

  /** Opens an object; false when it is empty (`{}` consumed). */
  open(): boolean {
    this.ch(123);
    if (this.s.charCodeAt(this.p) === 125) {
      this.p++;
      return false;
    }
    return true;
  }

  /** Opens an array; false when it is empty. */
  openArr(): boolean {
    this.ch(91);
    if (this.s.charCodeAt(this.p) === 93) {
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
    if (this.s.charCodeAt(this.p) !== QUOTE) throw DECLINE;
    const end = this.s.indexOf('"', this.p + 1);
    if (end < 0 || end >= this.limit) throw DECLINE;
    return end;
  }

  /** String content the scanner takes as it is: no escapes, and no raw control characters (JSON forbids them). */
  private checkChars(from: number, to: number): void {
    const s = this.s;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
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

  /** Whether the last key read is `name`. */
  is(name: string): boolean {
    return this.k1 - this.k0 === name.length && this.at(this.k0, name);
  }

  /** `startsWith` by hand: for the short literals compared here it is several times faster. */
  private at(p: number, lit: string): boolean {
    const s = this.s;
    for (let i = 0; i < lit.length; i++) if (s.charCodeAt(p + i) !== lit.charCodeAt(i)) return false;
    return true;
  }

  str(): string {
    const end = this.strEnd();
    this.checkChars(this.p + 1, end);
    const v = this.s.slice(this.p + 1, end);
    this.p = end + 1;
    return v;
  }

  /** Skips a string value (checked like `str`, not copied); true for the caller's bookkeeping. */
  strSkip(): true {
    const end = this.strEnd();
    this.checkChars(this.p + 1, end);
    this.p = end + 1;
    return true;
  }

  /** Whether the next value is the string `v` (consumed when it is). */
  strIs(v: string): boolean {
    const s = this.s;
    const p = this.p;
    if (s.charCodeAt(p) === QUOTE && this.at(p + 1, v) && s.charCodeAt(p + 1 + v.length) === QUOTE) {
      this.p = p + 2 + v.length;
      return true;
    }
    return false;
  }

  /** True (and consumed) when the next value is the literal `null`. */
  isNull(): boolean {
    if (this.s.startsWith('null', this.p)) {
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
    if (s.charCodeAt(this.p) !== QUOTE) throw DECLINE;
    let i = start;
    const neg = s.charCodeAt(i) === MINUS;
    if (neg) i++;
    let m = 0;
    let digits = 0;
    let frac = -1;
    for (; ; i++) {
      const c = s.charCodeAt(i);
      if (c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        digits++;
      } else if (c === DOT && frac < 0) frac = i;
      else break;
    }
    if (s.charCodeAt(i) === QUOTE && digits > 0 && digits <= 15) {
      const f = frac < 0 ? 0 : i - frac - 1;
      const v = m / (POW10[f] as number);
      this.p = i + 1;
      return neg ? -v : v;
    }
    const end = this.strEnd();
    this.checkChars(start, end);
    const v = parseDecimal(s.slice(start, end));
    if (v !== v) throw DECLINE;
    this.p = end + 1;
    return v;
  }

  /** A JSON integer that is an exact double (times, ids, leverage). */
  int(): number {
    const s = this.s;
    let i = this.p;
    const neg = s.charCodeAt(i) === MINUS;
    if (neg) i++;
    const first = i;
    let v = 0;
    for (; ; i++) {
      const c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      v = v * 10 + (c - ZERO);
    }
    const n = i - first;
    const next = s.charCodeAt(i);
    // A fraction or exponent, a leading zero (invalid JSON) or more than 2^53: the general path.
    if (n === 0 || n > 16 || v > Number.MAX_SAFE_INTEGER || next === DOT || next === 101 || next === 69) throw DECLINE;
    if (n > 1 && s.charCodeAt(first) === ZERO) throw DECLINE;
    this.p = i;
    return neg ? -v : v;
  }

  /** Skips one value of any type, checking its syntax. */
  skip(): void {
    const c = this.s.charCodeAt(this.p);
    if (c === QUOTE) {
      const end = this.strEnd();
      this.checkChars(this.p + 1, end);
      this.p = end + 1;
    } else if (c === 123) {
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
    else if (this.s.startsWith('true', this.p)) this.p += 4;
    else if (this.s.startsWith('false', this.p)) this.p += 5;
    else if (!this.isNull()) throw DECLINE;
  }

  /** JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private skipNumber(): void {
    const s = this.s;
    let i = this.p;
    if (s.charCodeAt(i) === MINUS) i++;
    const digits = (): number => {
      const from = i;
      while (s.charCodeAt(i) >= ZERO && s.charCodeAt(i) <= NINE) i++;
      return i - from;
    };
    const intStart = i;
    const n = digits();
    if (n === 0 || (n > 1 && s.charCodeAt(intStart) === ZERO)) throw DECLINE;
    if (s.charCodeAt(i) === DOT) {
      i++;
      if (digits() === 0) throw DECLINE;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = s.charCodeAt(i);
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
