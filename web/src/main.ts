import './style.css';
import { GLASS_EVENT_TYPES } from '../../src/domain/glass-event.ts';
import {
  ApiError,
  api,
  type BucketT,
  type EventRecordT,
  type HeatmapMessage,
  type HeatmapT,
  StreamClient,
  setApiKey,
  type ZoneT,
} from './api.ts';
import { runBench } from './bench.ts';
import { drawLegend, HeatmapChart, type Marker } from './chart.ts';
import { byId, h } from './dom.ts';
import { evidence, glassEvent, headline, markerOf, priorityOf, scoreOf, TYPE_GROUPS } from './events.ts';
import { fmtClock, fmtPx, fmtTime } from './format.ts';
import { type Column, Grid, gridRange, SLOT_MS } from './grid.ts';
import { drawScatter, renderRisk, renderSyndicates, renderWhales, renderZones, scoreMap, type WhaleRow } from './panels.ts';

/**
 * The dashboard: the heatmap of one coin (live from /v1/stream, or as Glass knew it at a past
 * moment: every read with `at=`), its zones, the event feed, whales, syndicates, risk and wallets.
 */

/** Rows of the price × time grid asked for on load (a minute each). */
const HISTORY = 720;
/** Events replayed from the stream on load. */
const RECENT_EVENTS = 300;
/** Events kept in memory and in the feed. */
const MAX_EVENTS = 2000;
const MAX_FEED = 300;
/** Whales: positions of at least this notional. */
const WHALE_MIN_USD = 250_000;
/** Play: simulated time per step, and the wall time between steps. */
const PLAY_STEP_MS = 5 * 60_000;
const PLAY_TICK_MS = 500;

interface State {
  coin: string;
  coins: string[];
  /** The moment shown (null: live). */
  at: number | null;
  grid: Grid | null;
  buckets: Map<number, BucketT>;
  zones: ZoneT[];
  markPx: number;
  mapTime: number;
  /** Every event seen, by id order (live, or loaded for the moment shown). */
  events: EventRecordT[];
  /** Events of the moment shown (time travel). */
  pastEvents: EventRecordT[] | null;
  /** Earliest time the slider offers. */
  firstTime: number;
  /** Newest time known (live). */
  lastTime: number;
  playing: ReturnType<typeof setInterval> | null;
  stream: StreamClient | null;
  /** When each event reached the page (wall ms), for the latency figure. */
  shownAt: Map<number, number>;
  liveSince: number | null;
}

const state: State = {
  coin: '',
  coins: [],
  at: null,
  grid: null,
  buckets: new Map(),
  zones: [],
  markPx: Number.NaN,
  mapTime: 0,
  events: [],
  pastEvents: null,
  firstTime: 0,
  lastTime: 0,
  playing: null,
  stream: null,
  shownAt: new Map(),
  liveSince: null,
};

const el = {
  coin: byId<HTMLSelectElement>('coin'),
  status: byId('status'),
  mark: byId('mark'),
  relative: byId<HTMLInputElement>('relative'),
  legend: byId<HTMLCanvasElement>('legend'),
  theme: byId<HTMLButtonElement>('theme'),
  play: byId<HTMLButtonElement>('play'),
  slider: byId<HTMLInputElement>('slider'),
  sliderTime: byId<HTMLOutputElement>('slider-time'),
  date: byId<HTMLInputElement>('date'),
  live: byId<HTMLButtonElement>('live'),
  zones: byId<HTMLTableSectionElement>('zones-body'),
  feed: byId('feed'),
  feedCount: byId('feed-count'),
  fType: byId<HTMLSelectElement>('f-type'),
  fCoin: byId<HTMLSelectElement>('f-coin'),
  fScore: byId<HTMLInputElement>('f-score'),
  fPrio: byId<HTMLSelectElement>('f-prio'),
  whales: byId<HTMLTableSectionElement>('whales-body'),
  scatter: byId<HTMLCanvasElement>('scatter'),
  syndicates: byId('syndicates'),
  riskForm: byId<HTMLFormElement>('risk-form'),
  riskCoin: byId<HTMLSelectElement>('r-coin'),
  riskOut: byId('risk-out'),
  walletForm: byId<HTMLFormElement>('wallet-form'),
  walletAddr: byId<HTMLInputElement>('wallet-addr'),
  walletOut: byId('wallet-out'),
  dialog: byId<HTMLDialogElement>('evidence'),
  dialogBody: byId('evidence-body'),
};

