import { sanitizeCorrelationId } from '../event/envelope-text';

// The rule for ids taken from outside is one of the envelope string rules (event/envelope-text.ts).
export { sanitizeCorrelationId };

const LOWER_HEX = /^[0-9a-f]+$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
/** `00-` + 32 + `-` + 16 + `-` + 2. */
const TRACEPARENT_V0_LENGTH = 55;

/**
 * The trace id of a W3C `traceparent` header (`version-traceid-parentid-flags`), or `undefined` when the header
 * is malformed: trace id and parent id must be lowercase hex of 32 and 16 digits and not all zeros, the version
 * two hex digits other than `ff`; version `00` allows nothing after the flags, later versions only `-...`.
 */
export function traceIdFromTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length < TRACEPARENT_V0_LENGTH || value.length > 512)
    return undefined;
  const version = value.slice(0, 2);
  if (!LOWER_HEX.test(version) || version === 'ff') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  if (value.length > TRACEPARENT_V0_LENGTH && (version === '00' || value[TRACEPARENT_V0_LENGTH] !== '-')) {
    return undefined;
  }
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!LOWER_HEX.test(traceId) || traceId === ZERO_TRACE_ID) return undefined;
  if (!LOWER_HEX.test(parentId) || parentId === ZERO_PARENT_ID) return undefined;
  if (!LOWER_HEX.test(flags)) return undefined;
  return traceId;
}

/** Reads one header; for a repeated header Node gives an array (or a comma-joined string, which is rejected). */
export type HeaderReader = (name: string) => unknown;

/**
 * The correlation id an incoming request or message carries: the first of `headers` (lowercase names, in order)
 * that holds a valid id. A header named `traceparent` is read as W3C trace context (its trace id is used); every
 * other header must hold a safe id (see `sanitizeCorrelationId`). Invalid values are skipped, never returned.
 */
export function correlationIdFromHeaders(read: HeaderReader, headers: readonly string[]): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i];
    const raw = read(name);
    if (raw === undefined) continue;
    const id = idFromHeader(name, raw);
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * `correlationIdFromHeaders` over a header map keyed by lowercase name (Node's `IncomingMessage.headers`), with
 * no reader function to make per request.
 */
export function correlationIdFromHeaderMap(
  map: Readonly<Record<string, unknown>>,
  headers: readonly string[],
): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i];
    const raw = map[name];
    if (raw === undefined) continue;
    const id = idFromHeader(name, raw);
    if (id !== undefined) return id;
  }
  return undefined;
}

function idFromHeader(name: string, raw: unknown): string | undefined {
  return name === 'traceparent' ? traceIdFromTraceparent(raw) : sanitizeCorrelationId(raw);
}
