import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StoreView } from '../../src/server/store-view.ts';
import type { Store } from '../../src/store/types.ts';
import { glass } from '../helpers/cli.ts';
import { noisyNumbers } from '../helpers/noise.ts';
import { getJson, listen, recordInto, simulate, tempDir } from '../server/fixture.ts';

/**
 * No float noise in events (issue 10: `distancePct: 2.6453262198510563` in `/v1/events` and
 * `glass events --json`): every event leaves the engines with its figures at their documented
 * precision (attachEngines' emit: format.ts's tidy), so what is printed, stored and served agrees.
 */

const { dir, cleanup } = tempDir('glass-event-numbers-');
const SIM = join(dir, 'sim.ndjson');
let store: Store;
let server: { app: { close(): Promise<unknown> }; url: string };

before(async () => {
  simulate(SIM, { wallets: 600, hours: 3, seed: 5 });
  store = (await recordInto(join(dir, 'glass.sqlite'), SIM)).store;
  server = await listen({ view: new StoreView(store), store, open: true });
});

after(async () => {
  await server.app.close();
  await store.close();
  cleanup();
});

test('glass events --json and its text: no float noise, zone distances included', () => {
  for (const args of [['--json'], ['--json', '--sim-scale'], []]) {
    const r = glass('events', SIM, ...args);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.split('\n').length > 20, `glass events ${args.join(' ')}: ${r.stdout.length} bytes`);
    assert.deepEqual(noisyNumbers(r.stdout).slice(0, 5), [], `glass events ${args.join(' ')}`);
  }
  const zones = glass('events', SIM, '--json')
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { zone?: { distancePct: number } | null });
  assert.ok(zones.some((e) => e.zone !== undefined && e.zone !== null && !Number.isInteger(e.zone.distancePct)));
});

test('GET /v1/events: the stored events carry no float noise', async () => {
  let text = '';
  let next: string | null = null;
  let n = 0;
  for (let i = 0; i < 1000; i++) {
    const r = await getJson(`${server.url}/v1/events?limit=500${next === null ? '' : `&cursor=${next}`}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as { items: unknown[]; next: string | null };
    n += b.items.length;
    text += JSON.stringify(b.items);
    next = b.next;
    if (next === null) break;
  }
  assert.ok(n > 20, `${n} events`);
  assert.match(text, /"distancePct":/);
  assert.deepEqual(noisyNumbers(text).slice(0, 5), []);
});
