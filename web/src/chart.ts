import type { BucketT, ZoneT } from './api.ts';
import { cssOf, legendTicks } from './colors.ts';
import { fmtDistance, fmtPx, fmtTime, fmtUsd } from './format.ts';
import { type Grid, SLOT_MS } from './grid.ts';

/**
 * The heatmap chart: three stacked canvases. `grid` holds only the cells (one scaled blit of the
 * Grid's image per frame; the end-to-end test reads its pixels), `overlay` the mark line, zones,
 * markers, depth profile and axes, `cross` the crosshair (redrawn alone on pointer moves).
 */

export interface Marker {
  readonly time: number;
  readonly px: number;
  readonly notionalUsd: number;
  readonly side: 'long' | 'short';
  readonly kind: 'whale' | 'syndicate';
  readonly eventId: number;
  readonly label: string;
}

export interface Viewport {
  t0: number;
  t1: number;
  p0: number;
  p1: number;
}

export interface RiskLines {
  readonly entry: number;
  readonly liquidationPx: number | null;
  readonly stop: number | null;
}

const AXIS_RIGHT = 64;
const PROFILE_W = 72;
const AXIS_BOTTOM = 22;
/** Width (CSS px) of a zone's outline box, ending at the newest column. */
const ZONE_BOX = 96;
const MAX_ZONE_LABELS = 8;

interface Palette {
  bg: string;
  fg: string;
  muted: string;
  grid: string;
  mark: string;
  long: string;
  short: string;
  panel: string;
}

export class HeatmapChart {
  readonly root: HTMLElement;
  readonly gridCanvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly cross: HTMLCanvasElement;
  private readonly gctx: CanvasRenderingContext2D;
  private readonly octx: CanvasRenderingContext2D;
  private readonly cctx: CanvasRenderingContext2D;
  grid: Grid | null = null;
  zones: ZoneT[] = [];
  buckets: BucketT[] = [];
  markers: Marker[] = [];
  risk: RiskLines | null = null;
  /** The moment shown when travelling in time (null: live). */
  at: number | null = null;
  view: Viewport = { t0: 0, t1: 1, p0: 0, p1: 1 };
  /** The view's right edge follows new columns. */
  follow = true;
  private w = 0;
  private h = 0;
  private dpr = 1;
  private pending = false;
  private pointer: { x: number; y: number } | null = null;
  private drag: { x: number; y: number; view: Viewport } | null = null;
  private hits: { x: number; y: number; r: number; m: Marker }[] = [];
  private pal: Palette;
  private hatch: CanvasPattern | null = null;
  onMarker: (m: Marker) => void = () => {};
  /** Called after each frame with its render time (ms). */
  onFrame: (ms: number) => void = () => {};
  /** Called once, with firstRenderAt. */
  onFirstRender: (at: number) => void = () => {};
  /**
   * The first meaningful render, in ms since navigation start: when the first frame that drew
   * cells with data (a lit cell) was on screen — the next frame's callback after it was drawn,
   * so it counts the paint too (at most a frame late, never early).
   */
  firstRenderAt: number | null = null;
  private firstDrawn = false;

  constructor(root: HTMLElement) {
    this.root = root;
    root.classList.add('chart');
    const mk = (name: string) => {
      const c = document.createElement('canvas');
      c.className = `chart-${name}`;
      c.dataset['testid'] = `heatmap-${name}`;
      root.append(c);
      return c;
    };
    this.gridCanvas = mk('grid');
    this.overlay = mk('overlay');
    this.cross = mk('cross');
    const ctx = (c: HTMLCanvasElement) => {
      const x = c.getContext('2d');
      if (x === null) throw new Error('no 2d canvas');
      return x;
    };
    this.gctx = ctx(this.gridCanvas);
    this.octx = ctx(this.overlay);
    this.cctx = ctx(this.cross);
    this.pal = this.readPalette();
    new ResizeObserver(() => this.resize()).observe(root);
    this.resize();
    this.bind();
  }

  private readPalette(): Palette {
    const s = getComputedStyle(this.root);
    const v = (n: string, d: string) => s.getPropertyValue(n).trim() || d;
    return {
      bg: v('--chart-bg', '#0b0d12'),
      fg: v('--fg', '#e6e8ee'),
      muted: v('--muted', '#8a90a0'),
      grid: v('--chart-grid', 'rgba(255,255,255,0.06)'),
      mark: v('--mark', '#ffffff'),
      long: v('--long', '#2ec27e'),
      short: v('--short', '#f0506e'),
      panel: v('--panel', '#12151c'),
    };
  }

