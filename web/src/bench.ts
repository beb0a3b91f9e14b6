import type { HeatmapChart } from './chart.ts';
import { Grid, SLOT_MS } from './grid.ts';

/**
 * The frame-time measurement the end-to-end test runs in the browser (`/?bench`): a synthetic
 * cols × rows grid in the real chart, panned then zoomed one step per animation frame. Reports
 * the frame interval the browser achieved (fps) and the chart's own render time per frame.
 */
export interface BenchResult {
  cols: number;
  rows: number;
  frames: number;
  /** Median of 1000 / (interval between frames). */
  medianFps: number;
  p95FrameMs: number;
  medianRenderMs: number;
  p95RenderMs: number;
  /** Mean time to append one column (paint included). */
  appendMs: number;
}

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = xs.toSorted((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

export async function runBench(chart: HeatmapChart, o: { cols?: number; rows?: number; frames?: number } = {}): Promise<BenchResult> {
  const cols = o.cols ?? 1000;
  const rows = o.rows ?? 500;
  const frames = o.frames ?? 240;
  const width = 10;
  const t0 = Date.UTC(2026, 0, 1);
  const g = new Grid(width, 9000, rows, t0, Math.max(cols + 16, 2048));
  // Deterministic bands that drift, like clusters of liquidation prices around a moving mark.
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const ta = performance.now();
  for (let c = 0; c < cols; c++) {
    const mark = 9000 + rows / 2 + 40 * Math.sin(c / 90);
    const values = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const d = Math.abs(r + 9000 - mark);
      values[r] = d < 8 ? 0 : 2e8 * Math.exp(-(((d % 60) - 30) ** 2) / 40) * (0.2 + rnd()) + 2e4 * rnd();
    }
    g.append({ time: t0 + c * SLOT_MS, markPx: mark * width, cells: { fromIdx: 9000, values } });
  }
  const appendMs = (performance.now() - ta) / cols;
  chart.zones = [];
  chart.markers = [];
  chart.buckets = [];
  chart.setGrid(g);
  const base = { ...chart.view };
  const spanT = base.t1 - base.t0;
  const spanP = base.p1 - base.p0;
  const stamps: number[] = [];
  const render: number[] = [];
  await new Promise<void>((done) => {
    let i = 0;
    const step = (ts: number) => {
      stamps.push(ts);
      const half = frames / 2;
      if (i < half) {
        // Pan: the view slides across time and price.
        const f = Math.sin((i / half) * Math.PI * 2);
        chart.view = {
          t0: base.t0 + 0.3 * spanT * f,
          t1: base.t1 + 0.3 * spanT * f,
          p0: base.p0 + 0.2 * spanP * f,
          p1: base.p1 + 0.2 * spanP * f,
        };
      } else {
        // Zoom: in to a tenth and back out, around the centre.
        const z = 0.1 + 0.9 * Math.abs(Math.cos(((i - half) / half) * Math.PI));
        const ct = base.t0 + spanT / 2;
        const cp = base.p0 + spanP / 2;
        chart.view = { t0: ct - (z * spanT) / 2, t1: ct + (z * spanT) / 2, p0: cp - (z * spanP) / 2, p1: cp + (z * spanP) / 2 };
      }
      const t = performance.now();
      chart.renderNow();
      render.push(performance.now() - t);
      if (++i < frames) requestAnimationFrame(step);
      else done();
    };
    requestAnimationFrame(step);
  });
  const intervals = stamps.slice(1).map((s, k) => s - (stamps[k] as number));
  return {
    cols,
    rows,
    frames,
    medianFps: 1000 / median(intervals),
    p95FrameMs: quantile(intervals, 0.95),
    medianRenderMs: median(render),
    p95RenderMs: quantile(render, 0.95),
    appendMs,
  };
}
