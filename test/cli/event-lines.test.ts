import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventLine } from '../../src/cli/commands/events.ts';
import { describe as line } from '../../src/cli/engines.ts';
import {
  GLASS_EVENT_TYPES,
  type GlassEvent,
  type GlassEventType,
  stampOf,
  type WalletEvidence,
  type ZoneRef,
} from '../../src/domain/glass-event.ts';
import { coin, wallet } from '../../src/domain/ids.ts';

/**
 * Every event type's text line (glass events, glass demo, glass live) carries its key evidence:
 * the wallet (short), side, size or notional, price, zone range, score where the event has them.
 * Hand-built events, one per type; one assertion per type on what its line must name.
 */
const T = Date.UTC(2026, 0, 1, 0, 25, 55);
const SOL = coin('SOL');
const W = wallet('0x4269aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaae802');
const W2 = wallet('0x2097bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbfc47');
const ZONE: ZoneRef = {
  side: 'LONG_LIQ',
  lo: 171.6,
  hi: 172.2,
  peakPx: 171.9,
  notionalUsd: 164_000,
  wallets: 3,
  distancePct: -1.61,
  costToReachUsd: null,
  chain: [],
  depthStale: false,
};
const EVIDENCE: WalletEvidence[] = [
  { wallet: W, score: 71.25, notionalUsd: 1_330_000 },
  { wallet: W2, score: null, notionalUsd: 250_000 },
];

function base<T extends GlassEventType>(type: T) {
  return { id: `${type}:x`, type, time: T, coin: SOL, severity: 'notice' as const, ...stampOf(type, T) };
}

const whale = (type: Extract<GlassEvent, { szi: number }>['type'], szi: number): GlassEvent => ({
  ...base(type),
  wallet: W,
  szi,
  notionalUsd: Math.abs(szi) * 178.19 || 884_000,
  leverage: 20,
  score: 71.25,
  nearestZones: [ZONE],
});

