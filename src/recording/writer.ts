import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Venue } from '../domain/market-event.ts';
import { recordLine } from './format.ts';

const FLUSH_BYTES = 1 << 20;

/**
 * Appends records, batched into 1 MiB writes. A `.gz` path is written as a series of gzip
 * members (one per batch), which every gunzip reads as one stream; batching by size, not time,
 * keeps the bytes a pure function of the records.
 */
export class RecordingWriter {
  private readonly fd: number;
  private readonly gzip: boolean;
  private parts: string[] = [];
  private size = 0;
  lines = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.gzip = path.endsWith('.gz');
  }

  write(ts: number, venue: Venue, msg: unknown): void {
    const line = recordLine(ts, venue, msg);
    this.parts.push(line);
    this.size += line.length;
    this.lines++;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    const buf = this.gzip ? gzipSync(text, { level: 6 }) : Buffer.from(text, 'utf8');
    writeSync(this.fd, buf);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
