/** Typed-array columns that double when full: struct-of-arrays storage for engine state. */
export function grow<T extends Float64Array | Float32Array | Int32Array | Int8Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length);
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