const chart = new HeatmapChart(byId('chart'));
const metrics = { frames: [] as number[], firstRender: null as number | null, errors: [] as string[] };
chart.onFrame = (ms) => {
  if (metrics.frames.length < 10_000) metrics.frames.push(ms);
};
// Navigation start → the heatmap on screen with data (see HeatmapChart.firstRenderAt).
chart.onFirstRender = (at) => {
  metrics.firstRender = at;
};

// ---- the map ----

function columnOfRow(r: NonNullable<HeatmapT['history']>[number], width: number): Column | null {
  if (r.bucketWidth !== width) return null;
  const values = new Float64Array(r.longLiqUsd.length);
  for (let i = 0; i < values.length; i++) values[i] = (r.longLiqUsd[i] ?? 0) + (r.shortLiqUsd[i] ?? 0);
  return { time: r.time, markPx: r.markPx, cells: { fromIdx: Math.round(r.fromPx / width), values } };
}

function columnOfBuckets(time: number, markPx: number, width: number, buckets: Iterable<BucketT>): Column {
  const cells = new Map<number, number>();
  for (const b of buckets) cells.set(Math.round(b.lo / width), b.longLiqUsd + b.shortLiqUsd);
  return { time, markPx, cells };
}

/** The coin's map with its grid history, live (no `at`) or as Glass knew it at `at`. */
const fetchMap = (coin: string, at: number | undefined) => api.heatmap(coin, { history: HISTORY, ...(at === undefined ? {} : { at }) });

/**
 * Loads the coin's map (now, or at `state.at`) with its grid history, and draws it. `early`: the
 * same request, already sent (on load, before the coin list came back).
 */
async function loadMap(early?: Promise<HeatmapT>): Promise<void> {
  const coin = state.coin;
  const at = state.at ?? undefined;
  const m = await (early ?? fetchMap(coin, at));
  if (coin !== state.coin || at !== (state.at ?? undefined)) return;
  const rows = m.history ?? [];
  const range = gridRange(m.bucketWidth, m.markPx, rows);
  const t0 = rows[0]?.time ?? m.time;
  const g = new Grid(m.bucketWidth, range.lowIdx, range.rows, t0);
  g.scale = { relative: el.relative.checked, max: 0 };
  // Every column's values, then the pixels once.
  const cols: Column[] = [];
  for (const r of rows) {
    const c = columnOfRow(r, m.bucketWidth);
    if (c !== null) cols.push(c);
  }
  cols.push(columnOfBuckets(m.time, m.markPx, m.bucketWidth, m.buckets));
  g.appendAll(cols);
  state.grid = g;
  state.buckets = new Map(m.buckets.map((b) => [b.lo, b]));
  chart.buckets = m.buckets;
  setMap(m.time, m.markPx, m.zones);
  chart.setGrid(g);
  if (state.at === null) {
    state.lastTime = Math.max(state.lastTime, m.time);
    if (state.firstTime === 0 || g.t0 < state.firstTime) state.firstTime = g.t0;
  }
  updateSlider();
  refreshMarkers();
  drawLegend(el.legend, g.scale, getComputedStyle(document.body).getPropertyValue('--fg'));
}

function setMap(time: number, markPx: number, zones: ZoneT[]): void {
  state.mapTime = time;
  state.markPx = markPx;
  state.zones = zones;
  chart.zones = zones;
  el.mark.textContent = `${state.coin} ${fmtPx(markPx)} · ${fmtTime(time, true)} UTC`;
  el.mark.dataset['time'] = String(time);
  renderZones(el.zones, zones, (z) => chart.centreOn(z.peakPx));
  const risk = el.riskForm.elements.namedItem('entry') as HTMLInputElement;
  if (risk.value === '' && Number.isFinite(markPx)) risk.value = String(markPx);
}

