import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-alerts-cli-'));
const rec = join(dir, 'sim.ndjson');
const rules = join(dir, 'rules.json');
before(() => {
  assert.equal(glass('sim', '--out', rec, '--wallets', '600', '--hours', '6', '--seed', '5').code, 0);
  writeFileSync(
    rules,
    JSON.stringify({
      rules: [
        { id: 'zones', when: { types: ['ZONE_APPROACHED', 'CASCADE_RISK'] }, cooldownSec: 600 },
        { id: 'whales', when: { types: ['WHALE_POSITION_OPENED', 'WHALE_POSITION_INCREASED'], minNotionalUsd: 1e6 }, cooldownSec: 300 },
      ],
    }),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Tried {
  alert: {
    id: string;
    ruleId: string;
    threadId: string;
    update: number;
    fields: { type: string; notionalUsd: number | null };
    hops: { venue: number };
  };
  eventId: string;
  grade: { id: string; hit: boolean } | null;
}

test('glass alerts test: the alerts a rule would have sent, each with the grade glass ledger gives its event', () => {
  const r = glass('alerts', 'test', rules, rec, '--sim-scale', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { alerts: Tried[]; droppedByReason: Record<string, number> };
  assert.ok(j.alerts.length > 5, `${j.alerts.length} alerts`);
  // The rules' filters held, and cooldowns held per rule and coin for new threads.
  for (const t of j.alerts) {
    if (t.alert.ruleId === 'whales') assert.ok((t.alert.fields.notionalUsd ?? 0) >= 1e6);
    else assert.ok(['ZONE_APPROACHED', 'CASCADE_RISK'].includes(t.alert.fields.type));
    assert.equal(t.alert.update === 0, t.alert.threadId === t.alert.id);
  }
  assert.ok((j.droppedByReason.cooldown ?? 0) > 0);
  // Grades are the ledger's own: the same as `glass ledger --grades` for those events.
  const ledger = glass('ledger', rec, '--sim-scale', '--grades');
  assert.equal(ledger.code, 0, ledger.stderr);
  const grades = new Map(
    ledger.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; hit: boolean })
      .map((g) => [g.id, g]),
  );
  const graded = j.alerts.filter((t) => t.grade !== null);
  assert.ok(graded.length > 0);
  for (const t of j.alerts) {
    assert.deepEqual(t.grade, grades.get(t.eventId) ?? null, t.eventId);
  }
  const text = glass('alerts', 'test', rules, rec, '--sim-scale');
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`^${rules.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} on .*: ${j.alerts.length} alerts`));
  assert.match(text.stdout, /venue time +rule +type +coin +side +notional +P +thread +ledger then +grade/);
});

test('glass alerts test with a bad rule: one line naming the field, non-zero exit', () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ id: 'x', when: { minProbabilty: 0.5 } }));
  const r = glass('alerts', 'test', bad, rec);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(assertOneLineError(r), `glass alerts: ${bad}: when.minProbabilty is not a known field`);
});

test('glass alerts dead on a fresh store: the outbox counts, nothing dead', () => {
  const r = glass('alerts', 'dead', '--db', join(dir, 'store.sqlite'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'outbox: 0 pending, 0 delivered, 0 dead');
});
