import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { backoffDelay } from '../../src/alerts/deliver/backoff.ts';
import {
  type Alert,
  AlertRules,
  type Decision,
  Deliverer,
  type DeliveryOptions,
  type DeliveryResult,
  type Destination,
  outboxItems,
  parseRules,
  sign,
  verifyWebhook,
} from '../../src/alerts/index.ts';
import { type Outbox, openOutbox } from '../../src/store/outbox.ts';
import { BTC, cascadeRisk, ETH, whale, zoneRef } from '../ledger/helpers.ts';
import { DiscordApi, TelegramApi, WebhookReceiver } from './receivers.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshOutbox = () => openOutbox(join(dir, `o${n++}.sqlite`));

const SECRET = 'a-webhook-secret-of-some-length';
const TOKEN = '123456:TEST-token_x';

/** Short timings: the "minute" a receiver is down is a second or two here. */
const FAST: Partial<DeliveryOptions> = {
  backoff: { baseMs: 50, capMs: 400 },
  timeoutMs: 250,
  leaseMs: 2000,
  pollMs: 20,
  maxAttempts: 100,
};

/** `count` alerts of one rule, made now: a cascade risk on a $31.2M zone, then whale openings. */
function makeAlerts(count: number, ttlSec: number, destinations: Destination[] = []): Alert[] {
  const rules = new AlertRules(parseRules(JSON.stringify({ id: 'r', cooldownSec: 0, ttlSec, destinations }), 'r.json'));
  const t = Date.now();
  const out: Alert[] = [];
  for (let i = 0; i < count; i++) {
    const e =
      i === 0
        ? cascadeRisk(BTC, t, { ...zoneRef('LONG_LIQ', 94_800, 95_200, 95_000, 31.2e6), distancePct: -2.1 }, 0.38, 0.3)
        : whale('WHALE_POSITION_OPENED', i % 2 === 0 ? BTC : ETH, t + i, 1 + i);
    for (const d of rules.evaluate(e, { receivedAt: t + 5, detectedAt: t + 7, now: t + 8 }) as Decision[])
      if (d.kind === 'alert') out.push(d.alert);
  }
  assert.equal(out.length, count);
  return out;
}

async function enqueue(outbox: Outbox, alerts: Alert[], dests: Destination[]): Promise<string[]> {
  const items = alerts.flatMap((a) => outboxItems(a, dests, Date.now()));
  assert.equal(await outbox.enqueue(items), items.length);
  // Enqueue is idempotent: the same alerts again add nothing.
  assert.equal(await outbox.enqueue(items), 0);
  return items.map((i) => i.key);
}

test('webhook: 5xx, 429 with Retry-After, timeouts and a receiver down for a while — every alert processed exactly once, signatures verified', async (t) => {
  const rx = await new WebhookReceiver(SECRET).listen();
  t.after(() => rx.close());
  const dest: Destination = { kind: 'webhook', name: 'hook', url: `${rx.url}/glass`, secret: SECRET };
  const outbox = await freshOutbox();
  const alerts = makeAlerts(20, 60, [dest]);
  const keys = await enqueue(outbox, alerts, [dest]);
  const retryAfterAt: number[] = [];
  rx.script = (i) => {
    if (i < 3) return { kind: 'status', status: 500 };
    if (i === 3) {
      retryAfterAt.push(Date.now());
      return { kind: 'status', status: 429, retryAfterSec: 1 };
    }
    if (i === 4) return { kind: 'status', status: 503 };
    // Slower than the sender's 250 ms timeout: processed here, yet the sender retries (the key saves it).
    if (i >= 5 && i < 9) return { kind: 'slow', delayMs: 400 };
    return { kind: 'ok' };
  };
  // Down for 1.5 s from the start: the first attempts are refused.
  await rx.down(1500);
  const results: DeliveryResult[] = [];
  const d = new Deliverer(outbox, [dest], FAST, (r) => results.push(r));
  const started = Date.now();
  const c = await d.drain(30_000);
  assert.deepEqual(c, { pending: 0, delivered: 20, dead: 0 });
  // Every key processed exactly once, all with good signatures; timeouts made repeats, which were not processed again.
  assert.deepEqual([...rx.processed.keys()].sort(), keys.toSorted());
  assert.equal(rx.badSignatures, 0);
  assert.ok(rx.repeats >= 1, `repeats ${rx.repeats}`);
  assert.ok(rx.requests.length > 20);
  // Refused connections were retried: some attempts happened before the receiver came back up.
  assert.ok(results.some((r) => r.state === 'retry' && r.outcome?.ok === false && r.outcome.status === null));
  assert.ok(Date.now() - started >= 1500);
  // The 429's retry_after (1 s) was honoured: that alert's next request came at least 1 s later.
  const limited = rx.requests.find((r) => r.plan.kind === 'status' && r.plan.status === 429);
  assert.ok(limited !== undefined);
  const key = limited.headers['idempotency-key'];
  const next = rx.requests.find((r) => r.at > limited.at && r.headers['idempotency-key'] === key);
  assert.ok(next !== undefined && next.at - limited.at >= 990, `retried after ${next === undefined ? '?' : next.at - limited.at} ms`);
  // The body carries the alert with every hop: venue → receive → detect → alert → deliver.
  const body = rx.processed.get(keys[0] as string)?.body as { alert: Alert & { hops: Record<string, number> }; text: string };
  assert.deepEqual(Object.keys(body.alert.hops), ['venue', 'received', 'detected', 'alerted', 'delivered']);
  assert.ok((body.alert.hops.delivered as number) >= body.alert.hops.alerted);
  assert.match(body.text, /^BTC LONG · cascade risk\nzone 94,800–95,200 · \$31\.2M · 2\.1 % away\nP 38 %\nledger: not graded yet\n/);
  await outbox.close();
});

