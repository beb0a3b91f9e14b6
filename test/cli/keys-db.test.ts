import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openStore } from '../../src/store/open.ts';
import { PG_URL, pgUnreachable } from '../store/pg.ts';

/**
 * Issue 11, a newcomer's report: `glass keys create --db /tmp/nc/s.sqlit` (a typo) made a new
 * store and put the key there; `glass keys list --db postgres://…?schema=typo` answered "0 keys"
 * and created the schema. Like `glass serve`, keys now refuses a store that is not there.
 */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.ts');
const dir = mkdtempSync(join(tmpdir(), 'glass-keys-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function keys(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, 'keys', ...args], { encoding: 'utf8', env: { ...process.env, GLASS_DATABASE_URL: '' } });
}

test('a mistyped SQLite --db is refused in one line and no file is made', async () => {
  const good = join(dir, 's.sqlite');
  await (await openStore(good)).close();
  const typo = join(dir, 's.sqlit');
  for (const args of [['create', '--name', 'z'], ['list'], ['revoke', 'k_nope']]) {
    const r = keys(...args, '--db', typo);
    assert.notEqual(r.status, 0, r.stdout);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /no store at .*s\.sqlit \(glass replay F --db/);
    assert.equal(existsSync(typo), false, `${args[0]} made ${typo}`);
  }
  const ok = keys('create', '--name', 'z', '--db', good, '--json');
  assert.equal(ok.status, 0, ok.stderr);
  const listed = keys('list', '--db', good, '--json');
  assert.deepEqual(
    (JSON.parse(listed.stdout) as { name: string }[]).map((k) => k.name),
    ['z'],
  );
});

test('a PostgreSQL schema that holds no store is refused and not created', async (t) => {
  const why = await pgUnreachable();
  if (why !== null) return t.skip(`PostgreSQL unreachable: ${why}`);
  const schema = `glass_keys_typo_${process.pid}_${Date.now()}`;
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;
  const r = keys('list', '--db', url);
  assert.notEqual(r.status, 0, r.stdout);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no store at postgres:\/\/.*schema=glass_keys_typo_/);
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT 1 FROM information_schema.schemata WHERE schema_name = ${schema}`;
    assert.equal(rows.length, 0, 'the schema was not created');
  } finally {
    await sql.end();
  }
});

/** The command run as a child (`serve` on a port of its own, stopped by its refusal before it listens). */
function glass(...args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, GLASS_DATABASE_URL: '' },
  });
}

test('a PostgreSQL server that refuses the login, or a database that does not exist: one line naming the store, no stack trace', async (t) => {
  const why = await pgUnreachable();
  if (why !== null) return t.skip(`PostgreSQL unreachable: ${why}`);
  const u = new URL(PG_URL);
  u.username = 'glass_no_such_role';
  const role = u.toString();
  const v = new URL(PG_URL);
  v.pathname = '/glass_no_such_database';
  const database = v.toString();
  for (const args of [
    ['keys', 'list', '--db', role],
    ['keys', 'create', '--name', 'z', '--db', role],
    ['serve', '--db', role, '--port', '0'],
  ]) {
    const r = glass(...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^glass (keys|serve): cannot open store postgres:\/\/glass_no_such_role@.*: role "glass_no_such_role" does not exist$/m,
    );
  }
  for (const args of [
    ['keys', 'list', '--db', database],
    ['serve', '--db', database, '--port', '0'],
  ]) {
    const r = glass(...args);
    assert.notEqual(r.status, 0, r.stdout);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    // Not "replay writes one": no command here makes the database.
    assert.match(
      r.stderr,
      /no store at postgres:\/\/.*glass_no_such_database: database "glass_no_such_database" does not exist \(create it, then glass replay F/,
    );
  }
});
