import type { BusEvent } from '../../event/bus-event.interface';
import type { DeadLetter } from '../bus.interfaces';

/** One handler attempt, as telemetry sees it. */
export interface HandlerAttempt {
  readonly event: BusEvent;
  /** The handler's name. */
  readonly handler: string;
  /** 1 for the first try. */
  readonly attempt: number;
}

/**
 * Tracing hooks around the bus's work. `aroundHandler` must call `run` exactly once and return what it returns;
 * it may make a span the active context while the handler runs, which an observer cannot do.
 */
export interface BusTelemetry {
  /** An event was built and is about to be dispatched or published. */
  eventCreated?(event: BusEvent): void;
  aroundHandler<R>(attempt: HandlerAttempt, run: () => R): R;
  /** A failed attempt will be retried after `delayMs`. */
  retryScheduled?(attempt: HandlerAttempt, delayMs: number, error: Error): void;
  /** A handler's last attempt failed and went to the dead letters. */
  deadLettered?(letter: DeadLetter): void;
}

/** Injection token of the bus's `BusTelemetry` (none by default: no cost). */
export const BUS_TELEMETRY = Symbol('nestjs-event-bus:bus-telemetry');