test('webhook signature: a receiver refuses a changed body, another secret, and a timestamp outside its replay window', () => {
  const body = '{"id":"x"}';
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const sig = sign(SECRET, ts, body);
  assert.equal(verifyWebhook({ secret: SECRET, body, timestamp: String(ts), signature: sig, nowMs: now }), true);
  assert.equal(verifyWebhook({ secret: SECRET, body: '{"id":"y"}', timestamp: String(ts), signature: sig, nowMs: now }), false);
  assert.equal(verifyWebhook({ secret: `${SECRET}!`, body, timestamp: String(ts), signature: sig, nowMs: now }), false);
  // The same request replayed 6 minutes later: outside the default 5-minute window.
  assert.equal(verifyWebhook({ secret: SECRET, body, timestamp: String(ts), signature: sig, nowMs: now + 360_000 }), false);
  assert.equal(verifyWebhook({ secret: SECRET, body, timestamp: String(ts + 1), signature: sig, nowMs: now }), false);
  assert.equal(verifyWebhook({ secret: SECRET, body, timestamp: undefined, signature: sig, nowMs: now }), false);
});

test('Telegram: 429 with parameters.retry_after and a 502 are retried; each alert sent once; the token is only in the URL', async (t) => {
  const api = await new TelegramApi(TOKEN).listen();
  t.after(() => api.close());
  const dest: Destination = { kind: 'telegram', token: TOKEN, chatId: -1001, baseUrl: api.url };
  const outbox = await freshOutbox();
  const alerts = makeAlerts(5, 60, [dest]);
  await enqueue(outbox, alerts, [dest]);
  api.script = (i) =>
    i === 0 ? { kind: 'status', status: 429, retryAfterSec: 1 } : i === 1 ? { kind: 'status', status: 502 } : { kind: 'ok' };
  const results: DeliveryResult[] = [];
  const c = await new Deliverer(outbox, [dest], { ...FAST, batch: 1 }, (r) => results.push(r)).drain(20_000);
  assert.deepEqual(c, { pending: 0, delivered: 5, dead: 0 });
  assert.equal(api.messages.length, 5);
  // The text's last hop (sent +…) differs between attempts; the rest is the alert.
  const bare = (text: string | undefined) => (text ?? '').replace(/ → sent \+[\d.]+s/, '');
  assert.equal(new Set(api.messages.map((m) => bare(m.text))).size, 5);
  assert.ok(api.messages.every((m) => m.chatId === -1001));
  const first = results.find((r) => r.outcome?.ok === false && r.outcome.status === 429);
  assert.ok(first !== undefined && first.outcome?.ok === false);
  assert.equal(first.outcome.retryAfterMs, 1000);
  assert.ok(!results.some((r) => r.detail.includes(TOKEN)));
  // The 429'd message was sent again no sooner than Telegram asked.
  const retried = api.requests.find((r, i) => i > 0 && bare(r.body) === bare(api.requests[0]?.body) && r.plan.kind === 'ok');
  assert.ok(retried !== undefined && retried.at - (api.requests[0]?.at ?? 0) >= 990);
  await outbox.close();
});

