import type { GlassEvent, GlassEventType } from '../domain/glass-event.ts';
import type { Coin, Wallet } from '../domain/ids.ts';
import type { Grade } from '../engine/ledger/grade.ts';
import { rebuildMap } from './map-delta.ts';
import { packedComponents } from './score-rows.ts';
import type {
  ApiKeyRecord,
  EventRecord,
  GradeRecord,
  HeatmapSnapshotRecord,
  IngestCursor,
  PositionSnapshotRecord,
  ScoreRecord,
} from './types.ts';

/**
 * Rows as both stores read them back, mapped to records. JSON columns hold what this process wrote
 * (the store is not a trust boundary), so they are parsed without re-validation. PostgreSQL hands
 * bigints back as strings, hence `Number` on every integer column.
 */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function eventOf(r: Row): EventRecord {
  return {
    id: num(r.id),
    type: r.type as GlassEventType,
    coin: r.coin as Coin,
    time: num(r.time),
    receivedAt: num(r.received_at),
    detectedAt: num(r.detected_at),
    event: JSON.parse(r.payload as string) as GlassEvent,
  };
}

export function heatmapOf(r: Row): HeatmapSnapshotRecord {
  return {
    coin: r.coin as Coin,
    time: num(r.time),
    reason: r.reason as HeatmapSnapshotRecord['reason'],
    map: JSON.parse(r.map as string) as Record<string, unknown>,
  };
}

/**
 * Heatmap rows as records, a delta's map rebuilt on its base (src/store/map-delta.ts). Each row
 * comes with `base_id`: for a delta, the id of the coin's newest whole map stored before it
 * (null for a whole map); bases not among the rows are read by `more`.
 */
export async function heatmapsOf(rows: readonly Row[], more: (ids: number[]) => Promise<Row[]>): Promise<HeatmapSnapshotRecord[]> {
  const whole = new Map<number, { time: number; map: Record<string, unknown> }>();
  const isDelta = (r: Row): boolean => r.delta === true || Number(r.delta) === 1;
  const out = rows.map((r) => {
    if (isDelta(r)) return null;
    const h = heatmapOf(r);
    whole.set(num(r.id), { time: h.time, map: h.map as Record<string, unknown> });
    return h;
  });
  const missing = new Set<number>();
  for (const r of rows) if (isDelta(r) && r.base_id !== null && !whole.has(num(r.base_id))) missing.add(num(r.base_id));
  if (missing.size > 0)
    for (const r of await more([...missing])) whole.set(num(r.id), { time: num(r.time), map: JSON.parse(r.map as string) });
  return rows.map((r, i) => {
    const done = out[i];
    if (done !== null && done !== undefined) return done;
    const base = r.base_id === null ? undefined : whole.get(num(r.base_id));
    const time = num(r.time);
    const what = `heatmap snapshot ${num(r.id)} (${String(r.coin)} at ${time})`;
    return {
      coin: r.coin as Coin,
      time,
      reason: r.reason as HeatmapSnapshotRecord['reason'],
      map: rebuildMap(base?.map ?? null, base?.time ?? null, JSON.parse(r.map as string) as Record<string, unknown>, what),
    };
  });
}

export function positionOf(r: Row): PositionSnapshotRecord {
  return {
    wallet: r.wallet as Wallet,
    coin: r.coin as Coin,
    time: num(r.time),
    szi: num(r.szi),
    entryPx: numOrNull(r.entry_px),
    liquidationPx: numOrNull(r.liquidation_px),
    notionalUsd: num(r.notional_usd),
    leverage: numOrNull(r.leverage),
    estimated: r.estimated === true || r.estimated === 1,
  };
}

/** A score row: its components packed (the recorder's, migration 007) or as JSON text. */
export function scoreOf(r: Row): ScoreRecord {
  const packed = r['components_packed'] as Uint8Array | null | undefined;
  return {
    wallet: r.wallet as Wallet,
    time: num(r.time),
    score: num(r.score),
    confidence: num(r.confidence),
    trades: num(r.trades),
    components:
      packed === null || packed === undefined ? (JSON.parse(r.components as string) as Record<string, number>) : packedComponents(packed),
  };
}

export function keyOf(r: Row): ApiKeyRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    hash: r.hash as string,
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
    rateLimit: num(r.rate_limit),
  };
}

export function cursorOf(r: Row): IngestCursor {
  return {
    source: r.source as string,
    position: num(r.position),
    ts: num(r.ts),
    nextEventId: num(r.next_event_id),
    complete: r.complete === true || r.complete === 1,
    firstEventId: num(r.first_event_id),
  };
}

/** `${wallet}:${coin}` → its parts; wallets never hold a colon, coins may (HIP-3 `dex:COIN`). */
export function splitAfter(after: string): { wallet: string; coin: string } {
  const i = after.indexOf(':');
  return i < 0 ? { wallet: after, coin: '' } : { wallet: after.slice(0, i), coin: after.slice(i + 1) };
}

/** The newest time the event log, a snapshot table… holds minus the window: rows before it go. */
export function cutoff(newest: unknown, ms: number | null): number | null {
  return ms === null || newest === null || newest === undefined ? null : Number(newest) - ms;
}

export function gradeOf(r: Row): GradeRecord {
  return { id: num(r.id), grade: JSON.parse(r.grade as string) as Grade };
}
