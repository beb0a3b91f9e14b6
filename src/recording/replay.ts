import { setTimeout as sleep } from 'node:timers/promises';
import { RecordError } from './errors.ts';
import { type ReadItem, type ReadOptions, readRecordingBatches } from './reader.ts';

/** `max`, or a multiple of recorded time ("10x" plays ten recorded seconds per second). */
export type Speed = { readonly kind: 'max' } | { readonly kind: 'x'; readonly factor: number };

export function parseSpeed(s: string): Speed | null {
  if (s === 'max') return { kind: 'max' };
  const m = /^(\d+(?:\.\d+)?)x?$/.exec(s);
  const f = m === null ? Number.NaN : Number(m[1]);
  return f > 0 ? { kind: 'x', factor: f } : null;
}

/**
 * Reads a recording at the requested pace. Pacing is wall-clock work and lives here, at the
 * edge; the items themselves carry only recorded time. At `max` it hands on whole read batches.
 */
export async function* replay(path: string, speed: Speed, opts: ReadOptions = {}): AsyncGenerator<ReadItem[]> {
  if (speed.kind === 'max') {
    yield* readRecordingBatches(path, opts);
    return;
  }
  let t0 = Number.NaN;
  let wall0 = 0;
  for await (const batch of readRecordingBatches(path, opts))
    for (const item of batch) {
      if (!(item instanceof RecordError)) {
        if (t0 !== t0) {
          t0 = item.ts;
          wall0 = performance.now();
        }
        const due = wall0 + (item.ts - t0) / speed.factor;
        const ahead = due - performance.now();
        if (ahead > 1) await sleep(ahead);
      }
      yield [item];
    }
}