  /** The theme changed: colours are read again. */
  restyle(): void {
    this.pal = this.readPalette();
    this.hatch = null;
    this.request();
  }

  /** Plot area (CSS px): the cells, left of the profile strip and the price axis. */
  get plot(): { x: number; y: number; w: number; h: number } {
    return { x: 0, y: 0, w: Math.max(10, this.w - AXIS_RIGHT - PROFILE_W), h: Math.max(10, this.h - AXIS_BOTTOM) };
  }

  private resize(): void {
    const r = this.root.getBoundingClientRect();
    this.w = Math.max(100, Math.floor(r.width));
    this.h = Math.max(100, Math.floor(r.height));
    this.dpr = window.devicePixelRatio || 1;
    for (const c of [this.gridCanvas, this.overlay, this.cross]) {
      c.width = Math.round(this.w * this.dpr);
      c.height = Math.round(this.h * this.dpr);
      c.style.width = `${this.w}px`;
      c.style.height = `${this.h}px`;
    }
    this.renderNow();
  }

  // ---- coordinates ----
  xOf(t: number): number {
    const p = this.plot;
    return p.x + ((t - this.view.t0) / (this.view.t1 - this.view.t0)) * p.w;
  }
  yOf(px: number): number {
    const p = this.plot;
    return p.y + ((this.view.p1 - px) / (this.view.p1 - this.view.p0)) * p.h;
  }
  timeAt(x: number): number {
    const p = this.plot;
    return this.view.t0 + ((x - p.x) / p.w) * (this.view.t1 - this.view.t0);
  }
  priceAt(y: number): number {
    const p = this.plot;
    return this.view.p1 - ((y - p.y) / p.h) * (this.view.p1 - this.view.p0);
  }

  /**
   * Shows the whole grid in time, the newest column at the right, and the prices around the
   * mark that hold its largest zones (at least ± 6 %, within the grid).
   */
  reset(): void {
    const g = this.grid;
    if (g === null) return;
    const end = g.endTime;
    const span = Math.min(Math.max(30 * SLOT_MS, end - g.t0), this.maxTimeSpan());
    const mark = g.cols > 0 ? (g.marks[g.cols - 1] as number) : Number.NaN;
    let half = Number.isFinite(mark) ? mark * 0.06 : (g.hiPx - g.loPx) / 2;
    if (Number.isFinite(mark)) {
      for (const z of this.zones.toSorted((a, b) => b.notionalUsd - a.notionalUsd).slice(0, 3))
        half = Math.max(half, Math.abs(z.hi - mark) * 1.08, Math.abs(z.lo - mark) * 1.08);
    }
    // No wider than a pixel per bucket: the blit samples rows, and a hot row must never fall between pixels.
    half = Math.min(half, this.maxPriceSpan() / 2);
    const centre = Number.isFinite(mark) ? mark : (g.hiPx + g.loPx) / 2;
    const p0 = Math.max(g.loPx, centre - half);
    const p1 = Math.min(g.hiPx, centre + half);
    this.view = { t0: end - span * 0.98, t1: end + span * 0.02, p0, p1: p1 > p0 ? p1 : g.hiPx };
    this.follow = true;
    this.request();
  }

  setGrid(g: Grid): void {
    this.grid = g;
    this.reset();
  }

  /** A column was appended: the view slides with it while it follows. */
  appended(prevEnd: number): void {
    const g = this.grid;
    if (g === null) return;
    if (this.follow && this.view.t1 >= prevEnd) {
      const d = g.endTime - prevEnd;
      this.view.t0 += d;
      this.view.t1 += d;
    }
    this.request();
  }

  setView(v: Viewport): void {
    if (!(v.t1 > v.t0) || !(v.p1 > v.p0)) return;
    this.view = v;
    const g = this.grid;
    if (g !== null) this.follow = v.t1 >= g.endTime;
    this.request();
  }

  /** The longest time span that keeps every column at least one pixel wide (older ones: pan back). */
  maxTimeSpan(): number {
    return this.plot.w * SLOT_MS;
  }

  /** The widest price span that keeps every bucket at least one pixel tall. */
  maxPriceSpan(): number {
    const g = this.grid;
    return g === null ? Number.POSITIVE_INFINITY : this.plot.h * g.bucketWidth;
  }

