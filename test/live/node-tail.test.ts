import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RecordError } from '../../src/recording/errors.ts';
import type { RawMessage } from '../../src/recording/format.ts';
import { NodeFillsTail } from '../../src/venues/hyperliquid/live/node-tail.ts';

const block = (n: number) =>
  JSON.stringify({ block_number: n, block_time: '2025-01-01T09:00:00.000', local_time: `2025-01-01T09:00:0${n % 10}.000`, events: [] });

test('tailing node_fills_by_block: appended blocks, lines split across writes and the next hourly file, each read once in order', () => {
  const root = mkdtempSync(join(tmpdir(), 'glass-node-tail-'));
  const day = join(root, 'hourly', '20250101');
  mkdirSync(day, { recursive: true });
  writeFileSync(join(day, '9'), `${block(1)}\n`);
  const got: (RawMessage | RecordError)[] = [];
  const tail = new NodeFillsTail(root, (x) => got.push(x), { fromStart: true });
  tail.poll();
  appendFileSync(join(day, '9'), `${block(2)}\n${block(3).slice(0, 20)}`);
  tail.poll();
  assert.equal(got.length, 2, 'a partial line waits for its newline');
  appendFileSync(join(day, '9'), `${block(3).slice(20)}\n`);
  tail.poll();
  // The node rolls over to hour 10 (and, in numeric order, not before 9).
  writeFileSync(join(day, '10'), `${block(4)}\n${block(5)}\n`);
  tail.poll();
  tail.poll();
  assert.deepEqual(
    got.map((x) => ('msg' in x ? (x.msg as { block_number: number }).block_number : x.message)),
    [1, 2, 3, 4, 5],
  );
  assert.ok(
    got.every((x) => 'ts' in x && x.ts === Date.parse(`2025-01-01T09:00:0${(x.msg as { block_number: number }).block_number % 10}.000Z`)),
  );
});

test('joining live starts at the end of the newest file', () => {
  const root = mkdtempSync(join(tmpdir(), 'glass-node-tail-'));
  writeFileSync(join(root, '9'), `${block(1)}\n${block(2)}\n`);
  const got: (RawMessage | RecordError)[] = [];
  const tail = new NodeFillsTail(root, (x) => got.push(x));
  tail.poll();
  appendFileSync(join(root, '9'), `${block(3)}\n`);
  tail.poll();
  assert.deepEqual(
    got.map((x) => ('msg' in x ? (x.msg as { block_number: number }).block_number : null)),
    [3],
  );
});
