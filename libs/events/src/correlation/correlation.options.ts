import { checkBoolean, isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import {
  resolveTrustClientIds,
  type ResolvedClientIdTrust,
  type TrustClientIdsOption,
} from './client-id-trust';

/**
 * The `correlation` option of `EventsModule.forRoot()`: how HTTP requests (and microservice messages) get their
 * correlation id. `correlation: false` turns all of it off.
 */
export interface CorrelationOptions {
  /**
   * Request headers to take the id from, first valid one wins. A header named `traceparent` is read as W3C trace
   * context (its trace id). Default `['x-correlation-id', 'x-request-id', 'traceparent']`.
   */
  headers?: string[];
  /** Response header that echoes the id; `false` sends none. Default `x-correlation-id`. */
  responseHeader?: string | false;
  /**
   * Request events. `true` (the default): `http.request.completed` or `http.request.failed` for every routed
   * request. `{ started: true }`: `http.request.started` as well. `false`: none.
   */
  httpEvents?: boolean | HttpEventsOptions;
  /** Makes the id of a request that brought none (or only invalid ones). Default: a new UUIDv7. */
  generateId?: () => string;
  /**
   * Which HTTP callers may choose their request's correlation id through `headers`. `true` (the default): anyone
   * (ids are still checked). `false`: no one, every request gets a generated id. `{ proxies: [...] }`: only
   * requests whose connection comes from one of these addresses or CIDR ranges (a proxy that sets or checks the
   * header). A function `(request) => boolean`: your own rule (a signed header, mTLS), called once per request
   * before any guard. An untrusted caller's id is ignored and a fresh one generated (and echoed). Microservice
   * messages are not affected. See docs/correlation.md.
   */
  trustClientIds?: TrustClientIdsOption;
}

/** Internal: the resolved `correlation` option (`false` when correlation is off), provided by `EventsModule`. */
export const CORRELATION_OPTIONS = Symbol('nestjs-event-bus:correlation-options');

/** The object form of `CorrelationOptions.httpEvents`: `completed`/`failed` on, `started` as chosen. */
export interface HttpEventsOptions {
  /**
   * Also emit `http.request.started` once a request has been routed. Default `false`: it needs a global guard on
   * every routed request, and `completed`/`failed` already carry when the request started (`durationMs`).
   */
  started?: boolean;
}

/** `CorrelationOptions` with defaults applied (header names lowercased). */
export interface ResolvedCorrelationOptions {
  headers: readonly string[];
  responseHeader: string | false;
  /** `http.request.completed` / `failed`. */
  httpEvents: boolean;
  /** `http.request.started` (only with `httpEvents`). */
  httpStarted: boolean;
  generateId: (() => string) | undefined;
  /** Whose header ids count: everyone (`true`), no one (`false`), or a check per request. */
  trustClientIds: ResolvedClientIdTrust;
}

/** The headers read when the `headers` option is not given, in order of precedence. */
export const DEFAULT_CORRELATION_HEADERS: readonly string[] = Object.freeze([
  'x-correlation-id',
  'x-request-id',
  'traceparent',
]);
const DEFAULT_RESPONSE_HEADER = 'x-correlation-id';

const KNOWN_KEYS = ['headers', 'responseHeader', 'httpEvents', 'generateId', 'trustClientIds'];
const HTTP_EVENTS_KEYS = ['started'];
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** Applies defaults to the `correlation` option and validates it; throws `EventsConfigError` naming the field. */
export function resolveCorrelationOptions(value: unknown): ResolvedCorrelationOptions | false {
  if (value === false) return false;
  if (value === undefined) value = {};
  if (!isRecord(value)) {
    throw new EventsConfigError(
      'correlation',
      'false or { headers?, responseHeader?, httpEvents?, generateId?, trustClientIds? }',
      value,
    );
  }
  rejectUnknownKeys('correlation', value, KNOWN_KEYS);
  const { headers, responseHeader, httpEvents, generateId, trustClientIds } = value;
  return {
    headers: checkHeaders(headers),
    responseHeader: checkResponseHeader(responseHeader),
    ...checkHttpEvents(httpEvents),
    generateId: checkGenerateId(generateId),
    trustClientIds: resolveTrustClientIds(trustClientIds),
  };
}

function checkHttpEvents(value: unknown): Pick<ResolvedCorrelationOptions, 'httpEvents' | 'httpStarted'> {
  if (value === undefined || value === true) return { httpEvents: true, httpStarted: false };
  if (value === false) return { httpEvents: false, httpStarted: false };
  if (!isRecord(value)) {
    throw new EventsConfigError('correlation.httpEvents', 'true, false or { started?: boolean }', value);
  }
  rejectUnknownKeys('correlation.httpEvents', value, HTTP_EVENTS_KEYS);
  return {
    httpEvents: true,
    httpStarted: checkBoolean('correlation.httpEvents.started', value.started, false),
  };
}

function checkHeaders(headers: unknown): readonly string[] {
  if (headers === undefined) return DEFAULT_CORRELATION_HEADERS;
  if (
    !Array.isArray(headers) ||
    headers.length > 20 ||
    !headers.every((name) => typeof name === 'string' && HEADER_NAME.test(name))
  ) {
    throw new EventsConfigError('correlation.headers', 'an array of at most 20 header names', headers);
  }
  return Object.freeze([...new Set(headers.map((name: string) => name.toLowerCase()))]);
}

function checkResponseHeader(responseHeader: unknown): string | false {
  if (responseHeader === undefined) return DEFAULT_RESPONSE_HEADER;
  if (responseHeader === false) return false;
  if (typeof responseHeader !== 'string' || !HEADER_NAME.test(responseHeader)) {
    throw new EventsConfigError('correlation.responseHeader', 'a header name or false', responseHeader);
  }
  return responseHeader.toLowerCase();
}

function checkGenerateId(generateId: unknown): (() => string) | undefined {
  if (generateId === undefined) return undefined;
  if (typeof generateId !== 'function') {
    throw new EventsConfigError('correlation.generateId', 'a function returning a string', generateId);
  }
  return generateId as () => string;
}
