import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const POS45 = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');
const FILLS = fixturePath('hyperliquid/userFills-2023.json');

test('--coin that the file does not hold: positions and heatmap both exit 2 with one line naming the coins it has', () => {
  for (const cmd of ['positions', 'heatmap']) {
    const r = glass(cmd, POS45, '--coin', 'NOPE');
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    const line = assertOneLineError(r);
    assert.match(line, /no coin NOPE; coins in it: AAVE, ASTER, .*BTC, .*ETH, .* and 15 more$/, cmd);
    assert.equal(r.stdout, '');
  }
  // A coin the file has stays fine.
  assert.equal(glass('positions', POS45, '--coin', 'ETH').code, 0);
});

test('score --wallet: a malformed address is refused as such; a valid one with no round trip in F says so', () => {
  const bad = glass('score', FILLS, '--wallet', 'nope');
  assert.equal(bad.code, 2);
  assert.match(assertOneLineError(bad), /--wallet takes a 0x address of 40 hex digits, got "nope"/);
  const absent = '0x00000000000000000000000000000000000000aa';
  const none = glass('score', FILLS, '--wallet', absent);
  assert.notEqual(none.code, 0);
  assert.match(assertOneLineError(none), new RegExp(`wallet ${absent} has no closed round trip in it`));
  // Mixed case is the same address.
  const owner = '0xB7B6F3CEA3F66BF525F5D8F965F6DBF6D9B017B2';
  const ok = glass('score', FILLS, '--wallet', owner, '--json');
  assert.equal(ok.code, 0, ok.stderr);
});

test('liqpx --meta with a file that is not a meta response is one clear error line', () => {
  const r = glass('liqpx', POS45, '--meta', fixturePath('hyperliquid/allMids.json'));
  assert.equal(r.code, 2);
  assert.match(assertOneLineError(r), /--meta .*allMids\.json: not a meta response/);
  assert.equal(glass('liqpx', POS45, '--meta', fixturePath('hyperliquid/meta-with-marginTables.json')).code, 0);
});
