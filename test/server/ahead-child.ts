/**
 * The serving process of stream-ahead.test.ts: `glass replay F --serve`'s wiring (serveIngest) on
 * a recording into a SQLite store, one commit every `--commit-lines` lines. It says `url U`, starts
 * on `go` (stdin), and with `--hang-after K` stops reading after line K without ending (the lines
 * since the last commit are processed and their events published, not committed) and says
 * `hung <last id published>`; otherwise it says `done <last id published>` at the end of input.
 * Killed with SIGKILL by the test, or ended by `stop`.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { SIM_WHALES } from '../../src/cli/engines.ts';
import type { ReadItem } from '../../src/recording/reader.ts';
import { readRecordingBatches } from '../../src/recording/reader.ts';
import { serveIngest } from '../../src/server/serve-engines.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    db: { type: 'string' },
    'commit-lines': { type: 'string' },
    'hang-after': { type: 'string' },
  },
});
const file = resolve(values.file as string);
const hangAfter = values['hang-after'] === undefined ? Number.POSITIVE_INFINITY : Number(values['hang-after']);
let go = (): void => {};
const started = new Promise<void>((r) => {
  go = r;
});
let hung = (): void => {};

async function* items(): AsyncGenerator<ReadItem[]> {
  await started;
  for await (const batch of readRecordingBatches(file)) {
    const upTo = batch.filter((i) => i.line <= hangAfter);
    if (upTo.length > 0) yield upTo;
    if (upTo.length < batch.length) {
      hung();
      await new Promise(() => {});
    }
  }
}

const served = await serveIngest({
  cmd: 'test',
  db: values.db,
  source: file,
  items: items(),
  settings: { port: 0, host: '127.0.0.1', open: true, cors: [], logLevel: 'silent', bodyLimit: 16_384 },
  whales: SIM_WHALES,
  commitLines: Number(values['commit-lines']),
  commitMs: 1e9,
  quiet: true,
});
hung = () => {
  // The line after K was asked for: every line up to K is processed; what waits for its tier's turn goes now.
  served.hub.drain();
  process.stdout.write(`hung ${served.hub.lastId}\n`);
};
process.stdout.write(`url ${served.url}\n`);
served.done.then(
  () => process.stdout.write(`done ${served.hub.lastId}\n`),
  (e: unknown) => process.stdout.write(`failed ${String(e)}\n`),
);
for await (const l of createInterface({ input: process.stdin })) {
  if (l === 'go') go();
  if (l === 'stop') break;
}
await served.close();
process.stdin.destroy();
