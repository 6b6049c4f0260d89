import { EVENT_SEVERITIES } from '../event/bus-event.interface';
import { EVENT_HEADERS } from '../event/event.codec';
import type { JsonSchema } from './asyncapi.document';

/** Where the shared schemas are, in the document. */
export const ENVELOPE_REF = '#/components/schemas/EventEnvelope';
export const HEADERS_REF = '#/components/schemas/EventHeaders';

/** One type's body: the shared envelope, with its type, version and payload schema. */
export function messagePayload(type: string, version: number, data: JsonSchema): JsonSchema {
  return {
    allOf: [
      { $ref: ENVELOPE_REF },
      { type: 'object', properties: { type: { const: type }, version: { const: version }, data } },
    ],
  };
}

/** The envelope of every event (the body a transport carries); each message narrows `type`, `version`, `data`. */
export function envelopeSchema(): JsonSchema {
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
      type: { type: 'string' },
      version: { type: 'integer', minimum: 1 },
      data: {},
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
