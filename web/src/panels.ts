import type { PositionT, RiskAdviceT, SyndicateT, WalletScoreT, ZoneT } from './api.ts';
import { fillTable, h } from './dom.ts';
import { entityName, significance } from './events.ts';
import { fmtDistance, fmtProb, fmtPx, fmtRange, fmtScore, fmtSize, fmtTime, fmtUsd, shortWallet } from './format.ts';

/**
 * The zone table: side, range, notional, wallets, distance, probability; a row centres the chart on it.
 * The table is one Tab stop (a roving tab index): Tab reaches the current row, ↑/↓/Home/End move
 * between rows, Enter or Space centres the chart. A live re-render keeps the focused zone focused, so
 * a keyboard user is not thrown back to the page's start every map.
 */
export function renderZones(body: HTMLTableSectionElement, zones: readonly ZoneT[], onPick: (z: ZoneT) => void): void {
  const active = document.activeElement;
  const focusedId = active instanceof HTMLElement && body.contains(active) ? (active.dataset['zoneId'] ?? null) : null;
  const stopId = focusedId ?? body.querySelector<HTMLElement>('tr[tabindex="0"]')?.dataset['zoneId'] ?? null;
  const rows = zones
    .toSorted((a, b) => b.notionalUsd - a.notionalUsd)
    .map((z) => {
      const tr = h(
        'tr',
        { class: 'clickable', tabindex: -1, 'data-zone-id': z.id, title: 'centre the chart on this zone' },
        h('td', { class: z.side }, z.side === 'LONG_LIQ' ? 'long liq.' : 'short liq.'),
        h('td', {}, fmtRange(z.lo, z.hi)),
        h('td', { class: 'num' }, fmtUsd(z.notionalUsd), z.mostlyEstimated === true ? h('span', { class: 'est' }, ' est.') : null),
        h('td', { class: 'num' }, String(z.wallets)),
        h('td', { class: 'num' }, fmtDistance(z.distancePct)),
        h('td', { class: `num${z.depthStale === true ? ' est' : ''}`, title: chainText(z) ?? '' }, costCell(z)),
        h('td', { class: 'num' }, fmtProb(z.probability)),
      );
      tr.addEventListener('click', () => onPick(z));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onPick(z);
        }
      });
      return tr;
    });
  fillTable(body, rows, 'no zone on this map', 7);
  if (rows.length === 0) return;
  const stop = rows.find((r) => r.dataset['zoneId'] === stopId) ?? (rows[0] as HTMLTableRowElement);
  stop.tabIndex = 0;
  if (focusedId !== null) stop.focus({ preventScroll: true });
  if (body.dataset['roving'] !== 'on') {
    body.dataset['roving'] = 'on';
    body.addEventListener('keydown', (e) => moveRowFocus(body, e));
  }
}

/** ↑/↓/Home/End move the table's one tab stop between its rows, and the focus with it. */
function moveRowFocus(body: HTMLTableSectionElement, e: KeyboardEvent): void {
  const rows = Array.from(body.querySelectorAll<HTMLTableRowElement>('tr[data-zone-id]'));
  const at = rows.indexOf(e.target as HTMLTableRowElement);
  if (at < 0) return;
  const to =
    e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? rows.length - 1 : null;
  if (to === null) return;
  e.preventDefault();
  const next = rows[Math.max(0, Math.min(rows.length - 1, to))] as HTMLTableRowElement;
  for (const r of rows) r.tabIndex = r === next ? 0 : -1;
  next.focus();
}

/** The cost-to-reach cell: the book depth to push the mark there (`stale` when the book snapshot is old; →n: a cascade chain of n zones). */
function costCell(z: ZoneT): string {
  const c = z.costToReachUsd;
  const chain = z.chain?.length ?? 0;
  return `${c === undefined || c === null ? '—' : fmtUsd(c)}${z.depthStale === true ? ' stale' : ''}${chain > 0 ? ` →${chain}` : ''}`;
}

