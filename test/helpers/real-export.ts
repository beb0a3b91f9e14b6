import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glass } from './cli.ts';
import { fixturePath } from './fixtures.ts';

/**
 * Hyperliquid's official 2023 export (vendored in test/fixtures/hyperliquid-historical) turned into
 * a recording by `glass import`, as a user would: trades and liquidations, `allMids` every
 * `marksEvery` seconds (0: none). Returns the recording's path (in `out`, or a new temp folder).
 */
export function importRealExport(opts: { out?: string; marksEvery?: number } = {}): string {
  const out = opts.out ?? join(mkdtempSync(join(tmpdir(), 'glass-real-')), 'real.ndjson');
  const r = glass(
    'import',
    fixturePath('hyperliquid-historical/non_mm_trades.csv'),
    fixturePath('hyperliquid-historical/liquidations.csv'),
    '--out',
    out,
    ...(opts.marksEvery === undefined ? [] : ['--marks-every', String(opts.marksEvery)]),
  );
  assert.equal(r.code, 0, r.stderr);
  return out;
}
