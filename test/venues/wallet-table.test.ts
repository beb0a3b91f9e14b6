import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { toWallet, type Wallet } from '../../src/domain/ids.ts';
import { WalletTable } from '../../src/venues/hyperliquid/wallet-table.ts';

const hex = fc.stringMatching(/^[0-9a-f]{40}$/).map((h) => toWallet(`0x${h}`) as Wallet);

test('WalletTable finds a filed address from its bytes at any offset, and nothing else', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(hex, { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 0, max: 41 }),
      fc.integer({ min: 0, max: 7 }),
      fc.nat(),
      (filed, flip, pad, pick) => {
        const t = new WalletTable();
        const refs = filed.map((w) => t.add(w));
        assert.deepStrictEqual(
          refs,
          filed.map((_, i) => i),
        );
        const w = filed[pick % filed.length] as Wallet;
        const ref = pick % filed.length;
        // In place inside a longer buffer, at an odd offset, and flush with its end.
        const inside = Buffer.from(`${'x'.repeat(pad)}"${w}",`, 'latin1');
        assert.equal(t.find(inside, pad + 1), ref);
        assert.equal(t.name(ref), w);
        assert.equal(t.find(Buffer.from(w, 'latin1'), 0), ref);
        // One character off anywhere (the case, or another digit) is not the address.
        const chars = [...w];
        const c = chars[flip] as string;
        chars[flip] = c === 'a' ? 'A' : c === '0' ? '1' : c === 'x' ? 'X' : c === 'f' ? 'e' : String.fromCharCode(c.charCodeAt(0) + 1);
        const off = chars.join('');
        const known = filed.indexOf(off as Wallet);
        assert.equal(t.find(Buffer.from(off, 'latin1'), 0), known);
        // Cut short by the end of the buffer.
        assert.equal(t.find(Buffer.from(w.slice(0, 41), 'latin1'), 0), -1);
      },
    ),
    { numRuns: 300 },
  );
});

test('WalletTable numbers addresses densely and does not file what is not 42 characters long', () => {
  const t = new WalletTable();
  assert.equal(t.add('0xabc' as Wallet), -1);
  const many: Wallet[] = [];
  for (let i = 0; i < 5000; i++) many.push(toWallet(`0x${i.toString(16).padStart(40, '0')}`) as Wallet);
  for (const [i, w] of many.entries()) assert.equal(t.add(w), i);
  assert.equal(t.size, 5000);
  for (const [i, w] of many.entries()) assert.equal(t.find(Buffer.from(w, 'latin1'), 0), i);
});
