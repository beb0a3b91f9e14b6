import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { newKey } from '../../src/server/auth.ts';
import { StoreView } from '../../src/server/store-view.ts';
import { openStore } from '../../src/store/open.ts';
import { openOutbox } from '../../src/store/outbox.ts';
import { getJson, listen } from '../server/fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-api-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function send(method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
}

test('/v1/alerts: put, list, read, replace, delete rules; bad rules 400 naming the field; secrets never shown; writes need a key; dead letters listed', async () => {
  const db = join(dir, 'store.sqlite');
  const store = await openStore(db);
  const outbox = await openOutbox(db);
  const k = newKey('writer', 600, Date.now());
  await store.createKey(k.record);
  const s = await listen({ view: new StoreView(store), store, open: true, alerts: outbox });
  try {
    const key = { 'x-api-key': k.secret };
    const rule = {
      name: 'BTC cascades',
      when: { types: ['CASCADE_RISK'], coins: ['BTC'], minProbability: 0.3 },
      destinations: [
        { kind: 'webhook', url: 'https://example.com/hook', secret: 'a-very-secret-webhook-key' },
        { kind: 'telegram', token: '123456:SECRET-token', chatId: 42 },
        { kind: 'discord', url: 'https://discord.com/api/webhooks/99/SECRET-discord' },
      ],
    };
    // Open mode reads without a key, but a write needs one.
    assert.equal((await send('PUT', `${s.url}/v1/alerts/btc`, rule)).status, 403);
    const created = await send('PUT', `${s.url}/v1/alerts/btc`, rule, key);
    assert.equal(created.status, 201);
    assert.equal((await send('PUT', `${s.url}/v1/alerts/btc`, { ...rule, cooldownSec: 60 }, key)).status, 200);
    const bad = await send('PUT', `${s.url}/v1/alerts/x`, { when: { minProbability: 2 } }, key);
    assert.equal(bad.status, 400);
    assert.equal(bad.body?.message, 'body: when.minProbability must be <= 1');
    const other = await send('PUT', `${s.url}/v1/alerts/x`, { id: 'y' }, key);
    assert.equal(other.status, 400);
    const list = await getJson(`${s.url}/v1/alerts`);
    assert.equal(list.status, 200);
    const text = JSON.stringify(list.body);
    assert.doesNotMatch(text, /SECRET|a-very-secret/);
    const rules = (list.body as { rules: { id: string; rule: { cooldownSec?: number; destinations: { token?: string }[] } }[] }).rules;
    assert.deepEqual(
      rules.map((r) => r.id),
      ['btc'],
    );
    assert.equal(rules[0]?.rule.cooldownSec, 60);
    assert.equal(rules[0]?.rule.destinations[1]?.token, '123456:***');
    assert.equal((await getJson(`${s.url}/v1/alerts/btc`)).status, 200);
    assert.equal((await getJson(`${s.url}/v1/alerts/nope`)).status, 404);
    // The stored rule keeps its secrets (the deliverer needs them).
    assert.match((await outbox.rules())[0]?.json ?? '', /a-very-secret-webhook-key/);
    await outbox.enqueue([{ key: 'r:e|hook', alertId: 'r:e', destination: 'hook', payload: '{}', createdAt: 1, nextAt: 1, expiresAt: 2 }]);
    const [row] = await outbox.claim(10, 1, 1000);
    assert.ok(row !== undefined);
    await outbox.dead(row.key, 10, 'expired: TTL ended');
    const dead = await getJson(`${s.url}/v1/alerts/dead`);
    assert.equal(dead.status, 200);
    assert.deepEqual(dead.body, {
      alerts: [
        { key: 'r:e|hook', alertId: 'r:e', destination: 'hook', attempts: 1, createdAt: 1, deadAt: 10, error: 'expired: TTL ended' },
      ],
      counts: { pending: 0, delivered: 0, dead: 1 },
    });
    assert.equal((await send('DELETE', `${s.url}/v1/alerts/btc`, undefined)).status, 403);
    assert.equal((await send('DELETE', `${s.url}/v1/alerts/btc`, undefined, key)).status, 204);
    assert.equal((await send('DELETE', `${s.url}/v1/alerts/btc`, undefined, key)).status, 404);
    assert.deepEqual((await getJson(`${s.url}/v1/alerts`)).body, { rules: [] });
  } finally {
    await s.app.close();
    await outbox.close();
    await store.close();
  }
});