/** A heatmap delta from the stream: the buckets updated, one column appended. */
function onHeatmap(m: HeatmapMessage): void {
  if (m.coin !== state.coin || state.at !== null) return;
  const g = state.grid;
  if (g === null) return;
  if (m.bucketWidth !== g.bucketWidth) {
    void loadMap().catch(showError);
    return;
  }
  if (m.full) state.buckets = new Map(m.buckets.map((b) => [b.lo, b]));
  else {
    for (const lo of m.removed) state.buckets.delete(lo);
    for (const b of m.buckets) state.buckets.set(b.lo, b);
  }
  const prevEnd = g.endTime;
  const prevMax = g.scale.max;
  if (g.append(columnOfBuckets(m.time, m.markPx, m.bucketWidth, state.buckets.values()))) {
    chart.buckets = [...state.buckets.values()];
    chart.appended(prevEnd);
    if (g.scale.max !== prevMax) drawLegend(el.legend, g.scale, getComputedStyle(document.body).getPropertyValue('--fg'));
  }
  setMap(m.time, m.markPx, m.zones);
  state.lastTime = Math.max(state.lastTime, m.time);
  updateSlider();
}

// ---- events ----

const TYPE_FILTERS = ['all', ...Object.keys(TYPE_GROUPS), ...GLASS_EVENT_TYPES];

function passes(r: EventRecordT): boolean {
  const t = el.fType.value;
  if (t !== 'all' && !(TYPE_GROUPS[t]?.(r.type) ?? r.type === t)) return false;
  if (el.fCoin.value !== 'all' && r.coin !== el.fCoin.value) return false;
  const min = Number.parseFloat(el.fScore.value);
  if (Number.isFinite(min)) {
    const s = scoreOf(glassEvent(r));
    if (s === null || s < min) return false;
  }
  // A tier and the more urgent ones: P0 < P1 < P2 (an event without one passes only "any").
  if (el.fPrio.value !== 'all') {
    const p = priorityOf(r);
    if (p === null || p > el.fPrio.value) return false;
  }
  return true;
}

function feedItem(r: EventRecordT): HTMLElement {
  const e = glassEvent(r);
  const prio = priorityOf(r);
  const d = h(
    'details',
    {
      class: `sev-${e.severity}`,
      'data-priority': prio ?? '',
      'data-time': r.time,
      'data-event-id': r.id,
      'data-type': r.type,
      'data-coin': r.coin,
      'data-detected-at': r.detectedAt,
      'data-shown-at': state.shownAt.get(r.id) ?? '',
    },
    h(
      'summary',
      {},
      h('span', {}, fmtClock(r.time)),
      prio === null ? h('span', {}) : h('span', { class: `badge prio prio-${prio}`, title: `delivery tier ${prio}` }, prio),
      h('span', {}, r.coin),
      h('span', { class: 'type' }, r.type),
      h('span', {}, headline(e)),
    ),
  );
  // The evidence is built when first opened: a feed of hundreds stays cheap.
  d.addEventListener('toggle', () => {
    if (d.open && d.childElementCount === 1) d.append(evidence(r, openWallet));
  });
  return d;
}

/** The feed rebuilt from the events of the moment shown (after a filter change or a jump in time). */
function renderFeed(): void {
  const src = state.pastEvents ?? state.events;
  const shown: HTMLElement[] = [];
  for (let i = src.length - 1; i >= 0 && shown.length < MAX_FEED; i--) {
    const r = src[i] as EventRecordT;
    if (passes(r)) shown.push(feedItem(r));
  }
  el.feed.replaceChildren(...shown);
  el.feedCount.textContent = `${shown.length} shown${state.at === null ? ' · live' : ` · as of ${fmtTime(state.at, true)}`}`;
}

function onEvent(r: EventRecordT, live: boolean): void {
  state.shownAt.set(r.id, Date.now());
  state.events.push(r);
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
  state.lastTime = Math.max(state.lastTime, r.time);
  if (state.at !== null) return;
  // New events go on top, one node each: the feed is never rebuilt per event.
  if (passes(r)) {
    el.feed.prepend(feedItem(r));
    while (el.feed.childElementCount > MAX_FEED) el.feed.lastElementChild?.remove();
  }
  if (r.coin === state.coin) {
    const m = markerOf(r, markAt);
    if (m !== null) {
      chart.markers.push(m);
      chart.request();
    }
  }
  if (live && state.liveSince === null) state.liveSince = Date.now();
}

