import { EventsError } from './events.error';

/**
 * Thrown by `EventContext.setActor()`, `setCorrelationId()` and `run()` when a value cannot go into an event's
 * envelope: 1 to 200 characters without NUL, CR, LF or a lone UTF-16 surrogate. The message names the method and
 * the field, never the value (it may come from outside).
 */
export class EnvelopeTextError extends EventsError {
  constructor(
    /** The envelope field the value was meant for. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
