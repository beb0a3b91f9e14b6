import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { glass } from '../helpers/cli.ts';

// `glass positions`: the text has a column header; an unpriced market maker is not an estimate.
const dir = mkdtempSync(join(tmpdir(), 'glass-positions-columns-'));
const rec = join(dir, 'rec.ndjson');

interface Row {
  wallet: string;
  liquidationPx: number | null;
  priced: boolean;
  estimated: boolean;
  unpricedMarketMaker: boolean;
}

before(() => {
  const r = glass('sim', '--out', rec, '--wallets', '1000', '--hours', '2', '--seed', '6');
  assert.equal(r.code, 0, r.stderr);
});

test('text: a column header under the count, each row under it', () => {
  const r = glass('positions', rec, '--top', '5');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0] as string, /^[\d,]+ open positions, the 5 largest:$/);
  const head = lines[1] as string;
  assert.match(head, /^ {2}wallet +coin +size +notional +margin +liquidation$/);
  // The liquidation column ends where its header ends.
  for (const l of lines.slice(2)) assert.match(l.slice(head.length - 4, head.length), /^[\d,.]{4}$|^none$/, `${l}\n${head}`);
});

test('JSON: unpriced market makers are priced: false with no price, and not "estimated"', () => {
  const r = glass('positions', rec, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  const unpriced = rows.filter((x) => x.unpricedMarketMaker);
  assert.ok(unpriced.length > 0, 'the simulation has market makers seen only through trades');
  for (const x of unpriced) {
    assert.equal(x.priced, false, x.wallet);
    assert.equal(x.liquidationPx, null, x.wallet);
    assert.equal(x.estimated, false, `${x.wallet}: nothing was estimated`);
  }
  for (const x of rows.filter((y) => !y.unpricedMarketMaker)) assert.equal(x.priced, true, x.wallet);
  // `estimated` is kept for prices from an assumed leverage: those are priced.
  for (const x of rows.filter((y) => y.estimated)) assert.equal(x.priced, true, x.wallet);
});
