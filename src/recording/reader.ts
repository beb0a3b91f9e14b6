import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isObj } from '../venues/decode.ts';
import { bytesAre, DECLINE, JsonScanner } from '../venues/json-scan.ts';
import { documentMessages } from './document.ts';
import { InputError, RecordError } from './errors.ts';
import { isVenue, type RawBytes, type RawMessage } from './format.ts';

export type ReadItem = RawMessage | RawBytes | RecordError;

/** Told after each read how far into the file it is (bytes of the file itself, compressed or not). */
export type OnRead = (fileBytes: number, fileSize: number) => void;

export interface ReadOptions {
  readonly onRead?: OnRead;
}

/**
 * A gzip stream that ends early or breaks: every complete line before the break was read and
 * handed on; the reader ends with this so the caller can say so (and go on, or stop under --strict).
 */
export class TruncatedInput extends InputError {
  /** The last complete line read (0: none). */
  readonly line: number;
  /** Where it broke, without saying what was kept (for a caller that stops there, e.g. --strict). */
  readonly where: string;

  constructor(path: string, line: number, what: string, options?: ErrorOptions) {
    super(`${path}: ${what} after line ${line}; kept what came before`, options);
    this.name = 'TruncatedInput';
    this.line = line;
    this.where = `${path}: ${what} after line ${line}`;
  }
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function checkFile(path: string): Promise<number> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InputError(`${path}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? String(e)})`, { cause: e });
  }
  if (size === 0) throw new InputError(`${path}: empty file, no messages`);
  return size;
}

/** The file as a stream of bytes (gunzipped when it is gzip), and how much of the file is read. */
async function byteStream(path: string): Promise<{ bytes: Readable; read: () => number; size: number; gzip: boolean }> {
  const size = await checkFile(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const gzip = await isGzip(path);
  // pipe() does not pass the source's errors on: a read error is raised on the gunzip stream too.
  const bytes = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (e) => bytes.destroy(e));
  return { bytes, read: () => raw.bytesRead, size, gzip };
}

/**
 * Lines of a (possibly gzipped) text file in batches: one await per chunk, not per line, keeps
 * replay's per-line cost at the parse itself.
 */
export async function* readLineBatches(path: string): AsyncGenerator<string[]> {
  // Chunks end on a newline, which is never inside a UTF-8 sequence: each decodes on its own.
  for await (const { bytes, start, end } of readChunks(path, {})) yield bytes.toString('utf8', start, end).split('\n');
}

/**
 * A non-validator node's `node_fills_by_block` file: one block per line,
 * `{block_number, block_time, local_time, events: [[user, fill], …]}`. Every fill of the venue,
 * with the same fields as the API's; the node's receive time is the line's `local_time`.
 */
function isNodeBlockLine(text: string): boolean {
  try {
    const v = JSON.parse(text) as unknown;
    return isObj(v) && 'block_number' in v && Array.isArray(v['events']);
  } catch {
    return false;
  }
}

export function parseNodeBlockLine(text: string, line: number): RawMessage | RecordError | null {
  if (text.length === 0 || text === '\r') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return new RecordError(line, `not valid JSON, truncated or corrupt (${(e as Error).message})`);
  }
  if (!isObj(v) || !Array.isArray(v['events'])) return new RecordError(line, 'expected a node block {block_number, block_time, events}');
  const ts = nodeTs(v['local_time'], v['block_time']);
  if (!Number.isFinite(ts)) return new RecordError(line, 'field local_time: expected an ISO time');
  return { line, ts, venue: 'hyperliquid', msg: v };
}

/** A node block's receive time: `local_time`, else `block_time` (ISO, UTC unless a zone is named). */
function nodeTs(local: unknown, block: unknown): number {
  const at = (v: unknown) => (typeof v === 'string' ? Date.parse(`${v}${/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? '' : 'Z'}`) : Number.NaN);
  const t = at(local);
  return Number.isFinite(t) ? t : at(block);
}

const nodeScan = new JsonScanner();

/**
 * A node block line kept as bytes, for the normalizer to decode in place (HyperliquidNormalizer
 * `normalizeBytes`): its receive time is read from the time keys before `events`, where the node
 * writes them. Null when they come later, twice or escaped, and `parseNodeBlockLine` reads it.
 */
