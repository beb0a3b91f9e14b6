import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AlertRules, type Destination, outboxItems, parseRules } from '../../src/alerts/index.ts';
import { type Outbox, openOutbox } from '../../src/store/outbox.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { BTC, ETH, whale } from '../ledger/helpers.ts';
import { freshSchemaUrl, pgUnreachable } from '../store/pg.ts';
import { WebhookReceiver } from './receivers.ts';

/**
 * kill -9 of a real deliverer: `glass alerts deliver RULE.json --db X` as a child process, killed
 * twice while it sends (the receiver answers slowly, so requests are in flight), restarted each
 * time; the third run finishes the outbox. Every alert must reach the receiver and be processed
 * there exactly once (by its idempotency key), and the outbox must say delivered for each.
 */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const SECRET = 'crash-test-webhook-secret';
const ALERTS = 150;
const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function deliverer(rules: string, spec: string): ChildProcess {
  return spawn(process.execPath, [MAIN, 'alerts', 'deliver', rules, '--db', spec, '--lease-ms', '1500', '--timeout-ms', '1000'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

function exited(c: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => c.once('exit', (code, signal) => resolve(signal ?? code)));
}

async function until(f: () => boolean | Promise<boolean>, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function crashRun(spec: string, open: () => Promise<Outbox>): Promise<void> {
  const rx = await new WebhookReceiver(SECRET).listen();
  const children: ChildProcess[] = [];
  try {
    await crashRunWith(rx, children, spec, open);
  } finally {
    // After a failure too: no child left running, no server keeping the test alive.
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rx.close();
  }
}

async function crashRunWith(rx: WebhookReceiver, children: ChildProcess[], spec: string, open: () => Promise<Outbox>): Promise<void> {
  // Slow answers: a batch is in flight when the kill lands.
  rx.script = () => ({ kind: 'slow', delayMs: 15 });
  const dest: Destination = { kind: 'webhook', name: 'hook', url: rx.url, secret: SECRET };
  const ruleFile = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
  const rule = { id: 'crash', cooldownSec: 0, ttlSec: 600, destinations: [dest] };
  writeFileSync(ruleFile, JSON.stringify(rule));
  const rules = new AlertRules(parseRules(JSON.stringify(rule), ruleFile));
  const t = Date.now();
  const outbox = await open();
  const items = [];
  for (let i = 0; i < ALERTS; i++) {
    for (const d of rules.evaluate(whale('WHALE_POSITION_OPENED', i % 2 ? BTC : ETH, t + i, 1 + i), { now: t + i })) {
      if (d.kind === 'alert') items.push(...outboxItems(d.alert, [dest], t));
    }
  }
  assert.equal(await outbox.enqueue(items), ALERTS);
  const kills: number[] = [];
  for (const at of [30, 90]) {
    const child = deliverer(ruleFile, spec);
    children.push(child);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    await until(() => rx.processed.size >= at || child.exitCode !== null, 30_000);
    assert.equal(child.exitCode, null, err);
    child.kill('SIGKILL');
    assert.equal(await exited(child), 'SIGKILL');
    kills.push(rx.processed.size);
  }
  const last = deliverer(ruleFile, spec);
  children.push(last);
  await until(async () => (await outbox.counts()).delivered === ALERTS, 60_000);
  last.kill('SIGTERM');
  await exited(last);
  assert.deepEqual(await outbox.counts(), { pending: 0, delivered: ALERTS, dead: 0 });
  // Each killed mid-batch: none lost, none processed twice.
  assert.ok(kills[0] !== undefined && kills[0] < ALERTS && (kills[1] ?? ALERTS) < ALERTS, `kills at ${kills}`);
  assert.deepEqual([...rx.processed.keys()].sort(), items.map((i) => i.key).sort());
  assert.equal(rx.badSignatures, 0);
  // At-least-once: a request cut by a kill may be sent again, at most once per kill per in-flight row.
  const sent = new Map<string, number>();
  for (const r of rx.requests) sent.set(String(r.headers['idempotency-key']), (sent.get(String(r.headers['idempotency-key'])) ?? 0) + 1);
  assert.ok(Math.max(...sent.values()) <= 3);
  assert.equal(rx.requests.length, ALERTS + rx.repeats);
  process.stderr.write(
    `# outbox kill -9 (${spec.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}): killed at ${kills.join(', ')} processed; ${rx.repeats} re-sent after a kill, processed once\n`,
  );
  await outbox.close();
}

test('kill -9 of a deliverer on SQLite: no alert lost, none processed twice', async () => {
  const spec = join(dir, 'store.sqlite');
  await crashRun(spec, () => openOutbox(spec));
});

test('kill -9 of a deliverer on PostgreSQL: no alert lost, none processed twice', async (t) => {
  const why = await pgUnreachable();
  if (why !== null) {
    t.skip(`PostgreSQL unreachable: ${why}`);
    return;
  }
  const spec = freshSchemaUrl('alerts');
  try {
    await crashRun(spec, () => openOutbox(spec));
  } finally {
    const s = new PostgresStore(spec);
    await s.dropSchema();
    await s.close();
  }
});
