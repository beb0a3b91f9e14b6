import { plural } from '../domain/format.ts';
import type { GlassEvent } from '../domain/glass-event.ts';
import { HeatmapEngine, type HeatmapOptions } from '../engine/heatmap/engine.ts';
import { Pipeline, type PipelineOptions } from '../pipeline/pipeline.ts';
import { InputError } from '../recording/errors.ts';
import { readRecordingBatches, TruncatedInput } from '../recording/reader.ts';
import { note, out } from './output.ts';
import { progress } from './progress.ts';

const MAX_LISTED = 20;

/**
 * Plays a file (recording or single venue response) through the pipeline, listing rejected lines
 * on stderr (at most 20, then a count). `setup` wires engines to the pipeline's buses before the
 * first message; the pipeline is returned for its book and summary. Progress goes to stderr when
 * it is a terminal; between read batches it waits while stdout's reader is behind (what the
 * engines print as they go stays bounded) and stops when that reader is gone. A gzip stream that
 * breaks keeps every line before the break and says where it broke (an error under --strict).
 */
export async function playFile(
  file: string,
  setup: (p: Pipeline) => void,
  opts: { strict?: boolean; quiet?: boolean } = {},
): Promise<Pipeline> {
  let listed = 0;
  const quiet = opts.quiet === true || opts.strict === true;
  const popts: PipelineOptions = {
    strict: opts.strict === true,
    onReject: (r) => {
      if (!quiet && listed++ < MAX_LISTED) note(`${file}: line ${r.line}: ${r.message}`);
    },
  };
  const pipeline = new Pipeline(popts);
  setup(pipeline);
  const shown = progress(file);
  let lines = 0;
  try {
    for await (const batch of readRecordingBatches(file, { onRead: (b, size) => shown.read(b, size) })) {
      for (const item of batch) pipeline.ingest(item);
      lines += batch.length;
      shown.lines(lines);
      await out.flowing();
    }
  } catch (e) {
    if (!(e instanceof TruncatedInput)) throw e;
    if (opts.strict === true) throw new InputError(`${e.where} (--strict)`, { cause: e });
    note(e.message);
  } finally {
    shown.done();
  }
  if (listed > MAX_LISTED) note(`${file}: … ${plural(listed - MAX_LISTED, 'more rejected line')}`);
  if (pipeline.messages === 0) {
    throw new InputError(`${file}: no valid message${pipeline.rejects > 0 ? ` (${plural(pipeline.rejects, 'rejected line')})` : ''}`);
  }
  return pipeline;
}

/** Plays a file with a Heatmap Engine on the pipeline's book; the engine as the file leaves it. */
export async function playHeatmap(
  file: string,
  opts: { strict?: boolean } = {},
  emit: (e: GlassEvent) => void = () => {},
  heatOpts: Partial<HeatmapOptions> = {},
): Promise<HeatmapEngine> {
  const made: { heat?: HeatmapEngine } = {};
  await playFile(
    file,
    (p) => {
      made.heat = new HeatmapEngine(p.book, emit, heatOpts);
      p.attach(made.heat);
    },
    opts,
  );
  if (made.heat === undefined) throw new Error('playFile returned without running its set-up');
  return made.heat;
}
