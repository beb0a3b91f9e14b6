import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Coin } from '../../src/domain/ids.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { RecordingWriter } from '../../src/recording/writer.ts';
import { Simulator } from '../../src/sim/simulator.ts';
import { ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';

/**
 * Issue 11, a newcomer's report: `glass heatmap F --coin BTC --json` numbered zones BTC:LONG_LIQ:1…
 * while /v1/heatmap/BTC and `glass events` had BTC:LONG_LIQ:24… for the same zone. The CLI derived
 * zones once at the end (on demand) and numbered them then; the API serves the map the engines
 * tracked live, zone ids from their lifecycle. Now the CLI tracks the asked coin live: the same
 * document, ids included, as the store's final map (what GET /v1/heatmap/{coin} serves).
 */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'glass-heatmap-ids-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('glass heatmap --json is the served map, zone ids those of the lifecycle events', async () => {
  const file = join(dir, 'r.ndjson');
  const w = new RecordingWriter(file);
  new Simulator({ wallets: 600, hours: 3, seed: 3 }, (ts, msg) => w.write(ts, 'hyperliquid', msg)).run();
  w.close();
  const store = await openStore(join(dir, 'glass.sqlite'));
  try {
    await ingest(store, readRecordingBatches(file), file);
    const formed = new Set<string>();
    for (let afterId = 0; ; ) {
      const page = await store.events({ afterId, limit: 1000, types: ['ZONE_FORMED'] });
      if (page.length === 0) break;
      // The event's id is ZONE_FORMED:<zone id>:<time>.
      for (const e of page) formed.add(e.event.id.slice('ZONE_FORMED:'.length, e.event.id.lastIndexOf(':')));
      afterId = page.at(-1)?.id as number;
    }
    let zones = 0;
    let renumbered = 0;
    for (const coin of await store.coins()) {
      const r = spawnSync(process.execPath, [MAIN, 'heatmap', file, '--coin', coin, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const cli = JSON.parse(r.stdout) as { zones: { id: string }[] };
      const served = (await store.heatmap(coin as Coin))?.map;
      assert.deepEqual(cli, JSON.parse(JSON.stringify(served)), coin);
      for (const z of cli.zones) {
        zones++;
        assert.ok(formed.has(z.id), `${z.id}: a zone the lifecycle formed`);
        if (!z.id.endsWith(':1') && !z.id.endsWith(':2')) renumbered++;
      }
    }
    // The case reported: zones formed after others came and went, so their ids are not 1, 2 …
    assert.ok(zones > 0 && renumbered > 0, `${zones} zones, ${renumbered} numbered past 2`);
  } finally {
    await store.close();
  }
});
