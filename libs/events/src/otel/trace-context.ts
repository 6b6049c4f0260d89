import type { SpanContext } from '@opentelemetry/api';
import type { EventTraceContext } from '../event/event.codec';
import type { OtelApi } from './otel.api';

/** `version-traceid-parentid-flags`, lowercase hex; a later version may add fields after a dash. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The W3C trace context headers of a span context. Written directly rather than through the global propagator:
 * a transport carries exactly `traceparent` and `tracestate`, whatever propagator the application configured.
 */
export function traceHeadersOf(context: SpanContext): EventTraceContext {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  const traceparent = `00-${context.traceId}-${context.spanId}-${flags}`;
  const tracestate = context.traceState?.serialize();
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** The remote span context a delivery's headers describe, or undefined when they describe none validly. */
export function spanContextOf(api: OtelApi, headers: EventTraceContext | undefined): SpanContext | undefined {
  const match = headers?.traceparent === undefined ? null : TRACEPARENT.exec(headers.traceparent);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (!api.isValidTraceId(traceId) || !api.isValidSpanId(spanId)) return undefined;
  const tracestate = headers!.tracestate;
  return {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16),
    isRemote: true,
    ...(tracestate ? { traceState: api.createTraceState(tracestate) } : {}),
  };
}
