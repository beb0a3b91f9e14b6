import { ColorType, createChart, type IChartApi, LineSeries, type UTCTimestamp } from 'lightweight-charts';
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
      h('div', {}, h('div', { class: 'hint' }, 'Score over time'), chartBox),
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
  const c = createChart(chartBox, {
    height: 200,
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: css.getPropertyValue('--muted').trim() || '#888' },
    grid: { vertLines: { visible: false }, horzLines: { color: css.getPropertyValue('--border').trim() || '#333' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const s = c.addSeries(LineSeries, { color: css.getPropertyValue('--accent').trim() || '#6ea8fe', lineWidth: 2 });
  // One point per second, ascending (the library's rule): the last score of each second.
  const bySec = new Map<number, number>();
  for (const p of w.history.toSorted((a, b) => a.time - b.time)) bySec.set(Math.floor(p.time / 1000), p.score);
  s.setData([...bySec].map(([t, v]) => ({ time: t as UTCTimestamp, value: v })));
  c.timeScale().fitContent();
  chart = c;
}

function bar(v: number): HTMLElement {
  const pct = Math.max(0, Math.min(100, v));
  return h('div', {
    style: `width:${pct}px;height:8px;background:var(--accent);border-radius:2px`,
    role: 'img',
    'aria-label': `${pct.toFixed(0)} of 100`,
  });
}
