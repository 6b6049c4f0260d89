import type { TracerProvider } from '@opentelemetry/api';
import type { BusTelemetry } from '../bus/ports/bus-telemetry.port';
import { isRecord } from '../common/option-checks';
import { rejectUnknownKeys } from '../common/reject-unknown-keys';
import { EventsConfigError } from '../errors/events-config.error';
import { loadOtelApi } from './otel.api';
import { OtelBusTelemetry, type TraceLinks } from './otel.telemetry';
import { tracerSource } from './tracer.source';

/** Options of `openTelemetry()`. */
export interface OpenTelemetryOptions {
  /**
   * How the `process` span of an event delivered by a transport relates to the context the event was created in
   * (its producer's `create` span): `'parent-and-link'` (default) makes it a child of that context and links to
   * it, so one request is one trace across processes; `'link-only'` starts a new trace per delivery, linked to it.
   */
  links?: TraceLinks;
  /** The tracer's name (the instrumentation scope); default `nestjs-event-bus`. */
  tracerName?: string;
  /** Where spans go; default the global tracer provider, the one an OpenTelemetry SDK registers. */
  tracerProvider?: TracerProvider;
}

const LINKS: readonly TraceLinks[] = ['parent-and-link', 'link-only'];

/**
 * OpenTelemetry tracing for the bus, following the messaging semantic conventions. Give the result to
 * `EventsModule.forRoot({ telemetry })`. Needs `@opentelemetry/api` (an optional peer); without an SDK
 * registered it records nothing and costs one comparison per hook. See docs/tracing.md.
 *
 * @example
 * EventsModule.forRoot({ source: 'orders-api', transport, telemetry: openTelemetry() })
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): BusTelemetry {
  const { links, tracerName, tracerProvider } = checkOptions(options);
  const api = loadOtelApi();
  const settings = {
    api,
    source: tracerSource(api, tracerName, tracerProvider),
    links,
    deliveryKey: api.createContextKey('nestjs-event-bus inbound delivery'),
  };
  return new OtelBusTelemetry(settings, { service: 'app' });
}

function checkOptions(options: unknown): Required<Omit<OpenTelemetryOptions, 'tracerProvider'>> & {
  tracerProvider?: TracerProvider;
} {
  if (!isRecord(options)) throw new EventsConfigError('telemetry', 'openTelemetry({ links?, ... })', options);
  rejectUnknownKeys('openTelemetry()', options, ['links', 'tracerName', 'tracerProvider']);
  const { links = 'parent-and-link', tracerName = 'nestjs-event-bus', tracerProvider } = options;
  if (!LINKS.includes(links as TraceLinks)) {
    throw new EventsConfigError('openTelemetry().links', `one of ${LINKS.join(', ')}`, links);
  }
  if (typeof tracerName !== 'string' || tracerName === '') {
    throw new EventsConfigError('openTelemetry().tracerName', 'a non-empty string', tracerName);
  }
  if (tracerProvider !== undefined && typeof (tracerProvider as TracerProvider)?.getTracer !== 'function') {
    throw new EventsConfigError('openTelemetry().tracerProvider', 'a TracerProvider', tracerProvider);
  }
  return {
    links: links as TraceLinks,
    tracerName,
    tracerProvider: tracerProvider as TracerProvider | undefined,
  };
}
