import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { getJson, listen, tempDir } from './fixture.ts';

const { dir, cleanup } = tempDir('glass-index-');
let store: Store;
let server: { app: { close(): Promise<unknown> }; url: string };

before(async () => {
  store = await openStore(join(dir, 'glass.sqlite'));
  // Keys required: the index, like /v1/health, must still answer without one.
  server = await listen({ view: new StoreView(store), store, open: false, staticDir: null });
});

after(async () => {
  await server.app.close();
  await store.close();
  cleanup();
});

interface Index {
  name: string;
  version: string;
  links: Record<string, string>;
  endpoints: { method: string; path: string; summary?: string }[];
}

test('GET /v1 (the URL README gives) answers an index without a key', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const path of ['/v1', '/v1/']) {
    const r = await getJson(`${server.url}${path}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const b = r.body as Index;
    assert.equal(b.name, 'Glass API');
    assert.equal(b.version, pkg.version);
    assert.deepEqual(b.links, { openapi: '/v1/openapi.json', health: '/v1/health', dashboard: '/' });
  }
});

test('GET /v1 lists every route of the OpenAPI document, once each', async () => {
  const b = (await getJson(`${server.url}/v1`)).body as Index;
  const listed = new Set(b.endpoints.map((e) => `${e.method} ${e.path}`));
  assert.ok(listed.has('GET /v1/health'));
  assert.ok(listed.has('GET /v1/coins'));
  assert.ok(!b.endpoints.some((e) => e.method === 'HEAD'), 'HEAD twins are left out');
  assert.equal(listed.size, b.endpoints.length, 'no duplicates');
  const doc = (await getJson(`${server.url}/v1/openapi.json`)).body as { paths: Record<string, Record<string, unknown>> };
  for (const [p, ops] of Object.entries(doc.paths)) {
    const path = p.replace(/\{(\w+)\}/g, ':$1');
    for (const m of Object.keys(ops)) {
      if (m === 'head') continue;
      assert.ok(listed.has(`${m.toUpperCase()} ${path}`), `${m.toUpperCase()} ${path} is in the index`);
    }
  }
});

test('the index is in the OpenAPI document with its schema', async () => {
  const doc = (await getJson(`${server.url}/v1/openapi.json`)).body as {
    paths: Record<string, { get?: { responses?: Record<string, unknown> } }>;
  };
  const entry = doc.paths['/v1'];
  assert.ok(entry?.get?.responses?.['200'] !== undefined, Object.keys(doc.paths).join(' '));
});
