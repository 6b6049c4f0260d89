import type { BusEvent } from '../../event/bus-event.interface';

/**
 * One event handed to this process by a transport. The consumer settles it exactly once: `ack()` once every
 * matching handler succeeded or was dead-lettered, `retryIn()` to have it delivered again later.
 */
export interface InboundDelivery {
  readonly event: BusEvent;
  /** How many times the transport has handed this event to this service, this time included. */
  readonly attempt: number;
  ack(): Promise<void>;
  retryIn(delayMs: number): Promise<void>;
}

/** Hands each inbound event to the bus; resolves once its handlers have settled. */
export type DeliverInbound = (delivery: InboundDelivery) => Promise<void>;

/**
 * Carries events between processes. `publish()` takes events the bus built; `consume()` starts feeding events
 * that arrive (from this process or others) to `deliver`, and `close()` stops it, finishing what is in hand.
 * The default transport is in-process: nothing leaves the process and nothing is published through it.
 */
export interface EventTransport {
  /** A short name for logs and health (`in-process`, `redis-streams`...). */
  readonly name: string;
  publish(events: readonly BusEvent[]): Promise<void>;
  consume(deliver: DeliverInbound): Promise<void>;
  close(): Promise<void>;
}

/** Injection token of the bus's `EventTransport`. */
export const EVENT_TRANSPORT = Symbol('nestjs-event-bus:event-transport');
