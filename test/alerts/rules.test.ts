import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlertRules, alertText, type Decision, ledgerView, parseRules, RuleError } from '../../src/alerts/index.ts';
import { AccuracyLedger } from '../../src/engine/ledger/index.ts';
import { BTC, cascadeRisk, catchUp, ETH, H, MIN, mark, syndicate, whale, zoneEvent, zoneRef } from '../ledger/helpers.ts';

const S = 1000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function rules(json: unknown) {
  return parseRules(JSON.stringify(json), 'r.json');
}

function kinds(ds: readonly Decision[]): string[] {
  return ds.map((d) => (d.kind === 'alert' ? `alert:${d.alert.update}` : `drop:${d.reason}`));
}

test('filters read every field: type, coin, side, notional, wallets, probability, distance; a field an event lacks does not match', () => {
  const r = new AlertRules(
    rules([
      { id: 'big-long-btc', when: { types: ['ZONE_APPROACHED'], coins: ['BTC'], side: 'long', minNotionalUsd: 1e6, minWallets: 3 } },
      { id: 'likely', when: { minProbability: 0.5, maxDistancePct: 2 } },
      { id: 'scored', when: { minScore: 50 } },
    ]),
  );
  const z = (side: 'LONG_LIQ' | 'SHORT_LIQ', usd: number) => ({ ...zoneRef(side, 90, 92, 91, usd), distancePct: 1.5 });
  const ids = (e: Parameters<AlertRules['evaluate']>[0]) =>
    r.evaluate(e, { now: e.time }).map((d) => (d.kind === 'alert' ? d.alert.ruleId : `drop:${d.rule.id}`));
  assert.deepEqual(ids(zoneEvent('ZONE_APPROACHED', BTC, T0, z('LONG_LIQ', 2e6), 0.6, 'a')), ['big-long-btc', 'likely']);
  // Short side, ETH, small notional: the first rule does not match; p 0.4 < 0.5.
  assert.deepEqual(ids(zoneEvent('ZONE_APPROACHED', BTC, T0 + H, z('SHORT_LIQ', 2e6), 0.4, 'b')), []);
  assert.deepEqual(ids(zoneEvent('ZONE_APPROACHED', ETH, T0 + H, z('LONG_LIQ', 2e6), 0.9, 'c')), ['likely']);
  assert.deepEqual(ids(zoneEvent('ZONE_APPROACHED', BTC, T0 + 2 * H, z('LONG_LIQ', 5e5), 0.1, 'd')), []);
  // A whale event has no probability and no score here (null): neither `likely` nor `scored` matches.
  assert.deepEqual(ids(whale('WHALE_POSITION_OPENED', BTC, T0, 5)), []);
  assert.deepEqual(ids({ ...whale('WHALE_POSITION_OPENED', ETH, T0, 5), score: 70 }), ['scored']);
});

test('de-duplication threads an episode: one alert per zone, updates under the first, at most one per cooldown', () => {
  const r = new AlertRules(rules({ id: 'z', when: { types: ['ZONE_APPROACHED', 'CASCADE_RISK'] }, cooldownSec: 600 }));
  const zone = zoneRef('LONG_LIQ', 90, 92, 91, 1e6);
  const at = (t: number, type: 'ZONE_APPROACHED' | 'CASCADE_RISK' = 'ZONE_APPROACHED') =>
    r.evaluate(type === 'CASCADE_RISK' ? cascadeRisk(BTC, t, zone, 0.5, 0.4) : zoneEvent(type, BTC, t, zone, 0.5), { now: t });
  const first = at(T0);
  assert.deepEqual(kinds(first), ['alert:0']);
  const threadId = (first[0] as Extract<Decision, { kind: 'alert' }>).alert.threadId;
  // Same zone 2 min later (another event type of the same episode): inside the cooldown, dropped.
  assert.deepEqual(kinds(at(T0 + 2 * MIN, 'CASCADE_RISK')), ['drop:cooldown']);
  // 11 min after the first: an update, threaded under it.
  const upd = at(T0 + 11 * MIN, 'CASCADE_RISK');
  assert.deepEqual(kinds(upd), ['alert:1']);
  const a = (upd[0] as Extract<Decision, { kind: 'alert' }>).alert;
  assert.equal(a.threadId, threadId);
  assert.match(alertText(a), /^↳ update 1: BTC LONG · cascade risk/);
  // The very same event again: a duplicate, whatever the time.
  assert.deepEqual(kinds(r.evaluate(zoneEvent('ZONE_APPROACHED', BTC, T0, zone, 0.5), { now: T0 + 30 * MIN })), ['drop:duplicate']);
  // A different zone on the same coin inside the cooldown: the rule's per-coin cooldown drops it.
  const other = zoneRef('LONG_LIQ', 80, 82, 81, 1e6);
  assert.deepEqual(kinds(r.evaluate(zoneEvent('ZONE_APPROACHED', BTC, T0 + 9 * MIN, other, 0.5), { now: T0 + 9 * MIN })), [
    'drop:cooldown',
  ]);
  // … and past the rule's cooldown on the coin, it is a thread of its own.
  assert.deepEqual(kinds(r.evaluate(zoneEvent('ZONE_APPROACHED', BTC, T0 + 12 * MIN, other, 0.5), { now: T0 + 12 * MIN })), ['alert:0']);
  // After the episode ends (4 h without an event of it), the same zone starts a new thread.
  const later = at(T0 + 11 * MIN + 4 * H + MIN);
  assert.deepEqual(kinds(later), ['alert:0']);
  assert.notEqual((later[0] as Extract<Decision, { kind: 'alert' }>).alert.threadId, threadId);
});