function markAt(t: number): number {
  const g = state.grid;
  if (g === null || g.cols === 0) return Number.NaN;
  const c = Math.max(0, Math.min(g.cols - 1, g.colOf(t)));
  return g.marks[c] as number;
}

function refreshMarkers(): void {
  const src = state.pastEvents ?? state.events;
  chart.markers = src.filter((r) => r.coin === state.coin).flatMap((r) => markerOf(r, markAt) ?? []);
  chart.request();
}

function openEvidence(m: Marker): void {
  const r = (state.pastEvents ?? state.events).find((x) => x.id === m.eventId);
  if (r === undefined) return;
  el.dialogBody.replaceChildren(
    h('h3', {}, `${r.type} · ${r.coin} · ${fmtTime(r.time, true)}`),
    h('p', {}, headline(glassEvent(r))),
    evidence(r, openWallet),
  );
  el.dialog.showModal();
}
chart.onMarker = openEvidence;

/** Events up to `at` (the newest few hundred of the last hours), as the store knew them. */
async function eventsAt(at: number): Promise<EventRecordT[]> {
  const out: EventRecordT[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 4; page++) {
    const p = await api.events({ at, since: at - 6 * 3_600_000, limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...p.items);
    if (p.next === null) break;
    cursor = p.next;
  }
  return out.slice(-MAX_EVENTS);
}

// ---- time travel ----

function updateSlider(): void {
  // Whole minutes, so the slider's steps (a minute) land on them.
  const lo = Math.floor((state.firstTime > 0 ? state.firstTime : state.lastTime - 3_600_000) / SLOT_MS) * SLOT_MS;
  const hi = Math.max(lo + SLOT_MS, Math.ceil(state.lastTime / SLOT_MS) * SLOT_MS);
  el.slider.min = String(lo);
  el.slider.max = String(hi);
  el.date.min = dateValue(lo);
  el.date.max = dateValue(hi);
  if (state.at === null) {
    el.slider.value = String(hi);
    el.sliderTime.value = `live · ${fmtTime(state.lastTime, true)}`;
    if (document.activeElement !== el.date) el.date.value = dateValue(state.lastTime);
  }
}

/** A moment as the date picker's value, in UTC like every time on the page (`2026-01-01T03:14`). */
function dateValue(ms: number): string {
  return new Date(Math.floor(ms / SLOT_MS) * SLOT_MS).toISOString().slice(0, 16);
}

/** The shown moment in every time control at once (slider, its label, the date picker). */
function showMoment(at: number): void {
  el.slider.value = String(at);
  el.sliderTime.value = fmtTime(at, true);
  if (document.activeElement !== el.date) el.date.value = dateValue(at);
  el.status.textContent = `as of ${fmtTime(at, true)}`;
}

let travelTimer: ReturnType<typeof setTimeout> | null = null;

async function travelTo(at: number | null): Promise<void> {
  state.at = at === null || at >= state.lastTime ? null : at;
  chart.at = state.at;
  el.live.disabled = state.at === null;
  el.status.classList.toggle('past', state.at !== null);
  if (state.at === null) {
    stopPlay();
    state.pastEvents = null;
    await loadMap();
    el.status.textContent = 'live';
    el.status.classList.add('live');
    renderFeed();
    refreshPanels();
    delete document.body.dataset['at'];
    return;
  }
  el.status.classList.remove('live');
  showMoment(state.at);
  const moment = state.at;
  const [, evs] = await Promise.all([loadMap(), eventsAt(moment)]);
  if (state.at !== moment) return;
  state.pastEvents = evs;
  renderFeed();
  refreshMarkers();
  refreshPanels();
  document.body.dataset['at'] = String(moment);
}

/** Plays forward from the moment shown: one step of the map and its events per tick, until live. */
async function playStep(): Promise<void> {
  const g = state.grid;
  if (state.at === null || g === null) return stopPlay();
  const next = state.at + PLAY_STEP_MS;
  if (next >= state.lastTime) {
    await travelTo(null);
    return;
  }
  const prev = state.at;
  state.at = next;
  chart.at = next;
  showMoment(next);
  const [m, evs] = await Promise.all([api.heatmap(state.coin, { at: next }), api.events({ at: next, since: prev + 1, limit: 500 })]);
  if (state.at !== next) return;
  const prevEnd = g.endTime;
  if (m.bucketWidth === g.bucketWidth && g.append(columnOfBuckets(m.time, m.markPx, m.bucketWidth, m.buckets))) chart.appended(prevEnd);
  chart.buckets = m.buckets;
  setMap(m.time, m.markPx, m.zones);
  state.pastEvents = [...(state.pastEvents ?? []), ...evs.items].slice(-MAX_EVENTS);
  renderFeed();
  refreshMarkers();
  document.body.dataset['at'] = String(next);
}

function stopPlay(): void {
  if (state.playing !== null) clearInterval(state.playing);
  state.playing = null;
  el.play.textContent = '▶ Play';
}

// ---- panels ----

let activeTab = 'events';
let panelTimer: ReturnType<typeof setInterval> | null = null;

function refreshPanels(): void {
  const at = state.at ?? undefined;
  if (activeTab === 'whales') void loadWhales(at).catch(showError);
  if (activeTab === 'syndicates') void loadSyndicates(at).catch(showError);
}

async function loadWhales(at: number | undefined): Promise<void> {
  const [pos, near, ws] = await Promise.all([
    api.positions({ coin: state.coin, minNotional: WHALE_MIN_USD, limit: 200, ...(at === undefined ? {} : { at }) }),
    api.positions({ coin: state.coin, minNotional: WHALE_MIN_USD, limit: 200, near: 'zone', ...(at === undefined ? {} : { at }) }),
    api.wallets({ limit: 1000, ...(at === undefined ? {} : { at }) }),
  ]);
  const scores = scoreMap(ws.items);
  const rows: WhaleRow[] = pos.items
    .toSorted((a, b) => b.notionalUsd - a.notionalUsd)
    .map((p) => ({ p, score: scores.get(p.wallet.toLowerCase()) ?? null, markPx: state.markPx }));
  renderWhales(el.whales, rows, openWallet);
  drawScatter(el.scatter, rows, new Set(near.items.map((p) => `${p.wallet}:${p.coin}`)));
}

async function loadSyndicates(at: number | undefined): Promise<void> {
  const s = await api.syndicates({ coin: state.coin, limit: 50, ...(at === undefined ? {} : { at }) });
  renderSyndicates(el.syndicates, s.items, openWallet);
}

function selectTab(name: string): void {
  activeTab = name;
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('[role=tab]'))) {
    const on = b.dataset['tab'] === name;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  for (const p of Array.from(document.querySelectorAll<HTMLElement>('[role=tabpanel]'))) p.hidden = p.id !== `panel-${name}`;
  refreshPanels();
}

