import { EventsError } from './events.error';

/** Thrown when `strict: true` and an event type is emitted or listened to that no definition declares. */
export class UnknownEventTypeError extends EventsError {
  constructor(readonly eventType: string) {
    super(
      `Unknown event type "${eventType}": strict mode only accepts types declared with defineEvent(). ` +
        `Pass the definition to EventsModule.forRoot({ definitions: [...] }), emit the definition object ` +
        `instead of its name, or turn strict mode off.`,
    );
  }
}