  /** Zooms time by `f` (< 1: in) around the time at x, price likewise around y when `price`. */
  zoom(f: number, x: number, y: number, price: boolean): void {
    const v = { ...this.view };
    if (price) {
      const p = this.priceAt(y);
      f = Math.min(f, this.maxPriceSpan() / (v.p1 - v.p0));
      v.p0 = p - (p - v.p0) * f;
      v.p1 = p + (v.p1 - p) * f;
    } else {
      const t = this.timeAt(x);
      f = Math.min(f, this.maxTimeSpan() / (v.t1 - v.t0));
      v.t0 = t - (t - v.t0) * f;
      v.t1 = t + (v.t1 - t) * f;
      if (v.t1 - v.t0 < 5 * SLOT_MS) return;
    }
    this.setView(v);
  }

  /** Pans by a fraction of the view (time, price). */
  pan(ft: number, fp: number): void {
    const dt = (this.view.t1 - this.view.t0) * ft;
    const dp = (this.view.p1 - this.view.p0) * fp;
    this.setView({ t0: this.view.t0 + dt, t1: this.view.t1 + dt, p0: this.view.p0 + dp, p1: this.view.p1 + dp });
  }

  centreOn(px: number): void {
    const half = (this.view.p1 - this.view.p0) / 2;
    this.setView({ ...this.view, p0: px - half, p1: px + half });
  }

