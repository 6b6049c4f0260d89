import type { BusEvent } from '../../event/bus-event.interface';
import type { EventTraceContext } from '../../event/event.codec';
import type { DeadLetter } from '../bus.interfaces';
import type { InboundDelivery } from './event-transport.port';

/** One handler attempt, as telemetry sees it. */
export interface HandlerAttempt {
  readonly event: BusEvent;
  /** The handler's name. */
  readonly handler: string;
  /** 1 for the first try. */
  readonly attempt: number;
}

/** What the bus does after a failed attempt, told to the attempt's trace before it ends. */
export type AfterFailure =
  /** Another attempt of the handler in this process, after `delayMs`. */
  | { readonly then: 'retry'; readonly attempt: number; readonly delayMs: number }
  /** No attempts left: kept as this dead letter. */
  | { readonly then: 'dead-letter'; readonly letter: DeadLetter }
  /** No attempts left in this process: the failure goes back to the transport, which retries or dead-letters it. */
  | { readonly then: 'transport' };

/** The trace of one handler attempt, from its start to its outcome; the bus ends it exactly once. */
export interface AttemptTrace {
  /** Runs the handler with the attempt's span active (so the handler's own spans nest under it). */
  run<R>(handler: () => R): R;
  /** The attempt succeeded (an async handler: once its promise fulfilled). */
  succeeded(): void;
  /** The attempt failed (threw, rejected or timed out), and what happens next. */
  failed(error: Error, next: AfterFailure): void;
}

/** What a bus tells its telemetry about itself, once. */
export interface TelemetryBusInfo {
  /** The module's `source`: the service's name and its consumer group. */
  readonly service: string;
  /** The remote transport, when events leave the process. */
  readonly transport?: {
    /** Its `name` (`redis-streams`...). */
    readonly name: string;
    /** The messaging system it stands for, in tracing terms (`redis`); the transport's `messagingSystem`. */
    readonly system?: string;
  };
}

/**
 * Tracing hooks around the bus's work. The bus calls them only when telemetry is configured (no cost otherwise),
 * and on the per-event path (`aroundEmit`, `inject`, `startAttempt`) only while `active()` says so.
 * The `around*` hooks must call their function exactly once and return what it returns; they may make a span
 * the active context while it runs, which an observer cannot do.
 */
export interface BusTelemetry {
  /**
   * Whether the hooks would record anything now (false, say, while no tracing SDK is registered). Asked once
   * per emit and per handler attempt: when false the bus skips the hooks there, and makes no closure for them.
   */
  active(): boolean;
  /** Called once per bus; the bus uses what it returns (default: this object). */
  forBus?(bus: TelemetryBusInfo): BusTelemetry;
  /**
   * Around the dispatch of an event made in this process (`emit()`, `emitAsync()`, a held event): middleware,
   * recording, queuing for the transport when `published`, and starting the handlers (sync ones run inside).
   */
  aroundEmit?<R>(event: BusEvent, published: boolean, dispatch: () => R): R;
  /**
   * The trace context to publish beside `event`, read as the event is queued for the transport, inside
   * `aroundEmit`'s dispatch (so in the event's creation context).
   */
  inject?(event: BusEvent): EventTraceContext | undefined;
  /** Around one `transport.publish()`: `traces` is what `inject` gave for each event (same order). */
  aroundPublish?(
    events: readonly BusEvent[],
    traces: readonly (EventTraceContext | undefined)[],
    publish: () => Promise<void>,
  ): Promise<void>;
  /**
   * Around the handling of one inbound delivery, from its arrival to its settlement: the handlers' attempts run
   * inside, and so do `retryScheduled` and `deadLettered` for what the transport made of its failures.
   */
  aroundDelivery?(delivery: InboundDelivery, handle: () => Promise<void>): Promise<void>;
  /** Starts the trace of one handler attempt (only while `active()`). */
  startAttempt(attempt: HandlerAttempt): AttemptTrace;
  /** A transport scheduled a durable retry of a handler that failed on a delivery (told inside `aroundDelivery`). */
  retryScheduled?(event: BusEvent, retry: { handler: string; attempt: number; delayMs: number }): void;
  /**
   * A dead letter that no attempt trace was told of: written by a transport for a delivery (told inside
   * `aroundDelivery`), or recorded for a handler the bus does not run (a bridged CQRS handler).
   */
  deadLettered?(letter: DeadLetter): void;
}

/** Injection token of the bus's `BusTelemetry` (none by default: no cost). The `telemetry` option sets it too. */
export const BUS_TELEMETRY = Symbol('nestjs-event-bus:bus-telemetry');
