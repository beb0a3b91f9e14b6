import type { GlassEvent, WalletEvidence, ZoneRef } from '../../src/domain/glass-event.ts';
import type { EventRecordT } from './api.ts';
import type { Marker } from './chart.ts';
import { type Child, h } from './dom.ts';
import { fmtClock, fmtDistance, fmtProb, fmtPx, fmtRange, fmtScore, fmtSize, fmtUsd, shortWallet } from './format.ts';

/**
 * Glass events as the feed, the markers and the evidence dialog show them. The body is the
 * engines' GlassEvent (src/domain/glass-event.ts), passed through the store and API unchanged.
 */

export function glassEvent(r: EventRecordT): GlassEvent {
  // The API's schema keeps the body open (additionalProperties); its `type` discriminates the union.
  return r.event as unknown as GlassEvent;
}

/** Filter groups offered next to the single types. */
export const TYPE_GROUPS: Record<string, (t: string) => boolean> = {
  'whales (all)': (t) => t.startsWith('WHALE_'),
  'zones (all)': (t) => t.startsWith('ZONE_'),
  'syndicates (all)': (t) => t.startsWith('SYNDICATE_'),
  'near zone / cascade': (t) => t.endsWith('_NEAR_ZONE') || t === 'CASCADE_RISK',
};

/** The score an event carries (its wallet's, or the mean of its evidence), for the score filter. */
export function scoreOf(e: GlassEvent): number | null {
  switch (e.type) {
    case 'WHALE_POSITION_OPENED':
    case 'WHALE_POSITION_INCREASED':
    case 'WHALE_POSITION_REDUCED':
    case 'WHALE_POSITION_CLOSED':
    case 'WHALE_POSITION_FLIPPED':
    case 'WHALE_LIQUIDATED':
    case 'LARGE_LIQUIDATION':
      return e.score;
    case 'SYNDICATE_DETECTED':
    case 'SYNDICATE_UPDATED':
      return e.meanScore;
    case 'WHALE_NEAR_ZONE':
    case 'SYNDICATE_NEAR_ZONE':
    case 'CASCADE_RISK':
      return maxScore(e.wallets);
    default:
      return null;
  }
}

function maxScore(ws: readonly WalletEvidence[]): number | null {
  let best: number | null = null;
  for (const w of ws) if (w.score !== null && (best === null || w.score > best)) best = w.score;
  return best;
}

/** One line saying what happened. */
export function headline(e: GlassEvent): string {
  switch (e.type) {
    case 'WHALE_POSITION_OPENED':
    case 'WHALE_POSITION_INCREASED':
    case 'WHALE_POSITION_REDUCED':
    case 'WHALE_POSITION_CLOSED':
    case 'WHALE_POSITION_FLIPPED': {
      const verb = e.type.slice('WHALE_POSITION_'.length).toLowerCase();
      const side = e.szi > 0 ? 'long' : e.szi < 0 ? 'short' : '';
      return `${shortWallet(e.wallet)} ${verb} ${side} ${fmtUsd(e.notionalUsd)}${e.leverage === null ? '' : ` at ${e.leverage}×`} · score ${fmtScore(e.score)}`;
    }
    case 'WHALE_LIQUIDATED':
      return `${shortWallet(e.wallet)} liquidated ${fmtUsd(e.notionalUsd)} at ${fmtPx(e.px)} · score ${fmtScore(e.score)}`;
    case 'ZONE_FORMED':
    case 'ZONE_APPROACHED':
    case 'ZONE_SWEPT':
      return `${zoneText(e.zone)} · mark ${fmtPx(e.markPx)}${e.probability === null ? '' : ` · P ${fmtProb(e.probability)}`}${e.liquidatedUsd === null ? '' : ` · ${fmtUsd(e.liquidatedUsd)} liquidated`}`;
    case 'SYNDICATE_DETECTED':
    case 'SYNDICATE_UPDATED': {
      const sig = significance(e as unknown as Record<string, unknown>);
      return `${e.memberCount} wallets ${e.direction} ${fmtUsd(e.notionalUsd)} · mean score ${fmtScore(e.meanScore)}${sig === null ? '' : ` · ${sig}`}`;
    }
    case 'WHALE_NEAR_ZONE':
    case 'SYNDICATE_NEAR_ZONE':
      return `${e.wallets.length} wallet${e.wallets.length === 1 ? '' : 's'} near ${zoneText(e.zone)} · P ${fmtProb(e.probability)}`;
    case 'CASCADE_RISK':
      return `cascade risk at ${zoneText(e.zone)} · P ${fmtProb(e.probability)}${e.validated ? '' : ' (not validated)'}`;
    case 'LARGE_LIQUIDATION':
      return `${shortWallet(e.wallet)} ${e.positionSide} liquidated ${fmtUsd(e.notionalUsd)} at ${fmtPx(e.px)}`;
    default: {
      // Market-state signals and any type newer than this page: the type and its mark.
      const o = e as { type: string; markPx?: unknown };
      const mark = typeof o.markPx === 'number' ? ` · mark ${fmtPx(o.markPx)}` : '';
      return `${o.type.toLowerCase().replaceAll('_', ' ')}${mark}`;
    }
  }
}

