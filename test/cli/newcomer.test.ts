import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { tempDir } from '../server/fixture.ts';

/** Mismatches a newcomer met on a fresh clone: each one's fix, through the CLI as they ran it. */

const POS45 = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');
const { dir, cleanup } = tempDir('glass-newcomer-');
const SIM = join(dir, 'sim.ndjson');

before(() => {
  const r = glass('sim', '--out', SIM, '--wallets', '200', '--hours', '2', '--seed', '3', '--json');
  assert.equal(r.code, 0, r.stderr);
});
after(cleanup);

test('--db of another scheme: one line saying the scheme is not supported and what is', () => {
  for (const args of [
    ['serve', '--db', 'mysql://x'],
    ['replay', SIM, '--db', 'mysql://u:secret@host/db'],
    ['keys', 'list', '--db', 'redis://x'],
  ]) {
    const r = glass(...args);
    const line = assertOneLineError(r);
    const scheme = (args.at(-1) as string).split(':')[0];
    assert.match(
      line,
      new RegExp(
        `^glass ${args[0]}: --db ${scheme}://…: the ${scheme} scheme is not supported; give a SQLite file path .* or a postgres:// URL$`,
      ),
    );
    assert.ok(!line.includes('secret'), 'the password is not repeated');
    // A value of the wrong form: the command line's fault, as a usage error (2).
    assert.equal(r.code, 2, args.join(' '));
  }
});

test('GLASS_DATABASE_URL of another scheme is named as such', () => {
  const r = spawnSync(process.execPath, ['src/cli/main.ts', 'serve'], {
    encoding: 'utf8',
    env: { ...process.env, GLASS_DATABASE_URL: 'mysql://x' },
  });
  assert.notEqual(r.status, 0);
  assert.equal(
    r.stderr,
    'glass serve: GLASS_DATABASE_URL mysql://…: the mysql scheme is not supported; give a SQLite file path (e.g. ./glass.sqlite) or a postgres:// URL\n',
  );
});

test('--coin and --type in any case: the same answer as the venue’s spelling', () => {
  for (const cmd of ['positions', 'heatmap']) {
    const upper = glass(cmd, POS45, '--coin', 'ETH');
    const lower = glass(cmd, POS45, '--coin', 'eth');
    assert.equal(upper.code, 0, upper.stderr);
    assert.equal(lower.code, 0, `${cmd}: ${lower.stderr}`);
    assert.equal(lower.stdout, upper.stdout, cmd);
  }
  const risk = (coin: string) => glass('risk', POS45, `--coin=${coin}`, '--side', 'long', '--entry', '3000', '--size', '1');
  assert.equal(risk('eth').stdout, risk('ETH').stdout);
  assert.equal(risk('eth').code, 0, risk('eth').stderr);
  const ev = (type: string, coin: string) => glass('events', SIM, '--sim-scale', '--type', type, '--coin', coin, '--json');
  const want = ev('WHALE_POSITION_OPENED', 'BTC');
  assert.equal(want.code, 0, want.stderr);
  assert.ok(want.stdout.length > 0, 'the simulation has whale openings on BTC');
  assert.equal(ev('whale_position_opened', 'btc').stdout, want.stdout);
  assert.equal(ev('Whale_Position_Opened', 'btc').stdout, want.stdout);
  const ledger = glass('ledger', SIM, '--sim-scale', '--type', 'whale_position_opened', '--coin', 'btc', '--grades');
  assert.equal(ledger.code, 0, ledger.stderr);
});

test('a coin whose venue name has both cases: lower case points to it; an unknown type is quoted as given', () => {
  const r = glass('heatmap', POS45, '--coin', 'kpepe');
  assert.match(assertOneLineError(r), /no coin KPEPE; did you mean kPEPE\?$/);
  assert.equal(glass('heatmap', POS45, '--coin', 'kPEPE').code, 0);
  assert.match(assertOneLineError(glass('events', POS45, '--type', 'nope')), /; got nope$/);
});

test('glass --help: every command on one line that ends a sentence', () => {
  const r = glass('--help');
  assert.equal(r.code, 0);
  const rows = r.stdout.split('\n').filter((l) => /^ {2}[a-z]+ {2,}/.test(l));
  assert.ok(rows.length >= 20, r.stdout);
  for (const row of rows) {
    assert.match(row, /[.!?)]$/, `ends a sentence: ${row}`);
    assert.doesNotMatch(row, /([,:;(]|\b(the|and|a|of|or|to))$/, row);
  }
  const sim = rows.find((l) => l.startsWith('  sim '));
  assert.match(sim ?? '', /Writes a simulated Hyperliquid recording .* and its ground truth\.$/);
});

test('glass sim --help: the usage line names every option the help lists', () => {
  const r = glass('sim', '--help');
  assert.equal(r.code, 0);
  const [usage, ...rest] = r.stdout.split('\n');
  for (const opt of new Set(
    rest
      .join('\n')
      .match(/^ {2}--[a-z-]+/gm)
      ?.map((o) => o.trim()),
  )) {
    if (opt === '--help') continue;
    assert.ok(usage?.includes(`${opt} `) || usage?.includes(`${opt}]`), `${opt} in ${usage}`);
  }
  for (const opt of ['--syndicates', '--clusters', '--episodes', '--actors', '--shocks']) assert.ok(usage?.includes(opt), opt);
});
