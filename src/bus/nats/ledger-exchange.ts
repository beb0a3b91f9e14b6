import { type ConsumerMessages, type JetStreamClient, type JetStreamManager, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AccuracyLedger, Settled } from '../../engine/ledger/ledger.ts';
import { InputError } from '../../recording/errors.ts';
import type { BusNames } from './config.ts';
import { openOrderedReader } from './coverage.ts';

/**
 * The shared accuracy ledger across coin workers (docs/scale-out.md § Exactness).
 *
 * A worker's ledger grades its coins' events and labels its coins' cascade assessments; what
 * every coin shares — the verdicts the engines read (recalibration, evidence standing, mutes) and
 * the cascade model's walk-forward fit — takes every coin's grades and labels, each once the clock
 * at a raw message's start has passed its `applyAt` (the clock when it was made plus
 * `applyDelayMs`), in an order that is the same in every process. Every worker reads every raw
 * message, so its ledger clock is the single process's at the same place in the stream.
 *
 * Each worker publishes what it made, with its clock, on `<prefix>.ledger.<worker>`, and takes the
 * others'. Before it applies a raw message at clock C, it waits until every other worker has
 * published a clock ≥ C − delay: anything made elsewhere that counts by C was made at a clock
 * below C − delay, so that worker had passed the place and published it. A worker that must wait
 * publishes its own clock first, so two workers never wait for each other (the one with the lower
 * clock never waits). With a minute's delay the workers run up to a minute of venue time apart
 * before any waits.
 */
export interface LedgerMessage {
  /** The worker (its assignment's name). */
  readonly w: string;
  /** The last raw sequence it had applied. */
  readonly to: number;
  /** Its ledger clock then (−∞ before any market event: null in JSON). */
  readonly clock: number;
  /** Its grades and labels made since its previous message. */
  readonly s: readonly Settled[];
}

export function encodeLedger(m: LedgerMessage): string {
  return JSON.stringify({ w: m.w, to: m.to, clock: finiteOrNull(m.clock), s: m.s.map((x) => ({ ...x, at: finiteOrNull(x.at) })) });
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** A ledger-exchange message, checked: a malformed one is an error naming the field. */
export function decodeLedger(data: Uint8Array): LedgerMessage {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new InputError('ledger exchange: a message is not JSON');
  }
  const o = object(v, 'message');
  const w = o.w;
  if (typeof w !== 'string' || w === '') throw new InputError('ledger exchange: w: expected the worker name');
  const to = o.to;
  if (typeof to !== 'number' || !Number.isInteger(to) || to < 0) throw new InputError('ledger exchange: to: expected a raw sequence');
  const clock = numberOrMinusInfinity(o.clock, 'clock');
  if (!Array.isArray(o.s)) throw new InputError('ledger exchange: s: expected an array');
  const s = o.s.map((x: unknown, i: number): Settled => {
    const it = object(x, `s[${i}]`);
    if (it.kind !== 'grade' && it.kind !== 'label') throw new InputError(`ledger exchange: s[${i}].kind: expected grade or label`);
    for (const f of ['applyAt', 'due', 'cs'] as const)
      if (typeof it[f] !== 'number' || !Number.isFinite(it[f])) throw new InputError(`ledger exchange: s[${i}].${f}: expected a number`);
    if (typeof it.coin !== 'string') throw new InputError(`ledger exchange: s[${i}].coin: expected a coin`);
    const body = object(it.kind === 'grade' ? it.grade : it.label, `s[${i}].${it.kind}`);
    if (it.kind === 'grade' && (typeof body.id !== 'string' || typeof body.type !== 'string' || typeof body.hit !== 'boolean'))
      throw new InputError(`ledger exchange: s[${i}].grade: expected id, type and hit`);
    if (it.kind === 'label' && (typeof body.hit !== 'boolean' || typeof body.score !== 'number' || typeof body.features !== 'object'))
      throw new InputError(`ledger exchange: s[${i}].label: expected features, score and hit`);
    return { ...it, at: numberOrMinusInfinity(it.at, `s[${i}].at`) } as unknown as Settled;
  });
  return { w, to, clock, s };
}

function object(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`ledger exchange: ${what}: expected an object`);
  return v as Record<string, unknown>;
}

function numberOrMinusInfinity(v: unknown, what: string): number {
  if (v === null) return Number.NEGATIVE_INFINITY;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`ledger exchange: ${what}: expected a number or null`);
  return v;
}

/** One worker's side of the exchange: what it made and has not published, and the others' clocks. */
export class LedgerExchange {
  readonly self: string;
  private readonly ledger: AccuracyLedger;
  private readonly delayMs: number;
  /** The other workers' published clocks (−∞: nothing from it yet). */
  private readonly clocks: Map<string, number>;
  private outbox: Settled[] = [];
  /** Messages from workers not among the peers (another cluster layout on the same prefix), and who sent them. */
  strangers = 0;
  readonly strangerNames = new Set<string>();

