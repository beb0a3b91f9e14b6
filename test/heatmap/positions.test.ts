import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { priceDecimals } from '../../src/domain/format.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';

const OWNER = '0x1111111111111111111111111111111111111111';

interface Row {
  wallet: string;
  coin: string;
  szi: number;
  entryPx: number | null;
  notionalUsd: number;
  marginMode: string | null;
  liquidationPx: number | null;
  estimated: boolean;
  venueLiqPx: number | null;
  sizeKnown: boolean;
}

/** meta, the real 45-position account (as a recorder's /info line for OWNER), then 50 real BTC trades between other wallets. */
function recording(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'glass-pos-')), 'r.ndjson');
  const trades = readFixture('hyperliquid-ws/trades_BTC_with_users.json') as { time: number }[];
  const t0 = (trades[0] as { time: number }).time - 1000;
  const w = new RecordingWriter(file);
  w.write(t0, 'hyperliquid', { request: { type: 'meta' }, response: readFixture('hyperliquid/meta-with-marginTables.json') });
  w.write(t0, 'hyperliquid', {
    request: { type: 'clearinghouseState', user: OWNER },
    response: readFixture('hyperliquid/clearinghouseState-45positions-2026-10.json'),
  });
  w.write((trades.at(-1) as { time: number }).time, 'hyperliquid', { channel: 'trades', data: trades });
  w.close();
  return file;
}

test('glass positions: an account seen in a snapshot gets the venue’s liquidation prices; wallets seen only in trades get estimates, marked', () => {
  const file = recording();
  const r = glass('positions', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  const owner = rows.filter((x) => x.wallet === OWNER);
  const traders = rows.filter((x) => x.wallet !== OWNER);
  assert.equal(owner.length, 45);
  assert.ok(traders.length >= 20, `${traders.length} trade-only positions`);
  for (let i = 1; i < rows.length; i++) assert.ok((rows[i - 1] as Row).notionalUsd >= (rows[i] as Row).notionalUsd);
  for (const p of owner) {
    assert.equal(p.estimated, false, `${p.coin} comes from the account`);
    if (p.venueLiqPx === null) assert.equal(p.liquidationPx, null, p.coin);
    else
      assert.ok(
        Math.abs((p.liquidationPx as number) - p.venueLiqPx) / p.venueLiqPx <= 1e-6,
        `${p.coin}: ${p.liquidationPx} vs ${p.venueLiqPx}`,
      );
  }
  // No account seen: isolated at the assumed 10× (BTC allows 40×, so l = 1/80 from its margin table).
  // With margin fixed at notional/10 the rule reduces to liq = entry·(1 − side/10)/(1 − side/80).
  for (const p of traders) {
    assert.equal(p.estimated, true);
    assert.equal(p.sizeKnown, false);
    assert.equal(p.coin, 'BTC');
    const side = Math.sign(p.szi);
    const want = ((p.entryPx as number) * (1 - side / 10)) / (1 - side / 80);
    // Entry and liquidation are both printed by the venue's price rule (BTC: szDecimals 5, 5 significant
    // figures): within half the liquidation's last unit, plus the entry's half unit carried through (≤ 1.12×).
    const unit = (px: number) => 10 ** -priceDecimals(px, 5);
    const tol = unit(want) / 2 + (1.12 * unit(p.entryPx as number)) / 2 + 1e-9 * want;
    assert.ok(Math.abs((p.liquidationPx as number) - want) <= tol, `${p.wallet}: ${p.liquidationPx} vs ${want}`);
  }
  const one = glass('positions', file, '--json', '--wallet', (traders[0] as Row).wallet.toUpperCase().replace('0X', '0x'));
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout), [traders[0]]);
  const eth = JSON.parse(glass('positions', file, '--json', '--coin', 'ETH').stdout) as Row[];
  assert.deepEqual(
    eth,
    rows.filter((x) => x.coin === 'ETH'),
  );
  const text = glass('positions', file, '--top', '3');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^${rows.length} open positions, the 3 largest:`));
  assert.equal(text.stdout.trim().split('\n').length, 5, 'count, column header, 3 rows');
});
