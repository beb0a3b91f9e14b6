/**
 * Hand-written boundary guards for venue messages. They are the schema: each guard checks one
 * field's type and returns it typed, and a failure names the field's full path. A schema library
 * walks every field of every message; here only the fields the engines read are checked and
 * materialised, which is most of what keeps replay near bare `JSON.parse` speed (see bench/).
 * Golden tests run every captured venue frame through these guards.
 */
export class DecodeError extends Error {
  readonly path: string;
  readonly expected: string;
  /** What was found instead, already described for a person. */
  readonly got: string;

  constructor(path: string, expected: string, got: string) {
    super(`field ${path}: expected ${expected}, got ${got}`);
    this.name = 'DecodeError';
    this.path = path;
    this.expected = expected;
    this.got = got;
  }

  static of(path: string, expected: string, value: unknown): DecodeError {
    return new DecodeError(path, expected, describe(value));
  }

  /** The same error, one level further out (`px` under `data[3]` → `data[3].px`). */
  under(prefix: string): DecodeError {
    const path = this.path === '' ? prefix : this.path.startsWith('[') ? prefix + this.path : `${prefix}.${this.path}`;
    return new DecodeError(path, this.expected, this.got);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObj(v: unknown, path: string): Obj {
  if (isObj(v)) return v;
  throw DecodeError.of(path, 'an object', v);
}

export function arrField(o: Obj, key: string): readonly unknown[] {
  const v = o[key];
  if (Array.isArray(v)) return v;
  throw DecodeError.of(key, 'an array', v);
}

export function strField(o: Obj, key: string): string {
  const v = o[key];
  if (typeof v === 'string') return v;
  throw DecodeError.of(key, 'a string', v);
}

export function optStrField(o: Obj, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  throw DecodeError.of(key, 'a string or null', v);
}

export function optBoolField(o: Obj, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  throw DecodeError.of(key, 'a boolean', v);
}

/** A JSON number that must be finite (JSON cannot carry NaN, but a guard documents intent). */
export function numField(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw DecodeError.of(key, 'a finite number', v);
}

export function optNumField(o: Obj, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw DecodeError.of(key, 'a finite number or null', v);
}

/**
 * The venue's decimal strings ("84133.0", "-0.00785") parsed once. `Number()` alone would accept
 * "", " 1", "0x1f" and "Infinity"; the first-character and finiteness checks refuse those
 * without a regex on the hot path.
 */
export function parseDecimal(s: string): number {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 46) {
    const n = Number(s);
    if (Number.isFinite(n) && s.charCodeAt(1) !== 120) return n;
  }
  return Number.NaN;
}

export function decField(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v === 'string') {
    const n = parseDecimal(v);
    if (n === n) return n;
  }
  throw DecodeError.of(key, 'a decimal string', v);
}

export function optDecField(o: Obj, key: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const n = parseDecimal(v);
    if (n === n) return n;
  }
  throw DecodeError.of(key, 'a decimal string or null', v);
}

/** Decimal given either as a string or as a JSON number (the venue mixes both for leverage). */
export function numOrDecField(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return decField(o, key);
}

/** Runs `f` on each element, re-anchoring any DecodeError at `key[i]`. */
export function mapArr<T>(o: Obj, key: string, f: (el: unknown) => T): T[] {
  const a = arrField(o, key);
  const out: T[] = new Array<T>(a.length);
  for (let i = 0; i < a.length; i++) {
    try {
      out[i] = f(a[i]);
    } catch (e) {
      throw e instanceof DecodeError ? e.under(`${key}[${i}]`) : e;
    }
  }
  return out;
}

/** Decodes a nested field, re-anchoring any DecodeError under `key`. */
export function nested<T>(o: Obj, key: string, f: (v: Obj) => T): T {
  const v = asObj(o[key], key);
  try {
    return f(v);
  } catch (e) {
    throw e instanceof DecodeError ? e.under(key) : e;
  }
}
