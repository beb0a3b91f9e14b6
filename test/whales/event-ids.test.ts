import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { attachEngines } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { simulate, tempDir } from '../server/fixture.ts';

const { dir, cleanup } = tempDir('glass-event-ids-');
after(cleanup);

test('every event has its own id: one wallet converging twice in one millisecond makes two ids', async () => {
  // The recording where two WHALE_NEAR_ZONE of one wallet, zone and millisecond shared an id.
  const file = join(dir, 'sim.ndjson');
  simulate(file, { wallets: 2000, hours: 6, seed: 3 });
  const p = new Pipeline();
  const events: GlassEvent[] = [];
  attachEngines(p, {}, (e) => events.push(e));
  for await (const batch of readRecordingBatches(file)) for (const item of batch) p.ingest(item);
  const seen = new Map<string, number>();
  for (const e of events) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
  const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const near = events.filter((e) => e.type === 'WHALE_NEAR_ZONE').length;
  assert.ok(near > 20, `${near} WHALE_NEAR_ZONE events`);
  assert.deepEqual(repeated, [], `${repeated.length} ids shared by distinct events`);
});