/** The episode's class and significance, when the detector gives them (`lead · p 0.003 · surprise 6.2`). */
export function significance(x: { class?: unknown; pValue?: unknown; surprise?: unknown }): string | null {
  const parts: string[] = [];
  if (typeof x.class === 'string') parts.push(x.class);
  if (typeof x.pValue === 'number' && Number.isFinite(x.pValue)) parts.push(`p ${fmtP(x.pValue)}`);
  if (typeof x.surprise === 'number' && Number.isFinite(x.surprise)) parts.push(`surprise ${x.surprise.toFixed(1)}`);
  return parts.length === 0 ? null : parts.join(' · ');
}

function fmtP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** An event's delivery tier (P0, P1, P2), when it carries one. */
export function priorityOf(r: EventRecordT): 'P0' | 'P1' | 'P2' | null {
  const p = (r.event as { priority?: unknown }).priority;
  return p === 'P0' || p === 'P1' || p === 'P2' ? p : null;
}

/** The entity behind a wallet, when the evidence names one (a string, or an object with a name or id). */
export function entityName(w: unknown): string | null {
  const e = (w as { entity?: unknown } | null)?.entity;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null) {
    const o = e as { name?: unknown; label?: unknown; id?: unknown };
    for (const v of [o.name, o.label, o.id]) if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

export function zoneText(z: ZoneRef): string {
  const side = z.side === 'LONG_LIQ' ? 'long liq.' : 'short liq.';
  return `${side} ${fmtRange(z.lo, z.hi)} ${fmtUsd(z.notionalUsd)} (${z.wallets}w, ${fmtDistance(z.distancePct)})${z.mostlyEstimated === true ? ' est.' : ''}`;
}

/** The chart marker of a whale entry or a syndicate (null: not one). `markAt`: the mark then. */
export function markerOf(r: EventRecordT, markAt: (t: number) => number): Marker | null {
  const e = glassEvent(r);
  switch (e.type) {
    case 'WHALE_POSITION_OPENED':
    case 'WHALE_POSITION_INCREASED':
    case 'WHALE_POSITION_FLIPPED': {
      if (e.szi === 0) return null;
      const px = e.notionalUsd / Math.abs(e.szi);
      return {
        time: e.time,
        px: Number.isFinite(px) && px > 0 ? px : markAt(e.time),
        notionalUsd: e.notionalUsd,
        side: e.szi > 0 ? 'long' : 'short',
        kind: 'whale',
        eventId: r.id,
        label: headline(e),
      };
    }
    case 'SYNDICATE_DETECTED':
    case 'SYNDICATE_UPDATED': {
      const px = markAt(e.time);
      if (!Number.isFinite(px)) return null;
      return { time: e.time, px, notionalUsd: e.notionalUsd, side: e.direction, kind: 'syndicate', eventId: r.id, label: headline(e) };
    }
    default:
      return null;
  }
}

/** The evidence of an event: its wallets (each opens the wallet page), its zone, every field. */
export function evidence(r: EventRecordT, openWallet: (w: string) => void): HTMLElement {
  const e = glassEvent(r);
  const parts: Child[] = [];
  const wallets: WalletEvidence[] = [];
  if ('wallets' in e) wallets.push(...e.wallets);
  if ('members' in e) wallets.push(...e.members);
  if ('joined' in e) wallets.push(...e.joined);
  if ('wallet' in e) wallets.push({ wallet: e.wallet, score: e.score, notionalUsd: e.notionalUsd });
  if (wallets.length > 0) {
    parts.push(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Wallet'),
            h('th', {}, 'Entity'),
            h('th', { class: 'num' }, 'Score'),
            h('th', { class: 'num' }, 'Notional'),
          ),
        ),
        h(
          'tbody',
          {},
          ...wallets.map((w) =>
            h(
              'tr',
              {},
              h('td', {}, h('button', { type: 'button', class: 'linkish', onclick: () => openWallet(w.wallet) }, w.wallet)),
              h('td', { class: 'entity' }, entityName(w) ?? '—'),
              h('td', { class: 'num' }, fmtScore(w.score)),
              h('td', { class: 'num' }, fmtUsd(w.notionalUsd)),
            ),
          ),
        ),
      ),
    );
  }
  const zones: ZoneRef[] = [];
  if ('zone' in e && e.zone !== null) zones.push(e.zone);
  if ('nearestZones' in e) zones.push(...e.nearestZones);
  for (const z of zones) parts.push(h('div', {}, h('b', {}, 'Zone '), h('span', { class: z.side }, zoneText(z))));
  if ('szi' in e) parts.push(h('div', {}, `size ${fmtSize(e.szi)} ${r.coin}`));
  parts.push(
    h(
      'div',
      { class: 'hint' },
      `event #${r.id} · venue time ${fmtClock(r.time)} · received ${fmtClock(r.receivedAt)} · detected ${fmtClock(r.detectedAt)} (wall clock)`,
    ),
  );
  parts.push(h('pre', {}, JSON.stringify(r.event, null, 2)));
  return h('div', { class: 'evidence' }, ...parts);
}