async function openWallet(address: string): Promise<void> {
  el.dialog.close();
  selectTab('wallet');
  el.walletAddr.value = address;
  try {
    // The wallet page's charts (lightweight-charts) load on first use: the heatmap never waits on them.
    const [{ renderWallet }, w] = await Promise.all([import('./wallet.ts'), api.wallet(address, state.at ?? undefined)]);
    renderWallet(el.walletOut, w);
  } catch (e) {
    el.walletOut.replaceChildren(h('p', { class: 'error' }, e instanceof Error ? e.message : String(e)));
  }
}

async function submitRisk(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const f = new FormData(el.riskForm);
  const num = (k: string) => {
    const v = String(f.get(k) ?? '').trim();
    return v === '' ? undefined : Number(v);
  };
  const entry = num('entry');
  const size = num('size');
  if (entry === undefined || size === undefined) return;
  const leverage = num('leverage');
  const stop = num('stop');
  const side = f.get('side') === 'short' ? 'short' : 'long';
  try {
    const a = await api.risk({
      coin: String(f.get('coin')),
      side,
      entry,
      size,
      ...(leverage === undefined ? {} : { leverage }),
      ...(stop === undefined ? {} : { stop }),
      ...(state.at === null ? {} : { at: String(state.at) }),
    });
    renderRisk(el.riskOut, a);
    if (String(f.get('coin')) === state.coin) {
      chart.risk = { entry, liquidationPx: a.liquidationPx, stop: stop ?? null };
      chart.request();
    }
  } catch (err) {
    el.riskOut.replaceChildren(h('p', { class: 'error', 'data-testid': 'risk-error' }, err instanceof Error ? err.message : String(err)));
  }
}

// ---- controls ----

