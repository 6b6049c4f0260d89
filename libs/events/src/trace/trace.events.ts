import { defineEvent } from '../event/event-definition';

/** Someone read a story through the trace controller (emitted once its JSON was served). */
export const TraceViewed = defineEvent<{ correlationId: string; events: number }>('event.trace.viewed', {
  severity: 'debug',
  description: 'Someone read back one correlation id’s story through the trace controller.',
});
