import { EventValidationError, type ValidationIssue } from '../errors/event-validation.error';
import type { BusEvent } from './bus-event.interface';
import { ENVELOPE_FIELDS, envelopeIssues, ownValue } from './event-envelope';
import { isValidEventType } from './event-type';
import { normalizePayload } from './json/json-payload';

/** The header names `encodeEvent()` writes (lowercase) and `decodeEvent()` compares with the body. */
export const EVENT_HEADERS = Object.freeze({
  id: 'event-id',
  type: 'event-type',
  version: 'event-version',
  correlationId: 'correlation-id',
  source: 'event-source',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const);

/** The media type of an encoded event's body. */
export const EVENT_CONTENT_TYPE = 'application/json';

/** W3C trace context to carry beside the event (it describes the publishing span, not the event). */
export interface EventTraceContext {
  traceparent?: string;
  tracestate?: string;
}

/** An event as a transport carries it: its exact JSON, and headers to route it by without parsing that. */
export interface EncodedEvent {
  /**
   * Lowercase names (see `EVENT_HEADERS`): id, type, version, correlation id, source, content type, trace context.
   * Values are envelope strings: never NUL, CR or LF, but any other Unicode; a transport with ASCII-only headers
   * must encode them.
   */
  headers: Record<string, string>;
  /** The event's JSON: fields in the bus's order, payload keys in their own. */
  body: string;
}

/** Envelope fields copied into headers, with the header each goes to. */
const HEADER_FIELDS = [
  ['id', EVENT_HEADERS.id],
  ['type', EVENT_HEADERS.type],
  ['version', EVENT_HEADERS.version],
  ['correlationId', EVENT_HEADERS.correlationId],
  ['source', EVENT_HEADERS.source],
] as const;

/** A bound on trace header size, far above what propagators write (W3C keeps `tracestate` near 512 characters). */
const MAX_TRACE_HEADER_LENGTH = 8192;
/** Printable ASCII: what W3C trace context headers are made of. */
const TRACE_HEADER = /^[\x20-\x7e]*$/;

/**
 * Encodes `event` for a transport. The body is the event's JSON with its fields in the bus's order (so
 * `decodeEvent` gives back an event whose `JSON.stringify` is the body); headers carry its id, type, version,
 * correlation id and source, the content type, and `traceparent`/`tracestate` when given. The envelope is
 * checked (its values become headers); the payload is not walked again: the bus checked it when it made the
 * event. Throws `EventValidationError` naming each bad field.
 */
export function encodeEvent(event: BusEvent, trace?: EventTraceContext): EncodedEvent {
  const issues = envelopeIssues(event).concat(traceIssues(trace));
  if (issues.length > 0) throw new EventValidationError(validTypeOf(event), issues);
  const headers: Record<string, string> = {};
  for (const [field, header] of HEADER_FIELDS) headers[header] = String(event[field]);
  headers[EVENT_HEADERS.contentType] = EVENT_CONTENT_TYPE;
  if (trace?.traceparent !== undefined) headers[EVENT_HEADERS.traceparent] = trace.traceparent;
  if (trace?.tracestate !== undefined) headers[EVENT_HEADERS.tracestate] = trace.tracestate;
  return { headers, body: bodyOf(event) };
}

/** The trace context `encodeEvent` put in `headers` (`traceparent`, with `tracestate` when there is one), if any. */
export function traceOfHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): EventTraceContext | undefined {
  const traceparent = headers[EVENT_HEADERS.traceparent];
  if (traceparent === undefined) return undefined;
  const tracestate = headers[EVENT_HEADERS.tracestate];
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/**
 * Decodes an event a transport carried: parses `body` (JSON with `__proto__` keys kept as plain data), checks
 * every field with the envelope rules and the payload and metadata as plain JSON, checks that the headers
 * present (lowercase names) agree with the body, and returns the event deep-frozen. Throws
 * `EventValidationError` naming each bad field or header.
 */
export function decodeEvent<T = unknown>(
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
): BusEvent<T> {
  if (typeof body !== 'string') {
    throw new EventValidationError(undefined, [{ path: '', message: 'the body must be JSON text' }]);
  }
  const event = readEvent(parseJsonText(body));
  const mismatches = headerMismatches(headers, event);
  if (mismatches.length > 0) throw new EventValidationError(event.type, mismatches);
  return event as BusEvent<T>;
}

/** Parses JSON text, turning a syntax error into an `EventValidationError`. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EventValidationError(undefined, [
      { path: '', message: `not JSON: ${(error as Error).message}` },
    ]);
  }
}

/**
 * A frozen `BusEvent` from a parsed JSON value (or an object standing for one): every field checked, the payload
 * and metadata copied as plain JSON (deep-frozen, `__proto__` kept as an own key), fields in the bus's order.
 * Throws `EventValidationError` listing every problem.
 */
export function readEvent(raw: unknown): BusEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EventValidationError(undefined, [{ path: '', message: 'an event must be a JSON object' }]);
  }
  const record = raw as Record<string, unknown>;
  const issues = envelopeIssues(record);
  const data = walk(record, 'data', issues);
  const metadata = walk(record, 'metadata', issues);
  if (issues.length > 0) throw new EventValidationError(validTypeOf(record), issues);
  const event: Record<string, unknown> = {};
  for (const field of ENVELOPE_FIELDS) {
    const value = field === 'data' ? data : field === 'metadata' ? metadata : ownValue(record, field);
    if (value !== undefined) event[field] = value;
  }
  return Object.freeze(event) as unknown as BusEvent;
}

