import type postgres from 'postgres';
import type { WriteBatch } from './types.ts';

/**
 * A batch's rows for PostgreSQL as one JSON text per table, inserted by `json_to_recordset`: one
 * bound parameter per table instead of one per value. The multi-row `INSERT … VALUES` it replaces
 * had the client type and encode every value (~60,000 a batch of scores) and, since the statement
 * text changed with the row count, describe it to the server anew each batch; this statement text
 * is fixed (prepared once per connection) and the client sends one string, JSON.stringify's work.
 *
 * A column holding JSON text (an event, a map, components) goes in as it is, as a JSON value
 * (`… json`, read back with `::text`, which keeps the text byte for byte), not as a string to
 * escape and unescape again. PostgreSQL refuses to parse some `\u` escapes (`\u0000`, a lone
 * surrogate) anywhere in the document, so a text holding `\u` goes as a JSON string (`…_s`).
 */

/** A finite number as JSON; NaN and ±Infinity as the strings float8 reads them from. */
function f8(x: number | null): string {
  if (x === null) return 'null';
  return Number.isFinite(x) ? String(x) : `"${x}"`;
}

/** `"key":text` as a JSON value, or `"key_s":"text"` when PostgreSQL may refuse one of its escapes. */
function jsonText(key: string, text: string): string {
  return text.includes('\\u') ? `"${key}_s":${JSON.stringify(text)}` : `"${key}":${text}`;
}

const str = JSON.stringify;

export function eventRows(b: WriteBatch): string {
  let s = '[';
  for (let i = 0; i < b.events.length; i++) {
    const e = b.events[i] as WriteBatch['events'][number];
    s +=
      `${i > 0 ? ',' : ''}{"id":${e.id},"type":${str(e.type)},"coin":${str(e.coin)},"time":${e.time},` +
      `"received_at":${e.receivedAt},"detected_at":${e.detectedAt},${jsonText('payload', e.payload ?? str(e.event))}}`;
  }
  return `${s}]`;
}

export function heatmapRows(b: WriteBatch): string {
  let s = '[';
  for (let i = 0; i < b.heatmaps.length; i++) {
    const h = b.heatmaps[i] as WriteBatch['heatmaps'][number];
    const delta = h.deltaJson !== undefined;
    const text = h.deltaJson ?? h.json ?? str(h.map);
    s += `${i > 0 ? ',' : ''}{"coin":${str(h.coin)},"time":${h.time},"reason":${str(h.reason)},"delta":${delta},${jsonText('map', text)}}`;
  }
  return `${s}]`;
}

export function positionRows(b: WriteBatch): string {
  let s = '[';
  for (let i = 0; i < b.positions.length; i++) {
    const p = b.positions[i] as WriteBatch['positions'][number];
    s +=
      `${i > 0 ? ',' : ''}{"wallet":${str(p.wallet)},"coin":${str(p.coin)},"time":${p.time},"szi":${f8(p.szi)},` +
      `"entry_px":${f8(p.entryPx)},"liquidation_px":${f8(p.liquidationPx)},"notional_usd":${f8(p.notionalUsd)},` +
      `"leverage":${f8(p.leverage)},"estimated":${p.estimated}}`;
  }
  return `${s}]`;
}

export function scoreRows(b: WriteBatch): string {
  let s = '[';
  for (let i = 0; i < b.scores.length; i++) {
    const x = b.scores[i] as WriteBatch['scores'][number];
    s +=
      `${i > 0 ? ',' : ''}{"wallet":${str(x.wallet)},"time":${x.time},"score":${f8(x.score)},"confidence":${f8(x.confidence)},` +
      `"trades":${x.trades},${jsonText('components', str(x.components))}}`;
  }
  return `${s}]`;
}

type Tx = postgres.TransactionSql;

/**
 * Sends the batch's four inserts without waiting (their promises go into `sent`), each only when
 * it has rows. Rows keep their order (WITH ORDINALITY): serial ids follow it, as before.
 */
export function sendRows(sent: Promise<unknown>[], tx: Tx, b: WriteBatch): void {
  if (b.events.length > 0) {
    sent.push(
      tx`INSERT INTO events (id, type, coin, time, received_at, detected_at, payload)
        SELECT id, type, coin, time, received_at, detected_at, COALESCE(payload_s, payload::text)
        FROM ROWS FROM (json_to_recordset(${eventRows(b)}::text::json) AS (id bigint, type text, coin text, time bigint,
          received_at bigint, detected_at bigint, payload json, payload_s text)) WITH ORDINALITY
          AS r(id, type, coin, time, received_at, detected_at, payload, payload_s, n)
        ORDER BY n`.execute(),
    );
  }
  if (b.heatmaps.length > 0) {
    sent.push(
      tx`INSERT INTO heatmap_snapshots (coin, time, reason, delta, map)
        SELECT coin, time, reason, delta, COALESCE(map_s, map::text)
        FROM ROWS FROM (json_to_recordset(${heatmapRows(b)}::text::json) AS (coin text, time bigint, reason text, delta boolean,
          map json, map_s text)) WITH ORDINALITY AS r(coin, time, reason, delta, map, map_s, n)
        ORDER BY n`.execute(),
    );
  }
  if (b.positions.length > 0) {
    sent.push(
      tx`INSERT INTO position_snapshots (wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated)
        SELECT wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated
        FROM ROWS FROM (json_to_recordset(${positionRows(b)}::text::json) AS (wallet text, coin text, time bigint,
          szi float8, entry_px float8, liquidation_px float8, notional_usd float8, leverage float8, estimated boolean))
          WITH ORDINALITY AS r(wallet, coin, time, szi, entry_px, liquidation_px, notional_usd, leverage, estimated, n)
        ORDER BY n`.execute(),
    );
  }
  if (b.scores.length > 0) {
    sent.push(
      tx`INSERT INTO scores (wallet, time, score, confidence, trades, components)
        SELECT wallet, time, score, confidence, trades, COALESCE(components_s, components::text)
        FROM ROWS FROM (json_to_recordset(${scoreRows(b)}::text::json) AS (wallet text, time bigint, score float8,
          confidence float8, trades integer, components json, components_s text))
          WITH ORDINALITY AS r(wallet, time, score, confidence, trades, components, components_s, n)
        ORDER BY n`.execute(),
    );
  }
}
