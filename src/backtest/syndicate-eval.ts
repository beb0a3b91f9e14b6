import type { SyndicateEvent } from '../domain/glass-event.ts';
import type { SyndicateTruth } from '../sim/truth.ts';

export interface EpisodeSummary {
  readonly id: string;
  readonly coin: string;
  readonly direction: 'long' | 'short';
  readonly firstTime: number;
  readonly lastTime: number;
  /** In joining order: the founders, then the joiners. */
  readonly members: readonly string[];
  /** As of the episode's last event. */
  readonly notionalUsd: number;
  readonly meanScore: number | null;
  readonly detections: number;
}

/** Collapses a stream of syndicate events into episodes: DETECTED's founders, then each UPDATE's joiners. */
export function episodes(events: readonly SyndicateEvent[]): EpisodeSummary[] {
  const by = new Map<string, { e: SyndicateEvent; last: number; detections: number; members: string[] }>();
  for (const e of events) {
    const joined = e.type === 'SYNDICATE_DETECTED' ? e.members : e.joined;
    const cur = by.get(e.syndicateId);
    if (cur === undefined) {
      by.set(e.syndicateId, {
        e,
        last: e.time,
        detections: e.type === 'SYNDICATE_DETECTED' ? 1 : 0,
        members: joined.map((m) => m.wallet),
      });
    } else {
      cur.e = e;
      cur.last = Math.max(cur.last, e.time);
      if (e.type === 'SYNDICATE_DETECTED') cur.detections++;
      for (const m of joined) cur.members.push(m.wallet);
    }
  }
  return [...by.values()].map(({ e, last, detections, members }) => ({
    id: e.syndicateId,
    coin: e.coin,
    direction: e.direction,
    firstTime: e.firstTime,
    lastTime: last,
    members,
    notionalUsd: e.notionalUsd,
    meanScore: e.meanScore,
    detections,
  }));
}

/** What grading reads of an episode. */
export type GradedEpisode = Pick<EpisodeSummary, 'coin' | 'direction' | 'firstTime' | 'lastTime' | 'members' | 'detections'>;

export interface SyndicateGrade {
  readonly planted: number;
  readonly detected: number;
  readonly recall: number;
  readonly precision: number;
  /** Episodes whose DETECTED fired more than once (must be 0). */
  readonly refired: number;
  readonly unmatchedPlanted: readonly string[];
}

/**
 * A detected episode finds a planted syndicate when it is on the same coin and direction, its time
 * span overlaps the planted entries' (± the window) and it shares at least two members with them.
 * An episode is also correct (for precision) when at least two of its members are the syndicate's
 * making one of its follow-ups: members adding or flipping on the clock they share.
 */
export function gradeSyndicates(found: readonly GradedEpisode[], planted: readonly SyndicateTruth[], windowMs: number): SyndicateGrade {
  const real = planted.filter((p) => p.members.length >= 3);
  const overlaps = (e: GradedEpisode, from: number, to: number) => !(e.firstTime > to + windowMs || e.lastTime < from - windowMs);
  const entry = (e: GradedEpisode, p: SyndicateTruth) => {
    if (e.coin !== p.coin || e.direction !== p.direction || !overlaps(e, p.start, p.end)) return false;
    const m = new Set(p.members.map((x) => x.wallet));
    return e.members.filter((w) => m.has(w)).length >= 2;
  };
  const followUp = (e: GradedEpisode, p: SyndicateTruth) => {
    if (e.coin !== p.coin) return false;
    const acting = new Set(p.followUps.filter((f) => f.direction === e.direction && overlaps(e, f.time, f.time)).map((f) => f.wallet));
    return e.members.filter((w) => acting.has(w)).length >= 2;
  };
  const hit = real.filter((p) => found.some((e) => entry(e, p)));
  const good = found.filter((e) => real.some((p) => entry(e, p) || followUp(e, p)));
  return {
    planted: real.length,
    detected: found.length,
    recall: real.length === 0 ? 1 : hit.length / real.length,
    precision: found.length === 0 ? 1 : good.length / found.length,
    refired: found.filter((e) => e.detections !== 1).length,
    unmatchedPlanted: real.filter((p) => !hit.includes(p)).map((p) => p.id),
  };
}

/** Pairwise agreement of found entities with planted ones. */
export interface EntityGrade {
  /** Pairs of wallets put in one entity that one actor owns, over all pairs put in one. */
  readonly precision: number;
  /** Pairs of one actor's wallets put in one entity, over all such pairs. */
  readonly recall: number;
  readonly foundPairs: number;
  readonly truePairs: number;
}

/**
 * Found clusters against planted actors, by pairs of wallets: every pair inside a found cluster is
 * a claim "one actor", every pair inside an actor's wallets (its funder included when `funders`)
 * is a fact. Wallets in no planted actor count against precision when clustered.
 */
export function gradeEntities(
  found: readonly { readonly wallets: readonly string[] }[],
  planted: readonly { readonly wallets: readonly string[]; readonly funder: string }[],
  funders: boolean,
): EntityGrade {
  const actorOf = new Map<string, number>();
  planted.forEach((a, i) => {
    for (const w of funders ? [...a.wallets, a.funder] : a.wallets) actorOf.set(w.toLowerCase(), i);
  });
  let foundPairs = 0;
  let right = 0;
  for (const c of found) {
    const ws = c.wallets.map((w) => w.toLowerCase());
    for (let i = 0; i < ws.length; i++) {
      for (let j = i + 1; j < ws.length; j++) {
        foundPairs++;
        const a = actorOf.get(ws[i] as string);
        if (a !== undefined && a === actorOf.get(ws[j] as string)) right++;
      }
    }
  }
  let truePairs = 0;
  for (const a of planted) {
    const n = a.wallets.length + (funders ? 1 : 0);
    truePairs += (n * (n - 1)) / 2;
  }
  return {
    precision: foundPairs === 0 ? 1 : right / foundPairs,
    recall: truePairs === 0 ? 1 : right / truePairs,
    foundPairs,
    truePairs,
  };
}
