import { EventsError } from './events.error';

/**
 * Thrown by `emit()` (and rejected by `emitAsync()`) once the bus is closed: after `app.close()` (or
 * `EventBusService.close()` for a bus made without Nest). Nothing is dispatched or recorded any more.
 */
export class EventBusClosedError extends EventsError {
  constructor(
    /** The type of the event that was not emitted. */
    readonly eventType: string,
  ) {
    super(
      `Event "${eventType}" was not emitted: the event bus is closed (app.close() ran). Emit before the ` +
        `application closes, e.g. from an onModuleDestroy hook; work that outlives the app cannot emit.`,
    );
  }
}