export function scanNodeLine(bytes: Buffer, from: number, to: number, line: number): RawBytes | null {
  const msgTo = to - (bytes[to - 1] === 13 ? 1 : 0);
  const j = nodeScan;
  j.reset(bytes, from, msgTo);
  let local: unknown;
  let block: unknown;
  try {
    j.ch(123);
    for (;;) {
      j.key();
      if (j.is('events')) break;
      const isLocal = j.is('local_time');
      if (isLocal || j.is('block_time')) {
        if ((isLocal ? local : block) !== undefined) return null;
        let v: string | null = null;
        if (j.peek() === 34) v = j.str();
        else j.skip();
        if (isLocal) local = v;
        else block = v;
      } else j.other();
      if (!j.more(125)) return null;
    }
  } catch (e) {
    if (e !== DECLINE) throw e;
    return null;
  }
  const ts = nodeTs(local, block);
  if (!Number.isFinite(ts)) return null;
  return { line, ts, venue: 'hyperliquid', bytes, lineFrom: from, lineTo: to, msgFrom: from, msgTo, node: true };
}

const ENVELOPE_HEAD = '{"ts":';
const ENVELOPE_MSG = ',"venue":"hyperliquid","msg":';
const SCANNED_MSGS = [
  '{"channel":"trades",',
  '{"channel":"userFills",',
  '{"request":{"type":"clearinghouseState"',
  '{"channel":"allMids",',
  '{"channel":"activeAssetCtx",',
  '{"channel":"l2Book",',
];

/**
 * The recorder's own envelope, `{"ts":<int>,"venue":"hyperliquid","msg":…}`, on the line
 * `[from, to)` of `bytes`, read without decoding the message, for the messages the normalizer
 * decodes from bytes; null for anything else, which `parseRecordLine` reads.
 */
export function scanRecordLine(bytes: Buffer, from: number, to: number, line: number): RawBytes | null {
  if (!bytesAre(bytes, from, ENVELOPE_HEAD)) return null;
  const tsFrom = from + ENVELOPE_HEAD.length;
  let i = tsFrom;
  let ts = 0;
  for (let c = bytes[i] as number; c >= 48 && c <= 57 && i < to; c = bytes[++i] as number) ts = ts * 10 + (c - 48);
  const digits = i - tsFrom;
  if (digits === 0 || digits > 15 || (digits > 1 && bytes[tsFrom] === 48)) return null;
  if (!bytesAre(bytes, i, ENVELOPE_MSG)) return null;
  const msgFrom = i + ENVELOPE_MSG.length;
  const msgTo = to - (bytes[to - 1] === 13 ? 2 : 1);
  if (msgTo <= msgFrom || bytes[msgTo] !== 125) return null;
  for (const head of SCANNED_MSGS) {
    if (bytesAre(bytes, msgFrom, head)) return { line, ts, venue: 'hyperliquid', bytes, lineFrom: from, lineTo: to, msgFrom, msgTo };
  }
  return null;
}

/** A line kept as bytes, decoded and parsed after all (the normalizer declined it, or a consumer wants `msg`). */
export function parsedLine(item: RawMessage | RawBytes): RawMessage | RecordError {
  if (!('bytes' in item)) return item;
  const text = item.bytes.toString('utf8', item.lineFrom, item.lineTo);
  return (
    (item.node === true ? parseNodeBlockLine(text, item.line) : parseRecordLine(text, item.line)) ??
    new RecordError(item.line, 'empty line')
  );
}

/** One recording line → a RawMessage, or the reason it is not one. */
export function parseRecordLine(text: string, line: number): RawMessage | RecordError | null {
  if (text.length === 0 || text === '\r') return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return new RecordError(line, `not valid JSON, truncated or corrupt (${(e as Error).message})`);
  }
  if (!isObj(v)) return new RecordError(line, 'expected a JSON object {ts, venue, msg}');
  const ts = v['ts'];
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return new RecordError(line, 'field ts: expected receive time in ms');
  const venue = v['venue'];
  if (!isVenue(venue)) return new RecordError(line, `field venue: expected "hyperliquid", got ${JSON.stringify(venue)}`);
  if (!('msg' in v)) return new RecordError(line, 'field msg: missing');
  return { line, ts, venue, msg: v['msg'] };
}

/**
 * Streams a recording in batches (one await per read chunk, not per line). A file that is one
 * JSON document (a saved /info response such as the fixtures, `{request, response, recordedAt}`
 * or a bare response) is read as a single message.
 */
