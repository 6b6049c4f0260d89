import { EventsError } from './events.error';

/** Thrown (as a rejection) by `waitFor()` and `drain()` when the time limit passes first. */
export class EventTimeoutError extends EventsError {
  constructor(
    message: string,
    /** The time limit that passed, in milliseconds. */
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
