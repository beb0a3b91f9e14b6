import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { WalletSlots } from '../../src/engine/position-book/wallet-slots.ts';

test("a wallet's slots read back in the order added, past the inline row into the overflow list", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(40), fc.nat(1_000_000)), { maxLength: 600 }), (adds) => {
      const slots = new WalletSlots();
      const want = new Map<number, number[]>();
      for (const [w, s] of adds) {
        slots.add(w, s);
        want.set(w, [...(want.get(w) ?? []), s]);
      }
      for (let w = 0; w <= 40; w++) {
        const expected = want.get(w) ?? [];
        assert.equal(slots.count(w), expected.length);
        assert.deepEqual(slots.list(w), expected);
        for (const [i, s] of expected.entries()) assert.equal(slots.at(w, i), s);
      }
    }),
  );
});

test('a wallet id far beyond any seen reads as having no slots', () => {
  const slots = new WalletSlots();
  slots.add(3, 7);
  assert.equal(slots.count(1_000_000), 0);
  assert.deepEqual(slots.list(1_000_000), []);
});
