import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LedgerRow } from '../../src/engine/ledger/index.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { EngineView, type LiveEngines } from '../../src/server/engine-view.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { type IngestEngines, ingest } from '../../src/store/ingest.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { ALL_WHALES, getJson, listen, simulate, tempDir } from './fixture.ts';

let cleanup: () => void = () => {};
let store: Store;
let engines: IngestEngines;
let overEngines: { app: { close(): Promise<unknown> }; url: string };
let overStore: { app: { close(): Promise<unknown> }; url: string };

before(async () => {
  const t = tempDir('glass-ledger-api-');
  cleanup = t.cleanup;
  const file = join(t.dir, 'sim.ndjson');
  simulate(file, { wallets: 300, hours: 6, seed: 7 });
  store = await openStore(join(t.dir, 'glass.sqlite'));
  let captured: IngestEngines | null = null;
  const r = await ingest(store, readRecordingBatches(file), file, { whales: ALL_WHALES, onEngines: (e) => (captured = e) });
  assert.ok(captured !== null);
  engines = captured;
  const live: LiveEngines = { book: r.pipeline.book, heat: r.heat, score: r.score, policy: null, ledger: engines.ledger };
  const sv = new StoreView(store);
  overEngines = await listen({ view: new EngineView(() => live, sv), store, open: true });
  overStore = await listen({ view: sv, store, open: true });
});

after(async () => {
  await overEngines?.app.close();
  await overStore?.app.close();
  await store?.close();
  cleanup();
});

interface LedgerBody {
  source: string;
  time: number | null;
  rows: (LedgerRow & { evidence: { helps: boolean | null; n: number } | null })[];
  recalibration: { fittedOn: number };
}

test('GET /v1/ledger answers with the live engines’ ledger rows', async () => {
  const r = await getJson(`${overEngines.url}/v1/ledger`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const body = r.body as LedgerBody;
  assert.equal(body.source, 'engines');
  assert.equal(body.time, engines.ledger.clock);
  const expected = engines.ledger.rows();
  assert.ok(
    expected.some((x) => x.graded > 0),
    'the run graded some events',
  );
  assert.deepEqual(
    body.rows.map((x) => [x.type, x.count, x.graded, x.hits, x.muted]),
    expected.map((x) => [x.type, x.count, x.graded, x.hits, x.muted]),
  );
  assert.equal(body.recalibration.fittedOn, engines.ledger.recalibration.fittedOn);
  const cascade = body.rows.find((x) => x.type === 'CASCADE_RISK') as
    | (LedgerRow & { alert?: { muted: boolean; reason: string | null } })
    | undefined;
  assert.ok(cascade !== undefined, 'muted CASCADE_RISKs are graded for the record');
  assert.equal(cascade.alert?.muted, !(engines.ledger.evidenceHelps('CASCADE_RISK') === true && !engines.ledger.isMuted('CASCADE_RISK')));
  if (cascade.alert?.muted === true) assert.ok((cascade.alert.reason ?? '').startsWith('CASCADE_RISK'), cascade.alert.reason ?? '');
  for (const row of body.rows) {
    const probabilistic = row.type === 'WHALE_NEAR_ZONE' || row.type === 'SYNDICATE_NEAR_ZONE' || row.type === 'CASCADE_RISK';
    assert.equal(row.evidence !== null, probabilistic, row.type);
  }
});

test('GET /v1/ledger?type=&coin= narrows to the type on the coin; a bad type is a 400', async () => {
  const one = engines.ledger.rows(true).find((x) => x.graded > 0);
  assert.ok(one !== undefined);
  const r = await getJson(`${overEngines.url}/v1/ledger?type=${one.type}&coin=${one.coin}`);
  assert.equal(r.status, 200);
  const body = r.body as LedgerBody;
  assert.equal(body.rows.length, 1);
  assert.deepEqual(
    [body.rows[0]?.type, body.rows[0]?.coin, body.rows[0]?.graded, body.rows[0]?.hits],
    [one.type, one.coin, one.graded, one.hits],
  );
  const typed = (await getJson(`${overEngines.url}/v1/ledger?type=${one.type}`)).body as LedgerBody;
  assert.deepEqual(
    typed.rows.map((x) => x.type),
    [one.type],
  );
  const bad = await getJson(`${overEngines.url}/v1/ledger?type=NOPE`);
  assert.equal(bad.status, 400);
});

test('GET /v1/ledger over a bare store is a 404 that says why', async () => {
  const r = await getJson(`${overStore.url}/v1/ledger`);
  assert.equal(r.status, 404);
  assert.match((r.body as { message: string }).message, /no ledger over a bare store/);
});
