/**
 * The extra client of bench/stream.bench.ts in a process of its own (--extra-process): opens one
 * WebSocket client on `url` (argv[2]) from id 0 and says `open`; with `stall` (argv[3]) its socket
 * is paused at once and never read until the parent says `resume`; ends when its stdin closes,
 * saying `closed <code> <reason>` first if the server closed it. Not run by itself.
 */
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';

const [url, mode] = process.argv.slice(2).filter((a) => a !== '--child');
if (url === undefined) throw new Error('bench/stream-extra.ts is run by bench/stream.bench.ts');
const ws = new WebSocket(`${url}/v1/stream?after=0`, { perMessageDeflate: false });
const socket = () => (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
ws.on('error', () => {});
ws.on('close', (code, reason) => {
  if (code !== 1006) process.stdout.write(`closed ${code} ${String(reason)}\n`);
});
ws.once('open', () => {
  if (mode === 'stall') socket().pause();
  process.stdout.write('open\n');
});
for await (const l of createInterface({ input: process.stdin })) if (l === 'resume') socket().resume();
ws.terminate();
