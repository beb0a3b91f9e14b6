import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { glass, glassAsync } from '../helpers/cli.ts';
import { MockVenue } from '../helpers/mock-venue.ts';

const venue = new MockVenue();
before(() => venue.start());
after(() => venue.close());

/** `glass live --record F` against the mock venue for a second and a half, with `extra` options. */
async function liveRecording(extra: string[]): Promise<{ file: string; stdout: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'glass-live-summary-')), 'live.ndjson');
  venue.run(20, 1);
  const r = await glassAsync(['live', '--ws', venue.wsUrl, '--info', venue.infoUrl, '--duration', '1.5', '--record', file, ...extra]);
  venue.pause();
  assert.equal(r.code, 0, r.stderr);
  return { file, stdout: r.stdout };
}

test('glass live --record F and glass replay F print the same summary as text', async () => {
  const live = await liveRecording([]);
  const replay = glass('replay', live.file);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(live.stdout, /^.*live\.ndjson\n {2}messages {7}[\d,]+ /);
  assert.match(live.stdout, /\n {2}fills {10}[1-9][\d,]* /, 'the run saw fills');
  assert.equal(live.stdout, replay.stdout);
});

test('glass live --record F --json and glass replay F --json print the same summary document', async () => {
  const live = await liveRecording(['--json']);
  const replay = glass('replay', live.file, '--json');
  assert.equal(replay.code, 0, replay.stderr);
  const l = JSON.parse(live.stdout) as { file: string; fills: number };
  assert.equal(l.file, live.file);
  assert.ok(l.fills > 0);
  assert.deepEqual(JSON.parse(replay.stdout), l);
});
