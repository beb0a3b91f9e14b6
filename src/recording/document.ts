import { isObj, type Obj } from '../venues/decode.ts';
import type { RawMessage } from './format.ts';

/**
 * The account a saved clearinghouseState response is filed under when the file does not say
 * whose it is (a bare response body, or a saved request with `"user": "unknown"`). A file of one
 * response is one account: without a name the book would drop it as an anonymous snapshot, and
 * `positions` / `heatmap` would show nothing of what the file plainly holds. The zero address is
 * no one's account, so it cannot be mistaken for a real wallet.
 */
export const UNNAMED_ACCOUNT = '0x0000000000000000000000000000000000000000';

/**
 * A single-document file (a saved venue response) as the messages it stands for. Most are one
 * message as they are. A clearinghouseState response is an account at one moment, and the only
 * prices such a file has are the venue's own valuation of each position (`positionValue` =
 * |szi| · mark, the figure the venue computes margin from): it becomes the account's snapshot,
 * filed under UNNAMED_ACCOUNT when the file names no user, followed by those marks, so the map of
 * the account has a price to stand on. A recording never goes through here: its snapshots are
 * filed as the lines say and its prices come from its own price messages.
 */
export function documentMessages(m: RawMessage): RawMessage[] {
  const msg = m.msg;
  if (!isObj(msg) || !isObj(msg['request']) || msg['request']['type'] !== 'clearinghouseState' || !isObj(msg['response'])) return [m];
  const request = msg['request'];
  const response = msg['response'];
  const user = request['user'];
  const named = typeof user === 'string' && user !== 'unknown';
  const snapshot: RawMessage = named ? m : { ...m, msg: { ...msg, request: { ...request, user: UNNAMED_ACCOUNT } } };
  const mids = impliedMarks(response);
  if (mids === null) return [snapshot];
  const time = typeof response['time'] === 'number' && Number.isFinite(response['time']) ? response['time'] : m.ts;
  return [snapshot, { line: m.line, ts: time, venue: m.venue, msg: { channel: 'allMids', data: { mids } } }];
}

/** `positionValue / |szi|` per coin, as the decimal strings a mids message carries; null when none. */
function impliedMarks(response: Obj): Record<string, string> | null {
  const list = response['assetPositions'];
  if (!Array.isArray(list)) return null;
  const mids: Record<string, string> = {};
  let n = 0;
  for (const ap of list) {
    const p = isObj(ap) ? ap['position'] : undefined;
    if (!isObj(p) || typeof p['coin'] !== 'string') continue;
    const szi = Math.abs(Number(p['szi']));
    const value = Number(p['positionValue']);
    const px = value / szi;
    if (!(szi > 0) || !(px > 0) || !Number.isFinite(px)) continue;
    // The quotient of two decimals carries float noise past the 12th digit; the venue's marks have 5 or 6.
    mids[p['coin']] = String(Number(px.toPrecision(12)));
    n++;
  }
  return n === 0 ? null : mids;
}