test('a syndicate episode is one thread: its updates thread under its detection', () => {
  const r = new AlertRules(rules({ id: 's', when: { types: ['SYNDICATE_DETECTED', 'SYNDICATE_UPDATED'] }, cooldownSec: 0 }));
  const d = syndicate(BTC, T0, 'long', 'ep1');
  const a0 = r.evaluate(d, { now: T0 });
  const u = {
    ...d,
    id: `SYNDICATE_UPDATED:ep1:${T0 + MIN}`,
    type: 'SYNDICATE_UPDATED' as const,
    time: T0 + MIN,
    joined: [],
    addedNotionalUsd: 1,
  };
  const a1 = r.evaluate(u, { now: T0 + MIN });
  const other = r.evaluate(syndicate(BTC, T0 + 2 * MIN, 'long', 'ep2'), { now: T0 + 2 * MIN });
  const alert = (ds: Decision[]) => (ds[0] as Extract<Decision, { kind: 'alert' }>).alert;
  assert.equal(alert(a1).threadId, alert(a0).id);
  assert.equal(alert(a1).update, 1);
  assert.equal(alert(other).update, 0);
  assert.notEqual(alert(other).threadId, alert(a0).id);
});

test('TTL: an event older than the rule’s TTL when evaluated is dropped, and the alert carries its expiry', () => {
  const r = new AlertRules(rules({ id: 't', ttlSec: 60 }));
  const ok = r.evaluate(whale('WHALE_POSITION_OPENED', BTC, T0, 5), { receivedAt: T0 + 200, detectedAt: T0 + 300, now: T0 + 59 * S });
  assert.deepEqual(kinds(ok), ['alert:0']);
  const a = (ok[0] as Extract<Decision, { kind: 'alert' }>).alert;
  assert.equal(a.expiresAt, T0 + 60 * S);
  assert.deepEqual(a.hops, { venue: T0, received: T0 + 200, detected: T0 + 300, alerted: T0 + 59 * S });
  assert.deepEqual(kinds(r.evaluate(whale('WHALE_POSITION_OPENED', ETH, T0, 5), { now: T0 + 61 * S })), ['drop:stale']);
});

test('quiet hours, in the rule’s time zone, across midnight', () => {
  const r = new AlertRules(rules({ id: 'q', cooldownSec: 0, quietHours: { from: '22:00', to: '07:00', timeZone: 'Asia/Tokyo' } }));
  // 12:00 UTC is 21:00 in Tokyo (heard); 13:30 UTC is 22:30 (quiet); 21:59 UTC is 06:59 (quiet); 22:00 UTC is 07:00 (heard).
  const at = (t: number, c = BTC) => kinds(r.evaluate(whale('WHALE_POSITION_OPENED', c, t, 5 + t / 1e12), { now: t }));
  assert.deepEqual(at(T0), ['alert:0']);
  assert.deepEqual(at(T0 + 90 * MIN, ETH), ['drop:quiet']);
  assert.deepEqual(at(T0 + 9 * H + 59 * MIN, ETH), ['drop:quiet']);
  assert.deepEqual(at(T0 + 10 * H, ETH), ['alert:0']);
});

test('a type the ledger muted is not alerted unless the rule says so; the alert carries the ledger’s hit rate', () => {
  const ledger = new AccuracyLedger({}, { muting: { minGraded: 5, window: 10 } });
  let t = T0;
  ledger.onMarket(mark(BTC, t, 100));
  // Five CASCADE_RISK misses at p0 0.6: the ledger mutes the type.
  for (let i = 0; i < 5; i++) {
    ledger.onGlass(cascadeRisk(BTC, t, zoneRef('LONG_LIQ', 49, 51, 50, 1e6), 0.6, 0.6));
    t += 4 * H + 1;
    ledger.onMarket(mark(BTC, t, 100));
  }
  t = catchUp(ledger, BTC, t, 100); // the verdicts take the grades a minute later
  assert.equal(ledger.isMuted('CASCADE_RISK'), true);
  const r = new AlertRules(
    rules([
      { id: 'plain', when: { types: ['CASCADE_RISK'] } },
      { id: 'loud', when: { types: ['CASCADE_RISK'] }, includeMuted: true },
      { id: 'lifted', when: { types: ['CASCADE_RISK'], minLift: 1 }, includeMuted: true },
    ]),
    ledgerView(ledger),
  );
  const ds = r.evaluate(cascadeRisk(BTC, t, zoneRef('LONG_LIQ', 99, 101, 100, 1e6), 0.6, 0.6), { now: t });
  assert.deepEqual(
    ds.map((d) => `${d.rule.id}:${d.kind === 'alert' ? 'alert' : d.reason}`),
    ['plain:muted', 'loud:alert'],
  );
  const a = (ds[1] as Extract<Decision, { kind: 'alert' }>).alert;
  assert.equal(a.ledger?.muted, true);
  assert.equal(a.ledger?.graded, 5);
  assert.equal(a.ledger?.hitRate, 0);
  const text = alertText(a);
  assert.match(text, /ledger: right 0 % \[0 %–43 %\] of 5 graded, lift 0\.00×/);
  assert.match(text, /muted type \(alerted by rule\): CASCADE_RISK: precision below baseline/);
  // Without a ledger the rules alert, and say nothing was graded.
  const bare = new AlertRules(rules({ id: 'plain', when: { types: ['CASCADE_RISK'] } }));
  const b = bare.evaluate(cascadeRisk(BTC, t, zoneRef('LONG_LIQ', 99, 101, 100, 1e6), 0.6, 0.6), { now: t });
  assert.match(alertText((b[0] as Extract<Decision, { kind: 'alert' }>).alert), /ledger: not graded yet/);
});

