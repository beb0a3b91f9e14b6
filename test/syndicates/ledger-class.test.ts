import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccuracyLedger } from '../../src/engine/ledger/ledger.ts';
import { BTC, H, MIN, mark, syndicate } from '../ledger/helpers.ts';

test('the ledger grades syndicate leads and reactions apart', () => {
  const ledger = new AccuracyLedger();
  ledger.onMarket(mark(BTC, 0, 100));
  // A lead (long) that the price then follows up; a reaction (long, after a dip) that it does not.
  ledger.onGlass({ ...syndicate(BTC, 0, 'long', 'lead'), class: 'lead' });
  ledger.onGlass({ ...syndicate(BTC, 0, 'long', 'react'), class: 'reaction' });
  ledger.onGlass({ ...syndicate(BTC, MIN, 'long', 'old') }); // recorded before classes: no class row
  ledger.onMarket(mark(BTC, 2 * MIN, 100));
  ledger.onMarket(mark(BTC, 5 * MIN, 101));
  ledger.onMarket(mark(BTC, 1 * H, 103));
  ledger.onMarket(mark(BTC, 4 * H + 2 * MIN, 104));
  ledger.onMarket(mark(BTC, 5 * H, 104));
  const rows = ledger.rowsByClass();
  assert.deepEqual(
    rows.map((r) => [r.row.type, r.class, r.row.graded]),
    [
      ['SYNDICATE_DETECTED', 'lead', 1],
      ['SYNDICATE_DETECTED', 'reaction', 1],
    ],
  );
  // The type's own row has all three.
  assert.equal(ledger.rows().find((r) => r.type === 'SYNDICATE_DETECTED')?.graded, 3);
});
