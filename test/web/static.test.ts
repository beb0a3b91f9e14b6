import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { App } from '../../src/server/app.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { listen, tempDir } from '../server/fixture.ts';

/**
 * The API server's one hook for the dashboard: the built files (web/dist) at `/`, no key needed
 * for them even when /v1 needs one, and nothing outside the directory ever served.
 */

const { dir, cleanup } = tempDir('glass-static-');
const site = join(dir, 'dist');
let store: Store;
let app: App;
let base = '';

before(async () => {
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>Glass</title>');
  writeFileSync(join(site, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.json'), '{"secret":true}');
  store = await openStore(join(dir, 'glass.sqlite'));
  ({ app, url: base } = await listen({ view: new StoreView(store), store, open: false, staticDir: site }));
});
after(async () => {
  await app.close();
  await store.close();
  cleanup();
});

/** A GET with the path sent exactly as written (fetch would resolve `..` itself). */
function get(path: string): Promise<{ status: number; type: string; cache: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'GET', path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          cache: String(res.headers['cache-control'] ?? ''),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('/ is the dashboard, its hashed assets are cached for good, and no key is needed for them', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(index.type, /^text\/html/);
  assert.equal(index.cache, 'no-cache');
  assert.match(index.body, /<title>Glass<\/title>/);
  const js = await get('/assets/index-abc123.js');
  assert.equal(js.status, 200);
  assert.match(js.type, /^text\/javascript/);
  assert.match(js.cache, /immutable/);
  // The API itself still wants its key (this server is not in open mode).
  assert.equal((await get('/v1/coins')).status, 401);
});

test('nothing outside the directory is served, and /v1 stays the API', async () => {
  for (const path of [
    '/../secret.json',
    '/assets/../../secret.json',
    '/%2e%2e/secret.json',
    '/..%2fsecret.json',
    '/missing.js',
    '/assets/',
  ]) {
    const r = await get(path);
    assert.equal(r.status, 404, path);
    assert.doesNotMatch(r.body, /"secret":true/, path);
  }
  const api = await get('/v1/nope');
  assert.equal(api.status, 401, 'an unknown /v1 path is the API’s (key first), not a file');
});
