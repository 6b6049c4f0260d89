import type { Context, Span } from '@opentelemetry/api';
import type { AfterFailure, AttemptTrace } from '../bus/ports/bus-telemetry.port';
import { ATTR, SPAN_EVENT } from './otel.attributes';
import type { OtelApi } from './otel.api';

/** The attempt trace of a bus whose telemetry is idle (no SDK): does nothing, allocates nothing. */
export const IDLE_ATTEMPT: AttemptTrace = Object.freeze({
  run: <R>(handler: () => R): R => handler(),
  succeeded: () => undefined,
  failed: () => undefined,
});

/** The `process` span of one handler attempt: active while the handler runs, ended with its outcome. */
export class SpanAttemptTrace implements AttemptTrace {
  constructor(
    private readonly api: OtelApi,
    private readonly span: Span,
    private readonly parent: Context,
  ) {}

  run<R>(handler: () => R): R {
    return this.api.context.with(this.api.trace.setSpan(this.parent, this.span), handler);
  }

  succeeded(): void {
    this.span.end();
  }

  failed(error: Error, next: AfterFailure): void {
    recordFailure(this.api, this.span, error);
    if (next.then === 'retry') {
      this.span.addEvent(SPAN_EVENT.retry, {
        [ATTR.attempt]: next.attempt,
        [ATTR.retryDelayMs]: next.delayMs,
      });
    } else if (next.then === 'dead-letter') {
      this.span.addEvent(SPAN_EVENT.deadLetter, {
        [ATTR.deadLetterId]: next.letter.id,
        [ATTR.attempt]: next.letter.attempts,
      });
    }
    this.span.end();
  }
}

/** Marks `span` failed with `error`: the exception event, an error status and `error.type`. */
export function recordFailure(api: OtelApi, span: Span, thrown: unknown): void {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  span.recordException(error);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
  span.setAttribute(ATTR.errorType, errorType(error));
}

/** A low-cardinality name for what failed: the error's name (its class, for most errors). */
function errorType(error: Error): string {
  return typeof error.name === 'string' && error.name !== '' ? error.name : '_OTHER';
}
