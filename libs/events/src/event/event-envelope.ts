import { EventValidationError, type ValidationIssue } from '../errors/event-validation.error';
import { EVENT_SEVERITIES, type BusEvent, type EventSeverity } from './bus-event.interface';
import { isValidEventType } from './event-type';

/** The name of a `BusEvent` field. */
export type EnvelopeField = keyof BusEvent;

/** A `BusEvent` field an event has only when it is set. */
export type OptionalEnvelopeField = {
  [K in EnvelopeField]-?: object extends Pick<BusEvent, K> ? K : never;
}[EnvelopeField];

/** Why a value cannot be the field, or undefined when it can. */
type FieldCheck = (value: unknown) => string | undefined;

/** One field's rule; `optional` is typed from `BusEvent`, so the table cannot disagree with the interface. */
interface FieldRule<K extends EnvelopeField> {
  readonly optional: K extends OptionalEnvelopeField ? true : false;
  readonly check: FieldCheck;
}

/**
 * Every field with its rule. The key order is the order the bus builds an event in and JSON writes it: the
 * required fields, then the optional ones, so events with and without them share one key order. `data` is any
 * JSON value, checked by walking it (`normalizePayload`), not here.
 */
const FIELDS: { readonly [K in EnvelopeField]-?: FieldRule<K> } = {
  id: { optional: false, check: eventIdProblem },
  type: { optional: false, check: eventTypeProblem },
  version: { optional: false, check: versionProblem },
  data: { optional: false, check: () => undefined },
  timestamp: { optional: false, check: timestampProblem },
  correlationId: { optional: false, check: envelopeTextProblem },
  source: { optional: false, check: envelopeTextProblem },
  severity: { optional: false, check: severityProblem },
  metadata: { optional: false, check: metadataProblem },
  causationId: { optional: true, check: envelopeTextProblem },
  actorId: { optional: true, check: envelopeTextProblem },
};

/** Every `BusEvent` field, in the order events are built and written as JSON (see `FIELDS`). */
export const ENVELOPE_FIELDS: readonly EnvelopeField[] = Object.freeze(
  Object.keys(FIELDS) as EnvelopeField[],
);

/** The longest envelope string (correlation id, causation id, actor, source), in UTF-16 code units. */
export const MAX_ENVELOPE_TEXT_LENGTH = 200;

/** The event fields emit options can set as text; checked in this order. */
const TEXT_OPTIONS = ['correlationId', 'causationId', 'actorId', 'source'] as const;
const TEXT_LENGTH = `must be a non-empty string of at most ${MAX_ENVELOPE_TEXT_LENGTH} characters`;
/** Control characters (Unicode Cc) and surrogate halves: the characters an envelope string is checked for. */
const SUSPECT_CHARACTER = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for the fields a `BusEvent` may leave out. */
export function isOptionalEnvelopeField(field: EnvelopeField): field is OptionalEnvelopeField {
  return FIELDS[field].optional;
}

/**
 * Why `value` cannot be an envelope string (correlation id, causation id, actor id, source), or undefined: it
 * must be a string of 1 to 200 UTF-16 code units, with no control character (U+0000-U+001F, U+007F-U+009F) and
 * no lone surrogate, so it can travel as a header (UTF-8 text) and be logged on one line. Ids taken from a
 * client's request follow a stricter rule (`sanitizeCorrelationId`).
 */
export function envelopeTextProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ENVELOPE_TEXT_LENGTH) {
    return TEXT_LENGTH;
  }
  if (!SUSPECT_CHARACTER.test(value)) return undefined;
  if (CONTROL_CHARACTER.test(value))
    return 'must not contain control characters (U+0000-U+001F, U+007F-U+009F)';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/** Why `value` cannot be an event id, or undefined: it must be a lowercase UUID (the bus makes UUIDv7s). */
export function eventIdProblem(value: unknown): string | undefined {
  return typeof value === 'string' && LOWERCASE_UUID.test(value) ? undefined : 'must be a lowercase UUID';
}

/**
 * Why `value` cannot be an event type, or undefined. Unlike `explainEventType` the text does not repeat the value,
 * which may come from outside (a message body) and end up in logs.
 */
