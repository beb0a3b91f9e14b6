import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeShape } from '../../bench/shapes.bench.ts';
import { toWallet, type Wallet } from '../../src/domain/ids.ts';
import type { PositionChange } from '../../src/engine/position-book/change.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { parseRecordLine, readRecordingBatches } from '../../src/recording/reader.ts';
import { WalletTable } from '../../src/venues/hyperliquid/wallet-table.ts';

/**
 * The Pipeline's book keeps its wallet ids in the scanner's table (WalletTable hints, `pair`),
 * takes its own normalizer's numbers unchecked (`applyOwn`), and builds no position change when
 * nobody listens. On the bench's recordings (wallets drawn uniformly, tables and chunks grown many
 * times) the book must end exactly as a book fed the general path's events, ids and slots alike.
 */

function bookState(p: Pipeline): unknown {
  const b = p.book;
  const slots: [number, number, number, number, boolean][] = [];
  for (let s = 0; s < b.slotCount; s++) slots.push([b.walletOf(s), b.coinOf(s), b.sziAt(s), b.entryAt(s), b.knownAt(s)]);
  return { names: [...b.wallets.names], slots, summary: p.summary() };
}

for (const shape of ['trades', 'node', 'userfills'] as const) {
  test(`a quiet Pipeline on a ${shape} recording ends as the general path and a listened-to Pipeline do`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glass-paired-'));
    try {
      const file = writeShape(shape, join(dir, `${shape}.ndjson`), 24_000, 3_000, 11);
      const quiet = new Pipeline();
      const heard = new Pipeline();
      let heardChanges = 0;
      heard.changes.subscribe(() => heardChanges++);
      for await (const batch of readRecordingBatches(file)) {
        for (const item of batch) {
          quiet.ingest(item);
          heard.ingest(item);
        }
      }
      assert.equal(quiet.summary().fills, 24_000);
      assert.equal(heardChanges, 24_000);
      assert.deepStrictEqual(bookState(quiet), bookState(heard));
      // A node's block lines are read from their bytes only; the frames also parse whole.
      if (shape === 'node') return;
      // The general path: every line parsed whole, no wallet numbers.
      const general = new Pipeline();
      const changes: PositionChange[] = [];
      general.changes.subscribe((c) => changes.push(c));
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.length === 0) return;
          const item = parseRecordLine(line, i + 1);
          assert.ok(item !== null && !('reason' in item));
          general.ingest(item);
        });
      assert.equal(changes.length, 24_000);
      assert.deepStrictEqual(bookState(quiet), bookState(general));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('WalletTable keeps one number per address for the one party that claimed them, across its growth', () => {
  const t = new WalletTable();
  t.claim();
  assert.throws(() => t.claim(), /already claimed/);
  const ws: Wallet[] = [];
  for (let i = 0; i < 3000; i++) ws.push(toWallet(`0x${(i * 7919).toString(16).padStart(40, '0')}`) as Wallet);
  for (const [i, w] of ws.entries()) {
    assert.equal(t.add(w), i);
    assert.equal(t.hint(i), 0);
    if (i % 3 === 0) t.setHint(i, 5 * i + 1);
  }
  for (const [i, w] of ws.entries()) {
    const ref = t.find(Buffer.from(w, 'latin1'), 0);
    assert.equal(ref, i);
    assert.equal(t.hint(ref), i % 3 === 0 ? 5 * i + 1 : 0);
  }
});
