import {
  ColorType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  LineSeries,
  LineStyle,
  type SeriesMarker,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { WalletDetailT } from './api.ts';
import { h } from './dom.ts';
import { fmtPx, fmtScore, fmtSize, fmtTime, fmtUsd } from './format.ts';

let chart: IChartApi | null = null;

/**
 * The wallet page: score and its components, the score over time (lightweight-charts, the
 * well-kept library for a plain time series), open positions, the trades that moved the score.
 */
export function renderWallet(el: HTMLElement, w: WalletDetailT): void {
  chart?.remove();
  chart = null;
  const chartBox = h('div', { class: 'score-chart', 'data-testid': 'score-chart' });
  const legendBox = h('div', { class: 'series-legend', 'data-testid': 'score-legend' });
  const comps = Object.entries(w.components);
  el.replaceChildren(
    h(
      'h3',
      {},
      h('span', { 'data-testid': 'wallet-address' }, w.wallet),
      ' · Nexus Score ',
      h('b', { 'data-testid': 'wallet-score' }, fmtScore(w.score)),
      h(
        'span',
        { class: 'hint' },
        ` · confidence ${(100 * w.confidence).toFixed(0)} % · ${w.trades} closed trades · as of ${fmtTime(w.time, true)}`,
      ),
    ),
    h(
      'div',
      { class: 'cols' },
      h('div', {}, h('div', { class: 'hint' }, 'Score and components over time (0–100; confidence dotted, in %)'), chartBox, legendBox),
      h(
        'div',
        {},
        h('div', { class: 'hint' }, 'Components (0–100)'),
        h(
          'table',
          {},
          h(
            'tbody',
            {},
            ...comps.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, fmtScore(v)), h('td', {}, bar(v)))),
          ),
        ),
      ),
    ),
    h('h3', {}, 'Open positions'),
    w.positions.length === 0
      ? h('p', { class: 'hint' }, 'none')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Coin'),
              h('th', { class: 'num' }, 'Size'),
              h('th', { class: 'num' }, 'Notional'),
              h('th', { class: 'num' }, 'Entry'),
              h('th', { class: 'num' }, 'Liq. price'),
              h('th', {}, 'Source'),
            ),
          ),
          h(
            'tbody',
            {},
            ...w.positions.map((p) =>
              h(
                'tr',
                {},
                h('td', {}, p.coin),
                h('td', { class: `num ${p.szi > 0 ? 'long' : 'short'}` }, fmtSize(p.szi)),
                h('td', { class: 'num' }, fmtUsd(p.notionalUsd)),
                h('td', { class: 'num' }, fmtPx(p.entryPx)),
                h('td', { class: 'num' }, fmtPx(p.liquidationPx)),
                h('td', { class: p.estimated ? 'est' : '' }, p.estimated ? 'estimated' : 'exact'),
              ),
            ),
          ),
        ),
    h('h3', {}, 'Trades that moved the score'),
    w.movers.length === 0
      ? h('p', { class: 'hint' }, 'none yet')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Closed'),
              h('th', {}, 'Coin'),
              h('th', {}, 'Side'),
              h('th', { class: 'num' }, 'Entry'),
              h('th', { class: 'num' }, 'Exit'),
              h('th', { class: 'num' }, 'Notional'),
              h('th', { class: 'num' }, 'PnL'),
              h('th', { class: 'num' }, 'Score Δ'),
            ),
          ),
          h(
            'tbody',
            {},
            ...w.movers.map((t) =>
              h(
                'tr',
                {},
                h('td', {}, fmtTime(t.closeTime, true)),
                h('td', {}, t.coin ?? '—'),
                h('td', { class: t.side ?? '' }, t.side ?? '—'),
                h('td', { class: 'num' }, fmtPx(t.entryPx ?? null)),
                h('td', { class: 'num' }, fmtPx(t.exitPx ?? null)),
                h('td', { class: 'num' }, fmtUsd(t.notionalUsd ?? null)),
                h('td', { class: `num ${(t.pnlUsd ?? 0) >= 0 ? 'long' : 'short'}` }, fmtUsd(t.pnlUsd ?? null)),
                h('td', { class: 'num' }, t.scoreDelta === null ? '—' : `${t.scoreDelta >= 0 ? '+' : ''}${t.scoreDelta.toFixed(2)}`),
              ),
            ),
          ),
        ),
  );
  const css = getComputedStyle(el);
  const col = (n: string, dflt: string) => css.getPropertyValue(n).trim() || dflt;
  const c = createChart(chartBox, {
    height: 220,
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: col('--muted', '#888') },
    grid: { vertLines: { visible: false }, horzLines: { color: col('--border', '#333') } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const lines = scoreLines(w);
  const legend: HTMLElement[] = [];
  lines.forEach((l, i) => {
    const colour = i === 0 ? col('--accent', '#6ea8fe') : SERIES_COLOURS[(i - 1) % SERIES_COLOURS.length];
    const s = c.addSeries(LineSeries, {
      color: colour,
      lineWidth: i === 0 ? 3 : 1,
      lineStyle: l.name === 'confidence' ? LineStyle.Dotted : LineStyle.Solid,
      priceLineVisible: false,
      lastValueVisible: i === 0,
      title: i === 0 ? 'score' : '',
    });
    s.setData(l.points.map(([t, v]) => ({ time: t as UTCTimestamp, value: v })));
    if (i === 0) {
      const marks = moverMarkers(w, l.points);
      if (marks.length > 0) createSeriesMarkers(s, marks);
    }
    const last = l.points.at(-1)?.[1];
    legend.push(
      h(
        'span',
        { 'data-series': l.name, 'data-points': l.points.length },
        h('i', { style: `background:${colour}` }),
        `${l.name} ${last === undefined ? '—' : fmtScore(last)}`,
      ),
    );
  });
  legendBox.replaceChildren(...legend);
  c.timeScale().fitContent();
  chart = c;
}

/** Lines of the components, after the score: distinct from the accent and from long/short colours. */
const SERIES_COLOURS = ['#e0a030', '#b07cf0', '#3fb8c8', '#d06fa0', '#8a9a5b', '#9aa5b1'];

/**
 * The series the chart draws, each as [unix seconds, value] ascending with one point a second
 * (the library's rule; the last of a second wins): the score, then each component, then the
 * confidence in percent. From the timeline (store records, with components) when there is one,
 * else the score history alone.
 */
export function scoreLines(w: WalletDetailT): { name: string; points: [number, number][] }[] {
  const tl = w.timeline ?? [];
  const perSec = <T extends { time: number }>(xs: readonly T[], v: (x: T) => number | undefined): [number, number][] => {
    const m = new Map<number, number>();
    for (const x of xs.toSorted((a, b) => a.time - b.time)) {
      const y = v(x);
      if (y !== undefined && Number.isFinite(y)) m.set(Math.floor(x.time / 1000), y);
    }
    return [...m];
  };
  if (tl.length === 0) return [{ name: 'score', points: perSec(w.history, (p) => p.score) }];
  const names = [...new Set(tl.flatMap((p) => Object.keys(p.components)))];
  return [
    { name: 'score', points: perSec(tl, (p) => p.score) },
    ...names.map((n) => ({ name: n, points: perSec(tl, (p) => p.components[n]) })),
    { name: 'confidence', points: perSec(tl, (p) => 100 * p.confidence) },
  ];
}

/** The trades that moved the score, on the score line: ▲ up, ▼ down, at the first point at or after the close. */
function moverMarkers(w: WalletDetailT, points: readonly [number, number][]): SeriesMarker<UTCTimestamp>[] {
  const out = new Map<number, SeriesMarker<UTCTimestamp>>();
  for (const m of w.movers) {
    if (m.scoreDelta === null || m.scoreDelta === 0) continue;
    const sec = Math.floor(m.closeTime / 1000);
    const at = points.find(([t]) => t >= sec)?.[0] ?? points.at(-1)?.[0];
    if (at === undefined) continue;
    const up = m.scoreDelta > 0;
    out.set(at, {
      time: at as UTCTimestamp,
      position: up ? 'belowBar' : 'aboveBar',
      shape: up ? 'arrowUp' : 'arrowDown',
      color: up ? '#26a269' : '#e01b24',
      text: `${up ? '+' : ''}${m.scoreDelta.toFixed(1)}`,
    });
  }
  return [...out.values()].sort((a, b) => a.time - b.time);
}

function bar(v: number): HTMLElement {
  const pct = Math.max(0, Math.min(100, v));
  return h('div', {
    style: `width:${pct}px;height:8px;background:var(--accent);border-radius:2px`,
    role: 'img',
    'aria-label': `${pct.toFixed(0)} of 100`,
  });
}
