import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

/** As `npx glass` runs: bin/glass.js, which imports main (the path that crashed with EPIPE). */
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'glass.js');
const dir = mkdtempSync(join(tmpdir(), 'glass-pipes-'));
const rec = join(dir, 'sim.ndjson');
const account = fixturePath('hyperliquid/clearinghouseState-45positions-2026-10.json');

before(() => {
  // 6 simulated hours of 2,000 wallets: about 47k lines, 2 MB of syndicate events with --all-wallets.
  const r = glass('sim', '--out', rec, '--wallets', '2000', '--hours', '6', '--seed', '3');
  assert.equal(r.code, 0, r.stderr);
});

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly lines: string[];
}

/**
 * Runs glass with stdout into a real pipe whose reader behaves as told: `closeAfter` lines, then
 * it closes its end (`| head -n`); or, without it, a reader that reads nothing until `release()`,
 * then everything, slowly (a pipe into a busy consumer).
 */
function run(args: readonly string[], reader: { closeAfter?: number }, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  let text = '';
  const lines: string[] = [];
  const stderrNow = () => stderr;
  if (reader.closeAfter === 0) child.stdout.destroy();
  else if (reader.closeAfter !== undefined) {
    const n = reader.closeAfter;
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      const got = text.split('\n');
      if (got.length > n) {
        lines.push(...got.slice(0, n));
        child.stdout.destroy();
      }
    });
  } else child.stdout.pause();
  const release = () => {
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      // A slow consumer: a pause after every chunk.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1);
    });
    child.stdout.resume();
  };
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => {
      if (reader.closeAfter === undefined) lines.push(...text.split('\n').slice(0, -1));
      resolve({ code, stderr, lines });
    }),
  );
  return { done, stderrNow, release };
}

const cases: [string, string[]][] = [
  ['liqpx', ['liqpx', account]],
  ['heatmap --events --json', ['heatmap', rec, '--coin', 'BTC', '--events', '--json']],
  ['heatmap', ['heatmap', rec, '--coin', 'BTC', '--all-buckets']],
  ['syndicates --json', ['syndicates', rec, '--json', '--all-wallets']],
  ['positions', ['positions', rec]],
  ['score', ['score', rec]],
  ['replay', ['replay', rec]],
  ['--help', ['--help']],
];

for (const [name, args] of cases) {
  test(`glass ${name} | head -1: ends quietly (exit 0, nothing on stderr) when the reader goes away`, async () => {
    const r = await run(args, { closeAfter: 1 }).done;
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });
}

test('a reader that is gone before the first line: every command still exits 0 in silence', async () => {
  for (const [, args] of cases.slice(0, 4)) {
    const r = await run(args, { closeAfter: 0 }).done;
    assert.deepEqual([r.code, r.stderr], [0, ''], args.join(' '));
  }
});

test('syndicates --json into a stalled reader waits for it (the file is not read ahead), then every line arrives', async () => {
  const whole = glass('syndicates', rec, '--json', '--all-wallets');
  assert.equal(whole.code, 0, whole.stderr);
  const expected = whole.stdout.split('\n').slice(0, -1);
  assert.ok(whole.stdout.length > 1_000_000, `${whole.stdout.length} bytes: far more than a pipe holds`);
  // Progress is forced on: while nobody reads, the reading of the recording must stop short of
  // its end (progress is cleared only when the file is done).
  const child = run(['syndicates', rec, '--json', '--all-wallets'], {}, { GLASS_PROGRESS: '1' });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 300 && !child.stderrNow().includes('sim.ndjson: '); i++) await sleep(100);
  assert.match(child.stderrNow(), /^\r.*sim\.ndjson: /, 'progress was drawn');
  // The child has started reading; it gets a second and a half more (it reads the whole file in
  // about that, unchecked) while nobody reads its output.
  await sleep(1500);
  const during = child.stderrNow();
  assert.ok(!during.endsWith('\r\x1b[K'), `the whole file was read while stdout was not: ${JSON.stringify(during.slice(-200))}`);
  child.release();
  const r = await child.done;
  assert.equal(r.code, 0);
  assert.equal(r.lines.length, expected.length);
  assert.deepEqual(r.lines, expected);
});