  // ---- rendering ----
  request(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.renderNow();
    });
  }

  renderNow(): void {
    const t = performance.now();
    this.drawGrid();
    this.drawOverlay();
    this.drawCross();
    const ms = performance.now() - t;
    if (!this.firstDrawn && this.grid !== null && this.grid.cols > 0 && this.grid.max > 0) {
      this.firstDrawn = true;
      requestAnimationFrame(() => {
        this.firstRenderAt = performance.now();
        this.onFirstRender(this.firstRenderAt);
      });
    }
    this.onFrame(ms);
  }

  private drawGrid(): void {
    const c = this.gctx;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.clearRect(0, 0, this.w, this.h);
    c.fillStyle = this.pal.bg;
    const p = this.plot;
    c.fillRect(p.x, p.y, p.w, p.h);
    const g = this.grid;
    if (g === null || g.cols === 0) return;
    // The view in grid cells (columns from t0; rows from the top, the highest price).
    let sx0 = (this.view.t0 - g.t0) / SLOT_MS;
    let sx1 = (this.view.t1 - g.t0) / SLOT_MS;
    let sy0 = (g.hiPx - this.view.p1) / g.bucketWidth;
    let sy1 = (g.hiPx - this.view.p0) / g.bucketWidth;
    const kx = p.w / (sx1 - sx0);
    const ky = p.h / (sy1 - sy0);
    const dx0 = p.x - sx0 * kx;
    const dy0 = p.y - sy0 * ky;
    sx0 = Math.max(0, sx0);
    sx1 = Math.min(g.cols, sx1);
    sy0 = Math.max(0, sy0);
    sy1 = Math.min(g.rows, sy1);
    if (!(sx1 > sx0) || !(sy1 > sy0)) return;
    c.imageSmoothingEnabled = false;
    c.save();
    c.beginPath();
    c.rect(p.x, p.y, p.w, p.h);
    c.clip();
    c.drawImage(g.image, sx0, sy0, sx1 - sx0, sy1 - sy0, dx0 + sx0 * kx, dy0 + sy0 * ky, (sx1 - sx0) * kx, (sy1 - sy0) * ky);
    c.restore();
  }

  private drawOverlay(): void {
    const c = this.octx;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.clearRect(0, 0, this.w, this.h);
    const p = this.plot;
    c.font = '11px system-ui, sans-serif';
    c.textBaseline = 'middle';
    this.drawAxes(c);
    const g = this.grid;
    if (g === null) return;
    c.save();
    c.beginPath();
    c.rect(p.x, p.y, p.w + PROFILE_W, p.h);
    c.clip();
    this.drawMark(c, g);
    this.drawProfile(c);
    this.drawZones(c, g);
    this.drawRisk(c);
    this.drawMarkers(c);
    if (this.at !== null) {
      const x = this.xOf(this.at);
      c.strokeStyle = this.pal.fg;
      c.setLineDash([2, 3]);
      c.beginPath();
      c.moveTo(x, p.y);
      c.lineTo(x, p.y + p.h);
      c.stroke();
      c.setLineDash([]);
    }
    c.restore();
    this.drawMarkTag(c, g);
  }

  private drawAxes(c: CanvasRenderingContext2D): void {
    const p = this.plot;
    c.fillStyle = this.pal.panel;
    c.fillRect(p.x + p.w + PROFILE_W, 0, AXIS_RIGHT, this.h);
    c.fillRect(0, p.y + p.h, this.w, AXIS_BOTTOM);
    c.fillStyle = this.pal.muted;
    c.strokeStyle = this.pal.grid;
    c.lineWidth = 1;
    // Price ticks at round steps.
    const span = this.view.p1 - this.view.p0;
    const step = niceStep(span / Math.max(2, p.h / 48));
    c.textAlign = 'left';
    for (let v = Math.ceil(this.view.p0 / step) * step; v <= this.view.p1; v += step) {
      const y = Math.round(this.yOf(v)) + 0.5;
      c.beginPath();
      c.moveTo(p.x, y);
      c.lineTo(p.x + p.w, y);
      c.stroke();
      if (y > p.y + 8 && y < p.y + p.h - 8) c.fillText(fmtPx(v), p.x + p.w + PROFILE_W + 6, y);
    }
    // Time ticks at round minutes/hours.
    const tspan = this.view.t1 - this.view.t0;
    const tstep = niceTimeStep(tspan / Math.max(2, p.w / 90));
    c.textAlign = 'center';
    let lastDay = -1;
    for (let t = Math.ceil(this.view.t0 / tstep) * tstep; t <= this.view.t1; t += tstep) {
      const x = Math.round(this.xOf(t)) + 0.5;
      c.beginPath();
      c.moveTo(x, p.y);
      c.lineTo(x, p.y + p.h);
      c.stroke();
      const day = Math.floor(t / 86_400_000);
      c.fillText(fmtTime(t, day !== lastDay && tstep < 86_400_000 && lastDay !== -1), x, p.y + p.h + AXIS_BOTTOM / 2);
      lastDay = day;
    }
  }

  private drawMark(c: CanvasRenderingContext2D, g: Grid): void {
    const c0 = Math.max(0, g.colOf(this.view.t0));
    const c1 = Math.min(g.cols - 1, g.colOf(this.view.t1));
    if (c1 < c0) return;
    const stride = Math.max(1, Math.floor((c1 - c0) / this.plot.w));
    c.strokeStyle = this.pal.mark;
    c.lineWidth = 1.5;
    c.beginPath();
    let started = false;
    for (let k = c0; k <= c1; k += stride) {
      const m = g.marks[k] as number;
      if (!Number.isFinite(m)) continue;
      const x = this.xOf(g.t0 + (k + 0.5) * SLOT_MS);
      const y = this.yOf(m);
      if (started) c.lineTo(x, y);
      else c.moveTo(x, y);
      started = true;
    }
    c.stroke();
  }

  /** The newest mark as a tag on the price axis. */
  private drawMarkTag(c: CanvasRenderingContext2D, g: Grid): void {
    const last = g.cols > 0 ? (g.marks[g.cols - 1] as number) : Number.NaN;
    if (!Number.isFinite(last)) return;
    const p = this.plot;
    const y = this.yOf(last);
    if (y < p.y || y > p.y + p.h) return;
    const x = p.x + p.w + PROFILE_W;
    c.fillStyle = this.pal.mark;
    c.fillRect(x, y - 8, AXIS_RIGHT, 16);
    c.fillStyle = this.pal.bg;
    c.textAlign = 'left';
    c.fillText(fmtPx(last), x + 6, y);
  }

  /** The newest map's depth per bucket, exact notional solid and estimated hatched. */
  private drawProfile(c: CanvasRenderingContext2D): void {
    const p = this.plot;
    const x0 = p.x + p.w;
    c.fillStyle = this.pal.panel;
    c.globalAlpha = 0.6;
    c.fillRect(x0, p.y, PROFILE_W, p.h);
    c.globalAlpha = 1;
    let max = 0;
    const vis = this.buckets.filter((b) => b.hi > this.view.p0 && b.lo < this.view.p1);
    for (const b of vis) max = Math.max(max, b.longLiqUsd + b.shortLiqUsd);
    if (!(max > 0)) return;
    if (this.hatch === null) this.hatch = hatchPattern(c, this.pal.muted);
    for (const b of vis) {
      const y0 = this.yOf(b.hi);
      const hh = Math.max(1, this.yOf(b.lo) - y0);
      for (const [usd, est, colour] of [
        [b.longLiqUsd, b.longEstimatedUsd ?? 0, this.pal.long],
        [b.shortLiqUsd, b.shortEstimatedUsd ?? 0, this.pal.short],
      ] as const) {
        if (!(usd > 0)) continue;
        const wAll = (usd / max) * (PROFILE_W - 6);
        const wEst = (Math.min(est, usd) / max) * (PROFILE_W - 6);
        c.fillStyle = colour;
        c.fillRect(x0 + 3, y0, wAll - wEst, hh);
        if (wEst > 0 && this.hatch !== null) {
          c.fillStyle = colour;
          c.globalAlpha = 0.35;
          c.fillRect(x0 + 3 + wAll - wEst, y0, wEst, hh);
          c.globalAlpha = 1;
          c.fillStyle = this.hatch;
          c.fillRect(x0 + 3 + wAll - wEst, y0, wEst, hh);
        }
      }
    }
  }

  private drawZones(c: CanvasRenderingContext2D, g: Grid): void {
    const p = this.plot;
    const xEnd = Math.min(p.x + p.w, this.xOf(g.endTime));
    const x0 = xEnd - ZONE_BOX;
    const ranked = this.zones.toSorted((a, b) => b.notionalUsd - a.notionalUsd);
    // Labels of the largest zones first; one that would overlap a placed label is left out.
    const placed: number[] = [];
    ranked.forEach((z, i) => {
      const y0 = this.yOf(z.hi);
      const y1 = this.yOf(z.lo);
      if (y1 < p.y || y0 > p.y + p.h) return;
      const colour = z.side === 'LONG_LIQ' ? this.pal.long : this.pal.short;
      c.strokeStyle = colour;
      c.lineWidth = i === 0 ? 2 : 1.25;
      // Mostly estimated (no account snapshot behind most of it): dashed.
      c.setLineDash(z.mostlyEstimated === true ? [4, 3] : []);
      // Drawn around the zone's rows, never on them: the cells inside stay visible.
      c.strokeRect(x0, y0 - 3, xEnd - x0 + PROFILE_W, Math.max(0, y1 - y0) + 6);
      c.setLineDash([]);
      // The label sits outside the box, away from the mark (above a short-liquidation zone, below a long one).
      const ly = z.side === 'SHORT_LIQ' ? y0 - 3 - 9 : y1 + 3 + 9;
      if (placed.length < MAX_ZONE_LABELS && placed.every((y) => Math.abs(y - ly) >= 16)) {
        placed.push(ly);
        const est = z.mostlyEstimated === true ? ' est.' : '';
        const text = `${fmtUsd(z.notionalUsd)} · ${z.wallets}w · ${fmtDistance(z.distancePct)}${est}`;
        const tw = c.measureText(text).width + 8;
        label(c, text, Math.max(p.x + 2, Math.min(x0, p.x + p.w + PROFILE_W - tw)), ly, this.pal.panel, colour);
      }
    });
  }

  private drawRisk(c: CanvasRenderingContext2D): void {
    const r = this.risk;
    if (r === null) return;
    const p = this.plot;
    const line = (px: number | null, colour: string, text: string) => {
      if (px === null || !Number.isFinite(px)) return;
      const y = Math.round(this.yOf(px)) + 0.5;
      c.strokeStyle = colour;
      c.setLineDash([6, 4]);
      c.beginPath();
      c.moveTo(p.x, y);
      c.lineTo(p.x + p.w, y);
      c.stroke();
      c.setLineDash([]);
      label(c, `${text} ${fmtPx(px)}`, p.x + 4, y - 9, this.pal.panel, colour);
    };
    line(r.entry, this.pal.fg, 'entry');
    line(r.liquidationPx, this.pal.short, 'your liquidation');
    line(r.stop, this.pal.muted, 'stop');
  }

  private drawMarkers(c: CanvasRenderingContext2D): void {
    this.hits = [];
    for (const m of this.markers) {
      if (m.time < this.view.t0 || m.time > this.view.t1 || m.px < this.view.p0 || m.px > this.view.p1) continue;
      const x = this.xOf(m.time);
      const y = this.yOf(m.px);
      const r = Math.max(3, Math.min(14, 3 + 2.2 * Math.log10(Math.max(1, m.notionalUsd / 1e5))));
      c.fillStyle = m.side === 'long' ? this.pal.long : this.pal.short;
      c.strokeStyle = this.pal.bg;
      c.lineWidth = 1.5;
      c.beginPath();
      if (m.kind === 'syndicate') {
        c.moveTo(x, y - r - 2);
        c.lineTo(x + r + 2, y);
        c.lineTo(x, y + r + 2);
        c.lineTo(x - r - 2, y);
        c.closePath();
      } else c.arc(x, y, r, 0, 2 * Math.PI);
      c.globalAlpha = 0.85;
      c.fill();
      c.globalAlpha = 1;
      c.stroke();
      this.hits.push({ x, y, r: r + 3, m });
    }
  }

  private drawCross(): void {
    const c = this.cctx;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.clearRect(0, 0, this.w, this.h);
    const pt = this.pointer;
    const p = this.plot;
    if (pt === null || pt.x < p.x || pt.x > p.x + p.w || pt.y < p.y || pt.y > p.y + p.h) return;
    c.strokeStyle = this.pal.muted;
    c.setLineDash([3, 3]);
    c.beginPath();
    c.moveTo(p.x, Math.round(pt.y) + 0.5);
    c.lineTo(p.x + p.w, Math.round(pt.y) + 0.5);
    c.moveTo(Math.round(pt.x) + 0.5, p.y);
    c.lineTo(Math.round(pt.x) + 0.5, p.y + p.h);
    c.stroke();
    c.setLineDash([]);
    const t = this.timeAt(pt.x);
    const px = this.priceAt(pt.y);
    const v = this.grid?.valueAt(t, px) ?? Number.NaN;
    const text = `${fmtPx(px)} · ${fmtTime(t, true)} · ${Number.isFinite(v) ? fmtUsd(v) : 'no data'}`;
    c.font = '12px system-ui, sans-serif';
    c.textBaseline = 'middle';
    const tw = c.measureText(text).width + 10;
    const lx = pt.x + 12 + tw > p.x + p.w ? pt.x - 12 - tw : pt.x + 12;
    label(c, text, lx, pt.y - 14, this.pal.panel, this.pal.fg);
    this.root.dataset['crosshair'] = text;
  }

  // ---- input ----
  private bind(): void {
    const el = this.cross;
    el.tabIndex = -1;
    this.root.tabIndex = 0;
    this.root.setAttribute('role', 'img');
    this.root.setAttribute(
      'aria-label',
      'Liquidation heatmap: price by time. Arrow keys pan, + and − zoom time, ] and [ zoom price, 0 resets, Enter opens the marker nearest the middle.',
    );
    const local = (e: PointerEvent | WheelEvent | MouseEvent) => {
      const r = this.root.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    el.addEventListener('pointerdown', (e) => {
      const q = local(e);
      this.drag = { ...q, view: { ...this.view } };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      const q = local(e);
      this.pointer = q;
      const d = this.drag;
      if (d !== null && (Math.abs(q.x - d.x) > 2 || Math.abs(q.y - d.y) > 2)) {
        const p = this.plot;
        const dt = ((q.x - d.x) / p.w) * (d.view.t1 - d.view.t0);
        const dp = ((q.y - d.y) / p.h) * (d.view.p1 - d.view.p0);
        this.setView({ t0: d.view.t0 - dt, t1: d.view.t1 - dt, p0: d.view.p0 + dp, p1: d.view.p1 + dp });
      } else this.requestCross();
      el.style.cursor = this.hitAt(q.x, q.y) !== null ? 'pointer' : 'crosshair';
    });
    el.addEventListener('pointerup', (e) => {
      const q = local(e);
      const d = this.drag;
      this.drag = null;
      if (d !== null && Math.abs(q.x - d.x) <= 2 && Math.abs(q.y - d.y) <= 2) {
        const m = this.hitAt(q.x, q.y);
        if (m !== null) this.onMarker(m);
      }
    });
    el.addEventListener('pointerleave', () => {
      this.pointer = null;
      this.requestCross();
    });
    el.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const q = local(e);
        this.zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, q.x, q.y, e.shiftKey || q.x > this.plot.x + this.plot.w);
      },
      { passive: false },
    );
    el.addEventListener('dblclick', () => this.reset());
    this.root.addEventListener('keydown', (e) => {
      const p = this.plot;
      const cx = p.x + p.w / 2;
      const cy = p.y + p.h / 2;
      const k = e.key;
      if (k === 'ArrowLeft') this.pan(-0.1, 0);
      else if (k === 'ArrowRight') this.pan(0.1, 0);
      else if (k === 'ArrowUp') this.pan(0, 0.1);
      else if (k === 'ArrowDown') this.pan(0, -0.1);
      else if (k === '+' || k === '=') this.zoom(0.8, cx, cy, false);
      else if (k === '-' || k === '_') this.zoom(1.25, cx, cy, false);
      else if (k === ']') this.zoom(0.8, cx, cy, true);
      else if (k === '[') this.zoom(1.25, cx, cy, true);
      else if (k === '0' || k === 'Home') this.reset();
      else if (k === 'Enter' || k === ' ') {
        // The keyboard's click: the evidence of the marker nearest the middle of the view.
        const m = this.nearestMarker(cx, cy);
        if (m === null) return;
        this.onMarker(m);
      } else return;
      e.preventDefault();
    });
  }

  private crossPending = false;
  private requestCross(): void {
    if (this.crossPending) return;
    this.crossPending = true;
    requestAnimationFrame(() => {
      this.crossPending = false;
      this.drawCross();
    });
  }

  /** The drawn marker closest to a point of the plot (null: none drawn). */
  nearestMarker(x: number, y: number): Marker | null {
    let best: Marker | null = null;
    let bd = Number.POSITIVE_INFINITY;
    for (const h of this.hits) {
      const d = Math.hypot(h.x - x, h.y - y);
      if (d < bd) {
        bd = d;
        best = h.m;
      }
    }
    return best;
  }

  private hitAt(x: number, y: number): Marker | null {
    let best: Marker | null = null;
    let bd = Number.POSITIVE_INFINITY;
    for (const h of this.hits) {
      const d = Math.hypot(h.x - x, h.y - y);
      if (d <= h.r && d < bd) {
        bd = d;
        best = h.m;
      }
    }
    return best;
  }
}

