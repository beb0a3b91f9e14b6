import type { Wallet } from '../../domain/ids.ts';

/**
 * Dense ids for wallets (the Interner's interface), found through a small open-addressing table
 * of `[first 32 bits of the address, id + 1]` pairs and confirmed against the name: one probe in a
 * table that stays in cache, where a `Map` of tens of thousands of addresses missed it twice per
 * trade side (bench/shapes.bench.ts). Anything not shaped like an address takes a plain map.
 */
export class WalletIds {
  readonly names: Wallet[] = [];
  private table = new Int32Array(2 * 1024);
  private mask = 1023;
  private readonly odd = new Map<string, number>();

  id(name: Wallet): number {
    if (name.length !== 42) return this.oddId(name);
    const bits = hexBits(name);
    const t = this.table;
    let i = home(bits) & this.mask;
    for (;;) {
      const ref = t[2 * i + 1] as number;
      if (ref === 0) break;
      if (t[2 * i] === bits && this.names[ref - 1] === name) return ref - 1;
      i = (i + 1) & this.mask;
    }
    const id = this.names.length;
    this.names.push(name);
    if (2 * this.names.length > this.mask + 1) this.rehash();
    else {
      t[2 * i] = bits;
      t[2 * i + 1] = id + 1;
    }
    return id;
  }

  peek(name: string): number | undefined {
    if (name.length !== 42) return this.odd.get(name);
    const bits = hexBits(name);
    const t = this.table;
    for (let i = home(bits) & this.mask; ; i = (i + 1) & this.mask) {
      const ref = t[2 * i + 1] as number;
      if (ref === 0) return undefined;
      if (t[2 * i] === bits && this.names[ref - 1] === name) return ref - 1;
    }
  }

  name(id: number): Wallet {
    const n = this.names[id];
    if (n === undefined) throw new RangeError(`no interned name for id ${id}`);
    return n;
  }

  get size(): number {
    return this.names.length;
  }

  private oddId(name: Wallet): number {
    let id = this.odd.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.odd.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** Doubles the table and files every address-shaped name again. */
  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length / 2 - 1;
    const t = this.table;
    for (let id = 0; id < this.names.length; id++) {
      const name = this.names[id] as Wallet;
      if (name.length !== 42) continue;
      const bits = hexBits(name);
      let i = home(bits) & this.mask;
      while (t[2 * i + 1] !== 0) i = (i + 1) & this.mask;
      t[2 * i] = bits;
      t[2 * i + 1] = id + 1;
    }
  }
}

/** Hex digits 2–9 of an address as 32 bits (garbage for other characters; the name compare decides). */
function hexBits(s: string): number {
  let k = 0;
  for (let i = 2; i < 10; i++) {
    const c = s.charCodeAt(i);
    k = (k << 4) | ((c <= 57 ? c - 48 : c - 87) & 15);
  }
  return k;
}

function home(bits: number): number {
  const h = Math.imul(bits, 0x9e3779b1);
  return h ^ (h >>> 15);
}