/** The cascade chain a sweep of the zone would set off, one link a line (null: none given). */
function chainText(z: ZoneT): string | null {
  const ch = z.chain;
  if (ch === undefined || ch.length === 0) return null;
  return ch.map((l) => `${fmtRange(l.zoneLo, l.zoneHi)}: ${fmtUsd(l.liquidatedUsd)} liquidated → ${fmtPx(l.pxAfter)}`).join('\n');
}
/** The texts a zone row shows, in column order (the end-to-end test compares them to the API's zone). */
export function zoneCells(z: ZoneT): string[] {
  return [
    z.side === 'LONG_LIQ' ? 'long liq.' : 'short liq.',
    fmtRange(z.lo, z.hi),
    `${fmtUsd(z.notionalUsd)}${z.mostlyEstimated === true ? ' est.' : ''}`,
    String(z.wallets),
    fmtDistance(z.distancePct),
    costCell(z),
    fmtProb(z.probability),
  ];
}

export interface WhaleRow {
  readonly p: PositionT;
  readonly score: number | null;
  readonly markPx: number;
}

/** Whale table: wallet, score, side, size, notional, entry, liquidation price, PnL, leverage, distance to liquidation. */
export function renderWhales(body: HTMLTableSectionElement, rows: readonly WhaleRow[], openWallet: (w: string) => void): void {
  const trs = rows.map(({ p, score, markPx }) => {
    const side = p.szi > 0 ? 'long' : 'short';
    const pnl = p.entryPx === null ? Number.NaN : (markPx - p.entryPx) * p.szi;
    const toLiq = p.liquidationPx === null ? null : (100 * (p.liquidationPx - markPx)) / markPx;
    return h(
      'tr',
      {},
      h(
        'td',
        {},
        h('button', { type: 'button', class: 'linkish', onclick: () => openWallet(p.wallet), title: p.wallet }, shortWallet(p.wallet)),
      ),
      h('td', { class: 'num' }, fmtScore(score)),
      h('td', { class: side }, side),
      h('td', { class: 'num' }, fmtSize(p.szi)),
      h('td', { class: 'num' }, fmtUsd(p.notionalUsd)),
      h('td', { class: 'num' }, fmtPx(p.entryPx)),
      h('td', { class: 'num' }, fmtPx(p.liquidationPx)),
      h('td', { class: `num ${pnl >= 0 ? 'long' : 'short'}` }, fmtUsd(pnl)),
      h('td', { class: 'num' }, p.leverage === null ? '—' : `${p.leverage}×`),
      h('td', { class: 'num' }, fmtDistance(toLiq)),
      h('td', { class: p.estimated ? 'est' : '' }, p.estimated ? 'estimated' : 'exact'),
    );
  });
  fillTable(body, trs, 'no open position of $250k or more', 11);
}

/** Nexus Score × position size, positions whose liquidation lies in a zone ringed. */
export function drawScatter(canvas: HTMLCanvasElement, rows: readonly WhaleRow[], nearZone: ReadonlySet<string>): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320;
  const hgt = canvas.clientHeight || 220;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  const c = canvas.getContext('2d');
  if (c === null) return;
  const css = getComputedStyle(canvas);
  const col = (n: string) => css.getPropertyValue(n).trim();
  c.setTransform(dpr, 0, 0, dpr, 0, 0);
  c.clearRect(0, 0, w, hgt);
  const L = 40;
  const B = 24;
  c.strokeStyle = col('--border');
  c.strokeRect(L, 4, w - L - 4, hgt - B - 4);
  c.fillStyle = col('--muted');
  c.font = '10px system-ui, sans-serif';
  c.textAlign = 'right';
  c.textBaseline = 'middle';
  for (const s of [0, 50, 100]) c.fillText(String(s), L - 4, 4 + (1 - s / 100) * (hgt - B - 4));
  const scored = rows.filter((r) => r.score !== null);
  const maxN = Math.max(1e6, ...scored.map((r) => r.p.notionalUsd));
  const minN = 2.5e5;
  const xOf = (n: number) => L + (Math.log10(n / minN) / Math.log10(maxN / minN)) * (w - L - 8);
  c.textAlign = 'center';
  c.textBaseline = 'top';
  for (const n of [minN, 1e6, 1e7, 1e8]) if (n <= maxN) c.fillText(fmtUsd(n), xOf(n), hgt - B + 4);
  for (const r of scored) {
    const x = xOf(Math.max(minN, r.p.notionalUsd));
    const y = 4 + (1 - (r.score as number) / 100) * (hgt - B - 4);
    c.fillStyle = r.p.szi > 0 ? col('--long') : col('--short');
    c.beginPath();
    c.arc(x, y, 3.5, 0, 2 * Math.PI);
    c.fill();
    if (nearZone.has(`${r.p.wallet}:${r.p.coin}`)) {
      c.strokeStyle = col('--fg');
      c.lineWidth = 1.5;
      c.beginPath();
      c.arc(x, y, 6.5, 0, 2 * Math.PI);
      c.stroke();
    }
  }
  canvas.setAttribute(
    'aria-label',
    `Nexus Score by position size: ${scored.length} scored positions, ${nearZone.size} near a zone (ringed)`,
  );
}