test('Discord: 429 with retry_after in the body is honoured; messages carry no mentions and read on a phone', async (t) => {
  const api = await new DiscordApi().listen();
  t.after(() => api.close());
  const dest: Destination = { kind: 'discord', url: `${api.url}/api/webhooks/1/abc` };
  const outbox = await freshOutbox();
  const alerts = makeAlerts(3, 60, [dest]);
  await enqueue(outbox, alerts, [dest]);
  api.script = (i) => (i === 0 ? { kind: 'status', status: 429, retryAfterSec: 0.6 } : { kind: 'ok' });
  const results: DeliveryResult[] = [];
  const c = await new Deliverer(outbox, [dest], FAST, (r) => results.push(r)).drain(20_000);
  assert.deepEqual(c, { pending: 0, delivered: 3, dead: 0 });
  assert.equal(api.messages.length, 3);
  const limited = results.find((r) => r.outcome?.ok === false);
  assert.ok(limited?.outcome?.ok === false && limited.outcome.retryAfterMs === 600);
  const first = api.requests[0];
  const again = api.requests.find((r, i) => i > 0 && r.body.split('→ sent')[0] === first?.body.split('→ sent')[0]);
  assert.ok(again !== undefined && first !== undefined && again.at - first.at >= 590, 'retried no sooner than retry_after');
  assert.ok(api.messages.every((m) => JSON.stringify(m.mentions) === '{"parse":[]}'));
  const cascade = api.messages.find((m) => m.content.startsWith('BTC LONG · cascade risk'));
  assert.ok(cascade !== undefined);
  assert.match(cascade.content, /\$31\.2M/);
  assert.match(cascade.content, /ledger: not graded yet/);
  assert.match(cascade.content, /venue \d\d:\d\d:\d\d → recv \+0\.0s → detect \+0\.0s → sent \+\d+\.\ds UTC/);
  await outbox.close();
});

test('TTL: a receiver down past the alerts’ TTL gets none of them — dead-lettered, not delivered late; longer-lived ones arrive', async (t) => {
  const rx = await new WebhookReceiver(SECRET).listen();
  t.after(() => rx.close());
  const dest: Destination = { kind: 'webhook', name: 'hook', url: rx.url, secret: SECRET };
  const outbox = await freshOutbox();
  const short = makeAlerts(4, 0.8, [dest]);
  const long = makeAlerts(3, 30, [dest]).map((a) => ({ ...a, id: `${a.id}-long` }));
  await enqueue(outbox, [...short, ...long], [dest]);
  await rx.down(1500);
  const c = await new Deliverer(outbox, [dest], FAST).drain(20_000);
  assert.deepEqual(c, { pending: 0, delivered: 3, dead: 4 });
  assert.equal(rx.processed.size, 3);
  for (const { at, body } of rx.processed.values()) {
    assert.ok(at <= (body.alert as Alert).expiresAt, 'delivered within its TTL');
    assert.match((body.alert as Alert).id, /-long$/);
  }
  const dead = await outbox.list('dead', 10);
  assert.equal(dead.length, 4);
  assert.ok(
    dead.every((r) => /TTL/.test(r.lastError ?? '')),
    dead.map((r) => r.lastError).join('; '),
  );
  await outbox.close();
});

test('a permanent 4xx goes to the dead-letter list at once; attempts used up go there too', async (t) => {
  const rx = await new WebhookReceiver(SECRET).listen();
  t.after(() => rx.close());
  const dest: Destination = { kind: 'webhook', name: 'hook', url: rx.url, secret: SECRET };
  const outbox = await freshOutbox();
  await enqueue(outbox, makeAlerts(2, 60, [dest]), [dest]);
  rx.script = (_i, body) => (body.includes('CASCADE_RISK') ? { kind: 'status', status: 410 } : { kind: 'status', status: 500 });
  const c = await new Deliverer(outbox, [dest], { ...FAST, maxAttempts: 3 }).drain(20_000);
  assert.deepEqual(c, { pending: 0, delivered: 0, dead: 2 });
  const dead = await outbox.list('dead', 10);
  const gone = dead.find((r) => r.lastError?.startsWith('HTTP 410'));
  assert.equal(gone?.attempts, 1);
  const tired = dead.find((r) => r.lastError?.startsWith('HTTP 500'));
  assert.equal(tired?.attempts, 3);
  assert.match(tired?.lastError ?? '', /after 3 attempts/);
  await outbox.close();
});

test('backoff: full jitter under an exponential ceiling, never sooner than retry_after', () => {
  const b = { baseMs: 100, capMs: 1000 };
  assert.equal(
    backoffDelay(1, b, null, () => 0.999999),
    99.9999,
  );
  assert.equal(
    backoffDelay(3, b, null, () => 0.5),
    200,
  );
  assert.equal(
    backoffDelay(10, b, null, () => 0.5),
    500,
  );
  assert.equal(
    backoffDelay(3, b, null, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(3, b, 1500, () => 0.5),
    1500,
  );
});
