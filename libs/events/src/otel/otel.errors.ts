import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/** `@opentelemetry/api` is not installed: `openTelemetry()` needs it (an optional peer of nestjs-event-bus). */
export class OpenTelemetryApiMissingError extends MissingPeerDependencyError {
  constructor(cause?: unknown) {
    super('@opentelemetry/api', 'telemetry', cause);
    this.message =
      'openTelemetry() from nestjs-event-bus/otel needs the package "@opentelemetry/api" (^1.3.0), which could ' +
      'not be loaded. Install it (npm install @opentelemetry/api), with an OpenTelemetry SDK to record spans.';
  }
}