export function eventTypeProblem(value: unknown): string | undefined {
  if (isValidEventType(value)) return undefined;
  return typeof value === 'string'
    ? 'must be lowercase dotted segments of letters, digits, "-" and "_", at most 200 characters (e.g. "user.created")'
    : 'must be a string';
}

/** Why `value` cannot be a payload schema version, or undefined: a positive safe integer. */
export function versionProblem(value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 1 ? undefined : 'must be a positive integer';
}

/**
 * Why `value` cannot be an event timestamp, or undefined: ISO-8601 UTC with milliseconds naming a real instant
 * (`Date.parse` alone would roll `02-30` over to March).
 */
export function timestampProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && ISO_UTC_MS.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === value) return undefined;
  }
  return 'must be an ISO-8601 UTC time with milliseconds, e.g. 2026-01-31T12:00:00.000Z';
}

/** Why `value` cannot be a severity, or undefined. */
export function severityProblem(value: unknown): string | undefined {
  return EVENT_SEVERITIES.includes(value as EventSeverity)
    ? undefined
    : `must be one of ${EVENT_SEVERITIES.join(', ')}`;
}

/** Why `value` cannot be an event's metadata, or undefined: a JSON object (its content is checked as a payload). */
export function metadataProblem(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? undefined
    : 'must be an object';
}

/** Why `value` cannot be the event's `field`, or undefined; `undefined` is fine for an optional field only. */
export function envelopeFieldProblem(field: EnvelopeField, value: unknown): string | undefined {
  const rule = FIELDS[field];
  if (value === undefined) return rule.optional ? undefined : 'is missing';
  return rule.check(value);
}

/**
 * Every problem of `record` as an event envelope: each field checked (own properties only, so nothing inherited
 * counts) and every key that is not a field named. The payload and metadata values are not walked here.
 */
export function envelopeIssues(record: object): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const field of ENVELOPE_FIELDS) {
    const problem = envelopeFieldProblem(field, ownValue(record, field));
    if (problem !== undefined) issues.push({ path: field, message: problem });
  }
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(FIELDS, key)) issues.push({ path: key, message: 'is not a BusEvent field' });
  }
  return issues;
}

/**
 * Checks the fields an emit's options can set (correlation id, causation id, actor id, source, then severity)
 * on the event being built, and throws an `EventValidationError` naming the first bad one.
 */
export function checkEnvelopeOptions(type: string, event: BusEvent): void {
  for (const field of TEXT_OPTIONS) {
    const value = event[field];
    const problem = value === undefined ? undefined : envelopeTextProblem(value);
    if (problem !== undefined) throw new EventValidationError(type, [{ path: field, message: problem }]);
  }
  const problem = severityProblem(event.severity);
  if (problem !== undefined) throw new EventValidationError(type, [{ path: 'severity', message: problem }]);
}

/**
 * The named fields of `event`, in the order given; an unset optional field is left out. For views of an event
 * (log lines, records) that keep their own field order.
 */
export function pickEnvelope<F extends EnvelopeField>(
  event: BusEvent,
  fields: readonly F[],
): Pick<BusEvent, F> {
  const picked: Partial<Pick<BusEvent, F>> = {};
  for (const field of fields) {
    const value = event[field];
    if (value !== undefined) picked[field] = value;
  }
  return picked as Pick<BusEvent, F>;
}

/** `pickEnvelope`, with an unset optional field as `null`, the way a database row holds it. */
export function envelopeColumns<F extends EnvelopeField>(
  event: BusEvent,
  fields: readonly F[],
): EnvelopeColumns<F> {
  const columns: Partial<Record<F, unknown>> = {};
  for (const field of fields) columns[field] = event[field] ?? null;
  return columns as EnvelopeColumns<F>;
}

/** The named fields of an event, unset optional ones as `null`. */
export type EnvelopeColumns<F extends EnvelopeField> = {
  [K in F]: K extends OptionalEnvelopeField ? Exclude<BusEvent[K], undefined> | null : BusEvent[K];
};

/** `record[key]` when it is an own property: an inherited value (a polluted prototype) never counts. */
export function ownValue(record: object, key: string): unknown {
  return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}
