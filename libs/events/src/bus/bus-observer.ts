import type { BusEvent } from '../event/bus-event.interface';
import type { DeadLetter } from './bus.interfaces';

/** How one handler attempt ended. */
export type HandlerOutcome = 'success' | 'failure';

/**
 * Watches the bus through `EventBusService.addObserver()`: told about every recorded event and every handler
 * outcome. The built-in features (audit, metrics, event log) are observers; apps use it for tracing.
 */
export interface BusObserver {
  /**
   * Every event the bus records, before its handlers run. A returned promise is awaited by `emitAsync()` before
   * it resolves (and rejects it when it rejects); after `emit()` it is tracked, so `drain()` waits for it.
   * `awaited` says which: true when an emitter waits for the outcome (`emitAsync()`, awaited delivery).
   */
  onEvent?(event: BusEvent, awaited?: boolean): void | Promise<void>;
  /** One handler attempt ended; `durationMs` is set when the attempt was timed (async, or sampled). */
  onHandlerSettled?(
    event: BusEvent,
    handler: string,
    outcome: HandlerOutcome,
    durationMs: number | undefined,
  ): void;
  /** A failure went to the dead-letter queue. */
  onDeadLetter?(letter: DeadLetter): void;
}
