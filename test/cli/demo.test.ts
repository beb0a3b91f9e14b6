import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glass } from '../helpers/cli.ts';

test('glass demo (npm start) runs every engine on the simulator and ends with their summary', () => {
  const r = glass('demo', '--wallets', '2000', '--hours', '6', '--seed', '3');
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
  assert.ok(out.topScores.length > 0 && out.topScores.every((s) => s.trades >= 10));
  assert.match(r.stderr, /t\+6\.00 h/);
});
