import { fmtPct, fmtPx, fmtUsd } from '../domain/format.ts';
import type { GlassEvent } from '../domain/glass-event.ts';
import type { Alert } from './types.ts';

/** A headline per event type, as a trader says it. */
function headline(e: GlassEvent): string {
  switch (e.type) {
    case 'ZONE_FORMED':
      return 'liquidation zone formed';
    case 'ZONE_APPROACHED':
      return 'price nearing a liquidation zone';
    case 'ZONE_SWEPT':
      return 'liquidation zone swept';
    case 'WHALE_NEAR_ZONE':
      return 'whale near a liquidation zone';
    case 'SYNDICATE_NEAR_ZONE':
      return 'syndicate near a liquidation zone';
    case 'CASCADE_RISK':
      return 'cascade risk';
    case 'SYNDICATE_DETECTED':
      return 'syndicate detected';
    case 'SYNDICATE_UPDATED':
      return 'syndicate grew';
    case 'WHALE_LIQUIDATED':
      return 'whale liquidated';
    case 'WHALE_POSITION_OPENED':
      return 'whale opened';
    case 'WHALE_POSITION_INCREASED':
      return 'whale added';
    case 'WHALE_POSITION_REDUCED':
      return 'whale reduced';
    case 'WHALE_POSITION_CLOSED':
      return 'whale closed';
    case 'WHALE_POSITION_FLIPPED':
      return 'whale flipped';
    case 'LEVERAGE_SPIKE':
      return 'leverage spike';
    case 'LARGE_LIQUIDATION':
      return 'large liquidation';
    case 'FUNDING_EXTREME':
      return 'funding extreme';
    case 'CVD_DIVERGENCE_EXTREME':
      return 'price and taker flow diverge';
    case 'REGIME_SHIFT':
      return 'regime shift';
    case 'CORRELATION_BREAK':
      return 'correlation with BTC broke';
    case 'LIQUIDATION_CLUSTER_ARMED':
      return 'liquidation cluster armed: cheap to reach';
    case 'MM_HUNTING_GROUND_ARMED':
      return 'depth pulled in front of a liquidation zone';
  }
}

/** What the wallet count counts: positions in a zone, whales near it, a syndicate's members. */
function walletsNoun(e: GlassEvent): string {
  if (e.type === 'ZONE_FORMED' || e.type === 'ZONE_APPROACHED' || e.type === 'ZONE_SWEPT') return 'positions';
  if (e.type === 'SYNDICATE_DETECTED' || e.type === 'SYNDICATE_UPDATED') return 'members';
  return 'whales';
}

function shortWallet(w: string): string {
  return w.length > 12 ? `${w.slice(0, 6)}…${w.slice(-4)}` : w;
}

function hhmmss(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}

/**
 * The alert as a few short lines that read on a phone's lock screen: coin, side and what
 * happened first; then price, notional, distance; then score and probability with the ledger's
 * hit rate; then the per-hop times and the dashboard link. Plain text (no markup to escape).
 */
export function alertText(a: Alert, deliveredAt?: number): string {
  const f = a.fields;
  const e = a.event;
  const side = f.side === null ? '' : ` ${f.side.toUpperCase()}`;
  const lines = [`${a.update > 0 ? `↳ update ${a.update}: ` : ''}${f.coin}${side} · ${headline(e)}`];
  const l2: string[] = [];
  if ('zone' in e && e.zone !== null) l2.push(`zone ${fmtPx(e.zone.lo)}–${fmtPx(e.zone.hi)}`);
  if (f.price !== null) l2.push(`price ${fmtPx(f.price)}`);
  if (f.notionalUsd !== null) l2.push(fmtUsd(f.notionalUsd));
  if (f.distancePct !== null) l2.push(`${Math.abs(f.distancePct).toFixed(1)} % away`);
  if (l2.length > 0) lines.push(l2.join(' · '));
  const l3: string[] = [];
  if ('wallet' in e) l3.push(`wallet ${shortWallet(e.wallet)}`);
  else if (f.wallets !== null && f.wallets > 0) l3.push(`${f.wallets} ${walletsNoun(e)}`);
  if (f.score !== null) l3.push(`score ${Math.round(f.score)}`);
  if (f.probability !== null) l3.push(`P ${fmtPct(f.probability, 0)}`);
  if (l3.length > 0) lines.push(l3.join(' · '));
  const L = a.ledger;
  if (L !== null && L.hitRate !== null) {
    const wil = L.wilson === null ? '' : ` [${fmtPct(L.wilson.lo, 0)}–${fmtPct(L.wilson.hi, 0)}]`;
    const lift = L.lift === null ? '' : `, lift ${L.lift.toFixed(2)}×`;
    lines.push(`ledger: right ${fmtPct(L.hitRate, 0)}${wil} of ${L.graded} graded${lift}`);
  } else lines.push('ledger: not graded yet');
  if (L?.muted === true) lines.push(`muted type (alerted by rule): ${L.muteReason ?? ''}`);
  const hops = [
    `venue ${hhmmss(a.hops.venue)}`,
    `recv +${secs(a.hops.received - a.hops.venue)}`,
    `detect +${secs(a.hops.detected - a.hops.venue)}`,
  ];
  if (deliveredAt !== undefined) hops.push(`sent +${secs(deliveredAt - a.hops.venue)}`);
  lines.push(`${hops.join(' → ')} UTC`);
  if (a.link !== null) lines.push(a.link);
  return lines.join('\n');
}

function secs(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}