  constructor(ledger: AccuracyLedger, self: string, peers: readonly string[], delayMs: number) {
    this.ledger = ledger;
    this.self = self;
    this.delayMs = delayMs;
    this.clocks = new Map(peers.filter((p) => p !== self).map((p) => [p, Number.NEGATIVE_INFINITY]));
  }

  /** The ledger's `settled` handler: what this worker made, to publish. */
  readonly made = (s: Settled): void => {
    this.outbox.push(s);
  };

  /** Drops what was made so far (already on the stream: published by a predecessor). */
  discard(): void {
    this.outbox = [];
  }

  /** Whether anything was made since the last `take`. */
  get pending(): number {
    return this.outbox.length;
  }

  /**
   * The messages to publish: what it made since the last, in pieces of at most `per` (a NATS
   * message has a size limit); only the last piece carries the new clock and `to`, so no other
   * worker goes on past this clock before it has every piece.
   */
  take(to: number, per = 1000): LedgerMessage[] {
    const s = this.outbox;
    this.outbox = [];
    const out: LedgerMessage[] = [];
    for (let i = per; i < s.length; i += per) out.push({ w: this.self, to: this.told.to, clock: this.told.clock, s: s.slice(i - per, i) });
    out.push({ w: this.self, to, clock: this.ledger.clock, s: s.slice(Math.max(0, out.length * per)) });
    this.told = { to, clock: this.ledger.clock };
    return out;
  }

  /** What this worker's last message said (or its predecessor's): its raw sequence and clock. */
  private told = { to: 0, clock: Number.NEGATIVE_INFINITY };

  /** A replacement starts from what its predecessor's messages covered: pieces before the last say no more than that. */
  resume(told: { readonly to: number; readonly clock: number }): void {
    this.told = { to: told.to, clock: told.clock };
  }

  /** Stops waiting for the workers behind until each publishes again (a dead one's replacement, once rebuilt). */
  giveUp(): void {
    const need = this.ledger.clock - this.delayMs;
    for (const [w, c] of this.clocks) if (c < need) this.gone.add(w);
  }

  /** Workers given up on (giveUp) that have not published since. */
  private readonly gone = new Set<string>();

  /** Another worker's message: its grades and labels to the ledger, its clock noted. Its own are skipped. */
  add(m: LedgerMessage): void {
    if (m.w === this.self) return;
    const had = this.clocks.get(m.w);
    if (had === undefined) {
      this.strangers++;
      this.strangerNames.add(m.w);
      return;
    }
    for (const s of m.s) this.ledger.receive(s);
    if (m.clock > had) this.clocks.set(m.w, m.clock);
    this.gone.delete(m.w);
    const wake = this.wake;
    this.waiting = null;
    wake?.();
  }

  /** Whether every other worker's clock has reached this ledger's less the delay: the next message may be applied. */
  ready(): boolean {
    const need = this.ledger.clock - this.delayMs;
    for (const [w, c] of this.clocks) if (c < need && !this.gone.has(w)) return false;
    return true;
  }

  /** The workers this one waits for, with their clocks (for the note a long wait prints). */
  behind(): { worker: string; clock: number }[] {
    const need = this.ledger.clock - this.delayMs;
    return [...this.clocks].filter(([w, c]) => c < need && !this.gone.has(w)).map(([worker, clock]) => ({ worker, clock }));
  }

  /** Resolves at the next message from another worker (one promise for every caller until then). */
  next(): Promise<void> {
    this.waiting ??= new Promise((wake) => {
      this.wake = wake;
    });
    return this.waiting;
  }

  private waiting: Promise<void> | null = null;
  private wake: (() => void) | null = null;
}

/**
 * What this worker's ledger messages on the stream already cover (a predecessor's): the raw
 * sequence and clock of its last message (null: none). Any error but "no message" is thrown: taken
 * for none, the worker would hand every grade over again from the start.
 */
export async function ledgerPublishedTo(
  jsm: JetStreamManager,
  names: BusNames,
  worker: string,
): Promise<{ readonly to: number; readonly clock: number } | null> {
  try {
    const m = await jsm.streams.getMessage(names.ledgerStream, { last_by_subj: names.ledgerSubject(worker) });
    if (m === null) return null;
    const last = decodeLedger(m.data);
    return { to: last.to, clock: last.clock };
  } catch (e) {
    if (e instanceof Error && /no message found|not found/i.test(e.message)) return null;
    throw e;
  }
}

/** Every worker's ledger messages from the stream's first (coverage.ts `openOrderedReader`: a new name at every start); `close` removes it. */
export async function openLedgerExchange(
  nc: NatsConnection | JetStreamClient,
  names: BusNames,
  worker: string,
): Promise<{ readonly messages: ConsumerMessages; close(): Promise<void> }> {
  return openOrderedReader('consumers' in nc ? nc : jetstream(nc), names.ledgerStream, `ledger-${worker}`);
}