/**
 * Escape closes what is open, innermost first: the evidence dialog (the browser's own), an
 * expanded event or episode holding the focus (or the last one opened), else the panel shown,
 * back to the event feed. Focus lands on what opened it.
 */
function onEscape(e: KeyboardEvent): void {
  if (e.key !== 'Escape' || e.defaultPrevented || el.dialog.open) return;
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const inFocus = active?.closest<HTMLDetailsElement>('details[open]') ?? null;
  const panel = document.querySelector<HTMLElement>('[role=tabpanel]:not([hidden])');
  const open = inFocus ?? panel?.querySelector<HTMLDetailsElement>('details[open]') ?? null;
  if (open !== null) {
    open.open = false;
    open.querySelector<HTMLElement>('summary')?.focus();
    e.preventDefault();
    return;
  }
  if (activeTab !== 'events') {
    const from = activeTab;
    selectTab('events');
    document.querySelector<HTMLElement>('[role=tab][data-tab="events"]')?.focus();
    e.preventDefault();
    document.body.dataset['closed'] = from;
  }
}

function showError(e: unknown): void {
  const msg = e instanceof ApiError ? `${e.status}: ${e.message}` : e instanceof Error ? e.message : String(e);
  metrics.errors.push(msg);
  // A server that wants keys (not the open demo mode): ask once, keep it for this browser.
  if (e instanceof ApiError && e.status === 401) {
    const k = window.prompt(`${e.message}\n\nAPI key (glass keys create):`);
    if (k !== null && k.trim() !== '') {
      setApiKey(k.trim());
      location.reload();
      return;
    }
  }
  el.status.textContent = msg;
  el.status.classList.remove('live');
}

function setTheme(t: 'dark' | 'light'): void {
  document.documentElement.dataset['theme'] = t;
  el.theme.textContent = t === 'dark' ? 'Light theme' : 'Dark theme';
  try {
    localStorage.setItem('glass.theme', t);
  } catch {
    // Private mode: the theme just is not remembered.
  }
  chart.restyle();
  if (state.grid !== null) drawLegend(el.legend, state.grid.scale, getComputedStyle(document.body).getPropertyValue('--fg'));
}

function bindControls(): void {
  el.coin.addEventListener('change', () => {
    state.coin = el.coin.value;
    chart.risk = null;
    state.stream?.setHeatmapCoins([state.coin]);
    void loadMap()
      .then(() => refreshPanels())
      .catch(showError);
  });
  el.relative.addEventListener('change', () => {
    const g = state.grid;
    if (g === null) return;
    g.setRelative(el.relative.checked);
    chart.request();
    drawLegend(el.legend, g.scale, getComputedStyle(document.body).getPropertyValue('--fg'));
  });
  el.theme.addEventListener('click', () => setTheme(document.documentElement.dataset['theme'] === 'dark' ? 'light' : 'dark'));
  el.slider.addEventListener('input', () => {
    // The right end (the newest minute) is live.
    const v = Number(el.slider.value);
    const t = v >= Number(el.slider.max) ? null : v;
    el.sliderTime.value = t === null ? 'live' : fmtTime(t, true);
    if (travelTimer !== null) clearTimeout(travelTimer);
    travelTimer = setTimeout(() => void travelTo(t).catch(showError), 200);
  });
  el.live.addEventListener('click', () => void travelTo(null).catch(showError));
  el.date.addEventListener('change', () => {
    // The picker's value is UTC, like the page's times; outside the known span it clamps to it.
    const t = Date.parse(`${el.date.value}:00Z`);
    if (!Number.isFinite(t)) return;
    const lo = Number(el.slider.min);
    const hi = Number(el.slider.max);
    const at = Math.max(lo, Math.min(hi, t));
    void travelTo(at >= hi ? null : at).catch(showError);
  });
  el.play.addEventListener('click', () => {
    if (state.playing !== null) return stopPlay();
    const begin = async () => {
      // From live, play the last hour again: a moment to start from first.
      if (state.at === null) await travelTo(Math.max(Number(el.slider.min), state.lastTime - 3_600_000));
      if (state.at === null || state.playing !== null) return;
      el.play.textContent = '❚❚ Pause';
      state.playing = setInterval(() => void playStep().catch(showError), PLAY_TICK_MS);
    };
    void begin().catch(showError);
  });
  document.addEventListener('keydown', onEscape);
  for (const s of [el.fType, el.fCoin, el.fPrio]) s.addEventListener('change', renderFeed);
  el.fScore.addEventListener('input', renderFeed);
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[role=tab]'));
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => selectTab(b.dataset['tab'] ?? 'events'));
    b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d === 0) return;
      const next = tabs[(i + d + tabs.length) % tabs.length];
      next?.focus();
      next?.click();
    });
  });
  el.riskForm.addEventListener('submit', (e) => void submitRisk(e));
  el.walletForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void openWallet(el.walletAddr.value.trim());
  });
  panelTimer = setInterval(() => {
    if (state.at === null && !document.hidden) refreshPanels();
  }, 15_000);
}

