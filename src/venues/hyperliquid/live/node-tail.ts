import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordError } from '../../../recording/errors.ts';
import type { RawMessage } from '../../../recording/format.ts';
import { parseNodeBlockLine } from '../../../recording/reader.ts';

/** Every file under `dir` (recursively), as the node lays out `node_fills_by_block/hourly/<date>/<hour>`. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Hourly files sort by their path: `…/20250101/9` before `…/20250101/10` needs numeric order. */
function byHour(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * Follows a non-validator node's `node_fills_by_block` directory as the node writes it: reads the
 * newest hourly file from where it left off, keeps a partial last line until its newline arrives,
 * and moves to the next file when one appears (after draining the current one). Polling, not
 * fs.watch: the node appends from another process and watch events are unreliable across
 * filesystems. Each complete line goes to `sink` exactly once.
 */
export class NodeFillsTail {
  private readonly dir: string;
  private readonly sink: (item: RawMessage | RecordError) => void;
  private file: string | null = null;
  private offset = 0;
  private partial = '';
  private line = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(dir: string, sink: (item: RawMessage | RecordError) => void, opts: { fromStart?: boolean } = {}) {
    this.dir = dir;
    this.sink = sink;
    if (opts.fromStart !== true) {
      // Live: start at the end of the newest file, as a recorder joining mid-hour would.
      const newest = filesUnder(dir).sort(byHour).at(-1);
      if (newest !== undefined) {
        this.file = newest;
        this.offset = statSync(newest).size;
      }
    }
  }

  start(pollMs = 250): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), pollMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.poll();
  }

  /** Reads whatever has been appended; switches to the next hourly file once this one is drained. */
  poll(): void {
    const files = filesUnder(this.dir).sort(byHour);
    if (this.file === null) {
      if (files.length === 0) return;
      this.file = files[0] as string;
      this.offset = 0;
    }
    for (;;) {
      this.drain(this.file);
      const next = files.find((f) => byHour(f, this.file as string) > 0);
      if (next === undefined) return;
      // The node has moved on: whatever is still partial in the old file is as complete as it gets.
      if (this.partial.length > 0) this.emit(this.partial);
      this.partial = '';
      this.file = next;
      this.offset = 0;
    }
  }

  private drain(file: string): void {
    const size = statSync(file).size;
    if (size <= this.offset) return;
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) this.emit(l);
    } finally {
      closeSync(fd);
    }
  }

  private emit(text: string): void {
    const r = parseNodeBlockLine(text, ++this.line);
    if (r !== null) this.sink(r);
  }
}
