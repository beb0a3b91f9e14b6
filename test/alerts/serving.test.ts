import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AlertRules, destinationId, parseRules, type Rule } from '../../src/alerts/index.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import type { Coin } from '../../src/domain/ids.ts';
import { openStore } from '../../src/store/open.ts';
import { openOutbox } from '../../src/store/outbox.ts';
import { glass } from '../helpers/cli.ts';
import { WebhookReceiver } from './receivers.ts';

/**
 * A serving process delivers the alerts of the rules stored through /v1/alerts from the events it
 * records: `glass replay F --serve` in a child process, a rule stored beforehand pointing at a
 * local webhook receiver that verifies signatures and processes each idempotency key once.
 */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const SECRET = 'a webhook secret of some length';
const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-serving-'));
const rec = join(dir, 'sim.ndjson');
let receiver: WebhookReceiver;
let child: ChildProcess | null = null;

before(async () => {
  assert.equal(glass('sim', '--out', rec, '--wallets', '600', '--hours', '6', '--seed', '5').code, 0);
  receiver = await new WebhookReceiver(SECRET).listen();
});

after(async () => {
  child?.kill('SIGKILL');
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves when `f` holds (checked every 100 ms), or rejects after `ms`. */
async function until(f: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('glass replay F --serve: every alert of a stored rule reaches the webhook once, signed', { timeout: 180_000 }, async () => {
  const db = join(dir, 'glass.sqlite');
  const rule: Rule = {
    id: 'zones',
    when: { types: ['ZONE_FORMED', 'ZONE_SWEPT'] },
    cooldownSec: 3600,
    // The recording's events are hours old by wall clock: the TTL runs from the moment the alert is made.
    ttlSec: 120,
    includeMuted: true,
    destinations: [{ kind: 'webhook', url: `${receiver.url}/glass`, secret: SECRET }],
  };
  const outbox = await openOutbox(db);
  assert.equal(await outbox.putRule(rule.id, JSON.stringify(rule), Date.now()), true);
  await outbox.close();

  let stderr = '';
  child = spawn(process.execPath, [MAIN, 'replay', rec, '--serve', '--db', db, '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.stdout?.resume();
  await until(() => /events written; serving until stopped/.test(stderr), 150_000, `the replay to end (stderr: ${stderr})`);

  // What the rule makes of the recorded events, decided on the stream's time as the server does.
  const store = await openStore(db);
  const events = await store.events({ limit: 1_000_000 });
  await store.close();
  const rules = new AlertRules(parseRules(JSON.stringify(rule)));
  const dest = destinationId(rule.destinations?.[0] as NonNullable<Rule['destinations']>[number]);
  const want = new Set<string>();
  for (const r of events)
    for (const d of rules.evaluate(r.event, { now: r.time })) if (d.kind === 'alert') want.add(`${d.alert.id}|${dest}`);
  assert.ok(want.size >= 3, `the rule alerts a few times (${want.size})`);

  await until(() => receiver.processed.size >= want.size, 30_000, `${want.size} alerts (got ${receiver.processed.size})`);
  // A moment more: nothing further (no repeat, nothing else) arrives.
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child?.once('exit', (c) => r(c)));
  child = null;
  assert.equal(code, 0, stderr);

  assert.deepEqual(new Set(receiver.processed.keys()), want);
  assert.equal(receiver.badSignatures, 0);
  assert.equal(receiver.repeats, 0);
  assert.equal(receiver.requests.length, want.size, 'each alert sent exactly once');
  const byId = new Map(events.map((r) => [r.event.id, r]));
  for (const { body } of receiver.processed.values()) {
    const alert = body.alert as {
      event: { id: string };
      hops: { venue: number; received: number; detected: number; alerted: number; delivered: number };
    };
    const e = byId.get(alert.event.id);
    assert.ok(e !== undefined);
    assert.equal(alert.hops.venue, e.time);
    assert.equal(alert.hops.received, e.receivedAt);
    assert.ok(alert.hops.delivered >= alert.hops.alerted && alert.hops.alerted >= alert.hops.detected);
  }
  const after = await openOutbox(db);
  assert.deepEqual(await after.counts(), { pending: 0, delivered: want.size, dead: 0 });
  await after.close();
});

test('glass serve: events another process commits are alerted to the stored rules’ webhook once', { timeout: 120_000 }, async () => {
  const db = join(dir, 'followed.sqlite');
  const rx = await new WebhookReceiver(SECRET).listen();
  const rule: Rule = {
    id: 'followed',
    when: { types: ['ZONE_FORMED'] },
    cooldownSec: 0,
    destinations: [{ kind: 'webhook', url: `${rx.url}/glass`, secret: SECRET }],
  };
  const store = await openStore(db);
  const outbox = await openOutbox(db);
  await outbox.putRule(rule.id, JSON.stringify(rule), Date.now());
  let stderr = '';
  const serve = spawn(process.execPath, [MAIN, 'serve', '--db', db, '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  serve.stdout?.resume();
  try {
    await until(() => /API on http/.test(stderr), 30_000, `glass serve to listen (stderr: ${stderr})`);
    // A writer elsewhere commits live events (venue time now): three zones, one of them twice over.
    const now = Date.now();
    const ids: string[] = [];
    const records = [0, 1, 2].map((i) => {
      const time = now + i;
      const event = {
        id: `ZONE_FORMED:BTC:LONG_LIQ:${i}:${time}`,
        type: 'ZONE_FORMED',
        time,
        coin: 'BTC',
        severity: 'info',
        zone: { side: 'LONG_LIQ', lo: 90_000 - i, hi: 91_000, peakPx: 90_500 - i, notionalUsd: 5e6, wallets: 3, distancePct: -2 },
        markPx: 95_000,
        probability: 0.2,
        liquidatedUsd: null,
      } as unknown as GlassEvent;
      ids.push(event.id);
      return { id: i + 1, type: 'ZONE_FORMED' as const, coin: 'BTC' as Coin, time, receivedAt: time, detectedAt: time, event };
    });
    await store.write({
      cursor: { source: 'elsewhere', position: 1, ts: now, nextEventId: 4 },
      events: records,
      heatmaps: [],
      positions: [],
      scores: [],
    });
    await until(() => rx.processed.size >= 3, 20_000, `3 alerts (got ${rx.processed.size}; stderr: ${stderr})`);
    await new Promise((r) => setTimeout(r, 1000));
    const dest = destinationId(rule.destinations?.[0] as NonNullable<Rule['destinations']>[number]);
    assert.deepEqual(new Set(rx.processed.keys()), new Set(ids.map((id) => `followed:${id}|${dest}`)));
    assert.equal(rx.requests.length, 3);
    assert.equal(rx.badSignatures, 0);
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    await store.close();
    await outbox.close();
    await rx.close();
  }
});