const EVENTS: Record<GlassEventType, GlassEvent> = {
  WHALE_POSITION_OPENED: whale('WHALE_POSITION_OPENED', -4958.94),
  WHALE_POSITION_INCREASED: whale('WHALE_POSITION_INCREASED', -4958.94),
  WHALE_POSITION_REDUCED: whale('WHALE_POSITION_REDUCED', 4958.94),
  WHALE_POSITION_CLOSED: whale('WHALE_POSITION_CLOSED', 0),
  WHALE_POSITION_FLIPPED: whale('WHALE_POSITION_FLIPPED', 4958.94),
  WHALE_LIQUIDATED: { ...base('WHALE_LIQUIDATED'), wallet: W, notionalUsd: 154_000, px: 176.74, score: 71.25 },
  ZONE_FORMED: { ...base('ZONE_FORMED'), zone: ZONE, markPx: 174.71, probability: 0.4, liquidatedUsd: null },
  ZONE_APPROACHED: { ...base('ZONE_APPROACHED'), zone: ZONE, markPx: 174.71, probability: 0.4, liquidatedUsd: null },
  ZONE_SWEPT: { ...base('ZONE_SWEPT'), zone: ZONE, markPx: 171.5, probability: null, liquidatedUsd: 154_000 },
  SYNDICATE_DETECTED: {
    ...base('SYNDICATE_DETECTED'),
    syndicateId: 'syn-SOL-7',
    direction: 'short',
    memberCount: 2,
    notionalUsd: 1_580_000,
    meanScore: 64.5,
    firstTime: T - 60_000,
    members: EVIDENCE,
  },
  SYNDICATE_UPDATED: {
    ...base('SYNDICATE_UPDATED'),
    syndicateId: 'syn-SOL-7',
    direction: 'short',
    memberCount: 3,
    notionalUsd: 1_830_000,
    meanScore: 64.5,
    firstTime: T - 60_000,
    joined: [{ wallet: W2, score: 58, notionalUsd: 250_000 }],
    addedNotionalUsd: 250_000,
  },
  WHALE_NEAR_ZONE: {
    ...base('WHALE_NEAR_ZONE'),
    zone: ZONE,
    wallets: EVIDENCE.slice(0, 1),
    syndicateId: null,
    probability: 0.4,
    model: null,
  },
  SYNDICATE_NEAR_ZONE: {
    ...base('SYNDICATE_NEAR_ZONE'),
    zone: ZONE,
    wallets: EVIDENCE,
    syndicateId: 'syn-SOL-7',
    probability: 0.4,
    model: null,
  },
  CASCADE_RISK: {
    ...base('CASCADE_RISK'),
    zone: ZONE,
    probability: 0.4,
    validated: false,
    baselineProbability: 0.35,
    horizonMs: 40 * 60_000,
    wallets: EVIDENCE,
  },
  LEVERAGE_SPIKE: {
    ...base('LEVERAGE_SPIKE'),
    source: 'openInterest',
    value: 21_000,
    baseline: 19_000,
    rise: Math.log(21 / 19),
    zScore: 4.2,
    windowMs: 10 * 60_000,
    priceChange: 0.001,
    flatLine: 0.005,
    markPx: 175,
    openInterestUsd: 3_675_000,
  },
  LARGE_LIQUIDATION: {
    ...base('LARGE_LIQUIDATION'),
    wallet: W,
    score: 71.25,
    positionSide: 'long',
    px: 176.74,
    markPx: 176.74,
    sz: 871.28,
    notionalUsd: 153_990,
    thresholdUsd: 100_000,
    highLineUsd: 1_000_000,
    zone: ZONE,
  },
  FUNDING_EXTREME: {
    ...base('FUNDING_EXTREME'),
    rate: 0.0002,
    annualised: 1.752,
    median: 0.0000125,
    zScore: 6.1,
    reason: 'both',
    crowded: 'long',
    markPx: 175,
  },
  CVD_DIVERGENCE_EXTREME: {
    ...base('CVD_DIVERGENCE_EXTREME'),
    windowMs: 15 * 60_000,
    priceChange: -0.004,
    cvdUsd: 2_400_000,
    volumeUsd: 9_000_000,
    residualZ: -2.6,
    flowZ: 2.2,
    direction: 'long',
    markPx: 175,
  },
  REGIME_SHIFT: {
    ...base('REGIME_SHIFT'),
    kind: 'volatility',
    from: 'calm',
    to: 'volatile',
    realisedVol: 1.1,
    baselineVol: 0.6,
    varianceRatio: null,
    markPx: 175,
  },
  CORRELATION_BREAK: {
    ...base('CORRELATION_BREAK'),
    reference: coin('BTC'),
    correlation: 0.12,
    usual: 0.8,
    bandLo: 0.55,
    bandHi: 0.95,
    windowMs: 3600_000,
    markPx: 175,
  },
  LIQUIDATION_CLUSTER_ARMED: {
    ...base('LIQUIDATION_CLUSTER_ARMED'),
    zone: ZONE,
    markPx: 172.5,
    costToReachUsd: 90_000,
    recentFlowUsd: 400_000,
    flowWindowMs: 5 * 60_000,
    distanceSigmas: 0.4,
    chainLiquidatedUsd: 164_000,
  },
  MM_HUNTING_GROUND_ARMED: {
    ...base('MM_HUNTING_GROUND_ARMED'),
    zone: ZONE,
    markPx: 172.5,
    costToReachUsd: 20_000,
    baselineCostUsd: 90_000,
    depthRatio: 0.22,
    recentFlowUsd: 400_000,
  },
};

