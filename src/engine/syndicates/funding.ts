/**
 * Funding links from the venue's ledger (docs/syndicates.md, "Entities"): the answers of
 * `userNonFundingLedgerUpdates` as a recording stores them (`glass import` writes the official
 * export's deposits and withdrawals beside the recording as F.ledger.ndjson; a live recorder asks
 * the venue for tracked wallets). A transfer from one wallet to another links them; a withdrawal
 * matched to a deposit links them only when the match is unambiguous.
 */

export interface Transfer {
  readonly from: string;
  readonly to: string;
  readonly time: number;
  readonly usd: number;
  /** How it was seen: a transfer the venue names both ends of, or a withdrawal matched to a deposit. */
  readonly via: 'transfer' | 'matched';
}

/** A deposit or withdrawal with one end only (the other end is off the venue). */
export interface Flow {
  readonly wallet: string;
  readonly time: number;
  /** USD into the account (negative: out). */
  readonly usd: number;
}

export class LedgerError extends Error {}

const TRANSFER_TYPES = new Set(['internalTransfer', 'subAccountTransfer', 'spotTransfer', 'send']);

function field(o: Record<string, unknown>, name: string, where: string): unknown {
  if (!(name in o)) throw new LedgerError(`${where}.${name}: missing`);
  return o[name];
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LedgerError(`${where}: expected an object`);
  return v as Record<string, unknown>;
}

function address(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v))
    throw new LedgerError(`${where}: expected a 0x wallet address, got ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

function amount(v: unknown, where: string): number {
  const x = typeof v === 'string' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new LedgerError(`${where}: expected a decimal amount, got ${JSON.stringify(v)}`);
  return x;
}

/**
 * One recorded `{request: {type: 'userNonFundingLedgerUpdates', user}, response: [...]}` message:
 * its transfers between wallets and its one-ended flows. Other messages: nothing. A malformed
 * answer throws a LedgerError naming the field.
 */
export function ledgerMessage(msg: unknown): { transfers: Transfer[]; flows: Flow[] } {
  const transfers: Transfer[] = [];
  const flows: Flow[] = [];
  const m = obj(msg, 'msg');
  if (!('request' in m)) return { transfers, flows };
  const req = obj(m['request'], 'msg.request');
  if (req['type'] !== 'userNonFundingLedgerUpdates') return { transfers, flows };
  const user = address(field(req, 'user', 'msg.request'), 'msg.request.user');
  const response = field(m, 'response', 'msg');
  if (!Array.isArray(response)) throw new LedgerError('msg.response: expected an array');
  response.forEach((row, i) => {
    const where = `msg.response[${i}]`;
    const r = obj(row, where);
    const time = amount(field(r, 'time', where), `${where}.time`);
    const d = obj(field(r, 'delta', where), `${where}.delta`);
    const type = field(d, 'type', `${where}.delta`);
    if (typeof type !== 'string') throw new LedgerError(`${where}.delta.type: expected a string`);
    const usd = Math.abs(amount(field(d, 'usdc' in d ? 'usdc' : 'amount', `${where}.delta`), `${where}.delta.usdc`));
    if (TRANSFER_TYPES.has(type)) {
      const from = 'user' in d ? address(d['user'], `${where}.delta.user`) : user;
      const to = address(field(d, 'destination', `${where}.delta`), `${where}.delta.destination`);
      transfers.push({ from, to, time, usd, via: 'transfer' });
    } else if (type === 'deposit') flows.push({ wallet: user, time, usd });
    else if (type === 'withdraw') flows.push({ wallet: user, time, usd: -usd });
  });
  return { transfers, flows };
}

/**
 * Withdrawals matched to deposits: a withdrawal of an amount that is not round (not a multiple of
 * $100) followed within `withinMs` by exactly one deposit of the same amount (to the cent) into
 * another wallet, that deposit matching no other withdrawal. Round amounts are what many people
 * move; an exact odd amount moved on within minutes is one actor's money.
 */
export function matchFlows(flows: readonly Flow[], withinMs = 30 * 60_000): Transfer[] {
  const cents = (x: number) => Math.round(Math.abs(x) * 100);
  const deposits = new Map<number, Flow[]>();
  for (const f of flows) if (f.usd > 0) deposits.set(cents(f.usd), [...(deposits.get(cents(f.usd)) ?? []), f]);
  const candidates = new Map<Flow, Flow[]>();
  for (const w of flows) {
    if (w.usd >= 0 || cents(w.usd) % 10_000 === 0) continue;
    const hits = (deposits.get(cents(w.usd)) ?? []).filter((d) => d.wallet !== w.wallet && d.time >= w.time && d.time - w.time <= withinMs);
    if (hits.length === 1) candidates.set(w, hits);
  }
  const used = new Map<Flow, number>();
  for (const hits of candidates.values()) used.set(hits[0] as Flow, (used.get(hits[0] as Flow) ?? 0) + 1);
  const out: Transfer[] = [];
  for (const [w, hits] of candidates) {
    const d = hits[0] as Flow;
    if (used.get(d) !== 1) continue;
    out.push({ from: w.wallet, to: d.wallet, time: d.time, usd: d.usd, via: 'matched' });
  }
  return out;
}
