import { errorMessage } from '../common/error-message';
import type { BusEvent } from '../event/bus-event.interface';
import type { EventDefinition } from '../event/event-definition';
import type { EmitOptions } from './bus.interfaces';
import type { PipelineAnnouncements } from './pipeline';
import { HandlerFailed, PublishFailed } from './system-events';

/** The bus, as the announcements need it. */
interface Emitter {
  emit<T>(definition: EventDefinition<T, T>, data: T, options: EmitOptions): unknown;
}

/**
 * The system events the stages announce through the bus, in the context of the event they are about (its
 * correlation id and actor, caused by it): `event.handler.failed` for a new dead letter (never for the failure
 * of a handler of that event itself) and `event.publish.failed` for a distributed event that was lost.
 */
export function busAnnouncements(bus: Emitter, transportName: () => string): PipelineAnnouncements {
  return {
    deadLetter: (letter) => {
      const { event } = letter;
      if (event.type === HandlerFailed.type) return;
      bus.emit(
        HandlerFailed,
        {
          deadLetterId: letter.id,
          eventId: event.id,
          eventType: event.type,
          handler: letter.handler,
          error: letter.error.message,
          attempts: letter.attempts,
        },
        causedBy(event),
      );
    },
    publishLost: (event, error) => {
      if (event.type === PublishFailed.type) return;
      bus.emit(
        PublishFailed,
        { eventId: event.id, eventType: event.type, transport: transportName(), error: errorMessage(error) },
        causedBy(event),
      );
    },
  };
}

function causedBy(event: BusEvent): EmitOptions {
  return {
    correlationId: event.correlationId,
    causationId: event.id,
    actorId: event.actorId,
    severity: 'error',
  };
}
