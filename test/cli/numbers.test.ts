import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fmtDistance, fmtPx, fmtSz, fmtUsd, roundPx, roundSz, tidy } from '../../src/domain/format.ts';
import { glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { noisyNumbers } from '../helpers/noise.ts';

test('the scan itself: it catches the issue’s examples and passes what people write', () => {
  assert.deepEqual(noisyNumbers('x -2001.8999999999999 y 39959.074799999995 {"markPx": 86250.70000000001}'), [
    '-2001.8999999999999',
    '39959.074799999995',
    '86250.70000000001',
  ]);
  assert.deepEqual(noisyNumbers('1.0000001 0.99999997'), ['1.0000001', '0.99999997']);
  assert.deepEqual(
    noisyNumbers('$31.2M 96,200 3.3865 7999.91 0.00000012 1.33e-12 2026-11-30T03:09:00.000Z 0x5e9ee1089755c3435139848e47e6635505d5a13a'),
    [],
  );
});

test('prices follow Hyperliquid’s perp rule: 5 significant figures, at most 6 − szDecimals decimals, integers always', () => {
  // The examples of https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/tick-and-lot-size
  assert.equal(roundPx(1234.56, 0), 1234.6);
  assert.equal(roundPx(0.0012345, 0), 0.001235);
  assert.equal(roundPx(0.012345, 1), 0.01235);
  assert.equal(roundPx(123456.7, 5), 123457);
  assert.equal(roundPx(86250.70000000001, 5), 86251);
  assert.equal(roundPx(39959.074799999995), 39959);
  assert.equal(fmtPx(96200), '96,200');
  assert.equal(fmtPx(3.386475269, 0), '3.3865');
  assert.equal(fmtPx(null), '—');
  assert.equal(roundSz(-1969.8857999999989, 4), -1969.8858);
  assert.equal(roundSz(0.1 + 0.2), 0.3);
  assert.equal(fmtSz(-205822.5, 1), '-205,822.5');
});

test('USD for people: $31.2M, $850k, $12.40; JSON to the cent, probabilities to 4 decimals, the rest without noise', () => {
  assert.equal(fmtUsd(31_234_567), '$31.2M');
  assert.equal(fmtUsd(850_000), '$850k');
  assert.equal(fmtUsd(12.4), '$12.40');
  assert.equal(fmtUsd(999_950), '$1M');
  assert.equal(fmtUsd(9e16), '$90,000T');
  assert.equal(fmtUsd(-2001.8999999999999), '-$2k');
  assert.equal(fmtUsd(2.5e9), '$2.5B');
  assert.deepEqual(tidy({ notionalUsd: 194099.4242, probability: 2.7000623958883807e-13, x: -2001.8999999999999, t: 1791171743743 }), {
    notionalUsd: 194099.42,
    probability: 0,
    x: -2001.9,
    t: 1791171743743,
  });
  assert.deepEqual(tidy({ brier: Number.NaN }), { brier: null });
});

const dir = mkdtempSync(join(tmpdir(), 'glass-numbers-'));
const SIM = join(dir, 'sim.ndjson');
const POS45 = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');
const META = fixturePath('hyperliquid/meta-with-marginTables.json');

test('a distance reads the same in every command: typographic minus, a plus above, no sign at zero', () => {
  assert.equal(fmtDistance(-2.186), '−2.19 %');
  assert.equal(fmtDistance(0.4), '+0.40 %');
  assert.equal(fmtDistance(-0.001), '0.00 %');
  assert.equal(fmtDistance(-1.04, 1), '−1.0 %');
  assert.equal(fmtDistance(null), '—');
  // glass heatmap's zone lines and glass events' zone events both write it so.
  const sim = join(dir, 'distance.ndjson');
  assert.equal(glass('sim', '--out', sim, '--wallets', '300', '--hours', '2', '--seed', '9').code, 0);
  const heat = glass('heatmap', sim, '--coin', 'BTC');
  assert.equal(heat.code, 0, heat.stderr);
  const zoneLines = heat.stdout.split('\n').filter((l) => / wallets? /.test(l) && /P\(touch/.test(l));
  assert.ok(zoneLines.length > 0, heat.stdout);
  for (const l of zoneLines) assert.match(l, / wallets? +[−+]?\d+\.\d\d % +P\(touch/);
  assert.doesNotMatch(heat.stdout, / -\d+\.\d+ %/);
});

test('no command prints float noise, in text or JSON (a simulation and the real 45-position account)', () => {
  assert.equal(glass('sim', '--out', SIM, '--wallets', '600', '--hours', '4', '--seed', '5').code, 0);
  const runs: string[][] = [
    ['liqpx', POS45, '--meta', META],
    ['liqpx', POS45, '--meta', META, '--json'],
    ['positions', POS45, '--json'],
    ['positions', SIM, '--top', '100'],
    ['positions', SIM, '--json'],
    ['heatmap', SIM, '--coin', 'ETH', '--all-buckets'],
    ['heatmap', SIM, '--coin', 'ETH', '--json', '--history'],
    ['heatmap', SIM, '--coin', 'BTC', '--events', '--json'],
    ['score', SIM, '--min-trades', '1', '--json'],
    // Every wallet: by default only whales count, and this small simulation may hold no whale syndicate.
    ['syndicates', SIM, '--all-wallets'],
    ['syndicates', SIM, '--json', '--all-wallets'],
    ['risk', SIM, '--coin', 'ETH', '--side', 'short', '--entry', '3100.3', '--size', '1.7', '--leverage', '25', '--stop', '3300'],
    ['risk', SIM, '--coin', 'BTC', '--side', 'long', '--entry', '100123', '--size', '0.33', '--leverage', '20', '--json'],
    ['backtest', SIM, '--horizon-ms', '1800000', '--json'],
    ['replay', SIM, '--json'],
    ['demo', '--wallets', '300', '--hours', '1', '--quiet'],
  ];
  for (const args of runs) {
    const r = glass(...args);
    assert.equal(r.code, 0, `glass ${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stdout.length > 0, `glass ${args.join(' ')} printed nothing`);
    assert.deepEqual(noisyNumbers(r.stdout), [], `glass ${args.join(' ')}`);
  }
  // The profile of the wallet the ranking puts first, in both forms.
  const top = (JSON.parse(glass('score', SIM, '--min-trades', '1', '--json').stdout) as { wallet: string }[])[0];
  assert.ok(top !== undefined);
  for (const extra of [[], ['--json']]) {
    const r = glass('score', SIM, '--wallet', top.wallet, ...extra);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(noisyNumbers(r.stdout), [], `score --wallet ${extra.join(' ')}`);
  }
});

test('JSON keeps numbers as numbers, rounded: sizes to szDecimals, prices by the venue rule, USD to the cent', () => {
  const rows = JSON.parse(glass('positions', SIM, '--json').stdout) as { szi: number; notionalUsd: number; entryPx: number | null }[];
  assert.ok(rows.length > 100);
  for (const r of rows) {
    assert.equal(typeof r.szi, 'number');
    assert.equal(r.notionalUsd, Math.round(r.notionalUsd * 100) / 100);
    if (r.entryPx !== null) assert.equal(r.entryPx, roundPx(r.entryPx));
  }
  const liq = JSON.parse(glass('liqpx', POS45, '--meta', META, '--json').stdout) as {
    coin: string;
    szi: number;
    computed: number | null;
  }[];
  const btc = liq.find((r) => r.coin === 'BTC');
  // BTC: szDecimals 5 in the meta, so prices have at most 1 decimal and 5 significant figures; an integer here.
  assert.deepEqual({ szi: btc?.szi, computed: btc?.computed }, { szi: -2.24198, computed: 273633 });
});
