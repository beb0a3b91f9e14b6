import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { migrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/open.ts';
import { storeSuite } from './store.suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'glass-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeSuite('sqlite', {
  fresh: () => openStore(join(dir, `t${n++}.sqlite`)),
  done: (s) => s.close(),
});

test('a store made by an older Glass is migrated on open, its rows kept', async () => {
  const path = join(dir, 'old.sqlite');
  const [first] = migrations('sqlite');
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  db.exec(first?.sql ?? '');
  db.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run(first?.name ?? '');
  db.prepare('INSERT INTO ingest_cursor (source, position, ts, next_event_id, complete) VALUES (?, 7, 8, 9, 0)').run('old');
  db.close();
  const s = await openStore(path);
  try {
    assert.deepEqual(await s.cursor('old'), { source: 'old', position: 7, ts: 8, nextEventId: 9, complete: false, firstEventId: 1 });
  } finally {
    await s.close();
  }
  const check = new DatabaseSync(path);
  const applied = check.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  check.close();
  assert.deepEqual(
    applied.map((r) => `${r.version}_${r.name}`),
    migrations('sqlite').map((m) => `${m.version}_${m.name}`),
  );
});