const HORIZON_NAMES: Record<number, string> = { 300000: '5 min', 3600000: '1 h', 14400000: '4 h' };
const horizonName = (ms: number) => HORIZON_NAMES[ms] ?? `${Math.round(ms / 60_000)} min`;

/** A return in the episode's direction, signed: `+1.83 %`. */
export function fmtReturn(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'pending';
  const s = (100 * Math.abs(r)).toFixed(2);
  return `${r < 0 && s !== '0.00' ? '−' : r > 0 && s !== '0.00' ? '+' : ''}${s} %`;
}

/** The outcome line of an episode (`5 min +0.09 % · 1 h +1.83 % · 4 h pending`), the same text the page shows. */
export function outcomeText(s: SyndicateT): string {
  const o = s.outcome;
  if (o === undefined || o === null) return 'no price after detection yet';
  const parts = o.horizonsMs.map((h, i) => `${horizonName(h)} ${fmtReturn(o.returns[i] ?? null)}`);
  return `${parts.join(' · ')}${o.hit === null ? '' : o.hit ? ' · right' : ' · wrong'}`;
}

function fmtSpan(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Syndicate episodes: members, timing, notional, significance and outcome; each expandable to its evidence. */
export function renderSyndicates(el: HTMLElement, items: readonly SyndicateT[], openWallet: (w: string) => void): void {
  if (items.length === 0) {
    el.replaceChildren(h('p', { class: 'hint' }, 'no syndicate on this coin yet'));
    return;
  }
  el.replaceChildren(
    ...items.map((s) => {
      const sig = significance(s);
      const o = s.outcome ?? null;
      const entities = typeof s.entities === 'number' ? s.entities : Array.isArray(s.entities) ? s.entities.length : null;
      return h(
        'details',
        { 'data-syndicate-id': s.syndicateId },
        h(
          'summary',
          {},
          h('span', {}, fmtTime(s.lastTime)),
          h('span', {}, s.coin),
          h('span', { class: `type ${s.direction}` }, `${s.memberCount} wallets ${s.direction}`),
          s.class === undefined ? h('span', {}) : h('span', { class: `badge class-${s.class}`, 'data-testid': 'syndicate-class' }, s.class),
          h(
            'span',
            {},
            `${fmtUsd(s.notionalUsd)} · mean score ${fmtScore(s.meanScore)} · ${fmtTime(s.firstTime, true)} → ${fmtTime(s.lastTime)}`,
          ),
          h(
            'span',
            {
              class: `outcome ${o === null ? '' : (o.returns.find((r) => r !== null) ?? 0) >= 0 ? 'long' : 'short'}`,
              'data-testid': 'syndicate-outcome',
            },
            outcomeText(s),
          ),
        ),
        h(
          'div',
          { class: 'evidence' },
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Episode'),
            h('dd', {}, s.syndicateId),
            h('dt', {}, 'Timing'),
            h(
              'dd',
              {},
              `first entry ${fmtTime(s.firstTime, true)}, last ${fmtTime(s.lastTime, true)} (${fmtSpan(s.lastTime - s.firstTime)})`,
            ),
            h('dt', {}, 'Members'),
            h(
              'dd',
              {},
              `${s.memberCount} wallets${entities === null ? '' : `, ${entities} entities`} · ${fmtUsd(s.notionalUsd)} ${s.direction}`,
            ),
            h('dt', {}, 'Significance'),
            h('dd', { 'data-testid': 'syndicate-significance' }, sig ?? '—'),
            h('dt', {}, 'Outcome'),
            h(
              'dd',
              {},
              o === null
                ? 'no price after detection yet'
                : `from ${fmtPx(o.startPx)} at detection: ${outcomeText(s)} (${o.source === 'ledger' ? 'accuracy ledger grade' : 'stored marks'})`,
            ),
          ),
          h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Member'),
                h('th', {}, 'Entity'),
                h('th', { class: 'num' }, 'Score'),
                h('th', { class: 'num' }, 'Notional'),
              ),
            ),
            h(
              'tbody',
              {},
              ...s.members.map((m) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('button', { type: 'button', class: 'linkish', onclick: () => openWallet(m.wallet) }, m.wallet)),
                  h('td', { class: 'entity' }, entityName(m) ?? '—'),
                  h('td', { class: 'num' }, fmtScore(m.score)),
                  h('td', { class: 'num' }, fmtUsd(m.notionalUsd)),
                ),
              ),
            ),
          ),
        ),
      );
    }),
  );
}

