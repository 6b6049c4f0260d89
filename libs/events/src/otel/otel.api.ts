import type * as Api from '@opentelemetry/api';
import { loadOptionalPeer } from '../common/optional-peer';
import { OpenTelemetryApiMissingError } from './otel.errors';

/** The parts of `@opentelemetry/api` the bus uses. */
export type OtelApi = Pick<
  typeof Api,
  | 'context'
  | 'trace'
  | 'ProxyTracerProvider'
  | 'SpanKind'
  | 'SpanStatusCode'
  | 'createContextKey'
  | 'createTraceState'
  | 'isSpanContextValid'
  | 'isValidSpanId'
  | 'isValidTraceId'
>;

/** Loads `@opentelemetry/api` (an optional peer), or throws `OpenTelemetryApiMissingError`. */
export function loadOtelApi(): OtelApi {
  return loadOptionalPeer<OtelApi>('@opentelemetry/api', (cause) => new OpenTelemetryApiMissingError(cause));
}
