import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { InputError } from '../../recording/errors.ts';

/** NATS could not be reached or refused us: one line for the user, no stack (an InputError). */
export class BusError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BusError';
  }
}

/**
 * Connects to NATS, with JetStream required. A server that does not answer within `timeoutMs`
 * (or has no JetStream) is a BusError naming the address. Reconnects after a drop are the
 * client's own (it retries forever; the commands' work waits meanwhile).
 */
export async function connectBus(servers: string, name: string, timeoutMs = 3000): Promise<NatsConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: servers.split(','), name, timeout: timeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  } catch (e) {
    throw new BusError(`NATS at ${servers} unreachable: ${(e as Error).message}`, { cause: e });
  }
  if (nc.info?.jetstream !== true) {
    await nc.close();
    throw new BusError(`NATS at ${servers} has no JetStream (start nats-server with -js)`);
  }
  return nc;
}

/** Whether the server takes several filter subjects on one consumer (nats-server 2.10 and later). */
export function multiFilter(nc: NatsConnection): boolean {
  const v = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return (v[0] ?? 0) > 2 || ((v[0] ?? 0) === 2 && (v[1] ?? 0) >= 10);
}