/** The frozen copy of `record[field]` as plain JSON, its problems added to `issues` under `field`. */
function walk(
  record: Record<string, unknown>,
  field: 'data' | 'metadata',
  issues: ValidationIssue[],
): unknown {
  // A missing or malformed field is reported by the envelope check already.
  if (issues.some((issue) => issue.path === field)) return undefined;
  const copy = normalizePayload(ownValue(record, field));
  for (const issue of copy.issues ?? []) {
    issues.push({ ...issue, path: issue.path ? `${field}.${issue.path}` : field });
  }
  return copy.value;
}

/** The event's JSON, fields in the bus's order: as is when they are in it already (events the bus built). */
function bodyOf(event: BusEvent): string {
  try {
    return JSON.stringify(inEnvelopeOrder(event) ? event : inOrder(event));
  } catch (error) {
    throw new EventValidationError(event.type, [
      { path: 'data', message: `is not JSON data: ${(error as Error).message}` },
    ]);
  }
}

/** True when the keys of `event`, all envelope fields, come in `ENVELOPE_FIELDS` order. */
function inEnvelopeOrder(event: BusEvent): boolean {
  const keys = Object.keys(event);
  let next = 0;
  for (let i = 0; i < ENVELOPE_FIELDS.length && next < keys.length; i++) {
    if (keys[next] === ENVELOPE_FIELDS[i]) next++;
  }
  return next === keys.length;
}

function inOrder(event: BusEvent): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const field of ENVELOPE_FIELDS) {
    if (event[field] !== undefined) ordered[field] = event[field];
  }
  return ordered;
}

/** True for a value `traceparent` or `tracestate` may carry: printable ASCII of at most 8192 characters. */
export function isTraceHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TRACE_HEADER_LENGTH && TRACE_HEADER.test(value);
}

function traceIssues(trace: EventTraceContext | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const name of [EVENT_HEADERS.traceparent, EVENT_HEADERS.tracestate]) {
    const value: unknown = trace?.[name];
    if (value === undefined) continue;
    if (!isTraceHeaderValue(value)) {
      issues.push({
        path: name,
        message: `must be printable ASCII of at most ${MAX_TRACE_HEADER_LENGTH} characters`,
      });
    }
  }
  return issues;
}

function headerMismatches(
  headers: Readonly<Record<string, string | undefined>>,
  event: BusEvent,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const contentType = headers[EVENT_HEADERS.contentType];
  if (contentType !== undefined && mediaType(contentType) !== EVENT_CONTENT_TYPE) {
    issues.push({ path: `headers.${EVENT_HEADERS.contentType}`, message: `must be ${EVENT_CONTENT_TYPE}` });
  }
  for (const [field, header] of HEADER_FIELDS) {
    const value = headers[header];
    const expected = String(event[field]);
    if (value !== undefined && value !== expected) {
      issues.push({
        path: `headers.${header}`,
        message: `does not match the body's ${field} ${JSON.stringify(expected)}`,
      });
    }
  }
  return issues;
}

/** `application/json; charset=utf-8` -> `application/json`. */
function mediaType(value: unknown): string | undefined {
  return typeof value === 'string' ? value.split(';', 1)[0].trim().toLowerCase() : undefined;
}

/** The event's type when it is a valid one: an error message never repeats untrusted text. */
function validTypeOf(record: object): string | undefined {
  const type = ownValue(record, 'type');
  return isValidEventType(type) ? type : undefined;
}
