import { setStatus } from './output.ts';

/** Redraws at most this often: a few times a second is enough to see it move. */
const REDRAW_MS = 250;

/**
 * Progress of long work, on stderr, redrawn in place with `\r` and cleared at the end. Shown only
 * when stderr is a terminal (never into a pipe or a log file, so tests and scripts stay clean);
 * `GLASS_PROGRESS=1` forces it on, `GLASS_PROGRESS=0` off.
 */
export function progressWanted(): boolean {
  const env = process.env['GLASS_PROGRESS'];
  if (env === '1') return true;
  if (env === '0') return false;
  return process.stderr.isTTY === true;
}

export interface Progress {
  /** How far the read is: bytes of the file read, its size when known (null: unknown). */
  read(bytes: number, size: number | null): void;
  /** Lines (or items) handled so far, and optionally what they reached (e.g. recorded time). */
  lines(n: number, extra?: string): void;
  /** A stage of work without a measure (e.g. one suite of the benchmark). */
  stage(text: string): void;
  /** Clears the line; the output that follows starts clean. */
  done(): void;
}

const NONE: Progress = { read: () => {}, lines: () => {}, stage: () => {}, done: () => {} };

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/**
 * A progress line labelled `label` (usually the file), or one that does nothing when not wanted.
 * A caller that counts lines draws with `lines()` after each read (every frame then has both);
 * one that does not (`countsLines: false`) draws with `read()`.
 */
export function progress(label: string, opts: { countsLines?: boolean; now?: () => number } = {}): Progress {
  const now = opts.now ?? (() => performance.now());
  const drawOnRead = opts.countsLines === false;
  if (!progressWanted()) return NONE;
  const t0 = now();
  let bytes = 0;
  let size: number | null = null;
  let lines = 0;
  let extra = '';
  let stage = '';
  let drawn = Number.NEGATIVE_INFINITY;
  let finished = false;
  const draw = (force: boolean) => {
    const t = now();
    if (finished || (!force && t - drawn < REDRAW_MS)) return;
    drawn = t;
    const secs = Math.max((t - t0) / 1000, 1e-3);
    const parts: string[] = [];
    if (stage !== '') parts.push(stage);
    if (bytes > 0) {
      const pct = size !== null && size > 0 ? ` of ${fmtBytes(size)} (${Math.min(100, (100 * bytes) / size).toFixed(0)}%)` : '';
      parts.push(`${fmtBytes(bytes)}${pct}, ${fmtBytes(bytes / secs)}/s`);
    }
    if (lines > 0) parts.push(`${Math.round(lines).toLocaleString('en-US')} lines (${Math.round(lines / secs).toLocaleString('en-US')}/s)`);
    if (extra !== '') parts.push(extra);
    parts.push(`${secs.toFixed(0)} s`);
    setStatus(`${label}: ${parts.join(', ')}`);
  };
  return {
    read(b, s) {
      bytes = b;
      size = s;
      if (drawOnRead) draw(false);
    },
    lines(n, e) {
      lines = n;
      if (e !== undefined) extra = e;
      draw(false);
    },
    stage(text) {
      stage = text;
      draw(true);
    },
    done() {
      if (finished) return;
      finished = true;
      setStatus(null);
    },
  };
}
