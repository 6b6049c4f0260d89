import type { BusEvent } from '../../event/bus-event.interface';
import type { EventTraceContext } from '../../event/event.codec';
import type { DeadLetter, HandlerFailure } from '../bus.interfaces';
import type { DeadLetterStore } from './dead-letter-store.port';

/** What a transport did with the failures of one delivery, reported back so the bus can announce them. */
export interface SettleReport {
  /** Durable retries scheduled: the handler runs again on some instance of this service after `delayMs`. */
  readonly retried: readonly { handler: string; attempt: number; delayMs: number }[];
  /** Failures that had no attempts left, now kept in the transport's dead letters. */
  readonly deadLettered: readonly DeadLetter[];
}

/**
 * One event handed to this process by a transport. The bus runs the matching handlers, then settles it exactly
 * once with the handlers that failed (after their in-process retries). The transport decides, for each failure,
 * a durable retry or a dead letter (both written before the entry is acknowledged), then acknowledges it.
 */
export interface InboundDelivery {
  readonly event: BusEvent;
  /**
   * Which durable round this is for the handlers it names: 1 for the first delivery, 2 for the first durable
   * retry... A transport's retry policy counts these.
   */
  readonly attempt: number;
  /** Only these handlers run (a durable retry of them); undefined runs every matching handler. */
  readonly handlers?: readonly string[];
  /** Set when `replay()` re-delivers an event: handlers see `metadata.replay = true`. */
  readonly replay?: boolean;
  /**
   * The trace context published beside the event (W3C `traceparent`/`tracestate` of its creation), handed back
   * on every delivery of it: the first, redeliveries, claims and durable retries.
   */
  readonly trace?: EventTraceContext;
  /**
   * With a dedupe window: the handlers already known to have succeeded on this event (in any instance of the
   * service). The bus skips them.
   */
  readonly done?: ReadonlySet<string>;
  /** With a dedupe window: records that `handler` succeeded on this event; the bus calls it as each one does. */
  markDone?(handler: string): Promise<void>;
  /** Called once, after every handler it ran settled, with those that failed after their in-process retries. */
  settle(failures: readonly HandlerFailure[]): Promise<SettleReport>;
}

/** Hands each inbound event to the bus; resolves once its handlers have settled and the delivery with them. */
export type DeliverInbound = (delivery: InboundDelivery) => Promise<void>;

/** What the bus tells a transport when it starts consuming. */
export interface ConsumeOptions {
  /** This service's name (the module's `source`): instances of one service share its consumer group. */
  readonly group: string;
  /**
   * Whether any handler of this process takes events of `type` from the transport. Entries it refuses are
   * acknowledged without being delivered (a transport may still read them: Redis has no server-side filter).
   */
  readonly accepts: (type: string) => boolean;
}

/** Which events `replay()` re-delivers: those the transport still holds between `from` and `to`. */
export interface TransportReplayQuery {
  readonly from: Date;
  readonly to: Date;
  /** Only events whose type one of these accepts; every type when undefined. */
  readonly accepts?: (type: string) => boolean;
}

/** Counters and gauges a transport exposes for metrics and health, read when they are scraped. */
export interface TransportStats {
  readonly published: number;
  readonly consumed: number;
  readonly acked: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly claimed: number;
  readonly reconnects: number;
  /** Events a full publish buffer had to drop (each also announced). */
  readonly dropped: number;
  /** Entries being handled in this process right now. */
  readonly inFlight: number;
  /** Entries the group has not yet read, per channel (what Redis reports as `lag`). */
  readonly lag: Readonly<Record<string, number>>;
}

/** The transport's own view of its health, for the health indicator. */
export interface TransportHealth {
  readonly up: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** One channel of a transport, as documents (AsyncAPI) describe it. */
export interface TransportChannel {
  /** The channel's name (`main`...). */
  readonly name: string;
  /** Where its events are, in the broker's terms (a stream key...). */
  readonly addresses: readonly string[];
  /** Type patterns routed here, in order; the channel that takes every other type has `**`. */
  readonly patterns: readonly string[];
}

/** What a transport says about itself for documents: its protocol, server and channels. */
export interface TransportDescription {
  /** The protocol's AsyncAPI name: `redis`... */
  readonly protocol: string;
  /** `host:port` (never credentials); absent for a transport inside the process. */
  readonly host?: string;
  /** The channels in routing order: an event goes to the first whose patterns match its type. */
  readonly channels: readonly TransportChannel[];
  /** Settings worth documenting (consumer group, retention...), as plain JSON. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * Carries events between processes. `publish()` takes events the bus built and resolves once the transport has
 * them (durably, for a broker); `consume()` starts feeding the events that arrive (from this process or others)
 * to `deliver`; `close()` stops reading, finishes what is in hand and hands back the rest.
 */
export interface EventTransport {
  /** A short name for logs and health (`in-process`, `in-memory`, `redis-streams`...). */
  readonly name: string;
  /**
   * True when events leave the process. The bus publishes distributed events only through a remote transport;
   * with the in-process one, every handler runs at `emit()` as for any other event.
   */
  readonly remote: boolean;
  /** The messaging system in tracing terms (`redis`), for the `messaging.system` attribute; default none. */
  readonly messagingSystem?: string;
  /**
   * Takes events to carry. `traces`, when given, holds the trace context of each event (same order, entries may
   * be undefined): the transport stores it beside the event's JSON and hands it back as `InboundDelivery.trace`.
   */
  publish(events: readonly BusEvent[], traces?: readonly (EventTraceContext | undefined)[]): Promise<void>;
  consume(deliver: DeliverInbound, options: ConsumeOptions): Promise<void>;
  /** Re-delivers held events to this process's handlers without moving the group's position. */
  replay?(query: TransportReplayQuery, deliver: DeliverInbound): Promise<{ delivered: number }>;
  /** Dead letters the transport keeps for the whole service; the bus lists and replays them from here. */
  readonly deadLetters?: DeadLetterStore;
  stats?(): Promise<TransportStats>;
  health?(): Promise<TransportHealth>;
  /** Its protocol, server and channels, for the AsyncAPI document. */
  describe?(): TransportDescription;
  close(): Promise<void>;
}

/** Injection token of the bus's `EventTransport`. */
export const EVENT_TRANSPORT = Symbol('nestjs-event-bus:event-transport');