/** What each type's line must name (regular expressions on the line after `HH:MM:SS TYPE SOL`). */
const ZONE_TEXT = /LONG_LIQ 171\.6–172\.2 peak 171\.9 \$164k/;
const KEY: Record<GlassEventType, RegExp[]> = {
  WHALE_POSITION_OPENED: [/0x4269…e802/, /short 4,958\.94/, /\(\$884k\)/, /at 178\.19/, /20×/, /score 71\.3/, ZONE_TEXT],
  WHALE_POSITION_INCREASED: [/0x4269…e802/, /short 4,958\.94/, /\(\$884k\)/, /at 178\.19/, /score 71\.3/],
  WHALE_POSITION_REDUCED: [/0x4269…e802/, /long 4,958\.94/, /\(\$884k\)/, /at 178\.19/, /score 71\.3/],
  WHALE_POSITION_CLOSED: [/0x4269…e802/, /flat: closed \$884k/, /score 71\.3/],
  WHALE_POSITION_FLIPPED: [/0x4269…e802/, /long 4,958\.94/, /\(\$884k\)/, /at 178\.19/, /score 71\.3/],
  WHALE_LIQUIDATED: [/0x4269…e802/, /\$154k at 176\.74/, /score 71\.3/],
  ZONE_FORMED: [ZONE_TEXT, /3 positions/, /mark 174\.71/, /P 40 %/],
  ZONE_APPROACHED: [ZONE_TEXT, /3 positions/, /mark 174\.71/, /P 40 %/],
  ZONE_SWEPT: [ZONE_TEXT, /mark 171\.5/, /\$154k liquidated/],
  SYNDICATE_DETECTED: [
    /syn-SOL-7 short/,
    /2 wallets/,
    /\$1\.58M/,
    /mean score 64\.5/,
    /0x4269…e802 \$1\.33M \(score 71\.3\)/,
    /0x2097…fc47 \$250k/,
  ],
  SYNDICATE_UPDATED: [/syn-SOL-7 short/, /\+\$250k/, /now 3 wallets \$1\.83M/, /joined 0x2097…fc47 \$250k \(score 58\.0\)/],
  WHALE_NEAR_ZONE: [ZONE_TEXT, /−1\.61 % away/, /P 40 %/, /0x4269…e802 \$1\.33M \(score 71\.3\)/],
  SYNDICATE_NEAR_ZONE: [ZONE_TEXT, /P 40 %/, /syn-SOL-7 0x4269…e802 \$1\.33M/, /0x2097…fc47 \$250k/],
  CASCADE_RISK: [ZONE_TEXT, /P 40 % \(baseline 35 %\) in 40 min/, /0x4269…e802/],
  LEVERAGE_SPIKE: [/open interest \+10\.5 % in 10 min/, /z 4\.2/],
  LARGE_LIQUIDATION: [/long 0x4269…e802/, /871\.28 \(\$154k\) at 176\.74/, /score 71\.3/, /line \$100k/, ZONE_TEXT],
  FUNDING_EXTREME: [/175 % a year/, /z 6\.1/, /longs crowded/],
  CVD_DIVERGENCE_EXTREME: [/taker delta \+\$2\.4M/, /15 min/, /residual -2\.6σ/],
  REGIME_SHIFT: [/volatility calm → volatile/, /vol 110 % vs 60 %/],
  CORRELATION_BREAK: [/correlation with BTC 0\.12/, /band 0\.55–0\.95/],
  LIQUIDATION_CLUSTER_ARMED: [ZONE_TEXT, /mark 172\.5/, /\$400k taker flow/],
  MM_HUNTING_GROUND_ARMED: [ZONE_TEXT, /mark 172\.5/, /22 %/, /\$90k → \$20k/],
};

for (const type of GLASS_EVENT_TYPES) {
  test(`${type}: its text line names its key evidence`, () => {
    const e = EVENTS[type];
    const text = line(e);
    assert.ok(text.startsWith(`00:25:55 ${type} SOL `), text);
    const missing = KEY[type].filter((re) => !re.test(text));
    assert.deepEqual(missing, [], `${type}: ${text}`);
  });
}

test('glass events adds the tier and a zone’s cost to reach to the same line', () => {
  const e = EVENTS.WHALE_NEAR_ZONE;
  assert.equal(eventLine(e), `P1 ${line(e)}  cost to reach: beyond the visible book`);
});

test('a zone whose coin has no order book in the last minute (an imported export has none): its cost is unknown, said so', () => {
  const e = EVENTS.WHALE_NEAR_ZONE;
  const stale = { ...e, zone: { ...ZONE, depthStale: true, costToReachUsd: null } };
  assert.equal(eventLine(stale), `P1 ${line(stale)}  cost to reach: unknown (no order book for the coin in the last minute)`);
});

test('two NEAR_ZONE events of one wallet in one second, for two zones, read differently', () => {
  const a = EVENTS.WHALE_NEAR_ZONE;
  const b = { ...a, zone: { ...ZONE, lo: 172.6, hi: 173.8, peakPx: 173.5, notionalUsd: 77_700 } };
  assert.notEqual(eventLine(a), eventLine(b));
});