test('a bad rule is refused with the field named', () => {
  const bad: [unknown, RegExp][] = [
    [{ when: {} }, /^r\.json: id is required$/],
    [{ id: 'a', when: { minScor: 5 } }, /^r\.json: when\.minScor is not a known field$/],
    [{ id: 'a', when: { types: ['CASCADE_RISK', 'NOPE'] } }, /^r\.json: when\.types\[1\] /],
    [{ id: 'a', when: { minProbability: 1.5 } }, /^r\.json: when\.minProbability must be <= 1$/],
    [{ id: 'a', when: { minNotionalUsd: 5, maxNotionalUsd: 1 } }, /^r\.json: when\.maxNotionalUsd must be at least/],
    [{ id: 'a', cooldownSec: -1 }, /^r\.json: cooldownSec must be >= 0$/],
    [{ id: 'a', ttlSec: 0 }, /^r\.json: ttlSec must be > 0$/],
    [{ id: 'a', quietHours: { from: '25:00', to: '07:00' } }, /^r\.json: quietHours\.from /],
    [
      { id: 'a', quietHours: { from: '22:00', to: '07:00', timeZone: 'Mars/Olympus' } },
      /^r\.json: quietHours\.timeZone is not a time zone/,
    ],
    [{ rules: [{ id: 'a' }, { id: 'a' }] }, /^r\.json: rules\[1\]\.id repeats the id a$/],
    [
      { rules: [{ id: 'a' }, { id: 'b', destinations: [{ kind: 'sms', to: '1' }] }] },
      /^r\.json: rules\[1\]\.destinations\[0\]\.kind must be one of/,
    ],
    [{ id: 'a', destinations: [{ kind: 'webhook', url: 'https://x.example/h', secret: 'short' }] }, /^r\.json: destinations\[0\]\.secret /],
    [
      { id: 'a', destinations: [{ kind: 'discord', url: 'ftp://x.example/h' }] },
      /^r\.json: destinations\[0\]\.url must be an http\(s\) URL$/,
    ],
    [{ id: 'a', destinations: [{ kind: 'telegram', token: '123:abc' }] }, /^r\.json: destinations\[0\]\.chatId is required$/],
  ];
  for (const [rule, msg] of bad) {
    assert.throws(
      () => rules(rule),
      (e: unknown) => e instanceof RuleError && msg.test(e.message),
      JSON.stringify(rule),
    );
  }
  assert.throws(() => parseRules('{', 'r.json'), /^RuleError: r\.json: the file is not JSON/);
});

test('a CASCADE_RISK the engine raised muted (for the record) is not alerted unless the rule includes muted types', () => {
  const zone = zoneRef('LONG_LIQ', 90, 92, 91, 1e6);
  const muted = { ...cascadeRisk(BTC, T0, zone, 0.6, 0.4), muted: true, muteReason: 'evidence does not improve Brier yet' };
  const plain = new AlertRules(rules({ id: 'c', when: { types: ['CASCADE_RISK'] } }));
  const ds = plain.evaluate(muted, { now: T0 });
  assert.deepEqual(kinds(ds), ['drop:muted']);
  assert.match((ds[0] as Extract<Decision, { kind: 'drop' }>).detail, /evidence does not improve Brier/);
  const all = new AlertRules(rules({ id: 'c', when: { types: ['CASCADE_RISK'] }, includeMuted: true }));
  assert.deepEqual(kinds(all.evaluate(muted, { now: T0 })), ['alert:0']);
  // Not muted: alerted as before.
  assert.deepEqual(
    kinds(
      new AlertRules(rules({ id: 'c', when: { types: ['CASCADE_RISK'] } })).evaluate(cascadeRisk(BTC, T0, zone, 0.6, 0.4), { now: T0 }),
    ),
    ['alert:0'],
  );
});
