import { context, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A real SDK tracer provider whose finished spans are kept in memory. */
export interface SpanRecorder {
  readonly provider: BasicTracerProvider;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The finished spans called `name`. */
  named(name: string): ReadableSpan[];
  shutdown(): Promise<void>;
}

/** A provider with an in-memory exporter (not registered globally: give it as `tracerProvider`, or `register` it). */
export function spanRecorder(): SpanRecorder {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    named: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Registers `recorder`'s provider as the global one, with the AsyncLocalStorage context manager, as an
 * application's tracing setup does (Jest runs each test file with globals of its own).
 */
export function registerGlobally(recorder: SpanRecorder): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(recorder.provider);
}

/** The span's parent span id, or undefined for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** `span`'s own ids. */
export function idsOf(span: ReadableSpan): SpanContext {
  return span.spanContext();
}
