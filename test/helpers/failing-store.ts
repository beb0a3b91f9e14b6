import type { Store, WriteBatch } from '../../src/store/types.ts';

/** A store whose `write` fails ("simulated crash") after `ok` batches: a crash between two commits, in-process. */
export function failingAfter(s: Store, ok: number): Store {
  let left = ok;
  return new Proxy(s, {
    get(target, prop, recv) {
      if (prop === 'write') {
        return async (b: WriteBatch) => {
          if (left-- <= 0) throw new Error('simulated crash');
          await target.write(b);
        };
      }
      const v = Reflect.get(target, prop, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
