/**
 * Emit-to-delivery latency of alerts on loopback: a Glass event is evaluated by a rule, its alert
 * put in the outbox (a fresh SQLite file, or PostgreSQL with --pg), and a running Deliverer sends
 * it to a webhook receiver on 127.0.0.1 that verifies the signature. Latency = the receiver's
 * clock when the request is processed − the moment the event was handed to the rules. Two
 * modes: `kick` (the deliverer is told at enqueue, as in one process) and `poll` (it finds the
 * row at its next poll, as a deliverer in another process does; --poll-ms), and `serving`: the
 * path of a serving process (`glass replay|demo|live --serve`, src/alerts/serving.ts): the rule
 * stored in the store as /v1/alerts keeps it, the event handed over as a recorded batch of one to
 * ServingAlerts, which enqueues and kicks its own in-process Deliverer. (In a serving process an
 * event first waits for its batch: ingest hands one over every 250 ms or 2,000 lines.) Bounded:
 * --alerts events, one every --every-ms.
 *
 * Each mode runs --repeats times; the medians of p50 and p99 are reported (the machine is shared).
 *
 *   node bench/alerts.bench.ts [--alerts 300] [--every-ms 5] [--poll-ms 50] [--repeats 3] [--pg]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertRules, Deliverer, type Destination, outboxItems, parseRules, ServingAlerts } from '../src/alerts/index.ts';
import { stampOf } from '../src/domain/glass-event.ts';
import { coin, wallet } from '../src/domain/ids.ts';
import { openOutbox } from '../src/store/outbox.ts';
import { PostgresStore } from '../src/store/postgres.ts';
import { WebhookReceiver } from '../test/alerts/receivers.ts';
import { freshSchemaUrl } from '../test/store/pg.ts';
import { benchArgs, median, round3 } from './stats.ts';

const { values } = benchArgs(import.meta.filename, {
  options: {
    alerts: { type: 'string', default: '300' },
    'every-ms': { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '50' },
    pg: { type: 'boolean', default: false },
    repeats: { type: 'string', default: '3' },
  },
});
const N = Math.min(5000, Number(values.alerts));
const EVERY = Number(values['every-ms']);
const POLL = Number(values['poll-ms']);
const REPEATS = Math.max(1, Math.min(9, Number(values.repeats)));
const SECRET = 'bench-webhook-secret-0123456789';

function pct(xs: number[], p: number): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}

async function run(mode: 'kick' | 'poll' | 'serving', spec: string): Promise<{ p50: number; p99: number; max: number; n: number }> {
  const rx = await new WebhookReceiver(SECRET).listen();
  const dest: Destination = { kind: 'webhook', name: 'hook', url: rx.url, secret: SECRET };
  const rule = { id: 'bench', cooldownSec: 0, ttlSec: 600, destinations: [dest] };
  const rules = new AlertRules(parseRules(JSON.stringify(rule), 'bench'));
  const outbox = await openOutbox(spec);
  const d = new Deliverer(outbox, [dest], { pollMs: POLL });
  let serving: ServingAlerts | null = null;
  if (mode === 'serving') {
    await outbox.putRule(rule.id, JSON.stringify(rule), Date.now());
    serving = new ServingAlerts(outbox, { ledger: () => null, wallClock: true, delivery: { pollMs: POLL } });
    await serving.start();
  } else d.start();
  const emitted = new Map<string, number>();
  const W = wallet(`0x${'b2'.repeat(20)}`);
  const BTC = coin('BTC');
  for (let i = 0; i < N; i++) {
    const t0 = performance.now() + performance.timeOrigin;
    const time = Math.floor(t0);
    const e = {
      id: `WHALE_POSITION_OPENED:${W}:BTC:${time}:${i}`,
      type: 'WHALE_POSITION_OPENED' as const,
      time,
      coin: BTC,
      severity: 'notice' as const,
      ...stampOf('WHALE_POSITION_OPENED', time),
      wallet: W,
      szi: 1 + i,
      notionalUsd: 1e6 + i,
      leverage: 10,
      score: 70,
      nearestZones: [],
    };
    if (serving !== null) {
      emitted.set(`bench:${e.id}|hook`, t0);
      const payload = JSON.stringify(e);
      await serving.enqueue([{ id: i + 1, type: e.type, coin: e.coin, time, receivedAt: time, detectedAt: time, payload, event: e }]);
      await new Promise((r) => setTimeout(r, EVERY));
      continue;
    }
    for (const x of rules.evaluate(e, { now: time })) {
      if (x.kind !== 'alert') continue;
      const items = outboxItems(x.alert, [dest], time);
      for (const it of items) emitted.set(it.key, t0);
      await outbox.enqueue(items);
      if (mode === 'kick') d.kick();
    }
    await new Promise((r) => setTimeout(r, EVERY));
  }
  const end = Date.now() + 30_000;
  while (rx.processed.size < emitted.size && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  await d.stop();
  await serving?.stop();
  await outbox.close();
  await rx.close();
  const lat = [...rx.processed.entries()].map(([k, v]) => v.at - (emitted.get(k) as number));
  return { p50: round3(pct(lat, 0.5)), p99: round3(pct(lat, 0.99)), max: round3(Math.max(...lat)), n: lat.length };
}

const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-bench-'));
try {
  for (const mode of ['kick', 'serving', 'poll'] as const) {
    const runs = [];
    for (let i = 0; i < REPEATS; i++) {
      const spec = values.pg ? freshSchemaUrl('alertsbench') : join(dir, `${mode}-${i}.sqlite`);
      runs.push(await run(mode, spec));
      if (values.pg) {
        const s = new PostgresStore(spec);
        await s.dropSchema();
        await s.close();
      }
    }
    const store = values.pg ? 'postgres' : 'sqlite';
    process.stdout.write(
      `${JSON.stringify({
        bench: 'alerts emit→deliver',
        store,
        mode,
        pollMs: mode === 'poll' ? POLL : null,
        alerts: runs.reduce((a, r) => a + r.n, 0),
        repeats: REPEATS,
        p50Ms: median(runs.map((r) => r.p50)),
        p99Ms: median(runs.map((r) => r.p99)),
        maxMs: Math.max(...runs.map((r) => r.max)),
      })}\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
