// Our side of the Redis scenarios: a bus on a RedisStreamsTransport, made the way an application without Nest
// makes one (`new EventBusService({ source, transport })`, then `connect()` to consume).
import type { LoggerService } from '@nestjs/common';
import { defineEvent, EventBusService, type HistoryOptions } from 'nestjs-event-bus';
import { RedisStreamsTransport, type RedisStreamsTransportOptions } from 'nestjs-event-bus/redis';
import { ORDER_TYPE, type OrderPayload } from './bench-event';
import { REDIS_URL } from './shared-redis';

/** The scenarios' event as a distributed definition: `emit()` hands it to the transport. */
export const OrderPlaced = defineEvent<OrderPayload>(ORDER_TYPE, { distributed: true });

/** A bus and its transport. */
export interface OursBus {
  readonly bus: EventBusService;
  readonly transport: RedisStreamsTransport;
}

/**
 * The transport's one-line logs, minus what every run on this machine would print: the shared Redis keeps
 * nothing on disk (its startup warning) and recovery actions are expected in the failover scenario. Errors and
 * other warnings are printed: a scenario that hits one is not measuring what it says.
 */
export const benchLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => {
    if (/append-only file|appendfsync/.test(String(message))) return;
    console.warn(`[transport] ${String(message)}`);
  },
  error: (message: unknown) => console.error(`[transport] ${String(message)}`),
};

/**
 * A bus whose distributed events go through a RedisStreamsTransport on the shared Redis under `prefix`. Bus
 * options are the defaults (history on) unless `bus` overrides them; transport options are the defaults but for
 * the connection, the prefix and what `transport` sets.
 */
export function oursBus(
  prefix: string,
  source: string,
  transport: RedisStreamsTransportOptions = {},
  bus: { history?: false | HistoryOptions } = {},
): OursBus {
  const made = new RedisStreamsTransport({
    connection: REDIS_URL,
    prefix,
    logger: benchLogger,
    ...transport,
  });
  return { bus: new EventBusService({ ...bus, source, transport: made }), transport: made };
}

/** The stream key the transport writes for `prefix` (its one channel, `main`). */
export function oursStreamKey(prefix: string): string {
  return `${prefix}:{main}`;
}

/** Closes the transport (stops reading, finishes what it holds, leaves the group, quits its connections). */
export async function closeOurs(ours: OursBus): Promise<void> {
  await ours.bus.disconnect();
}
