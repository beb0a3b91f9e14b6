import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FillEvent } from '../../src/domain/market-event.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { glass } from '../helpers/cli.ts';
import { readFixture } from '../helpers/fixtures.ts';

/** The real 500-fill response laid out as a node's node_fills_by_block file: one block per millisecond. */
function nodeFile(extra: string[] = []): string {
  const fix = readFixture('hyperliquid/userFills-2023.json') as { request: { user: string }; response: { time: number }[] };
  const byTime = new Map<number, unknown[]>();
  // The response is newest first with each millisecond in execution order: a stable sort by time restores the chain.
  for (const f of fix.response.toSorted((a, b) => a.time - b.time))
    byTime.set(f.time, [...(byTime.get(f.time) ?? []), [fix.request.user, f]]);
  let n = 1000;
  const lines = [...byTime].map(([t, events]) =>
    JSON.stringify({ block_number: n++, block_time: new Date(t).toISOString(), local_time: new Date(t + 150).toISOString(), events }),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'glass-node-')), 'node_fills_by_block_2023050500');
  writeFileSync(file, `${[...lines.slice(0, 3), ...extra, ...lines.slice(3)].join('\n')}\n`);
  return file;
}

test('node_fills_by_block: every fill read through the same normalizer, directions equal the venue’s, receive time from local_time', async () => {
  const p = new Pipeline({ strict: true });
  const fills: FillEvent[] = [];
  p.market.subscribe((e) => {
    if (e.type === 'fill') fills.push(e);
  });
  for await (const batch of readRecordingBatches(nodeFile())) for (const item of batch) p.ingest(item);
  assert.equal(fills.length, 500);
  // The book derives each direction from startPosition and side and counts disagreements with the venue's `dir`.
  assert.ok(fills.every((f) => f.dir !== null));
  assert.equal(p.book.stats.dirMismatches, 0);
  assert.equal(p.summary().fills, 500);
  assert.ok(fills.every((f) => f.localTs - f.time === 150));
});

test('a corrupt block is reported with its line and field; the rest of the file goes on', () => {
  const bad = JSON.stringify({
    block_number: 1,
    block_time: '2023-05-05T00:00:00Z',
    local_time: '2023-05-05T00:00:00Z',
    events: [['0xnot-a-wallet', {}]],
  });
  const r = glass('replay', nodeFile([bad]), '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /line 4: field msg\.events\[0\]\[0\]: expected a 0x-prefixed 20-byte address/);
  const s = JSON.parse(r.stdout) as { rejects: number; events: { fill: number } };
  assert.equal(s.rejects, 1);
  assert.equal(s.events.fill, 500);
});
