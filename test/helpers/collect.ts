import assert from 'node:assert/strict';
import type { MarketEvent } from '../../src/domain/market-event.ts';
import { DecodeError } from '../../src/venues/decode.ts';
import { HyperliquidNormalizer, type Outcome } from '../../src/venues/hyperliquid/normalizer.ts';

export function normalizeAll(msg: unknown, localTs = 0): { events: MarketEvent[]; outcome: Outcome } {
  const events: MarketEvent[] = [];
  const outcome = new HyperliquidNormalizer().normalize(msg, localTs, (e) => events.push(e));
  return { events, outcome };
}

export function ofType<T extends MarketEvent['type']>(events: MarketEvent[], type: T): Extract<MarketEvent, { type: T }>[] {
  return events.filter((e): e is Extract<MarketEvent, { type: T }> => e.type === type);
}

/** The DecodeError normalizing `msg` throws (fails the test when it decodes). */
export function decodeError(msg: unknown): DecodeError {
  try {
    normalizeAll(msg);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  assert.fail('expected a DecodeError');
}
