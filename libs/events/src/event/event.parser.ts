import { EventValidationError, type ValidationIssue } from '../errors/event-validation.error';
import { EVENT_SEVERITIES, type BusEvent, type EventSeverity } from './bus-event.interface';
import { explainEventType } from './event-type';
import { normalizePayload } from './json/json-payload';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KNOWN_KEYS = new Set([
  'id',
  'type',
  'version',
  'data',
  'timestamp',
  'correlationId',
  'causationId',
  'source',
  'actorId',
  'severity',
  'metadata',
]);

/**
 * Reads a `BusEvent` back from JSON text (or an already parsed value), checking every field, and returns it
 * deep-frozen. Throws `EventValidationError` listing every problem when the input is not a well-formed event.
 */
export function parseEvent<T = unknown>(input: string | unknown): BusEvent<T> {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new EventValidationError(undefined, [
        { path: '', message: `not JSON: ${(error as Error).message}` },
      ]);
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EventValidationError(undefined, [{ path: '', message: 'an event must be a JSON object' }]);
  }
  return checkFields(raw as Record<string, unknown>) as BusEvent<T>;
}

function checkFields(raw: Record<string, unknown>): BusEvent {
  const issues: ValidationIssue[] = [];
  const type = typeof raw.type === 'string' ? raw.type : undefined;
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) issues.push({ path, message });
  };
  need(typeof raw.id === 'string' && UUID_RE.test(raw.id), 'id', 'must be a lowercase UUID');
  const typeProblem = explainEventType(raw.type);
  if (typeProblem) issues.push({ path: 'type', message: typeProblem });
  need(
    Number.isInteger(raw.version) && (raw.version as number) >= 1,
    'version',
    'must be a positive integer',
  );
  need(
    isExactUtcTime(raw.timestamp),
    'timestamp',
    'must be an ISO-8601 UTC time with milliseconds, e.g. 2026-01-31T12:00:00.000Z',
  );
  need(isNonEmptyString(raw.correlationId), 'correlationId', 'must be a non-empty string');
  need(
    raw.causationId === undefined || isNonEmptyString(raw.causationId),
    'causationId',
    'must be a non-empty string when present',
  );
  need(isNonEmptyString(raw.source), 'source', 'must be a non-empty string');
  need(
    raw.actorId === undefined || isNonEmptyString(raw.actorId),
    'actorId',
    'must be a non-empty string when present',
  );
  need(
    EVENT_SEVERITIES.includes(raw.severity as EventSeverity),
    'severity',
    `must be one of ${EVENT_SEVERITIES.join(', ')}`,
  );
  need('data' in raw, 'data', 'is missing');
  const metadataIsObject =
    typeof raw.metadata === 'object' && raw.metadata !== null && !Array.isArray(raw.metadata);
  need(metadataIsObject, 'metadata', 'must be an object');
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) issues.push({ path: key, message: 'is not a BusEvent field' });
  }
  const data = normalizePayload('data' in raw ? raw.data : null);
  for (const issue of data.issues ?? []) issues.push({ ...issue, path: prefix('data', issue.path) });
  const metadata = metadataIsObject ? normalizePayload(raw.metadata) : undefined;
  for (const issue of metadata?.issues ?? []) issues.push({ ...issue, path: prefix('metadata', issue.path) });
  if (issues.length > 0) throw new EventValidationError(type, issues);

  const event: Record<string, unknown> = {
    id: raw.id,
    type: raw.type,
    version: raw.version,
    data: data.value,
    timestamp: raw.timestamp,
    correlationId: raw.correlationId,
    source: raw.source,
    severity: raw.severity,
    metadata: metadata!.value,
  };
  // Same key order as the bus builds events, so JSON.stringify(parseEvent(text)) gives `text` back.
  if (raw.causationId !== undefined) event.causationId = raw.causationId;
  if (raw.actorId !== undefined) event.actorId = raw.actorId;
  return Object.freeze(event) as unknown as BusEvent;
}

/** ISO-8601 UTC with milliseconds, naming a real instant: Date.parse would roll `02-30` over to March. */
function isExactUtcTime(value: unknown): boolean {
  if (typeof value !== 'string' || !ISO_UTC_RE.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === value;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function prefix(head: string, path: string): string {
  return path ? `${head}.${path}` : head;
}
