import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { openStore } from '../../src/store/open.ts';
import { tempDir } from './fixture.ts';

const run = promisify(execFile);
const { dir, cleanup } = tempDir('glass-serve-lines-');
const db = join(dir, 'glass.sqlite');
let taken: Server;
let port = 0;
const children: ChildProcess[] = [];

before(async () => {
  await (await openStore(db)).close();
  // A port somebody else holds.
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const a = taken.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  port = a.port;
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise((r) => taken.close(r));
  cleanup();
});

for (const args of [
  ['serve', '--db', db],
  ['demo', '--serve', '--wallets', '20', '--hours', '0.05'],
]) {
  test(`glass ${args.join(' ')} --port <taken>: one line naming the port, non-zero exit`, async () => {
    await assert.rejects(
      run(process.execPath, ['src/cli/main.ts', ...args, '--port', String(port)]),
      (e: { stdout: string; stderr: string; code: number }) => {
        assert.equal(e.stderr, `glass ${args[0]}: port ${port} is in use; pick another with --port\n`);
        assert.equal(e.stdout, '');
        assert.equal(e.code, 1);
        return true;
      },
    );
  });
}

test('glass serve: the first line is where it serves, for people; request logs are JSON on stderr after it, stdout stays empty', async () => {
  // The default level (info) logs every request.
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /API on (http:\/\/[^/\s]+)\/v1/.exec(err);
      if (m !== null) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const first = err.split('\n')[0] ?? '';
  assert.match(first, /^glass serve: (dashboard \S+ · )?API on http:\/\/127\.0\.0\.1:\d+\/v1 \(/);
  assert.equal((await fetch(`${url}/v1/health`)).status, 200);
  // The request's log line arrives on stderr (the server writes it once the answer is sent).
  for (let i = 0; i < 300 && !err.includes('"url":"/v1/health"'); i++) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
  const lines = err.trimEnd().split('\n');
  assert.equal(lines[0], first);
  const json = lines.filter((l) => l.startsWith('{'));
  assert.ok(
    json.some((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url === '/v1/health'),
    `a JSON request line on stderr:\n${err}`,
  );
  assert.equal(out, '', 'nothing on stdout');
});
