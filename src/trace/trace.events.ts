import { defineEvent } from 'nestjs-event-bus';
import { z } from 'zod';

export const TraceViewed = defineEvent('events.trace.viewed', {
  schema: z.object({ correlationId: z.string(), events: z.number().int() }),
  severity: 'debug',
  description: 'Someone read back one correlation id’s events at GET /events/trace/:correlationId.',
});

export const TRACE_EVENTS = [TraceViewed] as const;
