import type {
  CoinSummaryT,
  EventRecordT,
  HealthT,
  HeatmapT,
  PositionT,
  RiskAdviceT,
  RiskRequestT,
  SyndicateT,
  WalletDetailT,
  WalletScoreT,
  ZoneT,
} from '../../src/server/schemas.ts';

/**
 * The /v1 API as the dashboard reads it. Types come from the server's own TypeBox schemas
 * (src/server/schemas.ts), and the server checks every response against those schemas before
 * sending it (app.ts), so the shapes here cannot drift from what arrives.
 */

export type { CoinSummaryT, EventRecordT, HeatmapT, PositionT, RiskAdviceT, RiskRequestT, SyndicateT, WalletDetailT, WalletScoreT, ZoneT };
export type BucketT = HeatmapT['buckets'][number];
export type HistoryRowT = NonNullable<HeatmapT['history']>[number];

export interface Page<T> {
  items: T[];
  next: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const KEY_STORAGE = 'glass.apiKey';

/** The API key the user entered (needed only when the server is not in open mode). */
export function apiKey(): string | null {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(k: string | null): void {
  if (k === null || k === '') localStorage.removeItem(KEY_STORAGE);
  else localStorage.setItem(KEY_STORAGE, k);
}

type Params = Record<string, string | number | boolean | undefined | null>;

function url(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `/v1${path}${s === '' ? '' : `?${s}`}`;
}

declare global {
  interface Window {
    /** The map's request, sent by index.html before this code loaded (taken once). */
    glassEarly?: { url: string; res: Promise<Response> };
  }
}

/** The response index.html already asked for at this URL, once; else a new request. */
function send(u: string, init: RequestInit): Promise<Response> {
  const early = window.glassEarly;
  if (early !== undefined && early.url === u && (init.method ?? 'GET') === 'GET') {
    window.glassEarly = undefined;
    return early.res;
  }
  const headers = new Headers(init.headers);
  const k = apiKey();
  if (k !== null) headers.set('x-api-key', k);
  return fetch(u, { ...init, headers });
}

async function request<T>(path: string, params: Params, init: RequestInit = {}): Promise<T> {
  const res = await send(url(path, params), init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `${path}: the server answered ${res.status} with no JSON`);
  }
  if (!res.ok) {
    const m =
      typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : res.statusText;
    throw new ApiError(res.status, m);
  }
  // Checked by the server against the route's schema before it was sent (see the module comment).
  return body as T;
}

export const api = {
  health: () => request<HealthT>('/health', {}),
  coins: (at?: number) => request<Page<CoinSummaryT>>('/coins', { at, limit: 100 }),
  heatmap: (coin: string, q: { at?: number; history?: number }) =>
    request<HeatmapT>(`/heatmap/${encodeURIComponent(coin)}`, { at: q.at, history: q.history }),
  zones: (coin: string, at?: number) =>
    request<{ coin: string; time: number; markPx: number; zones: ZoneT[] }>(`/zones/${encodeURIComponent(coin)}`, { at }),
  positions: (q: { coin?: string; wallet?: string; minNotional?: number; near?: 'zone'; at?: number; limit?: number; cursor?: string }) =>
    request<Page<PositionT>>('/positions', q),
  wallets: (q: { at?: number; limit?: number }) => request<Page<WalletScoreT>>('/wallets', { sort: 'score', ...q }),
  wallet: (address: string, at?: number) => request<WalletDetailT>(`/wallets/${address}`, { at }),
  events: (q: { at?: number; since?: number; coin?: string; type?: string; limit?: number; cursor?: string }) =>
    request<Page<EventRecordT>>('/events', q),
  syndicates: (q: { coin?: string; at?: number; limit?: number }) => request<Page<SyndicateT>>('/syndicates', q),
  risk: (r: RiskRequestT) =>
    request<RiskAdviceT>('/risk', {}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) }),
};

/** A heatmap delta from /v1/stream (see src/server/stream.ts heatmapText). */
export interface HeatmapMessage {
  kind: 'heatmap';
  id: number;
  coin: string;
  time: number;
  markPx: number;
  bucketWidth: number;
  full: boolean;
  buckets: BucketT[];
  removed: number[];
  zones: ZoneT[];
}

export type StreamMessage =
  | ({ kind: 'event' } & EventRecordT)
  | HeatmapMessage
  | { kind: 'subscribed' | 'live'; id: number }
  | { kind: 'error' | 'hello'; id: number; message: string };

export interface StreamHandlers {
  onEvent(r: EventRecordT, live: boolean): void;
  onHeatmap(m: HeatmapMessage): void;
  onLive(): void;
  onStatus(s: 'connecting' | 'live' | 'catching up' | 'disconnected', detail?: string): void;
}

/**
 * /v1/stream with resume: every message carries the event id, and a dropped connection comes back
 * with `after=` its last id, so nothing is missed or doubled.
 */
export class StreamClient {
  private ws: WebSocket | null = null;
  private lastId: number;
  private heatmapCoins: string[];
  private readonly h: StreamHandlers;
  private live = false;
  private stopped = false;
  private retry = 500;

  constructor(after: number, heatmapCoins: string[], h: StreamHandlers) {
    this.lastId = after;
    this.heatmapCoins = heatmapCoins;
    this.h = h;
    this.connect();
  }

  get last(): number {
    return this.lastId;
  }

  private connect(): void {
    if (this.stopped) return;
    this.h.onStatus('connecting');
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = new URLSearchParams({ after: String(this.lastId) });
    if (this.heatmapCoins.length > 0) q.set('heatmap', this.heatmapCoins.join(','));
    // A browser's WebSocket can set no header: the key rides as a subprotocol beside glass.v1.
    const key = apiKey();
    const protocols = key === null || key === '' ? ['glass.v1'] : ['glass.v1', `glass.key.${key}`];
    const ws = new WebSocket(`${proto}//${location.host}/v1/stream?${q}`, protocols);
    this.ws = ws;
    this.live = false;
    ws.onopen = () => {
      this.retry = 500;
      this.h.onStatus('catching up');
    };
    ws.onmessage = (ev) => {
      let m: StreamMessage;
      try {
        m = JSON.parse(String(ev.data)) as StreamMessage;
      } catch {
        return;
      }
      if (m.kind === 'event') {
        if (m.id <= this.lastId) return;
        this.lastId = m.id;
        this.h.onEvent(m, this.live);
      } else if (m.kind === 'heatmap') this.h.onHeatmap(m);
      else if (m.kind === 'live') {
        this.live = true;
        this.h.onStatus('live');
        this.h.onLive();
      } else if (m.kind === 'error') this.h.onStatus('live', m.message);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.h.onStatus('disconnected', ev.reason);
      if (this.stopped) return;
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(10_000, this.retry * 2);
    };
  }

  /** Heatmap deltas of other coins from now on (the events keep flowing). */
  setHeatmapCoins(coins: string[]): void {
    this.heatmapCoins = coins;
    if (this.ws !== null && this.ws.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify({ op: 'subscribe', heatmap: coins, after: this.lastId }));
  }

  close(): void {
    this.stopped = true;
    this.ws?.close(1000, 'bye');
  }
}