/** The risk answer: liquidation, exit, whale lean, the zones in the way, and each suggestion with its reason. */
export function renderRisk(el: HTMLElement, a: RiskAdviceT): void {
  const stat = (name: string, value: string, testid: string) =>
    h('div', {}, h('span', { class: 'hint' }, name), h('b', { 'data-testid': testid }, value));
  const parts: (Node | null)[] = [
    h(
      'div',
      { class: 'headline' },
      stat('Mark', fmtPx(a.markPx), 'risk-mark'),
      stat('Liquidation', fmtPx(a.liquidationPx), 'risk-liq'),
      stat('Exit', fmtPx(a.exitPx), 'risk-exit'),
      stat('Whales', `${a.whaleBias}${a.whaleNetUsd === undefined ? '' : ` (${fmtUsd(a.whaleNetUsd)} net)`}`, 'risk-whales'),
      stat('As of', fmtTime(a.time, true), 'risk-time'),
    ),
    a.stopBeyondLiquidation === true
      ? h('p', { class: 'error' }, 'Your stop lies beyond your liquidation price: it would never fire.')
      : null,
    h('h3', {}, 'Suggestions'),
    a.suggestions.length === 0
      ? h('p', { class: 'hint' }, 'nothing to change')
      : h(
          'ul',
          { 'data-testid': 'risk-suggestions' },
          ...a.suggestions.map((s) =>
            h('li', {}, h('span', { class: 'action' }, s.action), s.value === null ? '' : `${fmtPx(s.value)} — `, s.reason),
          ),
        ),
    h('h3', {}, 'Zones in the way'),
    a.zonesInPath.length === 0
      ? h('p', { class: 'hint' }, 'none between the price and your exit')
      : h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Side'),
              h('th', {}, 'Range'),
              h('th', { class: 'num' }, 'Notional'),
              h('th', { class: 'num' }, 'P(touch)'),
            ),
          ),
          h(
            'tbody',
            {},
            ...a.zonesInPath.map((z) =>
              h(
                'tr',
                {},
                h('td', { class: z.side }, z.side === 'LONG_LIQ' ? 'long liq.' : 'short liq.'),
                h('td', {}, fmtRange(z.lo, z.hi)),
                h('td', { class: 'num' }, fmtUsd(z.notionalUsd)),
                h('td', { class: 'num' }, fmtProb(z.touchProbability)),
              ),
            ),
          ),
        ),
  ];
  el.replaceChildren(...parts.filter((x): x is Node => x !== null));
}

/** Scores by wallet, for the whale table. */
export function scoreMap(items: readonly WalletScoreT[]): Map<string, number> {
  return new Map(items.map((w) => [w.wallet.toLowerCase(), w.score]));
}
