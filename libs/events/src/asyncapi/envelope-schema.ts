import { EVENT_SEVERITIES } from '../event/bus-event.interface';
import { EVENT_HEADERS } from '../event/event.codec';
import type { JsonSchema } from './asyncapi.document';

/** The envelope of every event (the body a transport carries), its `data` being the type's payload schema. */
export function envelopeSchema(type: string, version: number, data: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: [
      'id',
      'type',
      'version',
      'data',
      'timestamp',
      'correlationId',
      'source',
      'severity',
      'metadata',
    ],
    properties: {
      id: { type: 'string', description: 'UUIDv7: time-ordered.' },
      type: { type: 'string', const: type },
      version: { type: 'integer', const: version },
      data,
      timestamp: { type: 'string', format: 'date-time' },
      correlationId: { type: 'string', description: 'The story this event belongs to.' },
      causationId: { type: 'string', description: 'The id of the event whose handler emitted this one.' },
      source: { type: 'string', description: 'The emitting service.' },
      actorId: { type: 'string' },
      severity: { type: 'string', enum: [...EVENT_SEVERITIES] },
      metadata: { type: 'object' },
    },
  };
}

/** The headers a transport writes beside the body (`encodeEvent()`). */
export function headersSchema(): JsonSchema {
  const text = { type: 'string' };
  return {
    type: 'object',
    properties: {
      [EVENT_HEADERS.id]: text,
      [EVENT_HEADERS.type]: text,
      [EVENT_HEADERS.version]: text,
      [EVENT_HEADERS.correlationId]: text,
      [EVENT_HEADERS.source]: text,
      [EVENT_HEADERS.contentType]: text,
      [EVENT_HEADERS.traceparent]: {
        type: 'string',
        description: 'W3C trace context of the publishing span.',
      },
      [EVENT_HEADERS.tracestate]: text,
    },
  };
}
