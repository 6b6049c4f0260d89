import { EventValidationError, type ValidationIssue } from '../errors/event-validation.error';
import { EVENT_SEVERITIES, type BusEvent, type EventSeverity } from './bus-event.interface';
import { envelopeTextProblem, metadataKeysProblem } from './envelope-text';
import { isValidEventType } from './event-type';

// The string rules live in envelope-text.ts; re-exported here for the modules that read them with the fields.
export { envelopeTextProblem, MAX_ENVELOPE_TEXT_LENGTH } from './envelope-text';

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

/** The event fields emit options can set as text; checked in this order. */
const TEXT_OPTIONS = ['correlationId', 'causationId', 'actorId', 'source'] as const;
const LOWERCASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** True for the fields a `BusEvent` may leave out. */
export function isOptionalEnvelopeField(field: EnvelopeField): field is OptionalEnvelopeField {
  return FIELDS[field].optional;
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
 * Why `value` cannot be an event timestamp, or undefined: ISO-8601 UTC with milliseconds naming a real instant,
 * as `Date.prototype.toISOString` writes it (no `02-30`, no `24:00`, no leap second). Checked by digits, not with
 * `Date.parse`, which costs more than the rest of an envelope check together and would roll `02-30` over to March.
 */
export function timestampProblem(value: unknown): string | undefined {
  return typeof value === 'string' && ISO_UTC_MS.test(value) && isRealInstant(value)
    ? undefined
    : 'must be an ISO-8601 UTC time with milliseconds, e.g. 2026-01-31T12:00:00.000Z';
}

/** For text shaped `YYYY-MM-DDTHH:mm:ss.sssZ`: is it a date of the (proleptic Gregorian) calendar and a time of day? */
function isRealInstant(text: string): boolean {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(text, 11, 2) < 24 &&
    digits(text, 14, 2) < 60 &&
    digits(text, 17, 2) < 60
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The number written by the `count` ASCII digits of `text` from `start`. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
}

/** Why `value` cannot be a severity, or undefined. */
export function severityProblem(value: unknown): string | undefined {
  return EVENT_SEVERITIES.includes(value as EventSeverity)
    ? undefined
    : `must be one of ${EVENT_SEVERITIES.join(', ')}`;
}

/**
 * Why `value` cannot be an event's metadata, or undefined: a JSON object whose top-level keys follow the envelope
 * string rule (its values are checked as a payload).
 */
export function metadataProblem(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? metadataKeysProblem(value)
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
