import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PartitionPipeline } from '../../src/bus/nats/partition-pipeline.ts';
import { attachEngines, SIM_WHALES } from '../../src/cli/engines.ts';
import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { AccuracyLedger, DEFAULT_LEDGER, type Settled } from '../../src/engine/ledger/ledger.ts';
import { Pipeline } from '../../src/pipeline/pipeline.ts';
import type { RecordError } from '../../src/recording/errors.ts';
import type { RawBytes, RawMessage } from '../../src/recording/format.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { simulate, tempDir } from '../server/fixture.ts';

type Item = RawMessage | RawBytes | RecordError;

/** Fields the accuracy ledger decides: what a partition without the others' grades gets wrong. */
const LEDGER_TYPES = new Set(['WHALE_NEAR_ZONE', 'SYNDICATE_NEAR_ZONE', 'CASCADE_RISK']);

async function items(file: string): Promise<Item[]> {
  const out: Item[] = [];
  for await (const batch of readRecordingBatches(file)) for (const item of batch) out.push(item);
  return out;
}

function runSingle(all: readonly Item[]): { events: GlassEvent[]; ledger: AccuracyLedger } {
  const pipeline = new Pipeline();
  const events: GlassEvent[] = [];
  const { ledger } = attachEngines(pipeline, SIM_WHALES, (e) => events.push(e));
  for (const item of all) pipeline.ingest(item);
  return { events, ledger };
}

interface Partition {
  readonly p: PartitionPipeline;
  readonly ledger: AccuracyLedger;
  readonly out: GlassEvent[];
  /** Grades made since it last handed its grades over. */
  outbox: Settled[];
  /** The next message it takes. */
  next: number;
  /** Its clock as it last handed over (what the others know of it). */
  told: number;
}

/**
 * Coin partitions in one process, each with its own ledger grading its coins, handing its grades
 * over the way the NATS exchange does: in bursts, at moments a seeded random scheduler picks,
 * each worker taking a raw message only when every other's told clock has reached its own less the
 * delay (telling its own first when it must wait). `exchange: false`: no grades are handed over
 * (each ledger has only its coins' grades — what the cluster had before the exchange);
 * `barrier: false`: handed over, but nobody waits.
 */
function runPartitions(all: readonly Item[], parts: readonly (readonly string[])[], seed: number, exchange: boolean, barrier = true) {
  let rng = seed >>> 0;
  const rand = () => {
    rng = (Math.imul(rng ^ (rng >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    return rng / 2 ** 32;
  };
  const delay = DEFAULT_LEDGER.applyDelayMs;
  const workers: Partition[] = parts.map((coins) => {
    const mine = new Set(coins);
    const owns = (c: string) => mine.has(c);
    const p = new PartitionPipeline(owns, {}, 'self');
    const w: Partition = { p, ledger: null as unknown as AccuracyLedger, out: [], outbox: [], next: 0, told: Number.NEGATIVE_INFINITY };
    const ledger = new AccuracyLedger({ settled: (s) => w.outbox.push(s) }, { owns });
    (w as { ledger: AccuracyLedger }).ledger = ledger;
    attachEngines(p, SIM_WHALES, (e) => (owns(e.coin) ? w.out.push(e) : undefined), {}, ledger);
    return w;
  });
  const tell = (w: Partition) => {
    if (exchange) for (const o of workers) if (o !== w) for (const s of w.outbox) o.ledger.receive(s);
    w.outbox = [];
    w.told = w.ledger.clock;
  };
  let waits = 0;
  for (;;) {
    const open = workers.filter((w) => w.next < all.length);
    if (open.length === 0) break;
    const w = open[Math.floor(rand() * open.length)] as Partition;
    // A burst of up to 400 messages, stopping where the barrier holds it.
    const burst = 1 + Math.floor(rand() * 400);
    for (let k = 0; k < burst && w.next < all.length; k++) {
      const need = w.ledger.clock - delay;
      if (exchange && barrier && workers.some((o) => o !== w && o.told < need)) {
        tell(w);
        waits++;
        break;
      }
      w.p.ingest(all[w.next++] as Item);
      if (rand() < 0.01) tell(w);
    }
    if (w.next >= all.length || rand() < 0.3) tell(w);
  }
  return { events: workers.flatMap((w) => w.out), late: workers.reduce((s, w) => s + w.ledger.late, 0), waits };
}

/** The fields two event JSONs differ in, with both values. */
function fieldDiff(a: string | undefined, b: string | undefined): string {
  if (a === undefined || b === undefined) return `single ${a?.slice(0, 200)} / partitions ${b?.slice(0, 200)}`;
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
  return `${String(x.id)}: ${keys.map((k) => `${k} ${JSON.stringify(x[k])} / ${JSON.stringify(y[k])}`).join('; ')}`;
}

function compare(single: readonly GlassEvent[], got: readonly GlassEvent[], coins: readonly string[]): { differ: number; first: string } {
  let differ = 0;
  let first = '';
  for (const coin of coins) {
    const a = single.filter((e) => e.coin === coin).map((e) => JSON.stringify(e));
    const b = got.filter((e) => e.coin === coin).map((e) => JSON.stringify(e));
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] !== b[i]) {
        differ++;
        if (first === '') first = `${coin} #${i}: ${fieldDiff(a[i], b[i])}`;
      }
    }
  }
  return { differ, first };
}

test('ledger exchange in memory: coin partitions handing grades over equal the single process, ledger fields and all', async (t) => {
  const { dir, cleanup } = tempDir('glass-ledger-exchange-');
  try {
    const file = join(dir, 'sim.ndjson');
    simulate(file, { wallets: 2000, hours: Number(process.env.GLASS_TEST_LEDGER_HOURS ?? 12), seed: 11 });
    const all = await items(file);
    const single = runSingle(all);
    const coins = [...new Set(single.events.map((e) => e.coin))].sort();
    const parts = [['BTC'], ['ETH', 'SOL'], coins.filter((c) => !['BTC', 'ETH', 'SOL'].includes(c))].filter((p) => p.length > 0);
    const graded = single.ledger.rows().reduce((s, r) => s + r.graded, 0);
    const ledgerEvents = single.events.filter((e) => LEDGER_TYPES.has(e.type)).length;
    t.diagnostic(
      `${single.events.length} events (${ledgerEvents} of the ledger's types), ${graded} grades, parts ${JSON.stringify(parts)}`,
    );
    assert.ok(graded > 100, `the ledger graded enough to matter (${graded})`);

    // Without the exchange the partitions' ledger fields differ: what this test would catch.
    const alone = runPartitions(all, parts, 1, false);
    const wrong = compare(single.events, alone.events, coins);
    t.diagnostic(`without the exchange: ${wrong.differ} events differ`);
    assert.ok(wrong.differ > 0, 'partitions without the others’ grades differ from the single process');

    const r = runPartitions(all, parts, 7, true);
    const c = compare(single.events, r.events, coins);
    t.diagnostic(`with the exchange: ${r.waits} waits at the barrier, ${c.differ} events differ`);
    assert.equal(r.late, 0, 'no grade reached a ledger after its place');
    assert.equal(c.differ, 0, c.first);
    assert.equal(r.events.length, single.events.length);

    // Handed over but without the wait, workers running ahead take grades after their place.
    const racing = runPartitions(all, parts, 7, true, false);
    t.diagnostic(
      `without the wait: ${racing.late} grades or labels late, ${compare(single.events, racing.events, coins).differ} events differ`,
    );
    assert.ok(racing.late > 0, 'without the wait some grades come after their place');
  } finally {
    cleanup();
  }
});
