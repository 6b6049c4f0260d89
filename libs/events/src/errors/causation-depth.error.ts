import { EventsError } from './events.error';

/**
 * Thrown by `emit()` (and rejected by `emitAsync()`) inside a handler when the new event would be more handler hops
 * from the start of its chain than `maxCausationDepth` allows: the sign of handlers that emit the event they
 * handle, directly or through others. Thrown into the handler that emitted, it becomes that handler's failure
 * (a dead letter and `event.handler.failed`), which ends the loop.
 */
export class CausationDepthError extends EventsError {
  constructor(
    /** The type of the event that was not emitted. */
    readonly eventType: string,
    /** The depth it would have had. */
    readonly depth: number,
    /** The configured limit. */
    readonly maxDepth: number,
  ) {
    super(
      `Event "${eventType}" was not emitted: it would be ${depth} handler hops from the event that started its ` +
        `chain, and maxCausationDepth is ${maxDepth}. A handler that emits the event it handles, directly or ` +
        `through other handlers, loops: break the cycle (a condition, another event type), or raise the ` +
        `EventsModule option maxCausationDepth if the chain is meant to be this deep.`,
    );
  }
}
