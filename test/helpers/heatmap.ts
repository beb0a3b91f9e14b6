import type { GlassEvent } from '../../src/domain/glass-event.ts';
import { HeatmapEngine } from '../../src/engine/heatmap/engine.ts';
import { PositionBook } from '../../src/engine/position-book/book.ts';

/** A position book with a Heatmap Engine listening to it, as the pipeline wires them (no normalizer). */
export function bookWithHeatmap(emit: (e: GlassEvent) => void = () => {}): { book: PositionBook; heat: HeatmapEngine } {
  const sink: { heat?: HeatmapEngine } = {};
  const book = new PositionBook({
    change: (c) => sink.heat?.onChange(c),
    drift: () => {},
    account: (walletId, snapshot, slots) => sink.heat?.onAccount({ walletId, snapshot, slots }),
  });
  const heat = new HeatmapEngine(book, emit);
  sink.heat = heat;
  return { book, heat };
}
