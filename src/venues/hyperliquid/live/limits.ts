/**
 * The venue's published per-IP limits (Hyperliquid docs, "Rate limits and user limits"): REST
 * weight 1200 per minute; `clearinghouseState` (and a few light calls) weigh 2, most other /info
 * requests 20, and fill queries add 1 per 20 items returned; at most 1000 WebSocket subscriptions
 * and 10 distinct users across user-specific subscriptions.
 */
export const REST_WEIGHT_PER_MINUTE = 1200;
export const MAX_WS_SUBSCRIPTIONS = 1000;
export const MAX_WS_USERS = 10;

export function requestWeight(type: string): number {
  switch (type) {
    case 'clearinghouseState':
    case 'allMids':
    case 'l2Book':
    case 'orderStatus':
    case 'spotClearinghouseState':
    case 'exchangeStatus':
      return 2;
    default:
      return 20;
  }
}

/** Extra weight of a response: fill and funding queries cost one per 20 items returned. */
export function responseWeight(type: string, items: number): number {
  return type === 'userFills' || type === 'userFillsByTime' || type === 'fundingHistory' ? Math.floor(items / 20) : 0;
}

/**
 * A sliding one-minute window of spent weight. `wait(now, w)` says how long to wait before a
 * request of weight w fits; `spend` records it. Time is passed in, so the budget is testable and
 * the same in replay. A margin below the venue's figure absorbs clock skew between us and it.
 */
export class WeightBudget {
  readonly perMinute: number;
  private readonly spent: { time: number; weight: number }[] = [];
  private head = 0;
  private total = 0;

  constructor(perMinute = Math.floor(REST_WEIGHT_PER_MINUTE * 0.9)) {
    this.perMinute = perMinute;
  }

  private expire(now: number): void {
    while (this.head < this.spent.length && (this.spent[this.head] as { time: number }).time <= now - 60_000) {
      this.total -= (this.spent[this.head] as { weight: number }).weight;
      this.head++;
    }
    if (this.head > 256) {
      this.spent.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Milliseconds until `weight` fits in the window (0: now). */
  wait(now: number, weight: number): number {
    this.expire(now);
    if (this.total + weight <= this.perMinute) return 0;
    let excess = this.total + weight - this.perMinute;
    for (let i = this.head; i < this.spent.length; i++) {
      const s = this.spent[i] as { time: number; weight: number };
      excess -= s.weight;
      if (excess <= 0) return s.time + 60_000 - now + 1;
    }
    return 60_000;
  }

  spend(now: number, weight: number): void {
    this.expire(now);
    this.spent.push({ time: now, weight });
    this.total += weight;
  }

  /** Weight spent in the minute before `now`. */
  used(now: number): number {
    this.expire(now);
    return this.total;
  }
}
