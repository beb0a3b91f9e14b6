import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * A role held by one process at a time (the active ingest of a venue, a worker's partition)
 * through a JetStream KV entry: `{holder, until}` written with compare-and-set on the entry's
 * revision. The holder renews every ttl/3; a holder that dies stops renewing and its entry is
 * taken over by the first standby that sees `until` passed. Clocks of the machines must agree
 * to well within the TTL (NTP).
 */
export interface LeaseValue {
  readonly holder: string;
  readonly until: number;
  /** What the role has done so far, for a successor (the ingest: last published line). */
  readonly position?: number;
}

export async function leaseBucket(nc: NatsConnection, bucket: string, ttlMs: number): Promise<KV> {
  const kvm = new Kvm(nc);
  // Entries also age out of the bucket on their own a while after their holder stopped renewing.
  return kvm.create(bucket, { history: 1, ttl: Math.max(60_000, 20 * ttlMs) });
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export class Lease {
  readonly key: string;
  readonly holder: string;
  private readonly kv: KV;
  private readonly ttlMs: number;
  private revision = 0;
  private timer: NodeJS.Timeout | null = null;
  private lost = false;
  private renewing = false;
  /** Told once when a renewal finds the lease taken by another (then this process must stop). */
  onLost: () => void = () => {};
  position: number | undefined;

  constructor(kv: KV, key: string, holder: string, ttlMs: number) {
    this.kv = kv;
    this.key = key;
    this.holder = holder;
    this.ttlMs = ttlMs;
  }

  /** The entry as it stands (null: nobody holds or held it). */
  async read(): Promise<{ value: LeaseValue; revision: number } | null> {
    const e = await this.kv.get(this.key);
    if (e === null || e.operation !== 'PUT' || e.value.length === 0)
      return e === null ? null : { value: { holder: '', until: 0 }, revision: e.revision };
    return { value: JSON.parse(dec.decode(e.value)) as LeaseValue, revision: e.revision };
  }

  private value(): Uint8Array {
    const v: LeaseValue = {
      holder: this.holder,
      until: Date.now() + this.ttlMs,
      ...(this.position === undefined ? {} : { position: this.position }),
    };
    return enc.encode(JSON.stringify(v));
  }

  /** One attempt: true when this process now holds the lease. `prev` gets the previous holder's value. */
  async tryAcquire(prev?: (v: LeaseValue) => void): Promise<boolean> {
    const cur = await this.read();
    try {
      if (cur === null) this.revision = await this.kv.create(this.key, this.value());
      else {
        if (cur.value.holder !== this.holder && cur.value.until > Date.now()) return false;
        prev?.(cur.value);
        if (cur.value.position !== undefined && this.position === undefined) this.position = cur.value.position;
        this.revision = await this.kv.update(this.key, this.value(), cur.revision);
      }
    } catch {
      return false; // another process won the compare-and-set
    }
    this.lost = false;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    return true;
  }

  /** Waits (polling every ttl/4) until the lease is this process's; `onWait` once while standing by. */
  async acquire(onWait?: (holder: LeaseValue) => void, signal?: { readonly stopped: boolean }): Promise<boolean> {
    let told = false;
    for (;;) {
      if (signal?.stopped === true) return false;
      if (await this.tryAcquire()) return true;
      if (!told) {
        const cur = await this.read();
        if (cur !== null) onWait?.(cur.value);
        told = true;
      }
      await new Promise((r) => setTimeout(r, Math.max(50, Math.floor(this.ttlMs / 4))));
    }
  }

  /** Writes the current position now (also done at every renewal). */
  async renew(): Promise<void> {
    if (this.lost || this.renewing) return;
    this.renewing = true;
    try {
      this.revision = await this.kv.update(this.key, this.value(), this.revision);
    } catch {
      // A renewal that raced another write: still ours if the entry names this holder.
      const cur = await this.read().catch(() => null);
      if (cur !== null && cur.value.holder === this.holder) this.revision = cur.revision;
      else {
        this.lost = true;
        if (this.timer !== null) clearInterval(this.timer);
        this.onLost();
      }
    } finally {
      this.renewing = false;
    }
  }

  /** Gives the lease up (a clean stop): a standby takes over at once. */
  async release(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.lost) return;
    const v: LeaseValue = { holder: '', until: 0, ...(this.position === undefined ? {} : { position: this.position }) };
    await this.kv.update(this.key, enc.encode(JSON.stringify(v)), this.revision).catch(() => {});
  }
}
