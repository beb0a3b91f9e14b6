import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tidy } from '../../src/domain/format.ts';
import { GLASS_EVENT_TYPES, type GlassEvent, PRIORITY_OF } from '../../src/domain/glass-event.ts';
import { assertOneLineError, glass } from '../helpers/cli.ts';
import { base, book, type Line, mark, run, sells, T0, writeRecording } from './recording.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'glass.js');

/** The armed scenario of armed.test.ts as a recording file: a zone, a descent, a book, the flow. */
function recording(): { file: string; lines: Line[] } {
  const lines = base();
  const t1 = T0 + 100_000;
  for (let k = 0; k <= 72; k++) lines.push(mark(t1 + k * 10_000, 100 - (6.8 * k) / 72));
  const t = t1 + 73 * 10_000;
  const edge = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ')?.hi as number;
  const mid = edge * 1.0015;
  lines.push(mark(t, mid), book(t + 1_000, mid, 200_000));
  const cost = run(lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ')?.costToReachUsd as number;
  lines.push(sells(t + 2_000, mid, 2 * cost * 1.05), mark(t + 12_000, mid));
  const file = join(mkdtempSync(join(tmpdir(), 'glass-events-')), 'armed.ndjson');
  writeRecording(file, lines);
  return { file, lines };
}

const REC = recording();

test('glass events --json: every event in emit order, whole, with its tier and hops — as the engines emit them', () => {
  const r = glass('events', REC.file, '--json');
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GlassEvent);
  const want = run(REC.lines).events.map((e) => tidy(e));
  assert.deepEqual(got, JSON.parse(JSON.stringify(want)), 'the same events, in the same order, deterministic hops included');
  assert.ok(got.some((e) => e.type === 'LIQUIDATION_CLUSTER_ARMED'));
  for (const e of got) {
    assert.ok(GLASS_EVENT_TYPES.includes(e.type));
    assert.equal(e.priority, PRIORITY_OF[e.type]);
    assert.equal(e.hops.venueTime, e.time);
    assert.equal(typeof e.hops.receivedAt, 'number');
  }
});

test('glass events --type T --coin C: only those; text with the tier and the cost to reach', () => {
  const r = glass('events', REC.file, '--type', 'LIQUIDATION_CLUSTER_ARMED', '--coin', 'TST');
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(
    lines[0] as string,
    /^P0 \d\d:\d\d:\d\d LIQUIDATION_CLUSTER_ARMED TST LONG_LIQ .* cost to reach \$[\d.]+k, chain \$2\.44M → /,
  );
  const none = glass('events', REC.file, '--coin', 'BTC');
  assert.equal(none.code, 0);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /no event on BTC/);
});

test('glass events with an unknown --type: one line naming the types', () => {
  const line = assertOneLineError(glass('events', REC.file, '--type', 'NOPE'));
  assert.match(line, /--type takes one of .*LIQUIDATION_CLUSTER_ARMED/);
});

test('glass events --json | head -1: ends quietly when the reader goes away', async () => {
  const child = spawn(process.execPath, [BIN, 'events', REC.file, '--json']);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  let text = '';
  child.stdout.on('data', (c: Buffer) => {
    text += c.toString();
    if (text.includes('\n')) child.stdout.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.deepEqual([code, stderr], [0, '']);
  assert.ok(text.startsWith('{'));
});

test('glass heatmap shows each zone’s cost to reach and chain, in text and --json, as the engine computes them', () => {
  const zone = run(REC.lines)
    .zones()
    .find((z) => z.side === 'LONG_LIQ');
  assert.ok(typeof zone?.costToReachUsd === 'number' && zone.depthStale === false);
  const j = glass('heatmap', REC.file, '--coin', 'TST', '--json');
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { zones: { side: string; costToReachUsd: number | null; chain: unknown[]; depthStale: boolean }[] };
  const z = doc.zones.find((x) => x.side === 'LONG_LIQ');
  assert.equal(z?.depthStale, false);
  assert.equal(z?.costToReachUsd, Math.round(zone.costToReachUsd * 100) / 100, 'to the cent');
  assert.equal(z?.chain.length, zone.chain?.length);
  const t = glass('heatmap', REC.file, '--coin', 'TST');
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /LONG_LIQ .* cost to reach \$[\d.]+k, chain \$2\.44M → /);
});