async function start(): Promise<void> {
  const saved = (() => {
    try {
      return localStorage.getItem('glass.theme');
    } catch {
      return null;
    }
  })();
  setTheme(saved === 'light' || saved === 'dark' ? saved : matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
  for (const t of TYPE_FILTERS) el.fType.append(h('option', { value: t }, t));
  bindControls();
  // The map first: its request goes out at once, for the coin asked for (else BTC), and the first
  // frame waits on it alone; the coin list, the stream and the panels fill in after it.
  const params = new URLSearchParams(location.search);
  const wanted = params.get('coin');
  const guess = wanted === null || wanted === '' ? 'BTC' : wanted;
  const atParam = Number(params.get('at'));
  const early = Number.isFinite(atParam) && atParam > 0 ? undefined : fetchMap(guess, undefined);
  const coinsP = api.coins();
  const health = api.health();
  // Awaited below; until then a failure must not count as unhandled.
  for (const p of [early, coinsP, health]) p?.catch(() => {});
  let drawn = false;
  if (early !== undefined) {
    state.coin = guess;
    try {
      await loadMap(early);
      drawn = true;
    } catch {
      // No map for the guess (no such coin): the coin list decides below.
      state.coin = '';
    }
  }
  const coins = await coinsP;
  state.coins = coins.items.map((c) => c.coin);
  if (!drawn)
    state.coin = state.coins.includes(wanted ?? '') ? (wanted as string) : state.coins.includes('BTC') ? 'BTC' : (state.coins[0] ?? '');
  el.fCoin.append(h('option', { value: 'all' }, 'all'));
  for (const c of state.coins) {
    el.coin.append(h('option', { value: c, selected: c === state.coin }, c));
    el.fCoin.append(h('option', { value: c }, c));
    el.riskCoin.append(h('option', { value: c, selected: c === state.coin }, c));
  }
  if (state.coin === '') {
    el.status.textContent = 'no coin has a map yet — waiting for data';
    setTimeout(() => location.reload(), 3000);
    return;
  }
  if (!drawn) await loadMap();
  el.status.textContent = 'live';
  el.status.classList.add('live');
  state.stream = new StreamClient(Math.max(0, (await health).lastEventId - RECENT_EVENTS), [state.coin], {
    onEvent,
    onHeatmap,
    onLive: () => {
      if (state.liveSince === null) state.liveSince = Date.now();
      refreshMarkers();
    },
    onStatus: (s, detail) => {
      if (state.at !== null) return;
      el.status.textContent = detail === undefined || detail === '' ? s : `${s}: ${detail}`;
      el.status.classList.toggle('live', s === 'live');
    },
  });
  if (Number.isFinite(atParam) && atParam > 0) await travelTo(atParam);
  document.body.dataset['ready'] = '1';
}

// For the end-to-end test and the curious: state, chart and measured frame times.
const debug = {
  state,
  chart,
  metrics,
  travelTo,
  bench: (o?: Parameters<typeof runBench>[1]) => runBench(chart, o),
  stop: () => {
    state.stream?.close();
    if (panelTimer !== null) clearInterval(panelTimer);
  },
};
(window as unknown as { glass: GlassDebug }).glass = debug;

/** `window.glass`, as the end-to-end test reads it. */
export type GlassDebug = typeof debug;

if (new URLSearchParams(location.search).has('bench')) {
  el.status.textContent = 'benchmark';
  document.body.dataset['ready'] = '1';
} else {
  start().catch(showError);
}
