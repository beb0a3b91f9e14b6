import { badRequest } from './errors.ts';
import { TIME_MESSAGE } from './schemas.ts';

/**
 * `at=` and `since=`: epoch milliseconds or an ISO 8601 time (the schema's pattern lets only those
 * shapes through; this rejects what matches the shape but is no date, such as month 13).
 */
export function parseTime(field: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) throw badRequest(field, TIME_MESSAGE);
  return ms;
}