export async function* readRecordingBatches(path: string, opts: ReadOptions = {}): AsyncGenerator<ReadItem[]> {
  let line = 0;
  let first = true;
  let nodeFills = false;
  for await (const { bytes, start, end } of readChunks(path, opts)) {
    if (first) {
      first = false;
      const nl = bytes.indexOf(10, start);
      const firstLine = bytes.toString('utf8', start, nl < 0 || nl > end ? end : nl);
      const head = parseRecordLine(firstLine, 1);
      if (head instanceof RecordError && isNodeBlockLine(firstLine)) nodeFills = true;
      else if ((head === null || head instanceof RecordError) && looksLikeDocument(firstLine)) {
        yield await readDocument(path);
        return;
      }
    }
    const out: ReadItem[] = [];
    for (let from = start; from < end; ) {
      let to = bytes.indexOf(10, from);
      if (to < 0 || to > end) to = end;
      line++;
      const r = nodeFills
        ? (scanNodeLine(bytes, from, to, line) ?? parseNodeBlockLine(bytes.toString('utf8', from, to), line))
        : (scanRecordLine(bytes, from, to, line) ?? parseRecordLine(bytes.toString('utf8', from, to), line));
      if (r !== null) out.push(r);
      from = to + 1;
    }
    yield out;
  }
}

/**
 * The file's bytes in read chunks, each `[start, end)` of whole lines (a line split across two
 * reads is joined into a piece of its own), so lines are read in place instead of copied.
 */
async function* readChunks(path: string, opts: ReadOptions): AsyncGenerator<{ bytes: Buffer; start: number; end: number }> {
  const s = await byteStream(path);
  let rest: Buffer = Buffer.alloc(0);
  /** Complete lines handed on so far: where a broken gzip stream is said to break. */
  let lines = 0;
  const count = (b: Buffer, from: number, to: number) => {
    for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) lines++;
  };
  try {
    for await (const chunk of s.bytes as AsyncIterable<Buffer>) {
      opts.onRead?.(s.read(), s.size);
      const last = chunk.lastIndexOf(10);
      if (last < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const firstNl = chunk.indexOf(10);
      if (rest.length > 0) {
        const joined = Buffer.concat([rest, chunk.subarray(0, firstNl)]);
        if (s.gzip) count(chunk, 0, last + 1);
        yield { bytes: joined, start: 0, end: joined.length };
        if (firstNl < last) yield { bytes: chunk, start: firstNl + 1, end: last };
      } else {
        if (s.gzip) count(chunk, 0, last + 1);
        yield { bytes: chunk, start: 0, end: last };
      }
      rest = Buffer.from(chunk.subarray(last + 1));
    }
  } catch (e) {
    // A broken gzip stream: the complete lines before the break were handed on; the partial
    // line after the last newline is dropped (it is cut, not the writer's last line).
    const code = (e as NodeJS.ErrnoException).code;
    if (s.gzip && code === 'Z_BUF_ERROR') throw new TruncatedInput(path, lines, 'gzip stream truncated', { cause: e });
    if (s.gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new TruncatedInput(path, lines, `gzip stream corrupt (${(e as Error).message})`, { cause: e });
    }
    throw new InputError(`${path}: ${(e as Error).message}`, { cause: e });
  }
  if (rest.length > 0) yield { bytes: rest, start: 0, end: rest.length };
}

/** The same, one item at a time. */
export async function* readRecording(path: string): AsyncGenerator<ReadItem> {
  for await (const batch of readRecordingBatches(path)) yield* batch;
}

function looksLikeDocument(firstLine: string): boolean {
  const t = firstLine.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

async function readDocument(path: string): Promise<ReadItem[]> {
  let text = '';
  for await (const b of readLineBatches(path)) text += `${b.join('\n')}\n`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [new RecordError(1, `neither a recording (NDJSON {ts, venue, msg}) nor one JSON document (${(e as Error).message})`)];
  }
  return documentMessages(documentMessage(doc));
}

/** A saved venue response as a message: the fixture wrapper keeps its request; a bare body gets one. */
export function documentMessage(doc: unknown): RawMessage {
  const recordedAt = isObj(doc) && typeof doc['recordedAt'] === 'string' ? Date.parse(doc['recordedAt']) : Number.NaN;
  const ts = Number.isFinite(recordedAt) ? recordedAt : isObj(doc) && typeof doc['time'] === 'number' ? doc['time'] : 0;
  if (isObj(doc) && ('request' in doc || 'channel' in doc)) return { line: 0, ts, venue: 'hyperliquid', msg: doc };
  if (isObj(doc) && 'assetPositions' in doc) {
    return { line: 0, ts, venue: 'hyperliquid', msg: { request: { type: 'clearinghouseState' }, response: doc } };
  }
  if (isObj(doc) && 'universe' in doc) return { line: 0, ts, venue: 'hyperliquid', msg: { request: { type: 'meta' }, response: doc } };
  return { line: 0, ts, venue: 'hyperliquid', msg: doc };
}
