import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { readFixture } from './fixtures.ts';

interface WireTrade {
  coin: string;
  side: string;
  px: string;
  sz: string;
  time: number;
  hash: string;
  tid: number;
  users: [string, string];
}

/**
 * A local Hyperliquid for tests: `/info` over HTTP and the WebSocket on loopback, serving the real
 * fixtures (meta, clearinghouseState) and a trade stream cut from the recorded `trades` frames
 * (same wallets, prices and shapes; fresh ids and times). Like the venue, every `trades`
 * subscription is answered with a batch of recent trades first. It can drop every connection,
 * send malformed frames, answer 429 and answer slowly.
 */
export class MockVenue {
  readonly trades: WireTrade[] = [];
  requests: { type: string; at: number }[] = [];
  /** The next n /info requests are answered 429. */
  fail429 = 0;
  delayMs = 0;
  /** The next n /info requests are answered only after `delayMs`. */
  slow = 0;
  /** Silent: the connections stay open but nothing is sent or answered (a half-open link). */
  silent = false;
  /** How many recent trades answer a `trades` subscription. */
  snapshotSize = 100;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly subs = new Map<WebSocket, Set<string>>();
  /** Per connection, the wallets with a `userFills` subscription. */
  private readonly userSubs = new Map<WebSocket, Set<string>>();
  /** Every subscription asked for, in order. */
  readonly subscriptions: Record<string, unknown>[] = [];
  /** Per wallet, its non-funding ledger updates (`{time, hash, delta}`): the snapshot a ledger subscription answers with. */
  readonly ledger = new Map<string, unknown[]>();
  private readonly recorded = readFixture('hyperliquid-ws/trades_BTC_with_users.json') as WireTrade[];
  private tid = 1_000_000;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    this.http = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const request = JSON.parse(body) as { type: string; user?: string; startTime?: number; endTime?: number };
        this.requests.push({ type: request.type, at: Date.now() });
        const answer = () => {
          if (this.fail429 > 0) {
            this.fail429--;
            res.writeHead(429).end('rate limited');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.info(request)));
        };
        if (this.slow > 0) {
          this.slow--;
          setTimeout(answer, this.delayMs);
        } else answer();
      });
    });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on('connection', (ws) => {
      this.subs.set(ws, new Set());
      ws.on('message', (raw) => this.onMessage(ws, raw.toString()));
      ws.on('close', () => {
        this.subs.delete(ws);
        this.userSubs.delete(ws);
      });
    });
  }

  private info(request: { type: string; user?: string; startTime?: number; endTime?: number }): unknown {
    switch (request.type) {
      case 'userFillsByTime':
        return this.fillsOf(request.user ?? '', request.startTime ?? 0, request.endTime ?? Date.now());
      case 'meta':
        return { universe: [{ name: 'BTC', szDecimals: 5, maxLeverage: 40 }] };
      case 'clearinghouseState':
        return (readFixture('hyperliquid/clearinghouseState-cross-2026-10.json') as { response: unknown }).response;
      default:
        return [];
    }
  }

  /** The venue's own record of a wallet's fills: each trade it was in, with its position before. */
  fillsOf(user: string, from: number, to: number): unknown[] {
    const out: unknown[] = [];
    let pos = 0;
    for (const t of this.trades) {
      const [buyer, seller] = t.users;
      for (const [who, side] of [
        [buyer, 'B'],
        [seller, 'A'],
      ] as const) {
        if (who !== user) continue;
        const sz = Number(t.sz);
        if (t.time >= from && t.time <= to) {
          out.push({
            coin: t.coin,
            px: t.px,
            sz: t.sz,
            side,
            time: t.time,
            startPosition: String(pos),
            closedPnl: '0',
            fee: '0',
            hash: t.hash,
            oid: t.tid,
            tid: t.tid,
            crossed: side === t.side,
          });
        }
        pos = Math.round((pos + (side === 'B' ? sz : -sz)) * 1e8) / 1e8;
      }
    }
    return out;
  }

  /** The wallet's position after every trade so far. */
  positionOf(user: string): number {
    let pos = 0;
    for (const t of this.trades) {
      if (t.users[0] === user) pos += Number(t.sz);
      if (t.users[1] === user) pos -= Number(t.sz);
    }
    return Math.round(pos * 1e8) / 1e8;
  }

  private onMessage(ws: WebSocket, text: string): void {
    if (this.silent) return;
    const m = JSON.parse(text) as { method: string; subscription?: { type: string; coin?: string; user?: string } };
    if (m.method === 'ping') {
      ws.send(JSON.stringify({ channel: 'pong' }));
      return;
    }
    if (m.method !== 'subscribe' || m.subscription === undefined) return;
    ws.send(JSON.stringify({ channel: 'subscriptionResponse', data: { method: 'subscribe', subscription: m.subscription } }));
    this.subscriptions.push(m.subscription);
    const { type, user, coin } = m.subscription;
    if (type === 'userFills' && user !== undefined) {
      const users = this.userSubs.get(ws) ?? new Set<string>();
      this.userSubs.set(ws, users.add(user));
      // The venue's first answer: the wallet's recent fills, flagged as a snapshot.
      ws.send(
        JSON.stringify({ channel: 'userFills', data: { user, isSnapshot: true, fills: this.fillsOf(user, 0, Date.now()).slice(-20) } }),
      );
    }
    if (type === 'userNonFundingLedgerUpdates' && user !== undefined) {
      // The venue's first answer: the wallet's ledger so far, flagged as a snapshot.
      const nonFundingLedgerUpdates = this.ledger.get(user) ?? [];
      ws.send(JSON.stringify({ channel: 'userNonFundingLedgerUpdates', data: { user, isSnapshot: true, nonFundingLedgerUpdates } }));
    }
    if (type === 'activeAssetCtx' && coin !== undefined) {
      const px = this.trades.at(-1)?.px ?? this.recorded[0]?.px ?? '0';
      const ctx = {
        funding: '0.0000125',
        openInterest: '1000.0',
        oraclePx: px,
        markPx: px,
        midPx: px,
        dayNtlVlm: '0.0',
        prevDayPx: px,
        premium: '0.0',
      };
      ws.send(JSON.stringify({ channel: 'activeAssetCtx', data: { coin, ctx } }));
    }
    if (m.subscription.type === 'trades' && m.subscription.coin !== undefined) {
      this.subs.get(ws)?.add(m.subscription.coin);
      // The venue's first answer: the most recent trades of the coin, already-seen ones included.
      ws.send(JSON.stringify({ channel: 'trades', data: this.trades.slice(-this.snapshotSize) }));
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', r));
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get infoUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Trades happen whether or not anyone listens: every `ms`, `n` at a time. */
  run(ms: number, n = 2): void {
    this.timer = setInterval(() => {
      const batch: WireTrade[] = [];
      for (let i = 0; i < n; i++) {
        const r = this.recorded[this.trades.length % this.recorded.length] as WireTrade;
        const t: WireTrade = { ...r, tid: ++this.tid, time: Date.now(), hash: `0x${this.tid.toString(16).padStart(64, '0')}` };
        this.trades.push(t);
        batch.push(t);
      }
      if (this.silent) return;
      for (const [ws, coins] of this.subs) if (coins.has('BTC')) ws.send(JSON.stringify({ channel: 'trades', data: batch }));
      const from = (batch[0] as WireTrade).time;
      for (const [ws, users] of this.userSubs) {
        for (const user of users) {
          const fills = this.fillsOf(user, from, Date.now()).filter((f) => batch.some((t) => t.tid === (f as { tid: number }).tid));
          if (fills.length > 0) ws.send(JSON.stringify({ channel: 'userFills', data: { user, fills } }));
        }
      }
    }, ms);
  }

  pause(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Cuts every connection without a close handshake, as a network fault would. */
  dropAll(): void {
    for (const ws of this.subs.keys()) ws.terminate();
  }

  sendMalformed(): void {
    for (const ws of this.subs.keys()) ws.send('{"channel": "trades", "data": [ truncated');
  }

  async close(): Promise<void> {
    this.pause();
    for (const ws of this.subs.keys()) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.http.close(() => r()));
  }
}
