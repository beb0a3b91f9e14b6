/**
 * Dense integer ids for strings seen on the hot path (wallets, coins), so engine state lives in
 * typed arrays and number-keyed maps instead of string-keyed objects.
 */
export class Interner<T extends string> {
  private readonly ids = new Map<string, number>();
  readonly names: T[] = [];

  id(name: T): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  peek(name: string): number | undefined {
    return this.ids.get(name);
  }

  name(id: number): T {
    const n = this.names[id];
    if (n === undefined) throw new RangeError(`no interned name for id ${id}`);
    return n;
  }

  get size(): number {
    return this.names.length;
  }
}