function label(c: CanvasRenderingContext2D, text: string, x: number, y: number, bg: string, fg: string): void {
  const w = c.measureText(text).width + 8;
  c.fillStyle = bg;
  c.globalAlpha = 0.85;
  c.fillRect(x, y - 8, w, 16);
  c.globalAlpha = 1;
  c.fillStyle = fg;
  c.textAlign = 'left';
  c.fillText(text, x + 4, y);
}

function hatchPattern(c: CanvasRenderingContext2D, colour: string): CanvasPattern | null {
  const t = document.createElement('canvas');
  t.width = 6;
  t.height = 6;
  const x = t.getContext('2d');
  if (x === null) return null;
  x.strokeStyle = colour;
  x.lineWidth = 1;
  x.beginPath();
  x.moveTo(0, 6);
  x.lineTo(6, 0);
  x.stroke();
  return c.createPattern(t, 'repeat');
}

/** A round step (1, 2, 5 × 10ⁿ) at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

const TIME_STEPS = [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 21_600_000, 43_200_000, 86_400_000];

function niceTimeStep(raw: number): number {
  for (const s of TIME_STEPS) if (s >= raw) return s;
  return Math.ceil(raw / 86_400_000) * 86_400_000;
}

/** The legend: the ramp with its USD ticks (absolute) or its share of the largest cell (relative). */
export function drawLegend(canvas: HTMLCanvasElement, scale: { relative: boolean; max: number }, fg: string): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 260;
  const h = canvas.clientHeight || 34;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const c = canvas.getContext('2d');
  if (c === null) return;
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.clearRect(0, 0, w, h);
  const pad = 18;
  for (let i = 0; i < w - 2 * pad; i++) {
    c.fillStyle = cssOf(i / (w - 2 * pad - 1));
    c.fillRect(pad + i, 2, 1, 12);
  }
  c.fillStyle = fg;
  c.font = '10px system-ui, sans-serif';
  c.textAlign = 'center';
  c.textBaseline = 'top';
  for (const t of legendTicks(scale)) c.fillText(t.label, pad + t.t * (w - 2 * pad - 1), 17);
  canvas.setAttribute(
    'aria-label',
    `colour scale ${scale.relative ? 'relative to the largest cell' : 'absolute USD'}: ${legendTicks(scale)
      .map((t) => t.label)
      .join(', ')}`,
  );
}
