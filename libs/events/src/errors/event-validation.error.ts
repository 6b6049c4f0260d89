import { EventsError } from './events.error';

/** One problem found in an event payload, with the path to the offending value. */
export interface ValidationIssue {
  /** Dotted path to the value, e.g. `user.emails.0`; empty for the payload itself. */
  path: string;
  message: string;
}

/**
 * Thrown by `emit()`/`emitAsync()` (and `parseEvent()`) before anything is dispatched or recorded, when a
 * payload fails its definition's schema, is not plain JSON data, or an event is malformed.
 */
export class EventValidationError extends EventsError {
  constructor(
    /** The event type being emitted or parsed, when known. */
    readonly eventType: string | undefined,
    /** Every problem found, each with its path. */
    readonly issues: readonly ValidationIssue[],
    hint?: string,
  ) {
    super(EventValidationError.describe(eventType, issues, hint));
  }

  private static describe(
    type: string | undefined,
    issues: readonly ValidationIssue[],
    hint?: string,
  ): string {
    const subject = type ? `Event "${type}"` : 'Event';
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return `${subject} is invalid: ${list}.${hint ? ` ${hint}` : ''}`;
  }
}
