import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { OtelApi } from './otel.api';

/** A tracer, and whether spans would be recorded anywhere. */
export interface TracerSource {
  readonly tracer: Tracer;
  /**
   * True while no SDK is registered (the global provider still delegates to the no-op one): then the bus makes
   * no span at all, at the cost of one call and one comparison per hook.
   */
  idle(): boolean;
}

/** The delegate of a global provider that has none: the API's no-op provider. */
interface Delegating extends TracerProvider {
  getDelegate(): TracerProvider;
}

/**
 * The tracer of `provider` when one is given (never idle), else of the global provider. The global provider is
 * read once: the API keeps one proxy that an SDK registers into, at any time, before or after this.
 */
export function tracerSource(api: OtelApi, name: string, provider?: TracerProvider): TracerSource {
  if (provider !== undefined) return { tracer: provider.getTracer(name), idle: () => false };
  const global = api.trace.getTracerProvider() as Partial<Delegating>;
  const tracer = api.trace.getTracerProvider().getTracer(name);
  if (typeof global.getDelegate !== 'function') return { tracer, idle: () => false };
  const proxy = global as Delegating;
  const noop = new api.ProxyTracerProvider().getDelegate();
  return { tracer, idle: () => proxy.getDelegate() === noop };
}
