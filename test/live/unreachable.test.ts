import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertOneLineError, type CliResult, glassAsync } from '../helpers/cli.ts';
import { MockVenue } from '../helpers/mock-venue.ts';

const venue = new MockVenue();
before(() => venue.start());
after(() => venue.close());

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The retry lines, then the one closing error line (checked like any user error: no stack). */
function split(r: CliResult): { retries: string[]; last: string } {
  const lines = r.stderr.trim().split('\n');
  const last = assertOneLineError({ ...r, stderr: `${lines.at(-1)}\n` });
  assert.doesNotMatch(r.stderr, /\n\s+at |node:internal|Error:/, 'no stack trace, no error class name');
  return { retries: lines.slice(0, -1), last };
}

test('live: an unreachable /info is retried, each retry said on stderr, and given up at --duration with one line', async () => {
  const port = await closedPort();
  const info = `http://127.0.0.1:${port}`;
  const r = await glassAsync(['live', '--ws', `ws://127.0.0.1:${port}`, '--info', info, '--duration', '1.5']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const { retries, last } = split(r);
  assert.ok(retries.length >= 1, r.stderr);
  retries.forEach((l, i) => {
    assert.match(l, new RegExp(`^venue ${info}/info unreachable \\(connection refused\\); retry ${i + 1} in \\d+\\.\\d s$`));
  });
  assert.equal(last, `glass live: venue ${info}/info unreachable (connection refused); no answer within --duration 1.5 s`);
});

test('record: an unreachable venue leaves no file behind (nothing was recorded), with the same one closing line', async () => {
  const port = await closedPort();
  const out = join(mkdtempSync(join(tmpdir(), 'glass-unreachable-')), 'rec.ndjson');
  const info = `http://127.0.0.1:${port}`;
  const r = await glassAsync(['record', '--ws', `ws://127.0.0.1:${port}`, '--info', info, '--duration', '1', '--out', out]);
  assert.equal(r.code, 1);
  const { last } = split(r);
  assert.match(
    last,
    /^glass record: venue http:\/\/127\.0\.0\.1:\d+\/info unreachable \(connection refused\); no answer within --duration 1 s$/,
  );
  assert.equal(existsSync(out), false, 'no 0-byte recording');
});

test('live: a WebSocket that never connects is retried on stderr and ends with one line naming it', async () => {
  const port = await closedPort();
  const ws = `ws://127.0.0.1:${port}`;
  const r = await glassAsync(['live', '--ws', ws, '--info', venue.infoUrl, '--duration', '1.5']);
  assert.equal(r.code, 1);
  const { retries, last } = split(r);
  assert.ok(retries.length >= 1, r.stderr);
  assert.match(retries[0] as string, new RegExp(`^venue ${ws} unreachable \\(could not connect\\); retry 1 in \\d+\\.\\d s$`));
  assert.match(last, new RegExp(`^glass live: venue ${ws} unreachable \\(could not connect\\); never connected within --duration 1.5 s$`));
});
