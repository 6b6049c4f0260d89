// The entry point nestjs-event-bus/otel: OpenTelemetry tracing. It needs the optional peer `@opentelemetry/api`.
export { openTelemetry } from './open-telemetry';
export type { OpenTelemetryOptions } from './open-telemetry';
export type { TraceLinks } from './otel.telemetry';
export { ATTR as TRACE_ATTRIBUTES, SPAN_EVENT as TRACE_EVENTS } from './otel.attributes';
export { OpenTelemetryApiMissingError } from './otel.errors';
