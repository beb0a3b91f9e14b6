import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glass } from '../helpers/cli.ts';

test('glass demo --json runs every engine on the simulator and ends with their summary as one JSON line', () => {
  const r = glass('demo', '--wallets', '2000', '--hours', '6', '--seed', '3', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    fills: number;
    glassEvents: Record<string, number>;
    zones: Record<string, { side: string; notionalUsd: number }[]>;
    topScores: { score: number; trades: number }[];
  };
  assert.ok(out.fills > 10_000);
  for (const t of ['ZONE_FORMED', 'ZONE_APPROACHED', 'SYNDICATE_DETECTED'])
    assert.ok((out.glassEvents[t] ?? 0) > 0, `${t}: ${JSON.stringify(out.glassEvents)}`);
  assert.ok(Object.values(out.zones).some((z) => z.length > 0));
  // Six hours give no wallet an established record (20 closed round trips): none is ranked yet.
  assert.ok(out.topScores.every((s) => s.trades >= 20));
  assert.match(r.stderr, /t\+6\.00 h/);
});

/** Event lines of the demo's console (stderr), with their time of day in seconds. */
function eventTimes(stderr: string): { line: string; t: number }[] {
  return stderr
    .split('\n')
    .map((line) => ({ line, m: /^ {4}(\d\d):(\d\d):(\d\d) [A-Z_]+ /.exec(line) }))
    .filter((x) => x.m !== null)
    .map(({ line, m }) => ({ line, t: 3600 * Number(m![1]) + 60 * Number(m![2]) + Number(m![3]) }));
}

test('glass demo ends with a summary people read: zones per coin, ranked wallets, event counts; no raw JSON line', () => {
  const r = glass('demo', '--wallets', '2000', '--hours', '6', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  for (const l of lines) assert.doesNotMatch(l, /^\s*[[{]/, `a raw JSON line: ${l.slice(0, 80)}`);
  assert.doesNotMatch(r.stdout, /\d\.\d{7,}|e-\d\d/, 'no float noise');
  assert.match(lines[0] ?? '', /^glass demo: 2,000 simulated wallets, 6 h/);
  const at = (h: string) => lines.findIndex((l) => l.startsWith(h));
  assert.ok(at('Largest liquidation zones per coin') > 0);
  assert.ok(at('Top wallets by Nexus Score') > at('Largest liquidation zones per coin'));
  assert.ok(at('Events:') > at('Top wallets by Nexus Score'));
  // Every coin with its mark, each zone with side, range, notional, wallets and distance.
  for (const coin of ['BTC', 'ETH', 'SOL', 'HYPE'])
    assert.ok(
      lines.some((l) => l.startsWith(`  ${coin} `) && / mark [\d,.]+/.test(l)),
      coin,
    );
  const zoneLines = lines.filter((l) => /^ {4}(LONG|SHORT)_LIQ /.test(l));
  assert.ok(zoneLines.length > 0);
  for (const l of zoneLines) assert.match(l, /^ {4}(LONG|SHORT)_LIQ +[\d,.]+–[\d,.]+ +\$[\d.]+[kMB]? +\d+ wallets? +[−+]?\d+\.\d %/);
  const counts = lines.slice(at('Events:') + 1).filter((l) => /^ {2}[A-Z_]+ +[\d,]+$/.test(l));
  assert.ok(counts.some((l) => l.trim().startsWith('ZONE_FORMED')));
});

test('the full demo (its defaults): events told in time order, and no coin’s largest zone is a market maker’s estimate', () => {
  const r = glass('demo', '--json');
  assert.equal(r.code, 0, r.stderr);
  const times = eventTimes(r.stderr);
  assert.ok(times.length > 20, `${times.length} event lines`);
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i]!.t >= times[i - 1]!.t, `out of order:\n${times[i - 1]!.line}\n${times[i]!.line}`);
  }
  const out = JSON.parse(r.stdout) as {
    zones: Record<string, { lo: number; notionalUsd: number; estimatedUsd?: number; mostlyEstimated?: boolean }[]>;
    topScores: { score: number; trades: number }[];
  };
  // A day gives wallets established records: the summary ranks them, each with at least 20 round trips.
  assert.ok(out.topScores.length > 0 && out.topScores.every((s) => s.trades >= 20), JSON.stringify(out.topScores));
  for (const [coin, zones] of Object.entries(out.zones)) {
    const largest = zones.toSorted((a, b) => b.notionalUsd - a.notionalUsd)[0];
    if (largest === undefined) continue;
    assert.ok(largest.estimatedUsd !== undefined, `${coin}: the zone says how much of it is estimated`);
    assert.equal(
      largest.mostlyEstimated,
      false,
      `${coin}: largest zone at ${largest.lo} is mostly estimated ($${largest.estimatedUsd} of $${largest.notionalUsd})`,
    );
  }
});
