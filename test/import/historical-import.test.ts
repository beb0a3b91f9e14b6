import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { glass } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const TRADES = fixturePath('hyperliquid-historical/non_mm_trades.csv');
const LIQS = fixturePath('hyperliquid-historical/liquidations.csv');
const dir = mkdtempSync(join(tmpdir(), 'glass-import-'));
const OUT = join(dir, 'real.ndjson');

interface Line {
  ts: number;
  msg: {
    channel: string;
    data: { user?: string; fills?: { coin: string; side: string; sz: string; time: number; liquidation?: unknown }[] };
  };
}

test('glass import: the official 2023 export becomes a recording the pipeline takes whole', async () => {
  const r = glass('import', TRADES, LIQS, '--out', OUT, '--json');
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { trades: number; wallets: number; liquidations: number; rejectedRows: number };
  const csvRows = readFileSync(TRADES, 'utf8').trim().split('\n').slice(1);
  assert.equal(summary.trades, csvRows.length);
  assert.equal(summary.rejectedRows, 0);

  const lines = readFileSync(OUT, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  // Receive times never go back, and allMids arrives at every whole minute the export spans.
  let prev = -Infinity;
  let marks = 0;
  for (const l of lines) {
    assert.ok(l.ts >= prev, `time goes back at ts ${l.ts}`);
    prev = l.ts;
    if (l.msg.channel === 'allMids') {
      marks++;
      assert.equal(l.ts % 60_000, 0);
    }
  }
  const first = Date.parse((csvRows[0] as string).split(',')[0] as string);
  const last = Date.parse((csvRows.at(-1) as string).split(',')[0] as string);
  assert.equal(marks, Math.floor(last / 60_000) - Math.floor(first / 60_000) + 1);

  // Through the real pipeline: nothing rejected, the derived startPosition chain and dir agree
  // with the book's own derivation everywhere (no drift, no mismatch).
  const p = new Pipeline();
  for await (const batch of readRecordingBatches(OUT)) for (const item of batch) p.ingest(item);
  const s = p.summary();
  assert.equal(s.rejects, 0);
  assert.equal(s.messages, lines.length);
  assert.equal(s.fills, csvRows.length);
  assert.equal(s.drifts, 0);
  assert.equal(s.dirMismatches, 0);
  assert.equal(s.uncertainFills, 0);

  // Open positions at the end equal the export's own net per wallet × coin, summed independently.
  const net = new Map<string, number>();
  for (const row of csvRows) {
    const [, user, coin, side, , sz] = row.split(',') as [string, string, string, string, string, string];
    const k = `${user}|${coin}`;
    net.set(k, (net.get(k) ?? 0) + (side === 'Bid' ? 1 : -1) * Number(sz));
  }
  const open = [...net.values()].filter((v) => Math.abs(v) > 1e-6).length;
  assert.equal(s.openPositions, open);

  // Every liquidation of the export is flagged on at least one of its wallet's fills (±1 s).
  const flagged = new Set<string>();
  for (const l of lines) {
    const f = l.msg.data.fills?.[0];
    if (f?.liquidation !== undefined) flagged.add(`${l.msg.data.user}@${Math.round(f.time / 1000)}`);
  }
  const liqRows = readFileSync(LIQS, 'utf8').trim().split('\n').slice(1);
  assert.equal(summary.liquidations, liqRows.length);
  for (const row of liqRows) {
    const [time, user] = row.split(',') as [string, string];
    const sec = Date.parse(time) / 1000;
    assert.ok(
      [sec - 1, sec, sec + 1].some((t) => flagged.has(`${user}@${t}`)),
      `liquidation not flagged: ${row}`,
    );
  }
  assert.ok(s.events.liquidation >= liqRows.length);
});

test('glass import: a bad row costs only itself and is named by line and column; --strict stops there', () => {
  const csv = join(dir, 'bad.csv');
  writeFileSync(
    csv,
    [
      'time,user,coin,side,px,sz,crossed',
      '2023-02-27T15:02:26Z,0x3b6996b7aa8371b0301167eefca33efca13307d6,ETH,Ask,1655.5,0.0452,true',
      '2023-02-27T15:03:00Z,0x3b6996b7aa8371b0301167eefca33efca13307d6,ETH,Sell,1656.0,0.0452,true',
      '2023-02-27T15:04:12Z,0x3b6996b7aa8371b0301167eefca33efca13307d6,ETH,Bid,1658.8,0.0452,true',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'bad.ndjson');
  const r = glass('import', csv, '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /line 3: column side: expected Bid or Ask, got "Sell"/);
  assert.equal((JSON.parse(r.stdout) as { trades: number }).trades, 2);
  const strict = glass('import', csv, '--out', out, '--strict');
  // An input error (1), as replay --strict's; 2 is for usage.
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /line 3: column side/);
  assert.doesNotMatch(strict.stderr, /\n\s+at /);

  const notCsv = glass('import', fixturePath('hyperliquid/allMids.json'), '--out', out);
  assert.equal(notCsv.code, 1);
  assert.match(notCsv.stderr, /not an export table/);
});
