/**
 * The reading clients of bench/stream.bench.ts, run in a worker thread (its own event loop, apart
 * from the server's process and from the bench's own thread): opens `count` WebSocket clients on
 * `url`, says `open`; on `{ total }` waits until every client has read event `total`, then posts
 * each (client, event) latency (receipt − the recorder's `detectedAt`), the bytes read, the
 * thread's CPU since `open` and the times of the first and last receipt. Not run by itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';

export interface ClientsData {
  readonly url: string;
  readonly count: number;
}

export type ClientsReply =
  | { readonly kind: 'open' }
  | { readonly kind: 'behind'; readonly behind: number }
  | {
      readonly kind: 'done';
      readonly latencies: Float64Array;
      /** Per latency: the event's id and the client's index (per-client and per-event statistics). */
      readonly ids: Int32Array;
      readonly who: Uint16Array;
      readonly n: number;
      readonly bytes: number;
      /** CPU of this thread from `open` to the last receipt (ms). */
      readonly cpuMs: number;
      /** Wall time of the first and last event receipt (the `now` clock, ms). */
      readonly firstAt: number;
      readonly lastAt: number;
    };

const port = parentPort;
if (port === null) throw new Error('bench/stream-clients.ts runs as a worker of bench/stream.bench.ts');
const { url, count } = workerData as ClientsData;
/** High-resolution wall clock (ms), comparable across processes (as bench/served-child.ts `now`). */
const now = () => performance.timeOrigin + performance.now();

/** `{"kind":"event","id":` — an event message starts so (eventText), its id follows. */
const ID_AT = 21;
/** `ev` of "event" at offsets 9 and 10 (not "error"). */
const KIND_E = 0x65;
const KIND_V = 0x76;
const DETECTED = Buffer.from('"detectedAt":');

let lat = new Float64Array(1 << 20);
let ids = new Int32Array(1 << 20);
let who = new Uint16Array(1 << 20);
let n = 0;
let firstAt = 0;
let lastAt = 0;
let bytes = 0;
const last = new Int32Array(count);
const sockets: WebSocket[] = [];

/** The digits of a non-negative integer at `at` (up to the first non-digit). */
function intAt(d: Buffer, at: number): number {
  let x = 0;
  for (let i = at; i < d.length; i++) {
    const c = d[i] as number;
    if (c < 0x30 || c > 0x39) break;
    x = x * 10 + (c - 0x30);
  }
  return x;
}

function open(i: number): Promise<void> {
  const ws = new WebSocket(`${url}/v1/stream?after=0`, { perMessageDeflate: false, skipUTF8Validation: true });
  sockets[i] = ws;
  ws.on('message', (d: Buffer) => {
    const t = now();
    bytes += d.length;
    // The id and emit time read from the bytes, without decoding the message (the clients share one core).
    if (d[9] !== KIND_E || d[10] !== KIND_V) return;
    const k = d.indexOf(DETECTED, ID_AT) + DETECTED.length;
    const end = d.indexOf(0x2c, k);
    const id = intAt(d, ID_AT);
    last[i] = id;
    if (firstAt === 0) firstAt = t;
    lastAt = t;
    if (n === lat.length) {
      const bigger = new Float64Array(lat.length * 2);
      bigger.set(lat);
      lat = bigger;
      const biggerIds = new Int32Array(ids.length * 2);
      biggerIds.set(ids);
      ids = biggerIds;
      const biggerWho = new Uint16Array(who.length * 2);
      biggerWho.set(who);
      who = biggerWho;
    }
    ids[n] = id;
    who[n] = i;
    lat[n++] = t - Number(d.toString('latin1', k, end));
  });
  return new Promise((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
}

// Opened 50 at a time (the server's accept queue), each one live from id 0.
for (let i = 0; i < count; i += 50) {
  const batch: Promise<void>[] = [];
  for (let k = i; k < Math.min(count, i + 50); k++) batch.push(open(k));
  await Promise.all(batch);
}
const cpu0 = process.threadCpuUsage();
port.postMessage({ kind: 'open' } satisfies ClientsReply);

port.once('message', async ({ total, timeoutMs }: { total: number; timeoutMs: number }) => {
  const deadline = Date.now() + timeoutMs;
  while (last.some((x) => x < total)) {
    if (Date.now() > deadline) {
      port.postMessage({ kind: 'behind', behind: last.filter((x) => x < total).length } satisfies ClientsReply);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.threadCpuUsage(cpu0);
  for (const ws of sockets) ws.terminate();
  const out = lat.slice(0, n);
  const outIds = ids.slice(0, n);
  const outWho = who.slice(0, n);
  port.postMessage(
    {
      kind: 'done',
      latencies: out,
      ids: outIds,
      who: outWho,
      n,
      bytes,
      cpuMs: (cpu.user + cpu.system) / 1000,
      firstAt,
      lastAt,
    } satisfies ClientsReply,
    [out.buffer, outIds.buffer, outWho.buffer],
  );
  port.close();
});
