/**
 * Where commands write: stdout for results (JSON when asked), stderr for progress and notes.
 *
 * Every result goes through `out`, which does two things a bare `process.stdout.write` does not:
 * it honours back-pressure (a caller awaits `line()` or `flowing()`, and waits for 'drain' while
 * the reader is behind, so memory stays bounded however much is printed), and it ends the command
 * quietly when the reader goes away (`glass … | head -1`): the write error is taken as "nobody is
 * listening", further output is dropped, and the next await throws `PipeClosed`, which `main`
 * turns into exit 0 with nothing on stderr.
 */

/** The reader of stdout closed its end of the pipe: not an error, the command just stops. */
export class PipeClosed extends Error {
  constructor() {
    super('stdout closed');
    this.name = 'PipeClosed';
  }
}

type Sink = NodeJS.WritableStream & { readonly writableNeedDrain?: boolean; readonly destroyed?: boolean };

/** A stdout that waits for its reader and stops quietly when the reader is gone. */
export class Output {
  private readonly stream: Sink;
  private closed = false;
  private watching = false;
  private wake: (() => void)[] = [];

  constructor(stream: Sink) {
    this.stream = stream;
  }

  /** Listens for the reader going away (EPIPE); the error is then expected, never thrown. */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') note(`glass: cannot write the output (${e.code ?? e.message})`);
      this.close();
    });
    this.stream.on('drain', () => this.release());
    this.stream.on('close', () => this.close());
  }

  /** True once the reader went away; everything written after is dropped. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes now (for synchronous callbacks); a loop that writes much awaits `flowing()` between pieces. */
  write(text: string): void {
    if (this.closed || this.stream.destroyed === true) return;
    this.stream.write(text);
  }

  /** Resolves when the reader has room again; throws PipeClosed once it is gone. */
  flowing(): Promise<void> {
    const p = this.room();
    // Handled here so a caller that does not await cannot turn a closed pipe into a crash;
    // one that awaits still gets the PipeClosed.
    p.catch(() => {});
    return p;
  }

  /** One line of output, waiting while the reader is behind. */
  line(text: string): Promise<void> {
    this.write(`${text}\n`);
    return this.flowing();
  }

  /** Resolves when everything written has reached the reader, or the reader is gone (never throws). */
  async drained(): Promise<void> {
    while (!this.closed && this.stream.writableNeedDrain === true) await new Promise<void>((r) => this.wake.push(r));
  }

  private async room(): Promise<void> {
    await this.drained();
    if (this.closed) throw new PipeClosed();
  }

  private close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const w = this.wake;
    this.wake = [];
    for (const r of w) r();
  }
}

export const out = new Output(process.stdout);

export function printJson(v: unknown): Promise<void> {
  return out.line(JSON.stringify(v, null, 2));
}

export function printNdjson(v: unknown): Promise<void> {
  return out.line(JSON.stringify(v));
}

/** Text as it is (it carries its own newlines), waiting while the reader is behind. */
export function printText(text: string): Promise<void> {
  out.write(text);
  return out.flowing();
}

/** A status line drawn in place on stderr (progress); a note clears it first. */
let statusShown = false;

export function setStatus(text: string | null): void {
  if (text === null) {
    if (statusShown) process.stderr.write('\r\x1b[K');
    statusShown = false;
    return;
  }
  process.stderr.write(`\r${text}\x1b[K`);
  statusShown = true;
}

export function note(line: string): void {
  if (statusShown) {
    process.stderr.write(`\r\x1b[K${line}\n`);
    statusShown = false;
  } else process.stderr.write(`${line}\n`);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
