import { EventsError } from './events.error';

/**
 * Thrown when an option is wrong: a module option at startup, or a listener's option when it subscribes. The
 * message names the option, what it accepts and what it got.
 */
export class EventsConfigError extends EventsError {
  constructor(
    /** The option path, e.g. `history.maxEvents`. */
    readonly option: string,
    /** What the option accepts. */
    readonly expected: string,
    received: unknown,
    /** Whose option it is, as the message says it; default `EventsModule option`. */
    scope = 'EventsModule option',
  ) {
    super(`Invalid ${scope} "${option}": expected ${expected}, received ${describe(received)}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
