import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glass } from '../helpers/cli.ts';
import { fixturePath, readFixture } from '../helpers/fixtures.ts';

const POS45 = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');

interface VenuePosition {
  position: { coin: string; szi: string; liquidationPx: string | null };
}

/** The venue's own figures, read from the file the command is given (not copied into the test). */
function venuePositions(): Map<string, { szi: number; liq: number | null }> {
  const body = readFixture('hyperliquid/clearinghouseState-45positions-2026-10.json') as { assetPositions: VenuePosition[] };
  return new Map(
    body.assetPositions.map(({ position: p }) => [
      p.coin,
      { szi: Number(p.szi), liq: p.liquidationPx === null ? null : Number(p.liquidationPx) },
    ]),
  );
}

test('glass positions on a saved clearinghouseState response lists its 45 positions with the venue’s liquidation prices', () => {
  const r = glass('positions', POS45, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    coin: string;
    szi: number;
    liquidationPx: number | null;
    venueLiqPx: number | null;
    estimated: boolean;
  }[];
  const venue = venuePositions();
  assert.equal(rows.length, 45);
  assert.equal(venue.size, 45);
  let priced = 0;
  for (const row of rows) {
    const v = venue.get(row.coin);
    assert.ok(v !== undefined, row.coin);
    assert.equal(row.szi, v.szi, row.coin);
    assert.equal(row.estimated, false, `${row.coin}: the account is in the file, nothing is assumed`);
    if (v.liq === null) {
      assert.equal(row.liquidationPx, null, row.coin);
      continue;
    }
    priced++;
    // Printed by the venue's price rule (5 significant figures): within half a unit of the 5th figure.
    const tol = 0.5 * 10 ** (Math.floor(Math.log10(v.liq)) - 4);
    assert.ok(
      row.liquidationPx !== null && Math.abs(row.liquidationPx - v.liq) <= tol,
      `${row.coin}: ${row.liquidationPx} vs venue ${v.liq}`,
    );
  }
  assert.ok(priced >= 20, `${priced} priced`);
  const text = glass('positions', POS45);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^45 open positions, the 30 largest:/);
  assert.match(text.stdout, /BTC +-2\.24198 +\$194k +cross +273,633/);
});

test('glass heatmap on the same file shows its BTC short, at its liquidation price, with the mark the venue valued it at', () => {
  const r = glass('heatmap', POS45, '--coin', 'BTC', '--json');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { markPx: number; buckets: { lo: number; hi: number; longLiqUsd: number; shortLiqUsd: number }[] };
  const btc = venuePositions().get('BTC');
  assert.ok(btc !== undefined && btc.liq !== null);
  assert.ok(v.markPx > 0, `mark ${v.markPx}`);
  assert.equal(v.buckets.length, 1);
  const b = v.buckets[0] as (typeof v.buckets)[number];
  assert.ok(b.lo <= btc.liq && btc.liq < b.hi, `bucket ${b.lo}–${b.hi}, venue liquidation ${btc.liq}`);
  assert.equal(b.longLiqUsd, 0);
  assert.ok(Math.abs(b.shortLiqUsd - Math.abs(btc.szi) * btc.liq) < 1, `${b.shortLiqUsd}`);
  const text = glass('heatmap', POS45, '--coin', 'BTC');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /273,600–273,650 +long \$0 +short \$613k/);
});

test('a saved response that names its user is filed under that user, and gets a mark too', () => {
  const file = fixturePath('hyperliquid/clearinghouseState-2023-03-27.json');
  const user = (readFixture('hyperliquid/clearinghouseState-2023-03-27.json') as { request: { user: string } }).request.user;
  const rows = JSON.parse(glass('positions', file, '--json').stdout) as { wallet: string }[];
  assert.equal(rows.length, 12);
  assert.ok(rows.every((r) => r.wallet === user));
  const v = JSON.parse(glass('heatmap', file, '--coin', 'BTC', '--json').stdout) as { markPx: number | null };
  assert.ok(v.markPx !== null && v.markPx > 0, `mark ${v.markPx}`);
});
